/*
 * Unit tests for kernel/linux_boot.c. Each test builds a synthetic bzImage in memory (boot
 * sector filler, the setup header at the offsets boot.rst gives, the rest of the setup sectors,
 * then a patterned payload) and breaks it in one place, or boots it into a 64 MiB "partition"
 * and reads back what a kernel would find: the payload at its load address, the zero page
 * field by field, the e820 map, the initrd, the command line, the GDT, and the page tables
 * walked as the MMU would. Files are handed over in heap buffers of exactly their size and
 * RAM is exactly ram_size, so ASan catches any access past either; a refused boot must leave
 * every byte of RAM (filled with a canary) and the layout struct untouched. If LINUX_BZIMAGE
 * names a real kernel, it is inspected and booted into a 512 MiB partition too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "kernel/linux_boot.h"

/* ---- the synthetic image ---------------------------------------------------------------- */

#define SETUP_SECTS   4
#define SETUP_SIZE    ((SETUP_SECTS + 1) * 512)
#define PAYLOAD_SIZE  0x10000u
#define IMAGE_SIZE    (SETUP_SIZE + PAYLOAD_SIZE)
#define PREF          (16ull << 20)
#define INIT_SIZE     (8ull << 20)
#define ALIGN         (2ull << 20)
#define HEADER_END    0x26c                    /* 0x202 + 0x6a, as in Linux 6.1 */
#define VERSION_OFF   0x400                    /* file offset of the version string */
#define VERSION       "6.1.0-synthetic (test@bulkhead) #1 SMP"
#define CMDLINE_SIZE  0x7ff

#define RAM_SIZE      (64ull << 20)
#define CANARY        0xa5
#define RSDP          0xe0000ull

static uint8_t image[IMAGE_SIZE];
static size_t image_size;
static uint8_t *ram;

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t payload_byte(uint64_t i) { return (uint8_t)(i * 13 + 7); }
static uint8_t initrd_byte(uint64_t i) { return (uint8_t)(i * 31 + 1); }

/* A 2.15 relocatable kernel with a 64-bit entry, shaped like Debian's 6.1 image. */
static void good_image(void)
{
	memset(image, 0xee, SETUP_SIZE);          /* boot sector and setup code: never copied */
	memset(image + 0x1f1, 0, HEADER_END - 0x1f1);
	image[0x1ef] = 0xff;                      /* the sentinel */
	image[0x1f1] = SETUP_SECTS;
	put16(image + 0x1fa, 0xffff);             /* vid_mode */
	put32(image + 0x1f4, PAYLOAD_SIZE / 16);  /* syssize */
	put16(image + 0x1fe, 0xaa55);
	image[0x200] = 0xeb;
	image[0x201] = HEADER_END - 0x202;
	memcpy(image + 0x202, "HdrS", 4);
	put16(image + 0x206, 0x020f);
	put16(image + 0x20e, VERSION_OFF - 0x200);
	image[0x211] = 0x01;                      /* LOADED_HIGH */
	put32(image + 0x214, 0x100000);           /* code32_start */
	put32(image + 0x22c, 0x7fffffff);         /* initrd_addr_max */
	put32(image + 0x230, ALIGN);
	image[0x234] = 1;                         /* relocatable_kernel */
	image[0x235] = 21;                        /* min_alignment */
	put16(image + 0x236, 0x7f);               /* xloadflags */
	put32(image + 0x238, CMDLINE_SIZE);
	put32(image + 0x248, 0x2cc);              /* payload_offset (not used by loaders) */
	put32(image + 0x24c, 0x1234);             /* payload_length */
	put64(image + 0x258, PREF);
	put32(image + 0x260, INIT_SIZE);
	put32(image + 0x264, 0x5678);             /* handover_offset */
	put32(image + 0x268, 0x9abc);             /* kernel_info_offset */
	memset(image + HEADER_END, 0xdd, SETUP_SIZE - HEADER_END);
	memcpy(image + VERSION_OFF, VERSION, sizeof VERSION);
	for (uint64_t i = 0; i < PAYLOAD_SIZE; i++)
		image[SETUP_SIZE + i] = payload_byte(i);
	image_size = IMAGE_SIZE;
}

/* A heap copy of exactly n bytes of the image (n may exceed the image: zero tail). */
static uint8_t *file_of(size_t n)
{
	uint8_t *f = malloc(n ? n : 1);
	assert_non_null(f);
	memset(f, 0, n);
	memcpy(f, image, n < IMAGE_SIZE ? n : IMAGE_SIZE);
	return f;
}

