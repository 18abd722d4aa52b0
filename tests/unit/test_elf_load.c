/*
 * Unit tests for kernel/elf_load.c. Each test builds an ELF64 image in memory: a good
 * two-segment executable (text, then data with bss), which a test then breaks in exactly one
 * place. Guest memory is a heap buffer filled with a canary byte before every call; a failed
 * load must leave every byte of it (and the info struct) untouched. The file is handed over in
 * a heap buffer of exactly its size, so ASan catches any read past its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/elf_load.h"

/* The same layouts the loader reads (System V gABI), kept separate on purpose: the tests
 * should not share the code under test's idea of the format. */
struct ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD      1
#define PT_NOTE      4
#define PT_GNU_STACK 0x6474e551

#define GUEST_SIZE   (4u << 20)
#define MIN_GPA      0x100000ull
#define CANARY       0xa5

#define FILE_MAX     0x4000
#define MAX_PH       24

#define TEXT_GPA     0x100000ull
#define TEXT_OFF     0x1000ull
#define TEXT_SIZE    0x300ull
#define DATA_GPA     0x200000ull
#define DATA_OFF     0x2000ull
#define DATA_FILESZ  0x80ull
#define DATA_MEMSZ   0x2000ull
#define ENTRY        (TEXT_GPA + 0x10)

struct image {
	struct ehdr eh;
	struct phdr ph[MAX_PH];
	size_t size;                    /* bytes of file */
	unsigned char body[FILE_MAX];   /* the file contents beyond the headers */
};

static unsigned char *guest;

static int setup(void **state)
{
	(void)state;
	guest = malloc(GUEST_SIZE);
	return guest ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(guest);
	return 0;
}

static unsigned char text_byte(uint64_t i) { return (unsigned char)(0x11 + i * 7); }
static unsigned char data_byte(uint64_t i) { return (unsigned char)(0xc3 ^ i); }

/* The good image: text (R X) at 1 MiB, data+bss (RW) at 2 MiB, and two non-load headers. */
static void good_image(struct image *im)
{
	memset(im, 0, sizeof *im);
	memcpy(im->eh.ident, "\x7f" "ELF", 4);
	im->eh.ident[4] = 2;            /* ELFCLASS64 */
	im->eh.ident[5] = 1;            /* ELFDATA2LSB */
	im->eh.ident[6] = 1;            /* EV_CURRENT */
	im->eh.type = 2;                /* ET_EXEC */
	im->eh.machine = 62;            /* EM_X86_64 */
	im->eh.version = 1;
	im->eh.entry = ENTRY;
	im->eh.phoff = sizeof(struct ehdr);
	im->eh.ehsize = sizeof(struct ehdr);
	im->eh.phentsize = sizeof(struct phdr);
	im->eh.phnum = 4;
	im->ph[0] = (struct phdr){ PT_LOAD, 5, TEXT_OFF, TEXT_GPA, TEXT_GPA, TEXT_SIZE, TEXT_SIZE,
				   0x1000 };
	im->ph[1] = (struct phdr){ PT_NOTE, 4, 0x200, 0x100400, 0x100400, 0x20, 0x20, 4 };
	im->ph[2] = (struct phdr){ PT_LOAD, 6, DATA_OFF, DATA_GPA, DATA_GPA, DATA_FILESZ,
				   DATA_MEMSZ, 0x1000 };
	im->ph[3] = (struct phdr){ PT_GNU_STACK, 6, 0, 0, 0, 0, 0, 16 };
	for (uint64_t i = 0; i < TEXT_SIZE; i++)
		im->body[TEXT_OFF + i] = text_byte(i);
	for (uint64_t i = 0; i < DATA_FILESZ; i++)
		im->body[DATA_OFF + i] = data_byte(i);
	im->size = DATA_OFF + DATA_FILESZ;
}

/* Lays the headers over the body (headers sit at phoff, normally right after the ELF header)
 * and returns a heap copy of exactly im->size bytes. */
static unsigned char *file_of(const struct image *im)
{
	unsigned char *buf = malloc(im->size ? im->size : 1);
	assert_non_null(buf);
	unsigned char full[FILE_MAX];
	memcpy(full, im->body, sizeof full);
	memcpy(full, &im->eh, sizeof im->eh);
	uint64_t phbytes = (uint64_t)(im->eh.phnum < MAX_PH ? im->eh.phnum : MAX_PH) *
			   sizeof(struct phdr);
	if (im->eh.phoff < FILE_MAX && phbytes <= FILE_MAX - im->eh.phoff)
		memcpy(full + im->eh.phoff, im->ph, (size_t)phbytes);
	memcpy(buf, full, im->size < FILE_MAX ? im->size : FILE_MAX);
	return buf;
}

