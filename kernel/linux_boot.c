/*
 * Linux x86 64-bit boot protocol loader (see linux_boot.h). Two passes, as in elf_load.c:
 * inspect() reads the setup header from the file into a table of checked numbers, plan()
 * places the kernel, initrd and command line and refuses what cannot fit, and only then does
 * the write pass copy, using nothing but those numbers. Offsets and rules are from the kernel's
 * Documentation/x86/boot.rst ("The Real-Mode Kernel Header", "Details of Header Fields",
 * "64-bit Boot Protocol") and zero-page.rst; where boot.rst is silent the behaviour of
 * arch/x86/boot/compressed/head_64.S is cited. Fields are read with memcpy: nothing in a file
 * is aligned for us.
 */
#include <stddef.h>
#include <string.h>
#include "kernel/linux_boot.h"

/* Setup header fields, as offsets into the file and, identically, into the zero page. */
#define HDR_START            0x1f1      /* first byte copied into boot_params */
#define HDR_SETUP_SECTS      0x1f1
#define HDR_SYSSIZE          0x1f4
#define HDR_BOOT_FLAG        0x1fe
#define HDR_JUMP             0x200
#define HDR_MAGIC            0x202
#define HDR_VERSION          0x206
#define HDR_KERNEL_VERSION   0x20e
#define HDR_TYPE_OF_LOADER   0x210
#define HDR_LOADFLAGS        0x211
#define HDR_RAMDISK_IMAGE    0x218
#define HDR_RAMDISK_SIZE     0x21c
#define HDR_HEAP_END_PTR     0x224
#define HDR_CMD_LINE_PTR     0x228
#define HDR_INITRD_ADDR_MAX  0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE      0x234
#define HDR_XLOADFLAGS       0x236
#define HDR_CMDLINE_SIZE     0x238
#define HDR_HW_SUBARCH       0x23c
#define HDR_HW_SUBARCH_DATA  0x240
#define HDR_SETUP_DATA       0x250
#define HDR_PREF_ADDRESS     0x258
#define HDR_INIT_SIZE        0x260
/* A 2.12 header runs at least through handover_offset (0x264, protocol 2.11). */
#define HDR_MIN_END          0x268
/* struct boot_params keeps the header in [0x1f1, 0x290): edd_mbr_sig_buffer follows. A
 * longer header would land on zero-page fields, so no real kernel has one. */
#define HDR_MAX_END          0x290

/* Zero-page fields outside the setup header (zero-page.rst). */
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_E820_TABLE        0x2d0
#define BP_SIZE              0x1000
#define E820_ENTRY_SIZE      20

#define BOOT_FLAG            0xaa55
#define LOADED_HIGH          0x01       /* loadflags bit 0: protected-mode code at 1 MiB */
#define XLF_KERNEL_64        0x0001     /* xloadflags bit 0: 64-bit entry at load + 0x200 */
#define MIN_PROTOCOL         0x020c     /* 2.12: xloadflags and the ext_* fields */
#define LOADER_UNDEFINED     0xff       /* type_of_loader: "boot loader has no assigned ID" */

#define PAGE                 0x1000ull
#define TWO_MB               (2ull << 20)
#define FOUR_GB              (1ull << 32)

#define PTE_PRESENT_WRITE    0x3ull
#define PDE_2M               0x83ull    /* present, writable, page size (SDM Vol. 3A 4.5) */

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static enum linux_boot_status inspect(const uint8_t *f, uint64_t size,
				      struct linux_image_info *in)
{
	/* "HdrS" at 0x202 and the protocol version after it: the least a file must hold to be
	 * recognised at all. Anything shorter is not (recognisably) a bzImage. */
	if (size < HDR_VERSION + 2)
		return LINUX_NOT_BZIMAGE;
	if (get16(f + HDR_BOOT_FLAG) != BOOT_FLAG || memcmp(f + HDR_MAGIC, "HdrS", 4) != 0)
		return LINUX_NOT_BZIMAGE;
	memset(in, 0, sizeof *in);
	in->protocol = get16(f + HDR_VERSION);
	if (in->protocol < MIN_PROTOCOL)
		return LINUX_OLD_PROTOCOL;

