/*
 * Unit tests for kernel/multiboot.c. Two synthetic kernels are built byte by byte at the
 * offsets the Multiboot 0.6.96 specification and the ELF gABI give (independently of the
 * loader's own constants): an a.out-kludge image (flag 16 address fields, text before the
 * header, bss after the data) and an ELF32 image linked in the higher half (vaddr 0xc0100000,
 * paddr 1 MiB) with a note header between its two loadable segments. Tests boot them into an
 * 8 MiB partition filled with a canary and read back what a kernel would find (its bytes, its
 * bss, the information structure, memory map, module and strings) and that nothing else was
 * written; then break them one field at a time. Files are heap buffers of exactly their size
 * so ASan catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/multiboot.h"

#define RAM_SIZE   (8ull << 20)
#define CANARY     0xa5
#define FILE_MAX   0x4000

static uint8_t *ram;
static uint8_t file[FILE_MAX];
static size_t file_size;

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t file_byte(uint64_t i) { return (uint8_t)(i * 11 + 3); }
static uint8_t mod_byte(uint64_t i) { return (uint8_t)(i * 7 + 0x40); }

/* 3.1.1: magic, flags, checksum such that the three sum to 0 (mod 2^32). */
static void mb_header(size_t at, uint32_t flags)
{
	put32(file + at, 0x1badb002);
	put32(file + at + 4, flags);
	put32(file + at + 8, (uint32_t)-(0x1badb002u + flags));
}

/* ---- the a.out-kludge image -------------------------------------------------------------- */

#define A_HOFF      0x40                 /* file offset of the header */
#define A_LOAD      0x100000u
#define A_LOAD_END  (A_LOAD + 0x2800)    /* the file is 0x3000: its tail is not loaded */
#define A_BSS_END   (A_LOAD + 0x4f10)    /* unaligned: the module goes at 0x105000 */
#define A_ENTRY     (A_LOAD + 0x100)
#define A_SIZE      0x3000

static void aout_fields(uint32_t header_addr, uint32_t load, uint32_t load_end,
			uint32_t bss_end, uint32_t entry)
{
	put32(file + A_HOFF + 12, header_addr);
	put32(file + A_HOFF + 16, load);
	put32(file + A_HOFF + 20, load_end);
	put32(file + A_HOFF + 24, bss_end);
	put32(file + A_HOFF + 28, entry);
}

static void aout_image(void)
{
	for (size_t i = 0; i < FILE_MAX; i++)
		file[i] = file_byte(i);
	mb_header(A_HOFF, 0x00010003);      /* page-align, memory info, address fields */
	aout_fields(A_LOAD + A_HOFF, A_LOAD, A_LOAD_END, A_BSS_END, A_ENTRY);
	file_size = A_SIZE;
}

/* ---- the ELF32 image --------------------------------------------------------------------- */

#define E_TEXT_OFF   0x1000u
#define E_TEXT_VA    0xc0100000u
#define E_TEXT_PA    0x100000u
#define E_TEXT_SIZE  0x800u
#define E_DATA_OFF   0x2000u
#define E_DATA_VA    0xc0200000u
#define E_DATA_PA    0x200000u
#define E_DATA_FILE  0x100u
#define E_DATA_MEM   0x1000u
#define E_ENTRY_VA   (E_TEXT_VA + 0x0c)
#define E_SIZE       (E_DATA_OFF + E_DATA_FILE)

/* Program header i at 52 + 32 i: type, offset, vaddr, paddr, filesz, memsz, flags, align. */
static void elf_phdr(unsigned i, uint32_t type, uint32_t off, uint32_t va, uint32_t pa,
		     uint32_t filesz, uint32_t memsz)
{
	uint8_t *ph = file + 52 + 32 * i;
	put32(ph, type);
	put32(ph + 4, off);
	put32(ph + 8, va);
	put32(ph + 12, pa);
	put32(ph + 16, filesz);
	put32(ph + 20, memsz);
	put32(ph + 24, 5);
	put32(ph + 28, 0x1000);
}

