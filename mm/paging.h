/*
 * x86-64 4-level page-table builder (Intel SDM Vol. 3A, 4.5). Used by the UEFI loader to build
 * the tables it jumps to the kernel with, and by the kernel for its own address space. It maps
 * with the largest page that fits, splits large pages when a smaller mapping lands inside one,
 * and gets new table pages from a caller-supplied callback, so it has no allocator, globals or
 * library calls of its own. Physical memory is assumed identity-mapped: a table's physical
 * address is also the pointer used to write it. None of these functions flush the TLB; a
 * caller changing live tables must invlpg or reload CR3 itself.
 */
#ifndef BULKHEAD_PAGING_H
#define BULKHEAD_PAGING_H

#include <stdint.h>

/* Paging-structure entry bits (SDM Vol. 3A, 4.5.5, "Format of Paging-Structure Entries"). */
#define PTE_P    (1ull << 0)    /* present */
#define PTE_W    (1ull << 1)    /* writable */
#define PTE_U    (1ull << 2)    /* user accessible */
#define PTE_PWT  (1ull << 3)    /* write-through */
#define PTE_PCD  (1ull << 4)    /* cache disable */
#define PTE_A    (1ull << 5)    /* accessed (set by the CPU) */
#define PTE_D    (1ull << 6)    /* dirty (set by the CPU, leaves only) */
#define PTE_PS   (1ull << 7)    /* page size: leaf in a PDPTE (1 GiB) or PDE (2 MiB) */
#define PTE_G    (1ull << 8)    /* global (leaves only, with CR4.PGE) */
#define PTE_NX   (1ull << 63)   /* execute disable (needs IA32_EFER.NXE) */
#define PTE_ADDR_MASK 0x000ffffffffff000ull

#define PT_PAGE_4K (1ull << 12)
#define PT_PAGE_2M (1ull << 21)
#define PT_PAGE_1G (1ull << 30)

struct pt_ctx {
	uint64_t *(*alloc_table)(void *arg);   /* returns a ZEROED 4 KiB-aligned page or NULL;
						  its pointer value is its physical address */
	void *arg;
	int allow_1g;                          /* CPU supports 1 GiB pages
						  (CPUID 80000001h:EDX[26]) */
	unsigned tables_allocated;             /* counted by pt_map/pt_unmap, for footprint
						  reports */
};

/*
 * Maps [va, va+size) to [pa, pa+size). flags: any of PTE_W, PTE_U, PTE_PWT, PTE_PCD, PTE_G,
 * PTE_NX (PTE_P is implied and accepted). va, pa and size must be 4 KiB aligned, the virtual
 * range canonical and on one side of the canonical hole, the physical range below 2^52; else
 * -1 and nothing changes. Existing mappings in the range are replaced. -1 on allocation
 * failure, in which case a prefix of the range may already be mapped.
 */
int pt_map(struct pt_ctx *c, uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t flags);

/* Removes any mapping in [va, va+size) (same alignment/canonical rules), splitting large
 * pages that straddle the edges. Page-table pages left empty are not freed. -1 on bad
 * arguments or allocation failure while splitting. */
int pt_unmap(struct pt_ctx *c, uint64_t *pml4, uint64_t va, uint64_t size);

/*
 * Translates va (any alignment). Returns 0 and fills the non-NULL outputs if mapped, -1 if
 * not: *pa is the physical address of va itself (page offset included), *flags the effective
 * attributes among P, W, U, PWT, PCD, A, D, G, NX (W and U as granted by every level, NX if
 * any level sets it), *page_size 4 KiB, 2 MiB or 1 GiB.
 */
int pt_lookup(const uint64_t *pml4, uint64_t va, uint64_t *pa, uint64_t *flags,
	      unsigned *page_size);

#endif