	/* boot.rst "64-bit Boot Protocol": the header ends at 0x202 + the byte at 0x201 (the
	 * short jump's displacement over it). Every field below lies before that end. */
	in->header_end = (uint16_t)(HDR_MAGIC + f[HDR_JUMP + 1]);
	if (size < in->header_end)
		return LINUX_TRUNCATED;
	if (in->header_end < HDR_MIN_END || in->header_end > HDR_MAX_END)
		return LINUX_BAD_HEADER;

	/* A zImage (loadflags bit 0 clear) wants its payload at 0x10000; not ours to boot. */
	if (!(f[HDR_LOADFLAGS] & LOADED_HIGH))
		return LINUX_NOT_BZIMAGE;
	in->xloadflags = get16(f + HDR_XLOADFLAGS);
	if (!(in->xloadflags & XLF_KERNEL_64))
		return LINUX_NO_64BIT_ENTRY;

	/* "setup_sects: ... If this field is 0, the real value is 4." The real-mode code is
	 * setup_sects 512-byte sectors after the boot sector; the protected-mode payload follows,
	 * syssize 16-byte paragraphs long (32 bits wide from protocol 2.04). */
	unsigned sects = f[HDR_SETUP_SECTS] ? f[HDR_SETUP_SECTS] : 4;
	in->setup_size = ((uint64_t)sects + 1) * 512;
	in->payload_size = (uint64_t)get32(f + HDR_SYSSIZE) * 16;
	if (in->payload_size == 0)
		return LINUX_BAD_HEADER;
	/* Both terms are below 2^37: no wrap. Signed kernels carry more after the payload. */
	if (size < in->setup_size + in->payload_size)
		return LINUX_TRUNCATED;

	in->init_size = get32(f + HDR_INIT_SIZE);
	in->pref_address = get64(f + HDR_PREF_ADDRESS);
	in->alignment = get32(f + HDR_KERNEL_ALIGNMENT);
	in->relocatable = f[HDR_RELOCATABLE];
	in->cmdline_size = get32(f + HDR_CMDLINE_SIZE);
	in->initrd_addr_max = get32(f + HDR_INITRD_ADDR_MAX);
	/* The decompressor moves the payload to the end of its init_size buffer and works
	 * backwards from there, so the buffer must at least hold the payload. */
	if (in->init_size < in->payload_size)
		return LINUX_BAD_HEADER;
	/* startup_64 rounds its own address up with (kernel_alignment - 1) masks. */
	if (in->relocatable && (in->alignment == 0 || (in->alignment & (in->alignment - 1))))
		return LINUX_BAD_HEADER;

