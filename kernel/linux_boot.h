/*
 * Loading a Linux bzImage into a partition with the x86 64-bit boot protocol
 * (Documentation/x86/boot.rst, "64-bit Boot Protocol"; the zero page in zero-page.rst). The
 * image and initrd come from the ESP and are not trusted: the setup header is checked against
 * the file, every field that sizes or places something is bounds-checked, and nothing is
 * written to the partition unless the whole boot is possible, so a refused image leaves its
 * memory as it was. linux_boot_build() writes the protected-mode kernel, the initrd, the
 * command line, the zero page with its e820 map, a GDT and identity page tables; the
 * hypervisor then starts vCPU 0 in 64-bit mode at entry_gpa with RSI = boot_params_gpa,
 * CS = LINUX_BOOT_CS, the other segments LINUX_BOOT_DS, CR3 = cr3, interrupts off. Pure: no
 * allocation, no globals, only memcpy/memset; compiled for the host unit tests and the kernel.
 *
 * Guest-physical layout (ram_size a multiple of 2 MiB, at most LINUX_BOOT_MAX_RAM):
 *
 *   0x00000 - 0x00fff   RAM (real-mode IVT/BDA page, left zero: Linux reads the BDA's EBDA
 *                       and base-memory words there and falls back to defaults on zero)
 *   0x01000 - 0x09fff   e820 reserved: the boot area built here
 *     0x01000             GDT (null, null, code 0x10, data 0x18, TSS 0x20), TSS at 0x1800
 *     0x02000             PML4, 0x03000 PDPT, 0x04000.. one page directory per GiB of RAM
 *     0x07000             boot_params (the zero page)
 *     0x08000             command line, NUL-terminated, < 8 KiB
 *   0x0a000 - 0x9fbff   RAM (the decompressor puts its 32-bit paging trampoline at the top of
 *                       the e820 RAM below 0x9f000, i.e. 0x9d000: find_trampoline_placement()
 *                       in arch/x86/boot/compressed/pgtable_64.c; Linux's real-mode trampoline
 *                       is allocated here later too)
 *   0x9fc00 - 0xfffff   e820 reserved: the PC's EBDA/VGA/ROM window; the hypervisor's ACPI
 *                       tables live at 0xe0000 (see vdev/acpi_tables.h)
 *   0x100000 -          RAM: the kernel at its pref_address (16 MiB for distribution kernels)
 *                       with init_size bytes kept free above it, the initrd page-aligned at the
 *                       top of RAM below initrd_addr_max
 */
#ifndef BULKHEAD_LINUX_BOOT_H
#define BULKHEAD_LINUX_BOOT_H

#include <stdint.h>

#define LINUX_BOOT_AREA_GPA      0x1000ull
#define LINUX_BOOT_GDT_GPA       0x1000ull
#define LINUX_BOOT_TSS_GPA       0x1800ull
#define LINUX_BOOT_PML4_GPA      0x2000ull
#define LINUX_BOOT_PDPT_GPA      0x3000ull
#define LINUX_BOOT_PD_GPA        0x4000ull
#define LINUX_BOOT_PARAMS_GPA    0x7000ull
#define LINUX_BOOT_CMDLINE_GPA   0x8000ull
#define LINUX_BOOT_CMDLINE_MAX   0x2000ull      /* bytes including the NUL */
#define LINUX_BOOT_AREA_END      0xa000ull
#define LINUX_LOW_RAM_END        0x9fc00ull     /* 639 KiB of conventional memory, as on a PC */
#define LINUX_HIGH_RAM_GPA       0x100000ull    /* the kernel and initrd go at or above */

/* Selectors the 64-bit protocol requires (__BOOT_CS, __BOOT_DS), and a TSS for VM entry. */
#define LINUX_BOOT_CS            0x10
#define LINUX_BOOT_DS            0x18
#define LINUX_BOOT_TR            0x20
#define LINUX_BOOT_GDT_LIMIT     0x2f

/* One page directory per GiB between 0x4000 and 0x7000, and the top GiB of the 4 GiB space
 * stays free for the I/O APIC (0xfec00000) and local APIC (0xfee00000) windows. */
#define LINUX_BOOT_MAX_RAM       (3ull << 30)
#define LINUX_BOOT_MIN_RAM       (2ull << 20)

/* e820 types (ACPI "Address Range Types"; zero-page.rst's e820_table) */
#define LINUX_E820_RAM           1
#define LINUX_E820_RESERVED      2