static void elf_image(void)
{
	for (size_t i = 0; i < FILE_MAX; i++)
		file[i] = file_byte(i);
	memset(file, 0, 52 + 3 * 32);
	memcpy(file, "\x7f" "ELF", 4);
	file[4] = 1;                        /* ELFCLASS32 */
	file[5] = 1;                        /* ELFDATA2LSB */
	file[6] = 1;                        /* EV_CURRENT */
	put16(file + 16, 2);                /* ET_EXEC */
	put16(file + 18, 3);                /* EM_386 */
	put32(file + 20, 1);
	put32(file + 24, E_ENTRY_VA);
	put32(file + 28, 52);               /* e_phoff */
	put16(file + 40, 52);               /* e_ehsize */
	put16(file + 42, 32);               /* e_phentsize */
	put16(file + 44, 3);                /* e_phnum */
	elf_phdr(0, 1, E_TEXT_OFF, E_TEXT_VA, E_TEXT_PA, E_TEXT_SIZE, E_TEXT_SIZE);
	elf_phdr(1, 4, 0x200, 0, 0, 0x20, 0x20);                      /* PT_NOTE */
	elf_phdr(2, 1, E_DATA_OFF, E_DATA_VA, E_DATA_PA, E_DATA_FILE, E_DATA_MEM);
	mb_header(E_TEXT_OFF, 0x00000003);  /* in the text; no address fields */
	file_size = E_SIZE;
}

/* ---- running the loader ------------------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

#define MOD_SIZE 0x1800u

static uint8_t *copy_of(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	assert_non_null(c);
	memcpy(c, p, n);
	return c;
}

static enum mb_status load_with(size_t n, const char *name, const char *cmdline,
				uint64_t mod_size, const char *mod_name, int with_mod,
				struct mb_layout *out)
{
	uint8_t *f = copy_of(file, n);
	uint8_t *mod = NULL;
	if (with_mod) {
		mod = malloc(mod_size ? mod_size : 1);
		assert_non_null(mod);
		for (uint64_t i = 0; i < mod_size; i++)
			mod[i] = mod_byte(i);
	}
	memset(ram, CANARY, RAM_SIZE);
	enum mb_status st = mb_load(ram, RAM_SIZE, f, n, name, cmdline, mod, mod_size, mod_name,
				    out);
	free(mod);
	free(f);
	return st;
}

static enum mb_status load(struct mb_layout *out)
{
	return load_with(file_size, "kernel.bin", "console=ttyS0 quiet", MOD_SIZE, "initrd.cpio",
			 1, out);
}

static void expect_refusal(enum mb_status st)
{
	struct mb_layout lay;
	memset(&lay, 0x5a, sizeof lay);
	enum mb_status got = load(&lay);
	if (got != st)
		fail_msg("expected %d (%s), got %d (%s)", st, mb_status_string(st), got,
			 mb_status_string(got));
	for (uint64_t i = 0; i < RAM_SIZE; i++)
		if (ram[i] != CANARY)
			fail_msg("RAM byte %#llx was written", (unsigned long long)i);
	for (size_t i = 0; i < sizeof lay; i++)
		assert_int_equal(((uint8_t *)&lay)[i], 0x5a);
}

/* Every byte outside [a, a+n) of these ranges must still be the canary. */
struct range { uint64_t a, n; };
static void only_written(const struct range *r, unsigned count)
{
	for (uint64_t i = 0; i < RAM_SIZE; i++) {
		int inside = 0;
		for (unsigned j = 0; j < count; j++)
			if (i >= r[j].a && i < r[j].a + r[j].n)
				inside = 1;
		if (!inside && ram[i] != CANARY)
			fail_msg("RAM byte %#llx outside the image was written",
				 (unsigned long long)i);
	}
}

/* ---- a.out kludge ------------------------------------------------------------------------ */