static enum elf_load_status load(const struct image *im, struct elf_image_info *info)
{
	unsigned char *f = file_of(im);
	memset(guest, CANARY, GUEST_SIZE);
	enum elf_load_status st = elf_load(f, im->size, guest, GUEST_SIZE, MIN_GPA, info);
	free(f);
	return st;
}

static void assert_guest_untouched(void)
{
	for (size_t i = 0; i < GUEST_SIZE; i++)
		if (guest[i] != CANARY)
			fail_msg("guest byte %#zx was written (%#x)", i, guest[i]);
}

/* Loading im must fail with st, leaving guest memory and the info struct as they were. */
static void expect_failure(const struct image *im, enum elf_load_status st)
{
	struct elf_image_info info;
	memset(&info, 0x5a, sizeof info);
	enum elf_load_status got = load(im, &info);
	if (got != st)
		fail_msg("expected status %d (%s), got %d (%s)", st, elf_load_status_string(st), got,
			 elf_load_status_string(got));
	assert_guest_untouched();
	for (size_t i = 0; i < sizeof info; i++)
		assert_int_equal(((unsigned char *)&info)[i], 0x5a);
}

/* ---- the good image ----------------------------------------------------------------------- */

static void test_valid_image(void **state)
{
	(void)state;
	struct image im;
	good_image(&im);
	struct elf_image_info info;
	memset(&info, 0x5a, sizeof info);
	assert_int_equal(load(&im, &info), ELF_OK);

	assert_int_equal(info.entry, ENTRY);
	assert_int_equal(info.image_start, TEXT_GPA);
	assert_int_equal(info.image_end, DATA_GPA + DATA_MEMSZ);
	assert_int_equal(info.segments, 2);

	for (uint64_t i = 0; i < TEXT_SIZE; i++)
		assert_int_equal(guest[TEXT_GPA + i], text_byte(i));
	for (uint64_t i = 0; i < DATA_FILESZ; i++)
		assert_int_equal(guest[DATA_GPA + i], data_byte(i));
	for (uint64_t i = DATA_FILESZ; i < DATA_MEMSZ; i++)
		assert_int_equal(guest[DATA_GPA + i], 0);       /* bss */
	/* Nothing else was written: not the note's range, not the gap, not past bss. */
	for (uint64_t i = 0; i < GUEST_SIZE; i++) {
		int in_text = i >= TEXT_GPA && i < TEXT_GPA + TEXT_SIZE;
		int in_data = i >= DATA_GPA && i < DATA_GPA + DATA_MEMSZ;
		if (!in_text && !in_data && guest[i] != CANARY)
			fail_msg("byte %#llx outside the segments was written", (unsigned long long)i);
	}
	/* out may be NULL. */
	assert_int_equal(load(&im, NULL), ELF_OK);
}

static void test_valid_edges(void **state)
{
	(void)state;
	struct image im;
	/* A segment ending exactly at the end of guest memory, one starting exactly at min_gpa,
	 * adjacent segments, entry at the first byte of the second segment, and a bss-only
	 * segment (filesz 0, offset ignored even when absurd). */
	good_image(&im);
	im.ph[2].paddr = im.ph[2].vaddr = GUEST_SIZE - DATA_MEMSZ;
	im.ph[0].paddr = im.ph[0].vaddr = MIN_GPA;
	im.eh.entry = GUEST_SIZE - DATA_MEMSZ;
	im.ph[1] = (struct phdr){ PT_LOAD, 6, ~0ull - 3, MIN_GPA + TEXT_SIZE, MIN_GPA + TEXT_SIZE,
				  0, 0x1000, 0x1000 };
	struct elf_image_info info;
	assert_int_equal(load(&im, &info), ELF_OK);
	assert_int_equal(info.segments, 3);
	assert_int_equal(info.image_start, MIN_GPA);
	assert_int_equal(info.image_end, GUEST_SIZE);
	assert_int_equal(info.entry, GUEST_SIZE - DATA_MEMSZ);
	for (uint64_t i = 0; i < 0x1000; i++)
		assert_int_equal(guest[MIN_GPA + TEXT_SIZE + i], 0);
	assert_int_equal(guest[GUEST_SIZE - 1], 0);
	assert_int_equal(guest[MIN_GPA - 1], CANARY);

	/* Empty PT_LOAD segments are ignored, wherever they claim to be. */
	good_image(&im);
	im.ph[3] = (struct phdr){ PT_LOAD, 6, 0, 0x10, 0x10, 0, 0, 0 };
	assert_int_equal(load(&im, &info), ELF_OK);
	assert_int_equal(info.segments, 2);

	/* Exactly ELF_LOAD_MAX_SEGMENTS segments. */
	good_image(&im);
	im.eh.phnum = ELF_LOAD_MAX_SEGMENTS;
	for (unsigned i = 0; i < ELF_LOAD_MAX_SEGMENTS; i++)
		im.ph[i] = (struct phdr){ PT_LOAD, 6, TEXT_OFF, TEXT_GPA + 0x1000 * i,
					  TEXT_GPA + 0x1000 * i, 0x10, 0x20, 0x1000 };
	assert_int_equal(load(&im, &info), ELF_OK);
	assert_int_equal(info.segments, ELF_LOAD_MAX_SEGMENTS);
}

