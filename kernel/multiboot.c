/*
 * Multiboot v1 loader (see multiboot.h). The check pass finds the header, turns either its
 * address fields or the ELF32 program headers into a table of validated segments (the same
 * shape as elf_load.c's), places the module and sizes the strings; the write pass copies from
 * that table only. Section references are to the Multiboot Specification 0.6.96: 3.1 "OS image
 * format" (header layout, flags, the address fields), 3.3 "Boot information format"; ELF
 * layouts follow the System V gABI ("ELF Header", "Program Header") with EM_386 = 3. Fields
 * are read with memcpy since nothing in a file is aligned for us.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "kernel/multiboot.h"

/* 3.1.1 header: magic, flags, checksum; with flag 16 five address fields follow. */
#define HDR_BASIC_SIZE       12
#define HDR_ADDR_SIZE        32
#define FLAG_PAGE_ALIGN      (1u << 0)
#define FLAG_MEMORY_INFO     (1u << 1)
#define FLAG_VIDEO_MODE      (1u << 2)
#define FLAG_ADDRESS_FIELDS  (1u << 16)
#define FLAGS_REQUIRED_MASK  0xffffu
#define FLAGS_UNDERSTOOD     (FLAG_PAGE_ALIGN | FLAG_MEMORY_INFO)

/* gABI ELF32 header and program header offsets */
#define E_IDENT_CLASS        4
#define E_IDENT_DATA         5
#define E_TYPE               16
#define E_MACHINE            18
#define E_ENTRY              24
#define E_PHOFF              28
#define E_PHENTSIZE          42
#define E_PHNUM              44
#define EHDR32_SIZE          52
#define PHDR32_SIZE          32
#define ELFCLASS32           1
#define ELFDATA2LSB          1
#define ET_EXEC              2
#define EM_386               3
#define PT_LOAD              1

/* 3.3 information structure offsets */
#define MBI_FLAGS            0
#define MBI_MEM_LOWER        4
#define MBI_MEM_UPPER        8
#define MBI_CMDLINE          16
#define MBI_MODS_COUNT       20
#define MBI_MODS_ADDR        24
#define MBI_MMAP_LENGTH      44
#define MBI_MMAP_ADDR        48
#define MBI_LOADER_NAME      64
#define MBI_SIZE             116        /* through the framebuffer fields */
#define MMAP_ENTRY_SIZE      24         /* the size field (20) plus the 20 bytes it counts */

#define PAGE                 0x1000ull
#define TWO_MB               (2ull << 20)

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

struct segment {
	uint64_t gpa, memsz, offset, filesz;
};

struct plan {
	uint32_t hoff, flags;
	unsigned count;
	struct segment seg[MB_MAX_SEGMENTS];
	uint64_t entry, start, end;
	uint64_t mod_start;
	size_t name_len, cmd_len, modname_len;
};

/* 3.1.1: "The Multiboot header must be contained completely within the first 8192 bytes of
 * the OS image, and must be longword (32-bit) aligned." The first magic with a good checksum
 * wins; a magic with a bad one may be a stray constant in code, so the search goes on. */
static enum mb_status find_header(const uint8_t *f, uint64_t size, struct plan *p)
{
	uint64_t window = size < MB_SEARCH_BYTES ? size : MB_SEARCH_BYTES;
	bool bad_checksum = false, cut = false;
	for (uint64_t off = 0; off + 4 <= window; off += 4) {
		if (get32(f + off) != MB_HEADER_MAGIC)
			continue;
		if (off + HDR_BASIC_SIZE > window) {
			cut = size < MB_SEARCH_BYTES;   /* the file ends inside it */
			break;
		}
		uint32_t flags = get32(f + off + 4), sum = get32(f + off + 8);
		if ((uint32_t)(MB_HEADER_MAGIC + flags + sum) != 0) {
			bad_checksum = true;
			continue;
		}
		p->hoff = (uint32_t)off;
		p->flags = flags;
		return MB_OK;
	}
	return bad_checksum ? MB_BAD_CHECKSUM : cut ? MB_TRUNCATED : MB_NO_HEADER;
}

static bool inside_ram(uint64_t gpa, uint64_t len, uint64_t ram_size)
{
	return gpa >= MB_IMAGE_MIN_GPA && gpa <= ram_size && len <= ram_size - gpa;
}

/* 3.1.3 "The address fields of Multiboot header". */
static enum mb_status plan_aout(const uint8_t *f, uint64_t size, uint64_t ram_size,
				struct plan *p)
{
	const uint8_t *h = f + p->hoff;
	if (p->hoff + HDR_ADDR_SIZE > size || p->hoff + HDR_ADDR_SIZE > MB_SEARCH_BYTES)
		return MB_TRUNCATED;
	uint64_t header_addr = get32(h + 12), load_addr = get32(h + 16);
	uint64_t load_end_addr = get32(h + 20), bss_end_addr = get32(h + 24);
	uint64_t entry = get32(h + 28);