static void aout_image_loads(void **state)
{
	(void)state;
	aout_image();
	struct mb_layout lay;
	assert_int_equal(load(&lay), MB_OK);
	assert_int_equal(lay.entry, A_ENTRY);
	assert_int_equal(lay.info_gpa, 0x1000);
	assert_int_equal(lay.header_offset, A_HOFF);
	assert_int_equal(lay.header_flags, 0x00010003);
	assert_int_equal(lay.image_start, A_LOAD);
	assert_int_equal(lay.image_end, A_BSS_END);
	assert_int_equal(lay.mod_start, 0x105000);                 /* next page after the bss */
	assert_int_equal(lay.mod_end, 0x105000 + MOD_SIZE);
	for (uint64_t i = 0; i < A_LOAD_END - A_LOAD; i++)
		if (ram[A_LOAD + i] != file[i])
			fail_msg("image byte %#llx differs", (unsigned long long)i);
	for (uint64_t a = A_LOAD_END; a < A_BSS_END; a++)
		assert_int_equal(ram[a], 0);                         /* bss */
	for (uint64_t i = 0; i < MOD_SIZE; i++)
		assert_int_equal(ram[lay.mod_start + i], mod_byte(i));
	const struct range r[] = { { 0x1000, 0x3000 }, { A_LOAD, A_BSS_END - A_LOAD },
				   { lay.mod_start, MOD_SIZE } };
	only_written(r, 3);
	assert_int_equal(MB_BOOTLOADER_MAGIC, 0x2badb002);
}

static void aout_text_before_header_and_defaults(void **state)
{
	(void)state;
	struct mb_layout lay;
	/* header_addr - load_addr = 0x20: the text starts 0x20 bytes before the header, i.e.
	 * at file offset 0x20. load_end 0: the rest of the file. bss_end 0: none. */
	aout_image();
	aout_fields(A_LOAD + 0x20, A_LOAD, 0, 0, A_LOAD);
	assert_int_equal(load(&lay), MB_OK);
	assert_int_equal(lay.image_end, A_LOAD + A_SIZE - 0x20);
	for (uint64_t i = 0; i < A_SIZE - 0x20; i++)
		assert_int_equal(ram[A_LOAD + i], file[0x20 + i]);
	assert_int_equal(ram[A_LOAD + A_SIZE - 0x20], CANARY);     /* nothing past it */
	assert_int_equal(lay.mod_start, A_LOAD + 0x3000);
	/* The entry may be the last loaded byte. */
	aout_fields(A_LOAD + 0x20, A_LOAD, 0, 0, A_LOAD + A_SIZE - 0x21);
	assert_int_equal(load(&lay), MB_OK);
}

static void aout_refusals(void **state)
{
	(void)state;
	aout_image();
	aout_fields(A_LOAD - 1, A_LOAD, A_LOAD_END, A_BSS_END, A_ENTRY);    /* load > header */
	expect_refusal(MB_BAD_ADDRESSES);
	aout_fields(A_LOAD + A_HOFF + 4, A_LOAD, A_LOAD_END, A_BSS_END, A_ENTRY); /* before byte 0 */
	expect_refusal(MB_BAD_ADDRESSES);
	aout_fields(A_LOAD + A_HOFF, A_LOAD, A_LOAD, A_BSS_END, A_ENTRY);   /* nothing loaded */
	expect_refusal(MB_BAD_ADDRESSES);
	aout_fields(A_LOAD + A_HOFF, A_LOAD, A_LOAD_END, A_LOAD_END - 1, A_ENTRY);
	expect_refusal(MB_BAD_ADDRESSES);
	aout_fields(A_LOAD + A_HOFF, A_LOAD, A_LOAD + A_SIZE + 1, 0, A_ENTRY); /* past the file */
	expect_refusal(MB_TRUNCATED);
	aout_fields(A_LOAD + A_HOFF, A_LOAD, A_LOAD_END, A_BSS_END, A_LOAD_END); /* entry in bss */
	expect_refusal(MB_ENTRY_OUTSIDE);
	aout_fields(A_LOAD + A_HOFF, A_LOAD, A_LOAD_END, A_BSS_END, A_LOAD - 1);
	expect_refusal(MB_ENTRY_OUTSIDE);
	/* Load range outside [1 MiB, RAM): below, straddling the top, wrapping past 4 GiB. */
	aout_fields(0x80000 + A_HOFF, 0x80000, 0x80000 + 0x2800, 0, 0x80000);
	expect_refusal(MB_LOAD_OUTSIDE);
	aout_fields(A_LOAD + A_HOFF, A_LOAD, A_LOAD_END, (uint32_t)RAM_SIZE + 1, A_ENTRY);
	expect_refusal(MB_LOAD_OUTSIDE);
	uint32_t top = (uint32_t)RAM_SIZE - 0x1000;
	aout_fields(top + A_HOFF, top, top + 0x2800, 0, top);
	expect_refusal(MB_LOAD_OUTSIDE);
	aout_fields(0xfffff000u + A_HOFF, 0xfffff000u, 0, 0, 0xfffff000u);
	expect_refusal(MB_LOAD_OUTSIDE);
	/* The very top of RAM is fine while the module still fits... */
	top = (uint32_t)RAM_SIZE - 0x5000;
	aout_fields(top + A_HOFF, top, top + 0x2800, top + 0x3000, top);
	struct mb_layout lay;
	assert_int_equal(load(&lay), MB_OK);
	assert_int_equal(lay.mod_start, RAM_SIZE - 0x2000);
	assert_int_equal(load_with(file_size, NULL, NULL, 0x2000, NULL, 1, &lay), MB_OK);
	assert_int_equal(lay.mod_end, RAM_SIZE);
	memset(&lay, 0x5a, sizeof lay);
	assert_int_equal(load_with(file_size, NULL, NULL, 0x2001, NULL, 1, &lay),
			 MB_MODULE_TOO_BIG);
	/* ...and refused when it does not. */
	top += 0x1000;
	aout_fields(top + A_HOFF, top, top + 0x2800, top + 0x3000, top);
	expect_refusal(MB_MODULE_TOO_BIG);
	/* The address fields cut off by the end of the file. */
	aout_image();
	file_size = A_HOFF + 31;
	expect_refusal(MB_TRUNCATED);
}