/* ---- one test per status ------------------------------------------------------------------ */

static void test_truncated(void **state)
{
	(void)state;
	struct image im;
	good_image(&im);
	/* Empty, NULL, a bare magic, one byte short of a header. */
	im.size = 0;
	expect_failure(&im, ELF_TRUNCATED);
	memset(guest, CANARY, GUEST_SIZE);
	assert_int_equal(elf_load(NULL, 0, guest, GUEST_SIZE, MIN_GPA, NULL), ELF_TRUNCATED);
	assert_int_equal(elf_load(NULL, 100, guest, GUEST_SIZE, MIN_GPA, NULL), ELF_TRUNCATED);
	im.size = 3;
	expect_failure(&im, ELF_TRUNCATED);
	im.size = 4;
	expect_failure(&im, ELF_TRUNCATED);
	im.size = sizeof(struct ehdr) - 1;
	expect_failure(&im, ELF_TRUNCATED);
	/* The header is whole but the program headers are cut off. */
	im.size = sizeof(struct ehdr) + 4 * sizeof(struct phdr) - 1;
	expect_failure(&im, ELF_TRUNCATED);
	/* Segment data cut off by one byte. */
	good_image(&im);
	im.size = DATA_OFF + DATA_FILESZ - 1;
	expect_failure(&im, ELF_TRUNCATED);
	/* The program header table starts past the end. */
	good_image(&im);
	im.eh.phoff = im.size + 8;
	expect_failure(&im, ELF_TRUNCATED);
	/* A huge phnum: the table would run far past the end. */
	good_image(&im);
	im.eh.phnum = 0xfffe;
	expect_failure(&im, ELF_TRUNCATED);
}

static void test_bad_magic(void **state)
{
	(void)state;
	struct image im;
	good_image(&im);
	im.eh.ident[0] = 'M';
	im.eh.ident[1] = 'Z';
	expect_failure(&im, ELF_BAD_MAGIC);
	good_image(&im);
	im.eh.ident[3] = 'f';
	expect_failure(&im, ELF_BAD_MAGIC);
	/* Even a 2-byte file that is not the start of an ELF file. */
	good_image(&im);
	im.eh.ident[1] = 'e';
	im.size = 2;
	expect_failure(&im, ELF_BAD_MAGIC);
}

static void test_not_64bit(void **state)
{
	(void)state;
	struct image im;
	good_image(&im);
	im.eh.ident[4] = 1;             /* ELFCLASS32 */
	expect_failure(&im, ELF_NOT_64BIT);
	im.eh.ident[4] = 0;
	expect_failure(&im, ELF_NOT_64BIT);
}

static void test_not_little_endian(void **state)
{
	(void)state;
	struct image im;
	good_image(&im);
	im.eh.ident[5] = 2;             /* ELFDATA2MSB */
	expect_failure(&im, ELF_NOT_LITTLE_ENDIAN);
}

static void test_not_x86_64(void **state)
{
	(void)state;
	struct image im;
	good_image(&im);
	im.eh.machine = 183;            /* EM_AARCH64 */
	expect_failure(&im, ELF_NOT_X86_64);
	im.eh.machine = 3;              /* EM_386 */
	expect_failure(&im, ELF_NOT_X86_64);
}

static void test_not_executable(void **state)
{
	(void)state;
	struct image im;
	good_image(&im);
	im.eh.type = 3;                 /* ET_DYN: a PIE or shared object */
	expect_failure(&im, ELF_NOT_EXECUTABLE);
	im.eh.type = 1;                 /* ET_REL */
	expect_failure(&im, ELF_NOT_EXECUTABLE);
	im.eh.type = 4;                 /* ET_CORE */
	expect_failure(&im, ELF_NOT_EXECUTABLE);
}