	/* "kernel_version: ... a pointer to a NUL-terminated human-readable kernel version
	 * number string, less 0x200 ... should be less than (0x200*setup_sects)." Read only
	 * inside the setup code; a string without its NUL there is cut, not followed. */
	uint16_t kv = get16(f + HDR_KERNEL_VERSION);
	if (kv) {
		uint64_t at = (uint64_t)kv + 0x200;
		size_t n = 0;
		while (at + n < in->setup_size && n < sizeof in->version - 1 && f[at + n]) {
			uint8_t c = f[at + n];
			in->version[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
		in->version[n] = 0;
	}
	return LINUX_OK;
}

enum linux_boot_status linux_image_inspect(const void *img, uint64_t size,
					   struct linux_image_info *out)
{
	struct linux_image_info in;
	enum linux_boot_status st = inspect(img, size, &in);
	if (st == LINUX_OK && out)
		*out = in;
	return st;
}

/* Everything the write pass needs, decided by plan(). */
struct plan {
	uint64_t load, kernel_end;
	uint64_t initrd, initrd_size;
	size_t cmdline_len;
};

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

static enum linux_boot_status plan(const struct linux_image_info *in, uint64_t ram_size,
				   uint64_t initrd_size, const char *cmdline, struct plan *p)
{
	if (ram_size < LINUX_BOOT_MIN_RAM || ram_size > LINUX_BOOT_MAX_RAM || ram_size % TWO_MB)
		return LINUX_BAD_RAM;

	/* Where the kernel runs. head_64.S startup_64 decompresses at its own address rounded up
	 * to kernel_alignment, but never below LOAD_PHYSICAL_ADDR (which the header publishes
	 * as pref_address); a non-relocatable kernel always at LOAD_PHYSICAL_ADDR. Either way
	 * [run, run + init_size) is its working space, and loading below pref_address would buy
	 * nothing: the kernel would still need that range. So load at pref_address, rounded up
	 * to the alignment for a relocatable kernel, or at 1 MiB if pref_address is lower (a
	 * kernel built for 1 MiB would otherwise run over the boot area). */
	uint64_t base = in->pref_address;
	if (base < LINUX_HIGH_RAM_GPA) {
		if (!in->relocatable)
			return LINUX_NOT_RELOCATABLE;
		base = LINUX_HIGH_RAM_GPA;
	}
	if (base >= ram_size)
		return LINUX_TOO_BIG;
	p->load = in->relocatable ? align_up(base, in->alignment) : base;
	if (p->load > ram_size || in->init_size > ram_size - p->load)
		return LINUX_TOO_BIG;
	p->kernel_end = p->load + in->init_size;

	/* The initrd as high as allowed ("initrd_addr_max: the maximum address that may be
	 * occupied by the initial ramdisk contents"), below 4 GiB so the 32-bit fields hold it
	 * on any protocol, page-aligned, and above the kernel's whole working range. */
	p->initrd = p->initrd_size = 0;
	if (initrd_size) {
		uint64_t ceiling = ram_size;
		if ((uint64_t)in->initrd_addr_max + 1 < ceiling)
			ceiling = (uint64_t)in->initrd_addr_max + 1;
		if (ceiling > FOUR_GB)
			ceiling = FOUR_GB;
		if (ceiling <= p->kernel_end || initrd_size > ceiling - p->kernel_end)
			return LINUX_INITRD_TOO_BIG;
		p->initrd = (ceiling - initrd_size) & ~(PAGE - 1);
		if (p->initrd < p->kernel_end)
			return LINUX_INITRD_TOO_BIG;
		p->initrd_size = initrd_size;
	}

	/* "cmdline_size: The maximum size of the command line without the terminating zero."
	 * Refused rather than cut: a silently shortened command line boots the wrong thing. */
	size_t len = cmdline ? strlen(cmdline) : 0;
	if (len > in->cmdline_size || len + 1 > LINUX_BOOT_CMDLINE_MAX)
		return LINUX_CMDLINE_TOO_LONG;
	p->cmdline_len = len;
	return LINUX_OK;
}

/* The partition as e820 describes it (see the layout in linux_boot.h). The boot area is
 * reserved so that nothing Linux allocates early can land on the page tables and GDT it is
 * still running on; Linux 6.1 also reserves all of the first MiB once it has its own tables.
 * The 0x9fc00-0xfffff window is type 2, not ACPI reclaim (3): on a PC the tables' home is
 * reserved ROM space, reclaiming it would gain a guest nothing below 1 MiB, and Linux maps
 * ACPI tables from reserved ranges as readily. */
static void e820_map(uint64_t ram_size, struct linux_e820 m[LINUX_BOOT_E820_ENTRIES])
{
	m[0] = (struct linux_e820){ 0, LINUX_BOOT_AREA_GPA, LINUX_E820_RAM };
	m[1] = (struct linux_e820){ LINUX_BOOT_AREA_GPA, LINUX_BOOT_AREA_END - LINUX_BOOT_AREA_GPA,
				    LINUX_E820_RESERVED };
	m[2] = (struct linux_e820){ LINUX_BOOT_AREA_END, LINUX_LOW_RAM_END - LINUX_BOOT_AREA_END,
				    LINUX_E820_RAM };
	m[3] = (struct linux_e820){ LINUX_LOW_RAM_END, LINUX_HIGH_RAM_GPA - LINUX_LOW_RAM_END,
				    LINUX_E820_RESERVED };
	m[4] = (struct linux_e820){ LINUX_HIGH_RAM_GPA, ram_size - LINUX_HIGH_RAM_GPA,
				    LINUX_E820_RAM };
}

/* GDT and page tables. Descriptors: SDM Vol. 3A 3.4.5 (L=1 for 64-bit code) and 8.2.3 (a
 * 64-bit TSS descriptor is 16 bytes; type 0xB = busy, which VM entry requires of TR, 26.3.1.2).
 * The decompressor loads its own GDT and builds its own page tables early in startup_64, and
 * the kernel proper does again, so these are only used for the first few thousand
 * instructions; the e820 reservation keeps them intact that long. */
static void build_gdt_and_tables(uint8_t *ram, uint64_t ram_size)
{
	uint8_t *gdt = ram + LINUX_BOOT_GDT_GPA;
	uint64_t tss = LINUX_BOOT_TSS_GPA, limit = 0x67;
	put64(gdt + 0x00, 0);
	put64(gdt + 0x08, 0);
	put64(gdt + LINUX_BOOT_CS, 0x00af9b000000ffffull);  /* code: P, DPL0, exec/read, L, G */
	put64(gdt + LINUX_BOOT_DS, 0x00cf93000000ffffull);  /* data: P, DPL0, read/write, D, G */
	put64(gdt + LINUX_BOOT_TR, limit | (tss & 0xffffff) << 16 | 0x8bull << 40 |
				   (tss >> 24 & 0xff) << 56);
	put64(gdt + LINUX_BOOT_TR + 8, tss >> 32);

	/* Identity map of all of RAM with 2 MiB pages: boot.rst asks for the kernel's range,
	 * the zero page and the command line; mapping everything covers the initrd too. */
	put64(ram + LINUX_BOOT_PML4_GPA, LINUX_BOOT_PDPT_GPA | PTE_PRESENT_WRITE);
	for (uint64_t a = 0; a < ram_size; a += TWO_MB) {
		uint64_t gib = a >> 30, pd = LINUX_BOOT_PD_GPA + gib * PAGE;
		if ((a >> 21 & 511) == 0)
			put64(ram + LINUX_BOOT_PDPT_GPA + gib * 8, pd | PTE_PRESENT_WRITE);
		put64(ram + pd + (a >> 21 & 511) * 8, a | PDE_2M);
	}
}

enum linux_boot_status linux_boot_build(uint8_t *ram, uint64_t ram_size, const void *img,
					uint64_t img_size, const void *initrd, uint64_t initrd_size,
					const char *cmdline, uint64_t acpi_rsdp_gpa,
					struct linux_boot_layout *out)
{
	const uint8_t *f = img;
	struct linux_image_info in;
	struct plan p;
	enum linux_boot_status st = inspect(f, img_size, &in);
	if (st != LINUX_OK)
		return st;
	if (!initrd)
		initrd_size = 0;
	st = plan(&in, ram_size, initrd_size, cmdline, &p);
	if (st != LINUX_OK)
		return st;

	/* Everything checked: from here on nothing can fail. */
	memset(ram + LINUX_BOOT_AREA_GPA, 0, LINUX_BOOT_AREA_END - LINUX_BOOT_AREA_GPA);
	build_gdt_and_tables(ram, ram_size);

	memcpy(ram + p.load, f + in.setup_size, (size_t)in.payload_size);
	if (p.initrd_size)
		memcpy(ram + p.initrd, initrd, (size_t)p.initrd_size);
	if (p.cmdline_len)
		memcpy(ram + LINUX_BOOT_CMDLINE_GPA, cmdline, p.cmdline_len);
	ram[LINUX_BOOT_CMDLINE_GPA + p.cmdline_len] = 0;

	/* boot.rst "64-bit Boot Protocol": zero the whole zero page, then copy the setup header
	 * from 0x1f1 to its end, nothing before it. The byte at 0x1ef (`sentinel`) is 0xff in
	 * the file (Debian's 6.1 image has it); a loader that copied it would make
	 * sanitize_boot_params() wipe the fields set below that live outside the header
	 * (acpi_rsdp_addr, ext_*). */
	uint8_t *bp = ram + LINUX_BOOT_PARAMS_GPA;
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_START, f + HDR_START, in.header_end - HDR_START);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	/* loadflags stays as the kernel has it. CAN_USE_HEAP and heap_end_ptr describe a heap
	 * for the 16-bit setup code, which the 64-bit entry skips, so no heap is promised;
	 * heap_end_ptr and the ext_loader_ver/type bytes after it stay 0. */
	put32(bp + HDR_HEAP_END_PTR, 0);
	put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)p.initrd);
	put32(bp + HDR_RAMDISK_SIZE, (uint32_t)p.initrd_size);
	put32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(p.initrd >> 32));
	put32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(p.initrd_size >> 32));
	put32(bp + HDR_CMD_LINE_PTR, (uint32_t)LINUX_BOOT_CMDLINE_GPA);
	put32(bp + BP_EXT_CMD_LINE_PTR, (uint32_t)(LINUX_BOOT_CMDLINE_GPA >> 32));
	/* Written by the loader, whatever the file holds: a plain PC, no setup_data chain. */
	put32(bp + HDR_HW_SUBARCH, 0);
	put64(bp + HDR_HW_SUBARCH_DATA, 0);
	put64(bp + HDR_SETUP_DATA, 0);
	put64(bp + BP_ACPI_RSDP_ADDR, acpi_rsdp_gpa);

	struct linux_e820 map[LINUX_BOOT_E820_ENTRIES];
	e820_map(ram_size, map);
	bp[BP_E820_ENTRIES] = LINUX_BOOT_E820_ENTRIES;
	for (unsigned i = 0; i < LINUX_BOOT_E820_ENTRIES; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * E820_ENTRY_SIZE;
		put64(e, map[i].addr);
		put64(e + 8, map[i].size);
		put32(e + 16, map[i].type);
	}

	if (out) {
		out->kernel_gpa = p.load;
		out->kernel_end = p.kernel_end;
		out->entry_gpa = p.load + 0x200;
		out->boot_params_gpa = LINUX_BOOT_PARAMS_GPA;
		out->cmdline_gpa = LINUX_BOOT_CMDLINE_GPA;
		out->initrd_gpa = p.initrd;
		out->initrd_size = p.initrd_size;
		out->gdt_gpa = LINUX_BOOT_GDT_GPA;
		out->tss_gpa = LINUX_BOOT_TSS_GPA;
		out->cr3 = LINUX_BOOT_PML4_GPA;
		memcpy(out->e820, map, sizeof map);
	}
	return LINUX_OK;
}