/* ---- ELF32 ------------------------------------------------------------------------------- */

static void elf_image_loads(void **state)
{
	(void)state;
	elf_image();
	struct mb_layout lay;
	assert_int_equal(load(&lay), MB_OK);
	assert_int_equal(lay.entry, E_TEXT_PA + 0x0c);              /* translated to physical */
	assert_int_equal(lay.header_offset, E_TEXT_OFF);
	assert_int_equal(lay.header_flags, 3);
	assert_int_equal(lay.image_start, E_TEXT_PA);
	assert_int_equal(lay.image_end, E_DATA_PA + E_DATA_MEM);
	assert_int_equal(lay.mod_start, E_DATA_PA + E_DATA_MEM);
	for (uint64_t i = 0; i < E_TEXT_SIZE; i++)
		assert_int_equal(ram[E_TEXT_PA + i], file[E_TEXT_OFF + i]);
	for (uint64_t i = 0; i < E_DATA_FILE; i++)
		assert_int_equal(ram[E_DATA_PA + i], file[E_DATA_OFF + i]);
	for (uint64_t i = E_DATA_FILE; i < E_DATA_MEM; i++)
		assert_int_equal(ram[E_DATA_PA + i], 0);
	const struct range r[] = { { 0x1000, 0x3000 }, { E_TEXT_PA, E_TEXT_SIZE },
				   { E_DATA_PA, E_DATA_MEM }, { lay.mod_start, MOD_SIZE } };
	only_written(r, 4);

	/* An entry already physical (vaddr == paddr kernels, or a physical e_entry). */
	put32(file + 24, E_DATA_PA + 4);
	assert_int_equal(load(&lay), MB_OK);
	assert_int_equal(lay.entry, E_DATA_PA + 4);
	put32(file + 24, E_TEXT_VA + E_TEXT_SIZE);                  /* one past the text */
	expect_refusal(MB_ENTRY_OUTSIDE);
}

