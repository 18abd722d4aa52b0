/*
 * Guest ELF64 loader (see elf_load.h). Two passes: the first reads the ELF header and every
 * program header, checks them against the file and the partition, and records each loadable
 * segment's validated numbers in a small table on the stack; the second copies from that table
 * only, so nothing the file says is read twice or trusted after the check. Headers are read
 * with memcpy into local structs because a boot module need not be aligned for them. Field
 * layouts and constants follow the System V ABI (gABI "ELF Header", "Program Header") and its
 * x86-64 supplement (EM_X86_64 = 62).
 */
#include <string.h>
#include "elf64.h"
#include "kernel/elf_load.h"

/* e_phnum == PN_XNUM means the real count lives in section header 0; no guest needs that. */
#define PN_XNUM       0xffff

/* The validated numbers of one segment; the copy pass uses only these. */
struct segment {
	uint64_t gpa, memsz, offset, filesz;
};

enum range_fit { FITS, PAST_END, WRAPS };

/* Does [off, off+size) lie within [0, limit)? Computed without ever forming off+size when that
 * would wrap, so a hostile offset near 2^64 cannot come out as a small end. */
static enum range_fit range_fit(uint64_t off, uint64_t size, uint64_t limit)
{
	if (size > UINT64_MAX - off)
		return WRAPS;
	if (off > limit || size > limit - off)
		return PAST_END;
	return FITS;
}

static enum elf_load_status check_header(const unsigned char *f, uint64_t file_size,
					 struct elf64_ehdr *eh)
{
	static const unsigned char magic[4] = { 0x7f, 'E', 'L', 'F' };
	/* A short file that is not even the start of an ELF file is "not ELF" rather than
	 * "truncated"; an empty one is truncated. */
	uint64_t n = file_size < 4 ? file_size : 4;
	if (n && memcmp(f, magic, (size_t)n) != 0)
		return ELF_BAD_MAGIC;
	if (file_size < sizeof *eh)
		return ELF_TRUNCATED;
	memcpy(eh, f, sizeof *eh);
	if (eh->ident[EI_CLASS] != ELFCLASS64)
		return ELF_NOT_64BIT;
	/* Only now are the multi-byte fields known to be in the host's (x86) byte order. */
	if (eh->ident[EI_DATA] != ELFDATA2LSB)
		return ELF_NOT_LITTLE_ENDIAN;
	if (eh->machine != EM_X86_64)
		return ELF_NOT_X86_64;
	/* A PIE or shared object would need relocating; a guest is linked at its load address. */
	if (eh->type != ET_EXEC)
		return ELF_NOT_EXECUTABLE;
	if (eh->phnum == 0)
		return ELF_NO_SEGMENTS;
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == PN_XNUM)
		return ELF_BAD_PROGRAM_HEADERS;
	/* phnum * 56 is below 2^22: no overflow in the product itself. */
	switch (range_fit(eh->phoff, (uint64_t)eh->phnum * sizeof(struct elf64_phdr), file_size)) {
	case WRAPS:    return ELF_BAD_PROGRAM_HEADERS;
	case PAST_END: return ELF_TRUNCATED;
	case FITS:     break;
	}
	return ELF_OK;
}

/* Checks one PT_LOAD header; on success *s holds its numbers. */
static enum elf_load_status check_segment(const struct elf64_phdr *ph, uint64_t file_size,
					  uint64_t guest_size, uint64_t min_gpa,
					  struct segment *s)
{
	if (ph->filesz > ph->memsz)
		return ELF_BAD_PROGRAM_HEADERS;
	s->memsz = 0;
	/* Occupies nothing (linkers emit these for empty sections): where it claims to be does
	 * not matter, and the caller skips it. */
	if (ph->memsz == 0)
		return ELF_OK;
	if (ph->filesz) {
		switch (range_fit(ph->offset, ph->filesz, file_size)) {
		case WRAPS:    return ELF_BAD_PROGRAM_HEADERS;
		case PAST_END: return ELF_TRUNCATED;
		case FITS:     break;
		}
	}
	/* Guests start with paging identity-mapping their memory, so an address the image was
	 * linked to run at must be the one it is loaded at. */
	if (ph->vaddr != ph->paddr)
		return ELF_ADDRESS_MISMATCH;
	if (ph->paddr < min_gpa || range_fit(ph->paddr, ph->memsz, guest_size) != FITS)
		return ELF_SEGMENT_OUTSIDE;
	s->gpa = ph->paddr;
	s->memsz = ph->memsz;
	s->offset = ph->offset;
	s->filesz = ph->filesz;
	return ELF_OK;
}