/* The e820 map linux_boot_build() writes has exactly these entries, in this order. */
#define LINUX_BOOT_E820_ENTRIES  5

enum linux_boot_status {
	LINUX_OK = 0,
	LINUX_NOT_BZIMAGE,       /* no boot_flag 0xAA55 / "HdrS", too short for them, or a zImage */
	LINUX_TRUNCATED,         /* shorter than its setup header or setup + syssize*16 */
	LINUX_OLD_PROTOCOL,      /* boot protocol below 2.12 */
	LINUX_NO_64BIT_ENTRY,    /* xloadflags lacks XLF_KERNEL_64 */
	LINUX_BAD_HEADER,        /* setup header fields contradict each other */
	LINUX_NOT_RELOCATABLE,   /* fixed kernel whose pref_address is below 1 MiB */
	LINUX_TOO_BIG,           /* [load, load + init_size) does not fit in RAM */
	LINUX_INITRD_TOO_BIG,    /* no room for the initrd between the kernel and its ceiling */
	LINUX_CMDLINE_TOO_LONG,  /* longer than the header's cmdline_size or our buffer */
	LINUX_BAD_RAM,           /* ram_size not a 2 MiB multiple, or outside the limits above */
};

/* What went wrong, in words for a log line; never NULL. */
const char *linux_boot_status_string(enum linux_boot_status s);

struct linux_image_info {
	uint16_t protocol;          /* 0x206, e.g. 0x020f for 2.15 */
	char     version[64];       /* kernel_version string (0x20e, +0x200), cut, NUL-terminated */
	uint64_t setup_size;        /* (setup_sects + 1) * 512: file offset of the payload */
	uint64_t payload_size;      /* syssize * 16: bytes copied to the load address */
	uint64_t init_size;         /* memory needed from the run address on (0x260) */
	uint64_t pref_address;      /* 0x258 */
	uint64_t alignment;         /* kernel_alignment (0x230) */
	uint32_t cmdline_size;      /* longest command line, NUL excluded (0x238) */
	uint32_t initrd_addr_max;   /* highest byte an initrd may occupy (0x22c) */
	uint16_t header_end;        /* 0x202 + the byte at 0x201 */
	uint16_t xloadflags;        /* 0x236 (a 16-bit field; bits 0-6 defined) */
	uint8_t  relocatable;       /* relocatable_kernel (0x234) */
};

/* Checks a bzImage's setup header without writing anywhere but *out (written only on
 * LINUX_OK; may be NULL). Never reads at or past img + size. */
enum linux_boot_status linux_image_inspect(const void *img, uint64_t size,
					   struct linux_image_info *out);

struct linux_e820 {
	uint64_t addr, size;
	uint32_t type;
};

/* Where linux_boot_build() put things, all guest-physical. */
struct linux_boot_layout {
	uint64_t kernel_gpa;        /* the protected-mode payload's first byte */
	uint64_t kernel_end;        /* end of the range kept free for the decompressor */
	uint64_t entry_gpa;         /* kernel_gpa + 0x200: startup_64, the 64-bit entry */
	uint64_t boot_params_gpa;   /* RSI at entry */
	uint64_t cmdline_gpa;
	uint64_t initrd_gpa;        /* 0 without an initrd */
	uint64_t initrd_size;
	uint64_t gdt_gpa;           /* GDTR base; limit LINUX_BOOT_GDT_LIMIT */
	uint64_t tss_gpa;           /* TR (LINUX_BOOT_TR) base, limit 0x67, busy 64-bit TSS */
	uint64_t cr3;               /* PML4 identity-mapping [0, ram_size) with 2 MiB pages */
	struct linux_e820 e820[LINUX_BOOT_E820_ENTRIES];   /* the map written to the zero page */
};

/*
 * Builds the whole boot of `img` into ram (guest-physical 0 at ram[0], expected zeroed).
 * initrd NULL means no initrd, whatever initrd_size says; cmdline may be NULL (empty). acpi_rsdp_gpa is
 * stored in boot_params.acpi_rsdp_addr (0: none; Linux then scans 0xe0000-0xfffff). Checks
 * everything before writing anything: on any refusal ram and *out are untouched. *out may be
 * NULL. Neither img nor initrd may overlap ram.
 */
enum linux_boot_status linux_boot_build(uint8_t *ram, uint64_t ram_size, const void *img,
					uint64_t img_size, const void *initrd, uint64_t initrd_size,
					const char *cmdline, uint64_t acpi_rsdp_gpa,
					struct linux_boot_layout *out);

#endif