static void elf_refusals(void **state)
{
	(void)state;
	elf_image();
	file[0] = 0x7e;
	expect_refusal(MB_NOT_ELF);
	elf_image();
	file[4] = 2;                                                /* ELFCLASS64 */
	expect_refusal(MB_BAD_ELF);
	elf_image();
	file[5] = 2;                                                /* big-endian */
	expect_refusal(MB_BAD_ELF);
	elf_image();
	put16(file + 18, 62);                                       /* EM_X86_64 */
	expect_refusal(MB_BAD_ELF);
	elf_image();
	put16(file + 16, 3);                                        /* ET_DYN */
	expect_refusal(MB_BAD_ELF);
	elf_image();
	put16(file + 42, 56);
	expect_refusal(MB_BAD_ELF);
	elf_image();
	put16(file + 44, 0);
	expect_refusal(MB_BAD_ELF);
	elf_image();
	put32(file + 28, E_SIZE - 40);                              /* headers past the end */
	expect_refusal(MB_TRUNCATED);
	elf_image();
	put32(file + 28, 0xffffffff);
	expect_refusal(MB_TRUNCATED);
	elf_image();
	elf_phdr(2, 1, E_DATA_OFF, E_DATA_VA, E_DATA_PA, E_DATA_FILE + 1, E_DATA_MEM);
	expect_refusal(MB_TRUNCATED);
	elf_image();
	elf_phdr(2, 1, 0xfffffff0u, E_DATA_VA, E_DATA_PA, 0x100, E_DATA_MEM);
	expect_refusal(MB_TRUNCATED);
	elf_image();
	elf_phdr(2, 1, E_DATA_OFF, E_DATA_VA, E_DATA_PA, E_DATA_MEM + 1, E_DATA_MEM);
	expect_refusal(MB_BAD_ELF);                                 /* filesz > memsz */
	elf_image();
	elf_phdr(2, 1, E_DATA_OFF, E_DATA_VA, E_TEXT_PA + E_TEXT_SIZE - 1, E_DATA_FILE,
		 E_DATA_MEM);
	expect_refusal(MB_SEGMENTS_OVERLAP);
	elf_image();
	elf_phdr(2, 1, E_DATA_OFF, E_DATA_VA, (uint32_t)RAM_SIZE - 0x800, E_DATA_FILE,
		 E_DATA_MEM);
	expect_refusal(MB_LOAD_OUTSIDE);
	elf_image();
	elf_phdr(0, 1, E_TEXT_OFF, E_TEXT_VA, 0xf0000, E_TEXT_SIZE, E_TEXT_SIZE);
	expect_refusal(MB_LOAD_OUTSIDE);                            /* below 1 MiB */
	elf_image();
	elf_phdr(0, 6, 0, 0, 0, 0, 0);                              /* no PT_LOAD left */
	elf_phdr(2, 6, 0, 0, 0, 0, 0);
	expect_refusal(MB_BAD_ELF);

	/* An empty PT_LOAD (memsz 0) anywhere is ignored. */
	elf_image();
	elf_phdr(1, 1, 0xffffff00u, 0, 0xfffff000u, 0, 0);
	struct mb_layout lay;
	assert_int_equal(load(&lay), MB_OK);

	/* 16 loadable segments are the limit. */
	elf_image();
	put16(file + 44, 17);
	for (unsigned i = 0; i < 17; i++)
		elf_phdr(i, 1, E_TEXT_OFF, E_TEXT_VA + i * 0x1000, E_TEXT_PA + i * 0x1000, 0x10,
			 0x1000);
	expect_refusal(MB_BAD_ELF);
	put16(file + 44, 16);
	assert_int_equal(load(&lay), MB_OK);
}

/* ---- the header search and its flags ---------------------------------------------------- */

static void header_search(void **state)
{
	(void)state;
	struct mb_layout lay;
	/* Not at a 4-byte boundary: not found. */
	elf_image();
	memmove(file + E_TEXT_OFF + 2, file + E_TEXT_OFF, 12);
	memset(file + E_TEXT_OFF, 0, 2);
	expect_refusal(MB_NO_HEADER);
	/* Beyond the first 8192 bytes: not found. */
	elf_image();
	memset(file + E_TEXT_OFF, 0, 12);
	file_size = 0x2200;
	mb_header(0x2000, 3);
	expect_refusal(MB_NO_HEADER);
	/* Ending exactly at byte 8192 is inside. */
	memset(file + 0x2000, 0, 12);
	mb_header(8192 - 12, 3);
	assert_int_equal(load(&lay), MB_OK);
	assert_int_equal(lay.header_offset, 8192 - 12);
	/* Bad checksum, alone and before a good header. */
	elf_image();
	put32(file + E_TEXT_OFF + 8, get32(file + E_TEXT_OFF + 8) + 1);
	expect_refusal(MB_BAD_CHECKSUM);
	mb_header(E_TEXT_OFF + 0x40, 3);
	assert_int_equal(load(&lay), MB_OK);
	assert_int_equal(lay.header_offset, E_TEXT_OFF + 0x40);
	/* No magic at all. */
	memset(file, 0, FILE_MAX);
	file_size = 0x2000;
	expect_refusal(MB_NO_HEADER);
	file_size = 0;
	expect_refusal(MB_NO_HEADER);
	/* The file ends inside the header. */
	aout_image();
	file_size = A_HOFF + 8;
	expect_refusal(MB_TRUNCATED);
	/* The address fields run past byte 8192. */
	aout_image();
	memset(file + A_HOFF, 0, 32);
	mb_header(8192 - 24, 0x00010000);
	file_size = 0x3000;
	expect_refusal(MB_TRUNCATED);
}

