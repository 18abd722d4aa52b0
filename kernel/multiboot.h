/*
 * Loading a Multiboot (version 1, specification 0.6.96) kernel into a partition. The image
 * is found by its Multiboot header in the first 8192 bytes and loaded either by the header's
 * address fields (flag 16, the "a.out kludge") or, without them, by its ELF32 program
 * headers; one optional boot module is copied after it; the Multiboot information structure
 * goes in a small low-memory area. The hypervisor then starts the vCPU in 32-bit protected
 * mode, paging off, flat CS/DS, with EAX = MB_BOOTLOADER_MAGIC, EBX = info_gpa, EIP = entry.
 * Like the other loaders here, everything is checked before anything is written, so a
 * refused image leaves the partition's memory as it was. Pure: no allocation, no globals.
 *
 * Header flags (spec 3.1.2): bits 0-15 are requirements, 16-31 optional. Bit 0 (page-align
 * modules) and bit 1 (memory information) are always satisfied. Bit 2 asks for video mode
 * information; partitions have no display, and the spec says a loader that cannot fulfil a
 * requirement must fail, so it is refused (MB_VIDEO_REQUIRED) rather than ignored. Other
 * bits 3-15 are unknown requirements: refused. Bit 16 is honoured; other optional bits are
 * ignored.
 *
 * Guest-physical layout (ram_size a multiple of 2 MiB, at most MB_MAX_RAM):
 *
 *   0x00000 - 0x00fff   available (IVT/BDA page, zero)
 *   0x01000 - 0x03fff   reserved in the memory map: the information structure and its parts
 *     0x01000             struct multiboot_info (116 bytes)
 *     0x01100             memory map (MB_MMAP_ENTRIES entries of 24 bytes, size field = 20)
 *     0x01200             module list (one 16-byte entry)
 *     0x01300             boot loader name "Bulkhead"
 *     0x02000             command line: the image's file name, a space, the command line
 *     0x03000             the module's string (its file name)
 *   0x04000 - 0x9fbff   available
 *   0x9fc00 - 0xfffff   reserved: the PC's EBDA/VGA/ROM window, ACPI tables at 0xe0000
 *   0x100000 -          available: the image (it must load at or above 1 MiB), then the
 *                       module on the next page boundary after the image's end (bss
 *                       included), as GRUB places them
 */
#ifndef BULKHEAD_MULTIBOOT_H
#define BULKHEAD_MULTIBOOT_H

#include <stdint.h>

#define MB_HEADER_MAGIC      0x1badb002u
#define MB_BOOTLOADER_MAGIC  0x2badb002u    /* EAX at entry */
#define MB_SEARCH_BYTES      8192           /* the header lies wholly within these */

#define MB_AREA_GPA          0x1000ull
#define MB_INFO_GPA          0x1000ull
#define MB_MMAP_GPA          0x1100ull
#define MB_MODS_GPA          0x1200ull
#define MB_LOADER_NAME_GPA   0x1300ull
#define MB_CMDLINE_GPA       0x2000ull
#define MB_CMDLINE_MAX       0x1000ull      /* bytes including the NUL */
#define MB_MODSTR_GPA        0x3000ull
#define MB_MODSTR_MAX        0x1000ull
#define MB_AREA_END          0x4000ull
#define MB_LOW_RAM_END       0x9fc00ull
#define MB_IMAGE_MIN_GPA     0x100000ull
#define MB_MAX_RAM           (3ull << 30)   /* the top GiB below 4 GiB is the APICs' */
#define MB_MIN_RAM           (2ull << 20)
#define MB_MAX_SEGMENTS      16             /* PT_LOAD segments in an ELF image */

/* Memory map types (spec 3.3, "mmap_*") */
#define MB_MEMORY_AVAILABLE  1
#define MB_MEMORY_RESERVED   2
#define MB_MMAP_ENTRIES      5

/* multiboot_info.flags bits this loader sets (spec 3.3) */
#define MB_INFO_MEMORY       (1u << 0)
#define MB_INFO_CMDLINE      (1u << 2)
#define MB_INFO_MODS         (1u << 3)
#define MB_INFO_MMAP         (1u << 6)
#define MB_INFO_LOADER_NAME  (1u << 9)

enum mb_status {
	MB_OK = 0,
	MB_NO_HEADER,           /* no magic at a 4-byte boundary in the first 8192 bytes */
	MB_BAD_CHECKSUM,        /* magic found, but magic + flags + checksum != 0 */
	MB_VIDEO_REQUIRED,      /* header flag 2: video mode information */
	MB_UNSUPPORTED_FLAGS,   /* another requirement (bits 3-15) this loader does not know */
	MB_TRUNCATED,           /* the file ends before data its headers describe */
	MB_BAD_ADDRESSES,       /* flag 16 address fields contradict each other */
	MB_NOT_ELF,             /* no address fields and not an ELF file */
	MB_BAD_ELF,             /* not a 32-bit x86 executable, or malformed program headers */
	MB_LOAD_OUTSIDE,        /* something to load lies outside [1 MiB, ram_size) */
	MB_SEGMENTS_OVERLAP,
	MB_ENTRY_OUTSIDE,       /* entry point not inside the loaded image */
	MB_MODULE_TOO_BIG,      /* no room for the module after the image */
	MB_CMDLINE_TOO_LONG,    /* command line or module name longer than its buffer */
	MB_BAD_RAM,             /* ram_size not a 2 MiB multiple in [MB_MIN_RAM, MB_MAX_RAM] */
};

/* What went wrong, in words for a log line; never NULL. */
const char *mb_status_string(enum mb_status s);

struct mb_layout {
	uint32_t entry;             /* EIP */
	uint32_t info_gpa;          /* EBX */
	uint32_t header_offset;     /* file offset of the Multiboot header */
	uint32_t header_flags;
	uint32_t image_start;       /* lowest byte loaded */
	uint32_t image_end;         /* first byte after the image, bss included */
	uint32_t mod_start;         /* module bytes [mod_start, mod_end); both 0 without one */
	uint32_t mod_end;
};

/*
 * Loads img (named image_name, e.g. "kernel.elf", for the command line) into ram
 * (guest-physical 0 at ram[0], expected zeroed) and builds the information structure.
 * cmdline, image_name and mod_name may be NULL (empty). mod NULL means no module (mods_count
 * 0); a module of 0 bytes is allowed. *out (may be NULL) and ram are written only on MB_OK.
 * Neither img nor mod may overlap ram.
 */
enum mb_status mb_load(uint8_t *ram, uint64_t ram_size, const void *img, uint64_t img_size,
		       const char *image_name, const char *cmdline, const void *mod,
		       uint64_t mod_size, const char *mod_name, struct mb_layout *out);

#endif
