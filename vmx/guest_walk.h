/*
 * Translating a guest-linear address to guest-physical by walking the guest's own page tables
 * (SDM Vol. 3A chapter 4, "Paging": no paging, 32-bit, PAE, 4-level and 5-level paging), and
 * copying guest-virtual memory with it. The hypervisor needs this to fetch the instruction
 * behind an EPT violation on an emulated MMIO page: the exit gives the data's guest-physical
 * address but the instruction is known only by its guest RIP. Only present bits are checked,
 * not the R/W, U/S, NX or reserved bits, nor are accessed/dirty bits set: the processor has
 * just fetched this very instruction through the same tables, so every check already passed;
 * the walk only has to find the same bytes again. A not-present entry means the tables
 * changed since (another vCPU, or a TLB entry the guest has not yet flushed), and the walk
 * fails rather than guess. Pure: unit-tested on the host.
 */
#ifndef BULKHEAD_GUEST_WALK_H
#define BULKHEAD_GUEST_WALK_H

#include <stddef.h>
#include <stdint.h>

/* Reads the 8 bytes at guest-physical `gpa` (always 8-byte aligned) into *value, as a
 * little-endian quantity; returns 0, or -1 if they are not the partition's RAM. */
typedef int (*guest_read64_fn)(void *ctx, uint64_t gpa, uint64_t *value);

/* Copies `len` bytes at guest-physical `gpa` to buf; the range never crosses a 4 KiB boundary.
 * Returns 0, or -1 if it is not the partition's RAM. */
typedef int (*guest_read_fn)(void *ctx, uint64_t gpa, void *buf, size_t len);

/* The guest's paging controls: the VMCS guest CR0, CR3 and CR4 fields (not the read shadows,
 * which may differ from what the processor uses) and the guest's IA32_EFER. With EPT, a PAE
 * guest's PDPTEs are the VMCS guest PDPTE0-3 fields, loaded at VM entry and saved at VM exit
 * (SDM Vol. 3C 27.3.2.4, "Loading Page-Directory-Pointer-Table Entries"), not what the PDPT in
 * memory holds now: point pdptes at those four, or leave it NULL to read the table at CR3. */
struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;
	const uint64_t *pdptes;
};

/* Translates guest-linear `gva` (CS base + RIP for an instruction fetch). Outside 4-level and
 * 5-level paging linear addresses are 32 bits, so bits 63:32 are dropped (and an address past
 * 4 GiB wraps, as on the processor); with paging off the result is the address itself. With
 * 4/5-level paging a non-canonical address fails. Large pages: 4 MiB (32-bit paging with
 * CR4.PSE, bits 39:32 from PDE bits 20:13), 2 MiB and 1 GiB. Returns 0 and *gpa, or -1 if an
 * entry on the way is not present or cannot be read. */
int guest_virt_to_phys(const struct guest_paging *pg, uint64_t gva, guest_read64_fn read,
		       void *ctx, uint64_t *gpa);

/* Copies up to n bytes of guest-virtual memory from gva into out, translating afresh for
 * each 4 KiB page touched, and reading paging entries and data through `read` alone. Returns
 * the bytes copied: fewer than n if a page is not mapped or not RAM (the bytes before it are
 * still there: an instruction that ends before that page decodes fine). */
size_t guest_copy_virt(const struct guest_paging *pg, uint64_t gva, void *out, size_t n,
		       guest_read_fn read, void *ctx);

#endif