static int setup(void **state)
{
	(void)state;
	ram = aligned_alloc(4096, RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static int ram_untouched(void)
{
	static uint8_t canary[65536];
	memset(canary, CANARY, sizeof canary);
	for (uint64_t off = 0; off < RAM_SIZE; off += sizeof canary)
		if (memcmp(ram + off, canary, sizeof canary) != 0)
			return 0;
	return 1;
}

static enum linux_boot_status build(size_t file_size, uint64_t initrd_size, const char *cmdline,
				    struct linux_boot_layout *out)
{
	uint8_t *f = file_of(file_size);
	uint8_t *rd = NULL;
	if (initrd_size) {
		rd = malloc(initrd_size);
		assert_non_null(rd);
		for (uint64_t i = 0; i < initrd_size; i++)
			rd[i] = initrd_byte(i);
	}
	memset(ram, 0, RAM_SIZE);
	enum linux_boot_status st = linux_boot_build(ram, RAM_SIZE, f, file_size, rd, initrd_size,
						     cmdline, RSDP, out);
	free(rd);
	free(f);
	return st;
}

/* Inspecting and booting the current image must both give st; the boot must write nothing. */
static void expect_refusal(size_t file_size, uint64_t initrd_size, const char *cmdline,
			   enum linux_boot_status st)
{
	uint8_t *f = file_of(file_size);
	struct linux_image_info info;
	memset(&info, 0x5a, sizeof info);
	enum linux_boot_status got = linux_image_inspect(f, file_size, &info);
	/* Refusals about placement come from the boot only; the header itself is fine. */
	enum linux_boot_status want_inspect = st;
	if (st == LINUX_NOT_RELOCATABLE || st == LINUX_TOO_BIG || st == LINUX_INITRD_TOO_BIG ||
	    st == LINUX_CMDLINE_TOO_LONG || st == LINUX_BAD_RAM)
		want_inspect = LINUX_OK;
	if (got != want_inspect)
		fail_msg("inspect: expected %d (%s), got %d (%s)", want_inspect,
			 linux_boot_status_string(want_inspect), got, linux_boot_status_string(got));
	if (got != LINUX_OK)
		for (size_t i = 0; i < sizeof info; i++)
			assert_int_equal(((uint8_t *)&info)[i], 0x5a);

	uint8_t *rd = initrd_size ? calloc(1, initrd_size) : NULL;
	struct linux_boot_layout lay;
	memset(&lay, 0x5a, sizeof lay);
	memset(ram, CANARY, RAM_SIZE);
	got = linux_boot_build(ram, RAM_SIZE, f, file_size, rd, initrd_size, cmdline, RSDP, &lay);
	if (got != st)
		fail_msg("build: expected %d (%s), got %d (%s)", st, linux_boot_status_string(st),
			 got, linux_boot_status_string(got));
	assert_true(ram_untouched());
	for (size_t i = 0; i < sizeof lay; i++)
		assert_int_equal(((uint8_t *)&lay)[i], 0x5a);
	free(rd);
	free(f);
}

/* ---- inspecting ------------------------------------------------------------------------- */

static void inspect_reads_the_header(void **state)
{
	(void)state;
	good_image();
	uint8_t *f = file_of(image_size);
	struct linux_image_info info;
	assert_int_equal(linux_image_inspect(f, image_size, &info), LINUX_OK);
	assert_int_equal(info.protocol, 0x020f);
	assert_string_equal(info.version, VERSION);
	assert_int_equal(info.setup_size, SETUP_SIZE);
	assert_int_equal(info.payload_size, PAYLOAD_SIZE);
	assert_int_equal(info.init_size, INIT_SIZE);
	assert_int_equal(info.pref_address, PREF);
	assert_int_equal(info.alignment, ALIGN);
	assert_int_equal(info.cmdline_size, CMDLINE_SIZE);
	assert_int_equal(info.initrd_addr_max, 0x7fffffff);
	assert_int_equal(info.header_end, HEADER_END);
	assert_int_equal(info.xloadflags, 0x7f);
	assert_int_equal(info.relocatable, 1);
	assert_int_equal(linux_image_inspect(f, image_size, NULL), LINUX_OK);
	free(f);

	/* setup_sects 0 means 4 (boot.rst), so the same file reads the same. */
	image[0x1f1] = 0;
	f = file_of(image_size);
	assert_int_equal(linux_image_inspect(f, image_size, &info), LINUX_OK);
	assert_int_equal(info.setup_size, SETUP_SIZE);
	free(f);

	/* A longer file (signed kernels carry a signature after the payload) is fine. */
	good_image();
	f = file_of(image_size + 0x5c0);
	assert_int_equal(linux_image_inspect(f, image_size + 0x5c0, &info), LINUX_OK);
	free(f);
}

static void version_string_is_bounded(void **state)
{
	(void)state;
	struct linux_image_info info;
	uint8_t *f;

	/* Longer than 63 characters: cut. */
	good_image();
	memset(image + VERSION_OFF, 'v', 200);
	image[VERSION_OFF + 200] = 0;
	f = file_of(image_size);
	assert_int_equal(linux_image_inspect(f, image_size, &info), LINUX_OK);
	assert_int_equal(strlen(info.version), 63);
	free(f);

	/* No NUL before the end of the setup code: read up to there, never into the payload. */
	good_image();
	put16(image + 0x20e, SETUP_SIZE - 5 - 0x200);
	memcpy(image + SETUP_SIZE - 5, "6.9.x", 5);
	f = file_of(image_size);
	assert_int_equal(linux_image_inspect(f, image_size, &info), LINUX_OK);
	assert_string_equal(info.version, "6.9.x");
	free(f);

	/* Pointing past the setup code, or 0: empty. Control bytes are shown as '?'. */
	good_image();
	put16(image + 0x20e, 0xfff0);
	f = file_of(image_size);
	assert_int_equal(linux_image_inspect(f, image_size, &info), LINUX_OK);
	assert_string_equal(info.version, "");
	free(f);
	put16(image + 0x20e, 0);
	f = file_of(image_size);
	assert_int_equal(linux_image_inspect(f, image_size, &info), LINUX_OK);
	assert_string_equal(info.version, "");
	free(f);
	good_image();
	memcpy(image + VERSION_OFF, "6.1\x1b[0m", 8);
	f = file_of(image_size);
	assert_int_equal(linux_image_inspect(f, image_size, &info), LINUX_OK);
	assert_string_equal(info.version, "6.1?[0m");
	free(f);
}

static void refuses_what_is_not_a_bzimage(void **state)
{
	(void)state;
	good_image();
	expect_refusal(0, 0, NULL, LINUX_NOT_BZIMAGE);
	expect_refusal(0x207, 0, NULL, LINUX_NOT_BZIMAGE);   /* ends inside the version */
	good_image();
	put16(image + 0x1fe, 0xaa56);
	expect_refusal(image_size, 0, NULL, LINUX_NOT_BZIMAGE);
	good_image();
	image[0x205] = 's';                                    /* "HdrS" -> "Hdrs" */
	expect_refusal(image_size, 0, NULL, LINUX_NOT_BZIMAGE);
	good_image();
	image[0x211] = 0x80;                                   /* zImage: LOADED_HIGH clear */
	expect_refusal(image_size, 0, NULL, LINUX_NOT_BZIMAGE);
}

static void refuses_old_protocols_and_32bit_kernels(void **state)
{
	(void)state;
	good_image();
	put16(image + 0x206, 0x020b);
	expect_refusal(image_size, 0, NULL, LINUX_OLD_PROTOCOL);
	put16(image + 0x206, 0x0200);
	expect_refusal(image_size, 0, NULL, LINUX_OLD_PROTOCOL);
	put16(image + 0x206, 0x020c);                          /* 2.12 is enough */
	uint8_t *f = file_of(image_size);
	assert_int_equal(linux_image_inspect(f, image_size, NULL), LINUX_OK);
	free(f);
	good_image();
	put16(image + 0x236, 0x7e);                            /* everything but XLF_KERNEL_64 */
	expect_refusal(image_size, 0, NULL, LINUX_NO_64BIT_ENTRY);
}

static void refuses_truncated_files(void **state)
{
	(void)state;
	good_image();
	expect_refusal(0x208, 0, NULL, LINUX_TRUNCATED);       /* magic and version, no more */
	expect_refusal(HEADER_END - 1, 0, NULL, LINUX_TRUNCATED);
	expect_refusal(SETUP_SIZE, 0, NULL, LINUX_TRUNCATED);  /* no payload at all */
	expect_refusal(image_size - 1, 0, NULL, LINUX_TRUNCATED);
	/* syssize claims more than the file has. */
	put32(image + 0x1f4, PAYLOAD_SIZE / 16 + 1);
	expect_refusal(image_size, 0, NULL, LINUX_TRUNCATED);
	put32(image + 0x1f4, 0xffffffff);
	expect_refusal(image_size, 0, NULL, LINUX_TRUNCATED);
	/* The setup code is longer than the file. */
	good_image();
	image[0x1f1] = 200;
	expect_refusal(image_size, 0, NULL, LINUX_TRUNCATED);
}

static void every_prefix_is_refused(void **state)
{
	(void)state;
	good_image();
	/* Every length through the setup code, then a sample of the payload's. The file ends
	 * exactly at its length, so any read past it is an ASan error. */
	for (size_t n = 0; n < image_size; n += n < SETUP_SIZE + 64 ? 1 : 509) {
		uint8_t *f = file_of(n);
		enum linux_boot_status st = linux_image_inspect(f, n, NULL);
		if (st == LINUX_OK)
			fail_msg("a %zu-byte prefix was accepted", n);
		assert_true(st == LINUX_NOT_BZIMAGE || st == LINUX_TRUNCATED);
		free(f);
	}
}

static void refuses_inconsistent_headers(void **state)
{
	(void)state;
	good_image();
	image[0x201] = 0x60;                                   /* header would end at 0x262 */
	expect_refusal(image_size, 0, NULL, LINUX_BAD_HEADER);
	good_image();
	image[0x201] = 0x8f;                                   /* 0x291: over boot_params fields */
	expect_refusal(image_size, 0, NULL, LINUX_BAD_HEADER);
	good_image();
	image[0x201] = 0x8e;                                   /* 0x290 is still allowed */
	uint8_t *f = file_of(image_size);
	assert_int_equal(linux_image_inspect(f, image_size, NULL), LINUX_OK);
	free(f);
	good_image();
	put32(image + 0x1f4, 0);                               /* no payload */
	expect_refusal(image_size, 0, NULL, LINUX_BAD_HEADER);
	good_image();
	put32(image + 0x260, PAYLOAD_SIZE - 1);                /* init_size below the payload */
	expect_refusal(image_size, 0, NULL, LINUX_BAD_HEADER);
	good_image();
	put32(image + 0x230, 0);
	expect_refusal(image_size, 0, NULL, LINUX_BAD_HEADER);
	put32(image + 0x230, 0x300000);                        /* not a power of two */
	expect_refusal(image_size, 0, NULL, LINUX_BAD_HEADER);
	image[0x234] = 0;                                      /* unused when not relocatable */
	f = file_of(image_size);
	assert_int_equal(linux_image_inspect(f, image_size, NULL), LINUX_OK);
	free(f);
}

/* ---- fuzzing ---------------------------------------------------------------------------- */

/* Random files and randomly damaged good ones: nothing may read past the file or write past
 * RAM (ASan), and whatever boots must respect the layout's promises. */
static void random_images_are_handled(void **state)
{
	(void)state;
	srand(12345);
	uint8_t *buf = malloc(0x3000);
	assert_non_null(buf);
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)rand() % 0x3000;
		uint8_t *f = malloc(n ? n : 1);
		for (size_t i = 0; i < n; i++)
			f[i] = (uint8_t)rand();
		if (round % 2 && n >= 0x206) {                 /* get past the magic checks */
			put16(f + 0x1fe, 0xaa55);
			memcpy(f + 0x202, "HdrS", 4);
		}
		(void)linux_image_inspect(f, n, NULL);
		(void)linux_boot_build(ram, RAM_SIZE, f, n, NULL, 0, "x", 0, NULL);
		free(f);
	}
	for (int round = 0; round < 400; round++) {
		good_image();
		int flips = 1 + rand() % 4;
		for (int i = 0; i < flips; i++) {
			size_t at = 0x1f1 + (size_t)rand() % (HEADER_END - 0x1f1);
			image[at] = (uint8_t)rand();
		}
		size_t n = IMAGE_SIZE - (size_t)(rand() % 2) * (size_t)(rand() % 0x200);
		struct linux_boot_layout lay;
		if (build(n, 0x3000, "console=ttyS0", &lay) == LINUX_OK) {
			assert_true(lay.kernel_gpa >= LINUX_HIGH_RAM_GPA);
			assert_true(lay.kernel_end <= RAM_SIZE);
			assert_true(lay.initrd_gpa >= lay.kernel_end);
			assert_true(lay.initrd_gpa + lay.initrd_size <= RAM_SIZE);
		}
	}
	free(buf);
}