const char *linux_boot_status_string(enum linux_boot_status s)
{
	switch (s) {
	case LINUX_OK:
		return "loaded";
	case LINUX_NOT_BZIMAGE:
		return "not a Linux bzImage (no boot_flag 0xAA55 at 0x1fe or \"HdrS\" at 0x202, "
		       "or a zImage)";
	case LINUX_TRUNCATED:
		return "the bzImage is shorter than its setup header says (a truncated copy?)";
	case LINUX_OLD_PROTOCOL:
		return "the kernel's boot protocol is older than 2.12 (Linux 3.8); it has no "
		       "64-bit entry";
	case LINUX_NO_64BIT_ENTRY:
		return "the kernel has no 64-bit entry point (xloadflags lacks XLF_KERNEL_64); "
		       "build it for x86_64";
	case LINUX_BAD_HEADER:
		return "the bzImage's setup header is inconsistent (sizes or alignment)";
	case LINUX_NOT_RELOCATABLE:
		return "the kernel is not relocatable and wants to run below 1 MiB";
	case LINUX_TOO_BIG:
		return "the kernel does not fit in the partition's memory at its load address "
		       "(pref_address + init_size); give the partition more memory";
	case LINUX_INITRD_TOO_BIG:
		return "the initrd does not fit between the kernel and the top of memory (or the "
		       "kernel's initrd_addr_max)";
	case LINUX_CMDLINE_TOO_LONG:
		return "the command line is longer than the kernel accepts (cmdline_size)";
	case LINUX_BAD_RAM:
		return "the partition's memory size is not a multiple of 2 MiB between 2 MiB and "
		       "3 GiB";
	}
	return "unknown Linux boot error";
}