static void header_flags(void **state)
{
	(void)state;
	struct mb_layout lay;
	elf_image();
	mb_header(E_TEXT_OFF, 1u << 2);
	expect_refusal(MB_VIDEO_REQUIRED);
	mb_header(E_TEXT_OFF, 1u << 3);
	expect_refusal(MB_UNSUPPORTED_FLAGS);
	mb_header(E_TEXT_OFF, 1u << 15);
	expect_refusal(MB_UNSUPPORTED_FLAGS);
	mb_header(E_TEXT_OFF, 1u << 20);                            /* optional and unknown */
	assert_int_equal(load(&lay), MB_OK);
	mb_header(E_TEXT_OFF, 0);
	assert_int_equal(load(&lay), MB_OK);
	/* Flag 16 on an ELF file: the address fields win (3.1.3). */
	mb_header(E_TEXT_OFF, 0x00010000);
	uint32_t h = E_TEXT_PA;                                     /* text at the header */
	put32(file + E_TEXT_OFF + 12, h);
	put32(file + E_TEXT_OFF + 16, h);
	put32(file + E_TEXT_OFF + 20, h + 0x100);
	put32(file + E_TEXT_OFF + 24, 0);
	put32(file + E_TEXT_OFF + 28, h + 0x20);
	assert_int_equal(load(&lay), MB_OK);
	assert_int_equal(lay.entry, h + 0x20);
	assert_int_equal(lay.image_end, h + 0x100);
	assert_int_equal(ram[E_DATA_PA], CANARY);                   /* ELF headers ignored */
}

/* ---- the information structure ------------------------------------------------------------ */