/* ---- a good boot ------------------------------------------------------------------------ */

static const struct linux_e820 expected_e820[LINUX_BOOT_E820_ENTRIES] = {
	{ 0x0, 0x1000, 1 },
	{ 0x1000, 0x9000, 2 },
	{ 0xa000, 0x9fc00 - 0xa000, 1 },
	{ 0x9fc00, 0x100000 - 0x9fc00, 2 },
	{ 0x100000, RAM_SIZE - 0x100000, 1 },
};

static int overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

/* The e820 type covering [a, a+n), or 0 if no single entry does. */
static uint32_t e820_type_of(const struct linux_e820 *m, unsigned count, uint64_t a, uint64_t n)
{
	for (unsigned i = 0; i < count; i++)
		if (a >= m[i].addr && a + n <= m[i].addr + m[i].size)
			return m[i].type;
	return 0;
}

#define INITRD_SIZE  ((1ull << 20) + 123)
#define CMDLINE      "console=ttyS0 root=/dev/ram0 quiet"

static void boot_places_everything(void **state)
{
	(void)state;
	good_image();
	struct linux_boot_layout lay;
	assert_int_equal(build(image_size, INITRD_SIZE, CMDLINE, &lay), LINUX_OK);

	/* The kernel at pref_address, entry 0x200 in, init_size kept. */
	assert_int_equal(lay.kernel_gpa, PREF);
	assert_int_equal(lay.entry_gpa, PREF + 0x200);
	assert_int_equal(lay.kernel_end, PREF + INIT_SIZE);
	for (uint64_t i = 0; i < PAYLOAD_SIZE; i++)
		if (ram[PREF + i] != payload_byte(i))
			fail_msg("payload byte %#llx differs", (unsigned long long)i);
	for (uint64_t i = PAYLOAD_SIZE; i < INIT_SIZE; i++)
		assert_int_equal(ram[PREF + i], 0);              /* the rest of init_size is free */

	/* The initrd page-aligned at the top of RAM, above the kernel's range. */
	assert_int_equal(lay.initrd_size, INITRD_SIZE);
	assert_int_equal(lay.initrd_gpa % 4096, 0);
	assert_true(lay.initrd_gpa + INITRD_SIZE <= RAM_SIZE);
	assert_true(RAM_SIZE - (lay.initrd_gpa + INITRD_SIZE) < 4096);
	assert_true(lay.initrd_gpa >= lay.kernel_end);
	for (uint64_t i = 0; i < INITRD_SIZE; i++)
		if (ram[lay.initrd_gpa + i] != initrd_byte(i))
			fail_msg("initrd byte %#llx differs", (unsigned long long)i);

	/* Boot area pieces inside the boot area, out of the kernel's and initrd's way. */
	assert_int_equal(lay.boot_params_gpa, 0x7000);
	assert_int_equal(lay.cmdline_gpa, 0x8000);
	assert_int_equal(lay.gdt_gpa, 0x1000);
	assert_int_equal(lay.cr3, 0x2000);
	assert_string_equal((const char *)ram + lay.cmdline_gpa, CMDLINE);
	struct { uint64_t a, n; } pieces[] = {
		{ lay.gdt_gpa, 0x1000 }, { lay.cr3, 0x5000 }, { lay.boot_params_gpa, 0x1000 },
		{ lay.cmdline_gpa, LINUX_BOOT_CMDLINE_MAX },
	};
	for (unsigned i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		assert_true(pieces[i].a >= LINUX_BOOT_AREA_GPA);
		assert_true(pieces[i].a + pieces[i].n <= LINUX_BOOT_AREA_END);
		for (unsigned j = i + 1; j < sizeof pieces / sizeof pieces[0]; j++)
			assert_false(overlaps(pieces[i].a, pieces[i].n, pieces[j].a, pieces[j].n));
		assert_false(overlaps(pieces[i].a, pieces[i].n, lay.kernel_gpa,
				      lay.kernel_end - lay.kernel_gpa));
		assert_false(overlaps(pieces[i].a, pieces[i].n, lay.initrd_gpa, lay.initrd_size));
	}
	/* The decompressor's trampoline (0x9d000-0x9efff, see linux_boot.h) is plain RAM. */
	assert_false(overlaps(LINUX_BOOT_AREA_GPA, LINUX_BOOT_AREA_END - LINUX_BOOT_AREA_GPA,
			      0x9d000, 0x2000));

	/* The e820 map: as expected, sorted, gapless over [0, RAM_SIZE), boot area and ACPI
	 * window reserved, kernel and initrd in RAM. */
	assert_memory_equal(lay.e820, expected_e820, sizeof expected_e820);
	uint64_t next = 0;
	for (unsigned i = 0; i < LINUX_BOOT_E820_ENTRIES; i++) {
		assert_int_equal(lay.e820[i].addr, next);
		next += lay.e820[i].size;
	}
	assert_int_equal(next, RAM_SIZE);
	assert_int_equal(e820_type_of(lay.e820, 5, 0x1000, 0x9000), LINUX_E820_RESERVED);
	assert_int_equal(e820_type_of(lay.e820, 5, 0xe0000, 0x20000), LINUX_E820_RESERVED);
	assert_int_equal(e820_type_of(lay.e820, 5, 0x9d000, 0x2000), LINUX_E820_RAM);
	assert_int_equal(e820_type_of(lay.e820, 5, lay.kernel_gpa, lay.kernel_end - lay.kernel_gpa),
			 LINUX_E820_RAM);
	assert_int_equal(e820_type_of(lay.e820, 5, lay.initrd_gpa, lay.initrd_size),
			 LINUX_E820_RAM);
}