	/* header_addr "is used to synchronize the mapping between OS image offsets and
	 * physical memory addresses": the text starts header_addr - load_addr bytes before
	 * the header in the file, so that distance cannot be negative or reach before byte 0. */
	if (load_addr > header_addr || header_addr - load_addr > p->hoff)
		return MB_BAD_ADDRESSES;
	uint64_t text_off = p->hoff - (header_addr - load_addr);
	/* "If this field is zero, the boot loader assumes that the text and data segments
	 * occupy the whole OS image file." */
	uint64_t load_size;
	if (load_end_addr) {
		if (load_end_addr <= load_addr)
			return MB_BAD_ADDRESSES;
		load_size = load_end_addr - load_addr;
	} else {
		load_size = size - text_off;
	}
	if (load_size > size - text_off)
		return MB_TRUNCATED;
	uint64_t load_end = load_addr + load_size, end = load_end;
	/* "If this field is zero, the boot loader assumes that no bss segment is present." */
	if (bss_end_addr) {
		if (bss_end_addr < load_end)
			return MB_BAD_ADDRESSES;
		end = bss_end_addr;
	}
	if (!inside_ram(load_addr, end - load_addr, ram_size))
		return MB_LOAD_OUTSIDE;
	if (entry < load_addr || entry >= load_end)
		return MB_ENTRY_OUTSIDE;

	p->count = 1;
	p->seg[0] = (struct segment){ load_addr, end - load_addr, text_off, load_size };
	p->entry = entry;
	return MB_OK;
}

/* Without flag 16 the image must be ELF (3.1.3: "the boot loader ... use the fields in the
 * actual executable header"); segments go to their physical addresses, as GRUB does. */
static enum mb_status plan_elf(const uint8_t *f, uint64_t size, uint64_t ram_size,
			       struct plan *p)
{
	if (size < 4 || memcmp(f, "\x7f" "ELF", 4) != 0)
		return MB_NOT_ELF;
	if (size < EHDR32_SIZE)
		return MB_TRUNCATED;
	if (f[E_IDENT_CLASS] != ELFCLASS32 || f[E_IDENT_DATA] != ELFDATA2LSB ||
	    get16(f + E_TYPE) != ET_EXEC || get16(f + E_MACHINE) != EM_386)
		return MB_BAD_ELF;
	uint64_t phoff = get32(f + E_PHOFF), phnum = get16(f + E_PHNUM);
	if (get16(f + E_PHENTSIZE) != PHDR32_SIZE || phnum == 0)
		return MB_BAD_ELF;
	if (phoff > size || phnum * PHDR32_SIZE > size - phoff)
		return MB_TRUNCATED;

	/* Each segment's virtual address too, to translate the entry point below. */
	uint64_t vaddr[MB_MAX_SEGMENTS];
	p->count = 0;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + i * PHDR32_SIZE;
		if (get32(ph) != PT_LOAD)
			continue;
		uint64_t off = get32(ph + 4), va = get32(ph + 8), pa = get32(ph + 12);
		uint64_t filesz = get32(ph + 16), memsz = get32(ph + 20);
		if (memsz == 0)
			continue;               /* occupies nothing; where it says it is is moot */
		if (filesz > memsz)
			return MB_BAD_ELF;
		if (off > size || filesz > size - off)
			return MB_TRUNCATED;
		if (p->count == MB_MAX_SEGMENTS)
			return MB_BAD_ELF;
		if (!inside_ram(pa, memsz, ram_size))
			return MB_LOAD_OUTSIDE;
		for (unsigned j = 0; j < p->count; j++)
			if (pa < p->seg[j].gpa + p->seg[j].memsz && p->seg[j].gpa < pa + memsz)
				return MB_SEGMENTS_OVERLAP;
		vaddr[p->count] = va;
		p->seg[p->count++] = (struct segment){ pa, memsz, off, filesz };
	}
	if (p->count == 0)
		return MB_BAD_ELF;

	/* e_entry is a virtual address. Paging is off at entry, so a kernel linked high
	 * (vaddr != paddr) must be entered at the physical twin of its entry: translate
	 * through the segment holding it, as GRUB does; failing that, take it as physical. */
	uint64_t e = get32(f + E_ENTRY);
	for (unsigned j = 0; j < p->count; j++)
		if (e >= vaddr[j] && e - vaddr[j] < p->seg[j].memsz) {
			p->entry = p->seg[j].gpa + (e - vaddr[j]);
			return MB_OK;
		}
	for (unsigned j = 0; j < p->count; j++)
		if (e >= p->seg[j].gpa && e - p->seg[j].gpa < p->seg[j].memsz) {
			p->entry = e;
			return MB_OK;
		}
	return MB_ENTRY_OUTSIDE;
}