static void test_bad_program_headers(void **state)
{
	(void)state;
	struct image im;
	/* Wrong entry size, either way. */
	good_image(&im);
	im.eh.phentsize = 32;
	expect_failure(&im, ELF_BAD_PROGRAM_HEADERS);
	im.eh.phentsize = 64;
	expect_failure(&im, ELF_BAD_PROGRAM_HEADERS);
	im.eh.phentsize = 0;
	expect_failure(&im, ELF_BAD_PROGRAM_HEADERS);
	/* Extended numbering (PN_XNUM). */
	good_image(&im);
	im.eh.phnum = 0xffff;
	expect_failure(&im, ELF_BAD_PROGRAM_HEADERS);
	/* phoff + table size wraps around 2^64. */
	good_image(&im);
	im.eh.phoff = ~0ull - 100;
	expect_failure(&im, ELF_BAD_PROGRAM_HEADERS);
	/* filesz > memsz. */
	good_image(&im);
	im.ph[2].memsz = DATA_FILESZ - 1;
	expect_failure(&im, ELF_BAD_PROGRAM_HEADERS);
	/* p_offset near 2^64: offset + filesz wraps to a small number. */
	good_image(&im);
	im.ph[2].offset = ~0ull - 0x10;
	expect_failure(&im, ELF_BAD_PROGRAM_HEADERS);
	good_image(&im);
	im.ph[0].offset = 0x8000000000000000ull;
	im.ph[0].filesz = im.ph[0].memsz = 0x8000000000000000ull;
	expect_failure(&im, ELF_BAD_PROGRAM_HEADERS);
	/* ... and an offset near 2^64 that does not wrap is simply past the end. */
	good_image(&im);
	im.ph[2].offset = ~0ull - DATA_FILESZ;
	expect_failure(&im, ELF_TRUNCATED);
	/* One loadable segment too many. */
	good_image(&im);
	im.eh.phnum = ELF_LOAD_MAX_SEGMENTS + 1;
	for (unsigned i = 0; i < ELF_LOAD_MAX_SEGMENTS + 1; i++)
		im.ph[i] = (struct phdr){ PT_LOAD, 6, TEXT_OFF, TEXT_GPA + 0x1000 * i,
					  TEXT_GPA + 0x1000 * i, 0x10, 0x20, 0x1000 };
	expect_failure(&im, ELF_BAD_PROGRAM_HEADERS);
}

static void test_no_segments(void **state)
{
	(void)state;
	struct image im;
	good_image(&im);
	im.eh.phnum = 0;
	expect_failure(&im, ELF_NO_SEGMENTS);
	/* Only non-load segments, or only empty loads. */
	good_image(&im);
	im.ph[0].type = PT_NOTE;
	im.ph[2].type = PT_GNU_STACK;
	expect_failure(&im, ELF_NO_SEGMENTS);
	good_image(&im);
	im.ph[0].filesz = im.ph[0].memsz = 0;
	im.ph[2].filesz = im.ph[2].memsz = 0;
	expect_failure(&im, ELF_NO_SEGMENTS);
}

static void test_segment_outside(void **state)
{
	(void)state;
	struct image im;
	/* Below min_gpa (the hypervisor-built boot area), even by one byte. */
	good_image(&im);
	im.ph[0].paddr = im.ph[0].vaddr = MIN_GPA - 0x1000;
	expect_failure(&im, ELF_SEGMENT_OUTSIDE);
	good_image(&im);
	im.ph[0].paddr = im.ph[0].vaddr = 0;
	im.eh.entry = 0x10;
	expect_failure(&im, ELF_SEGMENT_OUTSIDE);
	/* Past the end of guest memory, by one byte, or entirely. */
	good_image(&im);
	im.ph[2].paddr = im.ph[2].vaddr = GUEST_SIZE - DATA_MEMSZ + 1;
	expect_failure(&im, ELF_SEGMENT_OUTSIDE);
	good_image(&im);
	im.ph[2].paddr = im.ph[2].vaddr = 1ull << 40;
	expect_failure(&im, ELF_SEGMENT_OUTSIDE);
	/* paddr + memsz wraps around 2^64 to a small number. */
	good_image(&im);
	im.ph[2].paddr = im.ph[2].vaddr = ~0ull - 0xfff;
	expect_failure(&im, ELF_SEGMENT_OUTSIDE);
	good_image(&im);
	im.ph[2].memsz = ~0ull - DATA_GPA + 0x1000;
	expect_failure(&im, ELF_SEGMENT_OUTSIDE);
	/* All or nothing: the first segment is good, only the second is bad, and still not a
	 * byte is written. */
	good_image(&im);
	im.ph[2].memsz = GUEST_SIZE;
	expect_failure(&im, ELF_SEGMENT_OUTSIDE);
}