/* zero-page.rst offsets, read back byte by byte. */
static void boot_params_fields(void **state)
{
	(void)state;
	good_image();
	struct linux_boot_layout lay;
	assert_int_equal(build(image_size, INITRD_SIZE, CMDLINE, &lay), LINUX_OK);
	const uint8_t *bp = ram + lay.boot_params_gpa;

	assert_int_equal(bp[0x1ef], 0);                         /* sentinel not copied */
	assert_int_equal(get64(bp + 0x070), RSDP);              /* acpi_rsdp_addr */
	assert_int_equal(get32(bp + 0x0c0), 0);                 /* ext_ramdisk_image */
	assert_int_equal(get32(bp + 0x0c4), 0);                 /* ext_ramdisk_size */
	assert_int_equal(get32(bp + 0x0c8), 0);                 /* ext_cmd_line_ptr */
	assert_int_equal(bp[0x1e8], 5);                         /* e820_entries */
	assert_int_equal(bp[0x210], 0xff);                      /* type_of_loader */
	assert_int_equal(get32(bp + 0x218), lay.initrd_gpa);    /* ramdisk_image */
	assert_int_equal(get32(bp + 0x21c), INITRD_SIZE);       /* ramdisk_size */
	assert_int_equal(get32(bp + 0x228), 0x8000);            /* cmd_line_ptr */
	assert_int_equal(bp[0x211], 0x01);                      /* loadflags as the kernel's */
	assert_int_equal(get16(bp + 0x224), 0);                 /* heap_end_ptr */

	/* Below the header only the fields above were written. */
	for (unsigned i = 0; i < 0x1f1; i++) {
		int written = (i >= 0x070 && i < 0x078) || (i >= 0x0c0 && i < 0x0cc) || i == 0x1e8;
		if (!written && bp[i] != 0)
			fail_msg("zero page byte %#x is %#x", i, bp[i]);
	}
	/* The header is the kernel's, byte for byte, except the loader-written fields. */
	for (unsigned i = 0x1f1; i < HEADER_END; i++) {
		int written = i == 0x210 || (i >= 0x218 && i < 0x220) || (i >= 0x224 && i < 0x22c) ||
			      (i >= 0x23c && i < 0x248) || (i >= 0x250 && i < 0x258);
		if (!written && bp[i] != image[i])
			fail_msg("header byte %#x is %#x, the image has %#x", i, bp[i], image[i]);
	}
	/* Nothing from past the header's end (the image has 0xdd there). */
	for (unsigned i = HEADER_END; i < 0x2d0; i++)
		assert_int_equal(bp[i], 0);
	for (unsigned i = 0; i < LINUX_BOOT_E820_ENTRIES; i++) {
		const uint8_t *e = bp + 0x2d0 + 20 * i;
		assert_int_equal(get64(e), expected_e820[i].addr);
		assert_int_equal(get64(e + 8), expected_e820[i].size);
		assert_int_equal(get32(e + 16), expected_e820[i].type);
	}
	for (unsigned i = 0x2d0 + 20 * LINUX_BOOT_E820_ENTRIES; i < 0x1000; i++)
		assert_int_equal(bp[i], 0);

	/* Loader fields the file had set are overwritten, not inherited. */
	good_image();
	put32(image + 0x250, 0x12345678);                       /* setup_data */
	put32(image + 0x23c, 3);                                /* hardware_subarch */
	put32(image + 0x228, 0xdeadbeef);                       /* cmd_line_ptr */
	assert_int_equal(build(image_size, 0, NULL, &lay), LINUX_OK);
	assert_int_equal(get64(bp + 0x250), 0);
	assert_int_equal(get32(bp + 0x23c), 0);
	assert_int_equal(get32(bp + 0x228), 0x8000);
	assert_int_equal(ram[0x8000], 0);                       /* NULL cmdline: empty */
	assert_int_equal(get32(bp + 0x218), 0);                 /* no initrd */
	assert_int_equal(get32(bp + 0x21c), 0);
	assert_int_equal(lay.initrd_gpa, 0);
	assert_int_equal(lay.initrd_size, 0);
}

