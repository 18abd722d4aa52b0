/*
 * Loading a Bulkhead guest's ELF64 image into its partition's memory. The file comes from the
 * ESP and is not trusted: every header field is checked, every offset+size sum guarded
 * against wrap-around, and nothing is copied unless the whole image is valid, so a bad image
 * leaves the partition's memory exactly as it was. Guests run identity-mapped (see
 * start_info.h), so segments are placed at their physical address and must be linked with
 * p_vaddr == p_paddr. Pure: no allocation, no globals, only memcpy/memset; the same file is
 * compiled for the host unit tests and the kernel.
 */
#ifndef BULKHEAD_ELF_LOAD_H
#define BULKHEAD_ELF_LOAD_H

#include <stdint.h>

/* Loadable segments per image. Real guests have 2 to 5; a fixed bound keeps the overlap check
 * cheap and its bookkeeping on the stack. More is ELF_BAD_PROGRAM_HEADERS. */
#define ELF_LOAD_MAX_SEGMENTS 16

enum elf_load_status {
	ELF_OK = 0,
	ELF_TRUNCATED,              /* the file ends before data its headers describe */
	ELF_BAD_MAGIC,
	ELF_NOT_64BIT,
	ELF_NOT_LITTLE_ENDIAN,
	ELF_NOT_X86_64,
	ELF_NOT_EXECUTABLE,         /* not ET_EXEC: objects, shared objects, PIE */
	ELF_BAD_PROGRAM_HEADERS,    /* wrong entry size, wrapping offsets, filesz > memsz, ... */
	ELF_NO_SEGMENTS,            /* no PT_LOAD segment with memory */
	ELF_SEGMENT_OUTSIDE,        /* not within [min_gpa, guest_size) */
	ELF_SEGMENTS_OVERLAP,
	ELF_ADDRESS_MISMATCH,       /* p_vaddr != p_paddr */
	ELF_ENTRY_OUTSIDE,          /* e_entry not inside a PT_LOAD segment */
};

struct elf_image_info {
	uint64_t entry;             /* e_entry, a guest-physical address */
	uint64_t image_start;       /* lowest guest-physical byte of any segment */
	uint64_t image_end;         /* first guest-physical byte after the highest segment */
	unsigned segments;          /* PT_LOAD segments placed (empty ones are not counted) */
};

/*
 * Validates everything first; copies nothing unless the whole image is valid. PT_LOAD
 * segments go to guest_mem + p_paddr (guest-physical); p_vaddr must equal p_paddr; each
 * segment must lie within [min_gpa, guest_size); p_memsz >= p_filesz; file ranges inside the
 * file; segments must not overlap each other in memory; the entry point must lie inside a
 * PT_LOAD segment. Bytes from p_filesz to p_memsz (bss) are zeroed. Other segment types are
 * ignored, as are PT_LOAD segments with p_memsz 0. *out (may be NULL) is written only on
 * ELF_OK. file must not overlap guest_mem.
 */
enum elf_load_status elf_load(const void *file, uint64_t file_size, void *guest_mem,
			      uint64_t guest_size, uint64_t min_gpa, struct elf_image_info *out);

/* What went wrong, in words for a log line ("a segment lies outside the partition's
 * memory"); never NULL. */
const char *elf_load_status_string(enum elf_load_status s);

#endif