static void test_segments_overlap(void **state)
{
	(void)state;
	struct image im;
	/* The second starts inside the first. */
	good_image(&im);
	im.ph[2].paddr = im.ph[2].vaddr = TEXT_GPA + TEXT_SIZE - 1;
	expect_failure(&im, ELF_SEGMENTS_OVERLAP);
	/* The second contains the first. */
	good_image(&im);
	im.ph[2].paddr = im.ph[2].vaddr = MIN_GPA;
	im.ph[0].paddr = im.ph[0].vaddr = MIN_GPA + 0x100;
	im.eh.entry = MIN_GPA + 0x100;
	expect_failure(&im, ELF_SEGMENTS_OVERLAP);
	/* Identical ranges. */
	good_image(&im);
	im.ph[2].paddr = im.ph[2].vaddr = TEXT_GPA;
	expect_failure(&im, ELF_SEGMENTS_OVERLAP);
	/* Overlap only through bss (memsz), not file data. */
	good_image(&im);
	im.ph[0].memsz = DATA_GPA - TEXT_GPA + 1;
	expect_failure(&im, ELF_SEGMENTS_OVERLAP);
	/* Touching is not overlapping. */
	good_image(&im);
	im.ph[0].memsz = DATA_GPA - TEXT_GPA;
	struct elf_image_info info;
	assert_int_equal(load(&im, &info), ELF_OK);
}

static void test_address_mismatch(void **state)
{
	(void)state;
	struct image im;
	/* A higher-half kernel-style link: vaddr != paddr. */
	good_image(&im);
	im.ph[0].vaddr = 0xffffffff80000000ull + TEXT_GPA;
	expect_failure(&im, ELF_ADDRESS_MISMATCH);
	good_image(&im);
	im.ph[2].vaddr = DATA_GPA + 0x1000;
	expect_failure(&im, ELF_ADDRESS_MISMATCH);
}

static void test_entry_outside(void **state)
{
	(void)state;
	struct image im;
	/* In the gap between the segments, one past the end of one, before all of them, and in
	 * a non-load segment's range. */
	static const uint64_t bad[] = {
		TEXT_GPA + TEXT_SIZE, DATA_GPA + DATA_MEMSZ, DATA_GPA - 1, 0, TEXT_GPA - 1,
		0x100400 + 0x1000, ~0ull,
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		good_image(&im);
		im.eh.entry = bad[i];
		expect_failure(&im, ELF_ENTRY_OUTSIDE);
	}
	/* Entry in bss is inside the segment (odd, but the rule is "inside a PT_LOAD"). */
	good_image(&im);
	im.eh.entry = DATA_GPA + DATA_MEMSZ - 1;
	assert_int_equal(load(&im, NULL), ELF_OK);
}

static void test_status_strings(void **state)
{
	(void)state;
	for (int s = ELF_OK; s <= ELF_ENTRY_OUTSIDE; s++) {
		const char *str = elf_load_status_string((enum elf_load_status)s);
		assert_non_null(str);
		assert_true(strlen(str) > 5);
		for (int t = ELF_OK; t < s; t++)
			assert_string_not_equal(str, elf_load_status_string((enum elf_load_status)t));
	}
	assert_string_equal(elf_load_status_string(ELF_SEGMENT_OUTSIDE),
			    "a segment lies outside the partition's memory (or below the image area)");
	assert_non_null(elf_load_status_string((enum elf_load_status)99));
	assert_non_null(strstr(elf_load_status_string((enum elf_load_status)99), "unknown"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_image),
		cmocka_unit_test(test_valid_edges),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_not_64bit),
		cmocka_unit_test(test_not_little_endian),
		cmocka_unit_test(test_not_x86_64),
		cmocka_unit_test(test_not_executable),
		cmocka_unit_test(test_bad_program_headers),
		cmocka_unit_test(test_no_segments),
		cmocka_unit_test(test_segment_outside),
		cmocka_unit_test(test_segments_overlap),
		cmocka_unit_test(test_address_mismatch),
		cmocka_unit_test(test_entry_outside),
		cmocka_unit_test(test_status_strings),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