static void gdt_and_tss(void **state)
{
	(void)state;
	good_image();
	struct linux_boot_layout lay;
	assert_int_equal(build(image_size, 0, CMDLINE, &lay), LINUX_OK);
	const uint8_t *g = ram + lay.gdt_gpa;
	assert_int_equal(get64(g), 0);
	uint64_t cs = get64(g + LINUX_BOOT_CS), ds = get64(g + LINUX_BOOT_DS);
	/* SDM Vol. 3A 3.4.5: access byte at bits 40-47, L at 53, D/B at 54, G at 55. */
	assert_int_equal(cs >> 40 & 0xff, 0x9b);                /* present, DPL0, code, exec/read */
	assert_int_equal(cs >> 53 & 3, 1);                      /* L=1, D=0 */
	assert_int_equal(ds >> 40 & 0xff, 0x93);                /* present, DPL0, data, read/write */
	assert_int_equal((cs & 0xffff) | (cs >> 48 & 0xf) << 16, 0xfffff);
	assert_int_equal((ds & 0xffff) | (ds >> 48 & 0xf) << 16, 0xfffff);
	assert_int_equal(cs >> 55 & 1, 1);                      /* G: 4 KiB granularity */
	assert_int_equal(ds >> 54 & 3, 3);                      /* D/B=1 (32-bit stack), G=1 */
	uint64_t t0 = get64(g + LINUX_BOOT_TR), t1 = get64(g + LINUX_BOOT_TR + 8);
	assert_int_equal(t0 >> 40 & 0xff, 0x8b);                /* present, busy 64-bit TSS */
	uint64_t base = (t0 >> 16 & 0xffffff) | (t0 >> 56 & 0xff) << 24 | (t1 & 0xffffffff) << 32;
	assert_int_equal(base, lay.tss_gpa);
	assert_int_equal(t0 & 0xffff, 0x67);
	assert_true(LINUX_BOOT_GDT_LIMIT + 1 == LINUX_BOOT_TR + 16);
	assert_true(lay.tss_gpa + 0x68 <= lay.gdt_gpa + 0x1000);
}