static enum mb_status plan_all(const uint8_t *f, uint64_t size, uint64_t ram_size,
			       const char *image_name, const char *cmdline, const void *mod,
			       uint64_t mod_size, const char *mod_name, struct plan *p)
{
	if (ram_size < MB_MIN_RAM || ram_size > MB_MAX_RAM || ram_size % TWO_MB)
		return MB_BAD_RAM;
	enum mb_status st = find_header(f, size, p);
	if (st != MB_OK)
		return st;
	/* 3.1.2: bits 0-15 are requirements a loader must meet or refuse. */
	if (p->flags & FLAG_VIDEO_MODE)
		return MB_VIDEO_REQUIRED;
	if (p->flags & FLAGS_REQUIRED_MASK & ~FLAGS_UNDERSTOOD)
		return MB_UNSUPPORTED_FLAGS;
	st = (p->flags & FLAG_ADDRESS_FIELDS) ? plan_aout(f, size, ram_size, p)
					      : plan_elf(f, size, ram_size, p);
	if (st != MB_OK)
		return st;

	p->start = p->seg[0].gpa;
	p->end = p->seg[0].gpa + p->seg[0].memsz;
	for (unsigned j = 1; j < p->count; j++) {
		if (p->seg[j].gpa < p->start)
			p->start = p->seg[j].gpa;
		if (p->seg[j].gpa + p->seg[j].memsz > p->end)
			p->end = p->seg[j].gpa + p->seg[j].memsz;
	}

	/* The module on the first page boundary after the image: flag 0 satisfied whether or
	 * not it was asked for. */
	p->mod_start = 0;
	if (mod) {
		p->mod_start = (p->end + PAGE - 1) & ~(PAGE - 1);
		if (p->mod_start > ram_size || mod_size > ram_size - p->mod_start)
			return MB_MODULE_TOO_BIG;
	}

	/* The command line as boot loaders pass it: "name args" (GRUB's `kernel` line). */
	p->name_len = image_name ? strlen(image_name) : 0;
	p->cmd_len = cmdline ? strlen(cmdline) : 0;
	p->modname_len = mod_name ? strlen(mod_name) : 0;
	size_t sep = p->name_len && p->cmd_len ? 1 : 0;
	if (p->name_len >= MB_CMDLINE_MAX || p->cmd_len >= MB_CMDLINE_MAX ||
	    p->name_len + sep + p->cmd_len + 1 > MB_CMDLINE_MAX || p->modname_len >= MB_MODSTR_MAX)
		return MB_CMDLINE_TOO_LONG;
	return MB_OK;
}

/* The partition's memory map (layout in multiboot.h). */
static void mmap_entry(uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
	put32(e, MMAP_ENTRY_SIZE - 4);          /* 3.3: size of the entry, not counting itself */
	put64(e + 4, base);
	put64(e + 12, len);
	put32(e + 20, type);
}