static void info_structure(void **state)
{
	(void)state;
	aout_image();
	struct mb_layout lay;
	assert_int_equal(load(&lay), MB_OK);
	const uint8_t *mbi = ram + lay.info_gpa;
	/* 3.3: flags bits 0 (mem), 2 (cmdline), 3 (mods), 6 (mmap), 9 (loader name). */
	assert_int_equal(get32(mbi), (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	assert_int_equal(get32(mbi + 4), 639);                      /* mem_lower, KiB */
	assert_int_equal(get32(mbi + 8), (RAM_SIZE - (1u << 20)) / 1024);
	assert_int_equal(get32(mbi + 12), 0);                       /* boot_device not offered */
	assert_string_equal((const char *)ram + get32(mbi + 16), "kernel.bin console=ttyS0 quiet");
	assert_int_equal(get32(mbi + 20), 1);                       /* mods_count */
	const uint8_t *m = ram + get32(mbi + 24);
	assert_int_equal(get32(m), lay.mod_start);
	assert_int_equal(get32(m + 4), lay.mod_start + MOD_SIZE);   /* one past the end */
	assert_string_equal((const char *)ram + get32(m + 8), "initrd.cpio");
	assert_int_equal(get32(m + 12), 0);
	assert_int_equal(get32(m) % 4096, 0);
	for (unsigned off = 28; off < 44; off += 4)
		assert_int_equal(get32(mbi + off), 0);              /* syms */
	assert_string_equal((const char *)ram + get32(mbi + 64), "Bulkhead");
	for (unsigned off = 52; off < 116; off += 4)
		if (off != 64)
			assert_int_equal(get32(mbi + off), 0);      /* drives .. framebuffer */

	/* The memory map: entries of 24 bytes whose size field says 20, covering [0, RAM)
	 * without gaps; the boot area and the ACPI/BIOS window reserved, image and module in
	 * available memory. */
	uint32_t len = get32(mbi + 44), at = get32(mbi + 48);
	assert_int_equal(len, 5 * 24);
	static const uint64_t want[5][3] = {
		{ 0x0, 0x1000, 1 }, { 0x1000, 0x3000, 2 }, { 0x4000, 0x9fc00 - 0x4000, 1 },
		{ 0x9fc00, 0x100000 - 0x9fc00, 2 }, { 0x100000, RAM_SIZE - 0x100000, 1 },
	};
	uint64_t next = 0;
	for (unsigned i = 0; i < 5; i++) {
		const uint8_t *e = ram + at + 24 * i;
		assert_int_equal(get32(e), 20);
		assert_int_equal(get64(e + 4), want[i][0]);
		assert_int_equal(get64(e + 12), want[i][1]);
		assert_int_equal(get32(e + 20), want[i][2]);
		assert_int_equal(get64(e + 4), next);
		next += get64(e + 12);
	}
	assert_int_equal(next, RAM_SIZE);
	/* Everything the structure points at is inside the reserved boot area. */
	uint32_t ptrs[] = { lay.info_gpa, get32(mbi + 16), get32(mbi + 24), at, get32(mbi + 64),
			    get32(m + 8) };
	for (unsigned i = 0; i < sizeof ptrs / sizeof ptrs[0]; i++)
		assert_true(ptrs[i] >= 0x1000 && ptrs[i] < 0x4000);
	assert_true(at + len <= 0x1200);
}

static void strings_and_modules(void **state)
{
	(void)state;
	struct mb_layout lay;
	aout_image();
	const uint8_t *mbi = ram + 0x1000;
	assert_int_equal(load_with(file_size, "k", NULL, 0, NULL, 0, &lay), MB_OK);
	assert_string_equal((const char *)ram + get32(mbi + 16), "k");
	assert_int_equal(get32(mbi + 20), 0);                       /* no module */
	assert_true(get32(mbi) & (1u << 3));                        /* the list is still valid */
	assert_int_equal(lay.mod_start, 0);
	assert_int_equal(lay.mod_end, 0);
	assert_int_equal(ram[0x105000], CANARY);
	assert_int_equal(load_with(file_size, NULL, "ro", 0, NULL, 0, &lay), MB_OK);
	assert_string_equal((const char *)ram + get32(mbi + 16), "ro");
	assert_int_equal(load_with(file_size, NULL, NULL, 0, "", 1, &lay), MB_OK);
	assert_string_equal((const char *)ram + get32(mbi + 16), "");
	assert_int_equal(get32(mbi + 20), 1);                       /* a 0-byte module */
	assert_int_equal(lay.mod_start, lay.mod_end);
	assert_string_equal((const char *)ram + get32(ram + 0x1200 + 8), "");

	/* 4095 characters of "name args" fit, 4096 do not. */
	char *name = malloc(5000), *args = malloc(5000);
	memset(name, 'n', 2000);
	name[2000] = 0;
	memset(args, 'a', 2094);
	args[2094] = 0;
	assert_int_equal(load_with(file_size, name, args, 0, NULL, 0, &lay), MB_OK);
	assert_int_equal(strlen((const char *)ram + 0x2000), 4095);
	args[2094] = 'a';
	args[2095] = 0;
	memset(&lay, 0x5a, sizeof lay);
	assert_int_equal(load_with(file_size, name, args, 0, NULL, 0, &lay), MB_CMDLINE_TOO_LONG);
	memset(name, 'm', 4095);
	name[4095] = 0;
	assert_int_equal(load_with(file_size, "k", NULL, 0, name, 1, &lay), MB_OK);
	assert_int_equal(strlen((const char *)ram + 0x3000), 4095);
	name[4095] = 'm';
	name[4096] = 0;
	assert_int_equal(load_with(file_size, "k", NULL, 0, name, 1, &lay), MB_CMDLINE_TOO_LONG);
	assert_int_equal(load_with(file_size, name, NULL, 0, NULL, 0, &lay), MB_CMDLINE_TOO_LONG);
	free(name);
	free(args);
}

static void bad_ram_sizes(void **state)
{
	(void)state;
	aout_image();
	uint8_t *f = copy_of(file, file_size);
	uint64_t sizes[] = { 0, 1ull << 20, RAM_SIZE - 4096, (3ull << 30) + (2ull << 20) };
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		assert_int_equal(mb_load(ram, sizes[i], f, file_size, NULL, NULL, NULL, 0, NULL,
					 NULL), MB_BAD_RAM);
	free(f);
}

/* ---- robustness --------------------------------------------------------------------------- */

static void prefixes(void **state)
{
	(void)state;
	/* ELF: every prefix is missing something. a.out: only the loaded part matters, so the
	 * prefixes that still hold [0, 0x2800) load. */
	elf_image();
	for (size_t n = 0; n < E_SIZE; n++) {
		uint8_t *f = copy_of(file, n);
		enum mb_status st = mb_load(ram, RAM_SIZE, f, n, NULL, NULL, NULL, 0, NULL, NULL);
		if (st == MB_OK)
			fail_msg("ELF prefix of %zu bytes accepted", n);
		free(f);
	}
	aout_image();
	for (size_t n = 0; n <= A_SIZE; n++) {
		uint8_t *f = copy_of(file, n);
		enum mb_status st = mb_load(ram, RAM_SIZE, f, n, NULL, NULL, NULL, 0, NULL, NULL);
		if ((st == MB_OK) != (n >= A_LOAD_END - A_LOAD))
			fail_msg("a.out prefix of %zu bytes: %s", n, mb_status_string(st));
		free(f);
	}
}

static void random_images(void **state)
{
	(void)state;
	srand(4242);
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)rand() % 0x3000;
		uint8_t *f = malloc(n ? n : 1);
		for (size_t i = 0; i < n; i++)
			f[i] = (uint8_t)rand();
		if (round % 3 && n >= 64) {        /* a good header over random fields */
			size_t at = ((size_t)rand() % (n - 32)) & ~(size_t)3;
			uint32_t flags = (round % 3 == 1) ? 0x00010000 : 0;
			put32(f + at, 0x1badb002);
			put32(f + at + 4, flags);
			put32(f + at + 8, (uint32_t)-(0x1badb002u + flags));
			if (round % 6 == 2) {
				memcpy(f, "\x7f" "ELF", 4);
				f[4] = f[5] = 1;
				put16(f + 16, 2);
				put16(f + 18, 3);
				put16(f + 42, 32);
			}
		}
		struct mb_layout lay;
		if (mb_load(ram, RAM_SIZE, f, n, "k", "c", f, n, "m", &lay) == MB_OK) {
			assert_true(lay.image_start >= 0x100000);
			assert_true(lay.image_end <= RAM_SIZE);
			assert_true(lay.entry >= lay.image_start && lay.entry < lay.image_end);
			assert_true(lay.mod_start >= lay.image_end && lay.mod_end <= RAM_SIZE);
		}
		free(f);
	}
	/* Damaged good images. */
	for (int round = 0; round < 1000; round++) {
		if (round % 2)
			elf_image();
		else
			aout_image();
		for (int i = 0; i < 3; i++) {
			size_t at = (round % 2) ? (size_t)rand() % (52 + 96)
						: A_HOFF + 12 + (size_t)rand() % 20;
			file[at] = (uint8_t)rand();
		}
		struct mb_layout lay;
		if (load(&lay) == MB_OK) {
			assert_true(lay.image_start >= 0x100000);
			assert_true(lay.mod_end <= RAM_SIZE);
		}
	}
}

static void status_strings(void **state)
{
	(void)state;
	for (int s = MB_OK; s <= MB_BAD_RAM; s++) {
		const char *m = mb_status_string((enum mb_status)s);
		assert_non_null(m);
		assert_true(strlen(m) > 5);
		assert_null(strstr(m, "unknown"));
	}
	assert_non_null(strstr(mb_status_string((enum mb_status)77), "unknown"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aout_image_loads),
		cmocka_unit_test(aout_text_before_header_and_defaults),
		cmocka_unit_test(aout_refusals),
		cmocka_unit_test(elf_image_loads),
		cmocka_unit_test(elf_refusals),
		cmocka_unit_test(header_search),
		cmocka_unit_test(header_flags),
		cmocka_unit_test(info_structure),
		cmocka_unit_test(strings_and_modules),
		cmocka_unit_test(bad_ram_sizes),
		cmocka_unit_test(prefixes),
		cmocka_unit_test(random_images),
		cmocka_unit_test(status_strings),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