/* Translates va with the tables inside r; returns 1 and the address if mapped. */
static int walk(const uint8_t *r, uint64_t cr3, uint64_t va, uint64_t *pa)
{
	uint64_t e = get64(r + cr3 + ((va >> 39) & 511) * 8);
	if (!(e & 1))
		return 0;
	e = get64(r + (e & ~0xfffull) + ((va >> 30) & 511) * 8);
	if (!(e & 1))
		return 0;
	e = get64(r + (e & ~0xfffull) + ((va >> 21) & 511) * 8);
	if (!(e & 1) || !(e & 0x80) || !(e & 2))
		return 0;
	*pa = (e & 0xffffffe00000ull) | (va & 0x1fffff);
	return 1;
}

static void page_tables_identity_map_ram(void **state)
{
	(void)state;
	good_image();
	struct linux_boot_layout lay;
	assert_int_equal(build(image_size, INITRD_SIZE, CMDLINE, &lay), LINUX_OK);
	uint64_t pa;
	for (uint64_t a = 0; a < RAM_SIZE; a += 0x1000) {
		assert_true(walk(ram, lay.cr3, a + 0x123, &pa));
		assert_int_equal(pa, a + 0x123);
	}
	assert_false(walk(ram, lay.cr3, RAM_SIZE, &pa));
	assert_false(walk(ram, lay.cr3, 1ull << 30, &pa));
	assert_false(walk(ram, lay.cr3, 1ull << 39, &pa));
	assert_true(lay.cr3 < (1ull << 32));                     /* the 32-bit trampoline */
}

/* A 3 GiB partition (the most allowed) in a sparse mapping: three page directories. */
static void largest_partition(void **state)
{
	(void)state;
	uint64_t size = LINUX_BOOT_MAX_RAM;
	uint8_t *big = mmap(NULL, size + (2ull << 20), PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(big != MAP_FAILED);
	good_image();
	uint8_t *f = file_of(image_size);
	uint8_t rd[100] = { 1 };
	struct linux_boot_layout lay;
	assert_int_equal(linux_boot_build(big, size, f, image_size, rd, sizeof rd, NULL, 0, &lay),
			 LINUX_OK);
	uint64_t pa;
	uint64_t probes[] = { 0, (1ull << 30) - 1, 1ull << 30, (2ull << 30) + 12345, size - 1 };
	for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		assert_true(walk(big, lay.cr3, probes[i], &pa));
		assert_int_equal(pa, probes[i]);
	}
	assert_false(walk(big, lay.cr3, size, &pa));
	/* Not at the top of the 3 GiB: initrd_addr_max (2 GiB - 1) caps it. */
	assert_int_equal(lay.initrd_gpa + 4096, 1ull << 31);
	assert_int_equal(linux_boot_build(big, size + (2ull << 20), f, image_size, rd, sizeof rd,
					  NULL, 0, &lay), LINUX_BAD_RAM);
	free(f);
	munmap(big, size + (2ull << 20));
}