/* Both ranges are non-empty and known not to wrap. */
static int overlaps(const struct segment *a, const struct segment *b)
{
	return a->gpa < b->gpa + b->memsz && b->gpa < a->gpa + a->memsz;
}

enum elf_load_status elf_load(const void *file, uint64_t file_size, void *guest_mem,
			      uint64_t guest_size, uint64_t min_gpa, struct elf_image_info *out)
{
	const unsigned char *f = file;
	struct elf64_ehdr eh;
	struct segment seg[ELF_LOAD_MAX_SEGMENTS];
	unsigned count = 0;
	enum elf_load_status st;

	if (!f)
		file_size = 0;
	st = check_header(f, file_size, &eh);
	if (st != ELF_OK)
		return st;

	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, f + eh.phoff + (uint64_t)i * sizeof ph, sizeof ph);
		if (ph.type != PT_LOAD)
			continue;
		struct segment s;
		st = check_segment(&ph, file_size, guest_size, min_gpa, &s);
		if (st != ELF_OK)
			return st;
		if (s.memsz == 0)
			continue;
		if (count == ELF_LOAD_MAX_SEGMENTS)
			return ELF_BAD_PROGRAM_HEADERS;
		for (unsigned j = 0; j < count; j++)
			if (overlaps(&s, &seg[j]))
				return ELF_SEGMENTS_OVERLAP;
		seg[count++] = s;
	}
	if (count == 0)
		return ELF_NO_SEGMENTS;

	int entry_ok = 0;
	uint64_t start = UINT64_MAX, end = 0;
	for (unsigned j = 0; j < count; j++) {
		if (eh.entry >= seg[j].gpa && eh.entry - seg[j].gpa < seg[j].memsz)
			entry_ok = 1;
		if (seg[j].gpa < start)
			start = seg[j].gpa;
		if (seg[j].gpa + seg[j].memsz > end)
			end = seg[j].gpa + seg[j].memsz;
	}
	if (!entry_ok)
		return ELF_ENTRY_OUTSIDE;

	/* Everything checked: from here on nothing can fail. */
	unsigned char *g = guest_mem;
	for (unsigned j = 0; j < count; j++) {
		if (seg[j].filesz)
			memcpy(g + seg[j].gpa, f + seg[j].offset, (size_t)seg[j].filesz);
		memset(g + seg[j].gpa + seg[j].filesz, 0, (size_t)(seg[j].memsz - seg[j].filesz));
	}
	if (out) {
		out->entry = eh.entry;
		out->image_start = start;
		out->image_end = end;
		out->segments = count;
	}
	return ELF_OK;
}

const char *elf_load_status_string(enum elf_load_status s)
{
	switch (s) {
	case ELF_OK:
		return "loaded";
	case ELF_TRUNCATED:
		return "the file is shorter than its headers say (a truncated copy?)";
	case ELF_BAD_MAGIC:
		return "not an ELF file";
	case ELF_NOT_64BIT:
		return "not a 64-bit ELF file";
	case ELF_NOT_LITTLE_ENDIAN:
		return "not a little-endian ELF file";
	case ELF_NOT_X86_64:
		return "an ELF file for another architecture, not x86-64";
	case ELF_NOT_EXECUTABLE:
		return "not a statically linked executable (ET_EXEC); link without -pie";
	case ELF_BAD_PROGRAM_HEADERS:
		return "malformed program headers";
	case ELF_NO_SEGMENTS:
		return "no loadable segments";
	case ELF_SEGMENT_OUTSIDE:
		return "a segment lies outside the partition's memory (or below the image area)";
	case ELF_SEGMENTS_OVERLAP:
		return "two loadable segments overlap in memory";
	case ELF_ADDRESS_MISMATCH:
		return "a segment's virtual and physical addresses differ (guests run "
		       "identity-mapped)";
	case ELF_ENTRY_OUTSIDE:
		return "the entry point is not inside a loadable segment";
	}
	return "unknown ELF load error";
}
