/*
 * Extended page tables: the second-level translation from a partition's guest-physical
 * addresses to host-physical memory (Intel SDM Vol. 3C, 29.3). This builder is the EPT twin of
 * mm/paging.c: it maps with the largest page the CPU allows and the alignment permits, splits a
 * large page when a smaller mapping lands inside it, and takes table pages from a caller's
 * callback, so it has no allocator, globals or library calls of its own. Tables are reached
 * through their host-physical address used as a pointer (the hypervisor identity-maps RAM).
 * Nothing here invalidates cached translations: a caller changing tables a CPU may be using
 * must INVEPT afterwards (SDM 29.4.3).
 */
#ifndef BULKHEAD_EPT_H
#define BULKHEAD_EPT_H

#include <stdint.h>

/* Access rights in bits 2:0 of every EPT entry (SDM 29.3.2, tables 29-1 to 29-6). */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)

/* EPT memory types, bits 5:3 of a leaf (SDM 29.3.7.1); 2, 3 and 7 are reserved. */
#define EPT_MT_UC 0
#define EPT_MT_WC 1
#define EPT_MT_WT 4
#define EPT_MT_WP 5
#define EPT_MT_WB 6

#define EPT_PAGE_4K (1ull << 12)
#define EPT_PAGE_2M (1ull << 21)
#define EPT_PAGE_1G (1ull << 30)

/* A 4-level EPT walk translates 48 guest-physical address bits (SDM 29.3.2). */
#define EPT_GPA_LIMIT (1ull << 48)

struct ept_ctx {
	uint64_t *(*alloc_table)(void *arg);   /* zeroed 4 KiB page or NULL; pointer value ==
						  host-physical address */
	void (*free_table)(void *arg, uint64_t *table);  /* may be NULL: then nothing is freed
							    (ept_destroy, emptied tables) */
	void *arg;
	int allow_1g, allow_2m;                /* from IA32_VMX_EPT_VPID_CAP bits 17 and 16 */
	unsigned tables_allocated;             /* live tables: +1 per alloc, -1 per free */
};

/* A zeroed PML4 from c->alloc_table, counted in tables_allocated like every other table, so
 * that after ept_destroy the count is back where it started. NULL if none could be had. */
uint64_t *ept_alloc_root(struct ept_ctx *c);

/*
 * Maps guest-physical [gpa, gpa+size) to host-physical [hpa, hpa+size) with access rights
 * perms and memory type memtype (EPT_MT_*). gpa, hpa and size must be 4 KiB aligned, the guest
 * range below 2^48 and the host range below 2^52. perms is R, RW, RX, RWX: no bits outside
 * R|W|X, not empty (use ept_unmap), and never write without read or execute-only, which the
 * CPU would treat as a misconfiguration (SDM 29.3.3.1; execute-only needs a capability this
 * builder does not track). memtype must not be a reserved type (2, 3, 7). Bad arguments: -1
 * and nothing changes. Existing mappings in the range are replaced. -1 on allocation failure,
 * in which case a prefix of the range may already be mapped.
 */
int ept_map(struct ept_ctx *c, uint64_t *pml4, uint64_t gpa, uint64_t hpa, uint64_t size,
	    uint64_t perms, unsigned memtype);

/* Removes every mapping in [gpa, gpa+size) (same alignment and range rules), splitting large
 * pages that straddle the ends. Tables left empty are freed when c->free_table is set. -1 on
 * bad arguments or allocation failure while splitting. */
int ept_unmap(struct ept_ctx *c, uint64_t *pml4, uint64_t gpa, uint64_t size);

/*
 * Translates gpa (any alignment). 0 and the non-NULL outputs filled if mapped, -1 if not:
 * *hpa is the host-physical address of gpa itself, *perms the rights every level of the walk
 * grants (R|W|X bits), *memtype the leaf's EPT memory type, *page_size 4 KiB, 2 MiB or 1 GiB.
 */
int ept_lookup(const uint64_t *pml4, uint64_t gpa, uint64_t *hpa, uint64_t *perms,
	       unsigned *memtype, uint64_t *page_size);

/* Frees every table reachable from pml4, pml4 included, through c->free_table (which must
 * then no longer be in use by any CPU). Does nothing when free_table is NULL. */
void ept_destroy(struct ept_ctx *c, uint64_t *pml4);

/* The EPTP VM-execution field for a PML4 at pml4_hpa (SDM 25.6.11): write-back walks (6 in
 * bits 2:0), a 4-level walk (3 in bits 5:3), accessed/dirty flags off. */
uint64_t ept_pointer(uint64_t pml4_hpa);

#endif