/* ---- placement and its refusals ----------------------------------------------------------- */

static void initrd_below_initrd_addr_max(void **state)
{
	(void)state;
	good_image();
	put32(image + 0x22c, 0x2ffffff);                        /* may end at 48 MiB */
	struct linux_boot_layout lay;
	assert_int_equal(build(image_size, INITRD_SIZE, NULL, &lay), LINUX_OK);
	assert_true(lay.initrd_gpa + INITRD_SIZE <= 0x3000000);
	assert_true(0x3000000 - (lay.initrd_gpa + INITRD_SIZE) < 4096);
	assert_int_equal(lay.initrd_gpa % 4096, 0);

	/* initrd_addr_max inside the kernel's range: nowhere to go. */
	put32(image + 0x22c, PREF + INIT_SIZE - 1);
	expect_refusal(image_size, 4096, NULL, LINUX_INITRD_TOO_BIG);
}

static void initrd_exactly_fits(void **state)
{
	(void)state;
	good_image();
	uint64_t room = RAM_SIZE - (PREF + INIT_SIZE);
	struct linux_boot_layout lay;
	assert_int_equal(build(image_size, room, NULL, &lay), LINUX_OK);
	assert_int_equal(lay.initrd_gpa, PREF + INIT_SIZE);
	assert_int_equal(build(image_size, room - 1, NULL, &lay), LINUX_OK);
	assert_int_equal(lay.initrd_gpa, PREF + INIT_SIZE);      /* rounded down, not into it */
	expect_refusal(image_size, room + 1, NULL, LINUX_INITRD_TOO_BIG);
}

static void kernel_must_fit(void **state)
{
	(void)state;
	good_image();
	put32(image + 0x260, RAM_SIZE - PREF);
	struct linux_boot_layout lay;
	assert_int_equal(build(image_size, 0, NULL, &lay), LINUX_OK);
	assert_int_equal(lay.kernel_end, RAM_SIZE);
	expect_refusal(image_size, 1, NULL, LINUX_INITRD_TOO_BIG);
	put32(image + 0x260, RAM_SIZE - PREF + 1);
	expect_refusal(image_size, 0, NULL, LINUX_TOO_BIG);
	good_image();
	put64(image + 0x258, RAM_SIZE);                          /* pref_address past RAM */
	expect_refusal(image_size, 0, NULL, LINUX_TOO_BIG);
	put64(image + 0x258, ~0ull - 0x1000);                    /* and near 2^64 */
	expect_refusal(image_size, 0, NULL, LINUX_TOO_BIG);
	image[0x234] = 0;
	expect_refusal(image_size, 0, NULL, LINUX_TOO_BIG);
	put32(image + 0x260, 0xffffffff);
	put64(image + 0x258, PREF);
	expect_refusal(image_size, 0, NULL, LINUX_TOO_BIG);
}

static void relocation(void **state)
{
	(void)state;
	struct linux_boot_layout lay;
	/* Relocatable, pref_address below 1 MiB: the first aligned address at or above 1 MiB. */
	good_image();
	put64(image + 0x258, 0);
	assert_int_equal(build(image_size, 0, NULL, &lay), LINUX_OK);
	assert_int_equal(lay.kernel_gpa, 2ull << 20);
	assert_int_equal(lay.entry_gpa, (2ull << 20) + 0x200);
	assert_int_equal(ram[lay.kernel_gpa], payload_byte(0));
	/* Relocatable, pref_address unaligned: rounded up to kernel_alignment. */
	put64(image + 0x258, 17ull << 20);
	assert_int_equal(build(image_size, 0, NULL, &lay), LINUX_OK);
	assert_int_equal(lay.kernel_gpa, 18ull << 20);
	assert_int_equal(lay.kernel_end, (18ull << 20) + INIT_SIZE);
	/* Not relocatable: exactly at pref_address, or refused below 1 MiB. */
	image[0x234] = 0;
	assert_int_equal(build(image_size, 0, NULL, &lay), LINUX_OK);
	assert_int_equal(lay.kernel_gpa, 17ull << 20);
	put64(image + 0x258, 0x80000);
	expect_refusal(image_size, 0, NULL, LINUX_NOT_RELOCATABLE);
	put64(image + 0x258, 0);
	expect_refusal(image_size, 0, NULL, LINUX_NOT_RELOCATABLE);
	/* Not relocatable at exactly 1 MiB is fine (the boot area is below). */
	put64(image + 0x258, 1ull << 20);
	assert_int_equal(build(image_size, 0, NULL, &lay), LINUX_OK);
	assert_int_equal(lay.kernel_gpa, 1ull << 20);
}