enum mb_status mb_load(uint8_t *ram, uint64_t ram_size, const void *img, uint64_t img_size,
		       const char *image_name, const char *cmdline, const void *mod,
		       uint64_t mod_size, const char *mod_name, struct mb_layout *out)
{
	const uint8_t *f = img;
	struct plan p;
	enum mb_status st = plan_all(f, img_size, ram_size, image_name, cmdline, mod, mod_size,
				     mod_name, &p);
	if (st != MB_OK)
		return st;

	/* Everything checked: from here on nothing can fail. */
	for (unsigned j = 0; j < p.count; j++) {
		const struct segment *s = &p.seg[j];
		if (s->filesz)
			memcpy(ram + s->gpa, f + s->offset, (size_t)s->filesz);
		memset(ram + s->gpa + s->filesz, 0, (size_t)(s->memsz - s->filesz));
	}
	if (mod && mod_size)
		memcpy(ram + p.mod_start, mod, (size_t)mod_size);

	memset(ram + MB_AREA_GPA, 0, MB_AREA_END - MB_AREA_GPA);
	char *cl = (char *)ram + MB_CMDLINE_GPA;
	memcpy(cl, image_name ? image_name : "", p.name_len);
	if (p.name_len && p.cmd_len)
		cl[p.name_len++] = ' ';
	memcpy(cl + p.name_len, cmdline ? cmdline : "", p.cmd_len);
	memcpy(ram + MB_MODSTR_GPA, mod_name ? mod_name : "", p.modname_len);
	memcpy(ram + MB_LOADER_NAME_GPA, "Bulkhead", 9);

	uint8_t *e = ram + MB_MMAP_GPA;
	mmap_entry(e + 0 * MMAP_ENTRY_SIZE, 0, MB_AREA_GPA, MB_MEMORY_AVAILABLE);
	mmap_entry(e + 1 * MMAP_ENTRY_SIZE, MB_AREA_GPA, MB_AREA_END - MB_AREA_GPA,
		   MB_MEMORY_RESERVED);
	mmap_entry(e + 2 * MMAP_ENTRY_SIZE, MB_AREA_END, MB_LOW_RAM_END - MB_AREA_END,
		   MB_MEMORY_AVAILABLE);
	mmap_entry(e + 3 * MMAP_ENTRY_SIZE, MB_LOW_RAM_END, MB_IMAGE_MIN_GPA - MB_LOW_RAM_END,
		   MB_MEMORY_RESERVED);
	mmap_entry(e + 4 * MMAP_ENTRY_SIZE, MB_IMAGE_MIN_GPA, ram_size - MB_IMAGE_MIN_GPA,
		   MB_MEMORY_AVAILABLE);

	uint8_t *m = ram + MB_MODS_GPA;
	if (mod) {
		put32(m, (uint32_t)p.mod_start);
		put32(m + 4, (uint32_t)(p.mod_start + mod_size));  /* exclusive, as GRUB's */
		put32(m + 8, (uint32_t)MB_MODSTR_GPA);
	}

	/* 3.3: mem_lower is KiB from 0 (at most 640), mem_upper KiB from 1 MiB to the first
	 * hole; boot_device, symbols, drives, APM and video are not offered. */
	uint8_t *mbi = ram + MB_INFO_GPA;
	put32(mbi + MBI_FLAGS, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
			       MB_INFO_LOADER_NAME);
	put32(mbi + MBI_MEM_LOWER, (uint32_t)(MB_LOW_RAM_END >> 10));
	put32(mbi + MBI_MEM_UPPER, (uint32_t)((ram_size - MB_IMAGE_MIN_GPA) >> 10));
	put32(mbi + MBI_CMDLINE, (uint32_t)MB_CMDLINE_GPA);
	put32(mbi + MBI_MODS_COUNT, mod ? 1 : 0);
	put32(mbi + MBI_MODS_ADDR, (uint32_t)MB_MODS_GPA);
	put32(mbi + MBI_MMAP_LENGTH, MB_MMAP_ENTRIES * MMAP_ENTRY_SIZE);
	put32(mbi + MBI_MMAP_ADDR, (uint32_t)MB_MMAP_GPA);
	put32(mbi + MBI_LOADER_NAME, (uint32_t)MB_LOADER_NAME_GPA);

	if (out) {
		out->entry = (uint32_t)p.entry;
		out->info_gpa = (uint32_t)MB_INFO_GPA;
		out->header_offset = p.hoff;
		out->header_flags = p.flags;
		out->image_start = (uint32_t)p.start;
		out->image_end = (uint32_t)p.end;
		out->mod_start = mod ? (uint32_t)p.mod_start : 0;
		out->mod_end = mod ? (uint32_t)(p.mod_start + mod_size) : 0;
	}
	return MB_OK;
}

const char *mb_status_string(enum mb_status s)
{
	switch (s) {
	case MB_OK:
		return "loaded";
	case MB_NO_HEADER:
		return "no Multiboot header (magic 0x1BADB002 at a 4-byte boundary in the first "
		       "8 KiB)";
	case MB_BAD_CHECKSUM:
		return "the Multiboot header's checksum is wrong";
	case MB_VIDEO_REQUIRED:
		return "the kernel requires video mode information (Multiboot flag 2); "
		       "partitions have no display";
	case MB_UNSUPPORTED_FLAGS:
		return "the kernel sets a Multiboot requirement flag (bits 3-15) this loader "
		       "does not know";
	case MB_TRUNCATED:
		return "the file is shorter than its headers say (a truncated copy?), or the "
		       "Multiboot header runs past the first 8 KiB";
	case MB_BAD_ADDRESSES:
		return "the Multiboot header's address fields contradict each other";
	case MB_NOT_ELF:
		return "no Multiboot address fields (flag 16) and not an ELF file";
	case MB_BAD_ELF:
		return "not a 32-bit x86 ELF executable with loadable segments (for other "
		       "formats use the Multiboot address fields)";
	case MB_LOAD_OUTSIDE:
		return "the kernel would load outside the partition's memory above 1 MiB";
	case MB_SEGMENTS_OVERLAP:
		return "two loadable segments overlap in memory";
	case MB_ENTRY_OUTSIDE:
		return "the entry point is not inside the loaded image";
	case MB_MODULE_TOO_BIG:
		return "the boot module does not fit in the partition's memory after the kernel";
	case MB_CMDLINE_TOO_LONG:
		return "the command line (with the image name) or the module name is too long";
	case MB_BAD_RAM:
		return "the partition's memory size is not a multiple of 2 MiB between 2 MiB and "
		       "3 GiB";
	}
	return "unknown Multiboot load error";
}