static void command_line_limits(void **state)
{
	(void)state;
	char *line = malloc(0x3000);
	assert_non_null(line);
	good_image();
	memset(line, 'a', CMDLINE_SIZE);
	line[CMDLINE_SIZE] = 0;                                  /* exactly cmdline_size */
	struct linux_boot_layout lay;
	assert_int_equal(build(image_size, 0, line, &lay), LINUX_OK);
	assert_string_equal((const char *)ram + 0x8000, line);
	line[CMDLINE_SIZE] = 'b';
	line[CMDLINE_SIZE + 1] = 0;
	expect_refusal(image_size, 0, line, LINUX_CMDLINE_TOO_LONG);

	/* A kernel that takes anything still meets our 8 KiB buffer. */
	put32(image + 0x238, 0xffffffff);
	memset(line, 'c', 0x1fff);
	line[0x1fff] = 0;
	assert_int_equal(build(image_size, 0, line, &lay), LINUX_OK);
	assert_int_equal(strlen((const char *)ram + 0x8000), 0x1fff);
	assert_int_equal(ram[0xa000], 0);
	line[0x1fff] = 'c';
	line[0x2000] = 0;
	expect_refusal(image_size, 0, line, LINUX_CMDLINE_TOO_LONG);
	free(line);
}

static void bad_ram_sizes(void **state)
{
	(void)state;
	good_image();
	uint8_t *f = file_of(image_size);
	uint64_t sizes[] = { 0, 1ull << 20, (2ull << 20) + 4096, RAM_SIZE - 1 };
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		memset(ram, CANARY, RAM_SIZE);
		assert_int_equal(linux_boot_build(ram, sizes[i], f, image_size, NULL, 0, NULL, 0,
						  NULL), LINUX_BAD_RAM);
		assert_true(ram_untouched());
	}
	/* 2 MiB is accepted as RAM; a kernel needing 16 MiB then does not fit. */
	assert_int_equal(linux_boot_build(ram, 2ull << 20, f, image_size, NULL, 0, NULL, 0, NULL),
			 LINUX_TOO_BIG);
	free(f);
}

static void status_strings(void **state)
{
	(void)state;
	for (int s = LINUX_OK; s <= LINUX_BAD_RAM; s++) {
		const char *m = linux_boot_status_string((enum linux_boot_status)s);
		assert_non_null(m);
		assert_true(strlen(m) > 5);
		assert_null(strstr(m, "unknown"));
	}
	assert_non_null(strstr(linux_boot_status_string((enum linux_boot_status)99), "unknown"));
}

/* ---- a real kernel, when one is named ------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*size = (size_t)n;
	return buf;
}

static void real_kernel(void **state)
{
	(void)state;
	const char *path = getenv("LINUX_BZIMAGE");
	if (!path || !*path)
		skip();
	size_t size;
	uint8_t *k = read_file(path, &size);
	if (!k)
		fail_msg("cannot read %s", path);
	struct linux_image_info info;
	enum linux_boot_status st = linux_image_inspect(k, size, &info);
	if (st != LINUX_OK)
		fail_msg("%s: %s", path, linux_boot_status_string(st));
	print_message("    %s: protocol %x, \"%s\", init_size %#llx, pref %#llx\n", path,
		      info.protocol, info.version, (unsigned long long)info.init_size,
		      (unsigned long long)info.pref_address);
	assert_true(info.protocol >= 0x20c);
	assert_memory_equal(info.version, "6.", 2);
	assert_true(info.xloadflags & 1);

	uint64_t ram_size = 512ull << 20;
	uint8_t *r = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(r != MAP_FAILED);
	static const uint8_t initrd[4096] = { 0x30, 0x37, 0x30, 0x37, 0x30, 0x31 };  /* "070701" */
	struct linux_boot_layout lay;
	st = linux_boot_build(r, ram_size, k, size, initrd, sizeof initrd, "console=ttyS0",
			      0xe0000, &lay);
	if (st != LINUX_OK)
		fail_msg("%s: %s", path, linux_boot_status_string(st));
	assert_int_equal(lay.kernel_gpa, info.pref_address);
	assert_memory_equal(r + lay.kernel_gpa, k + info.setup_size, (size_t)info.payload_size);
	assert_int_equal(r[lay.boot_params_gpa + 0x1ef], 0);
	assert_memory_equal(r + lay.boot_params_gpa + 0x202, "HdrS", 4);
	assert_true(lay.initrd_gpa >= lay.kernel_end);
	munmap(r, ram_size);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inspect_reads_the_header),
		cmocka_unit_test(version_string_is_bounded),
		cmocka_unit_test(refuses_what_is_not_a_bzimage),
		cmocka_unit_test(refuses_old_protocols_and_32bit_kernels),
		cmocka_unit_test(refuses_truncated_files),
		cmocka_unit_test(every_prefix_is_refused),
		cmocka_unit_test(refuses_inconsistent_headers),
		cmocka_unit_test(random_images_are_handled),
		cmocka_unit_test(boot_places_everything),
		cmocka_unit_test(boot_params_fields),
		cmocka_unit_test(gdt_and_tss),
		cmocka_unit_test(page_tables_identity_map_ram),
		cmocka_unit_test(largest_partition),
		cmocka_unit_test(initrd_below_initrd_addr_max),
		cmocka_unit_test(initrd_exactly_fits),
		cmocka_unit_test(kernel_must_fit),
		cmocka_unit_test(relocation),
		cmocka_unit_test(command_line_limits),
		cmocka_unit_test(bad_ram_sizes),
		cmocka_unit_test(status_strings),
		cmocka_unit_test(real_kernel),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
