/*
 * 4-level page-table builder (see paging.h). One recursive walker serves both pt_map and
 * pt_unmap: at each level it either writes/clears a whole entry or makes sure the entry points
 * at a next-level table (allocating one, or splitting a large page into one) and descends.
 * This file is linked into the UEFI loader as well as the kernel, so it calls no library
 * function: page tables arrive zeroed from the caller, and the only bulk write (filling a
 * split table) is a plain loop. References are to the Intel SDM, Vol. 3A, chapter 4.
 */
#include "mm/paging.h"

#define ENTRIES 512u

/* Flags a caller may ask for on a leaf. */
#define LEAF_FLAGS (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)
/* What pt_lookup reports. PS is structure, not an attribute; bit 7 of a 4 KiB PTE is PAT. */
#define LOOKUP_FLAGS (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_G | PTE_NX)

/* PAT sits in bit 12 of a 2 MiB/1 GiB leaf but in bit 7 of a 4 KiB PTE (4.9.2, and the entry
 * format tables in 4.5). */
#define PTE_PAT_LARGE (1ull << 12)
#define PTE_PAT_4K    (1ull << 7)

/* Physical address bits of a leaf at each size: bits 51:12, 51:21, 51:30 (4.5). */
#define ADDR_MASK_2M  (PTE_ADDR_MASK & ~(PT_PAGE_2M - 1))
#define ADDR_MASK_1G  (PTE_ADDR_MASK & ~(PT_PAGE_1G - 1))

/* The architectural limit on MAXPHYADDR is 52 bits (4.1.4). */
#define PHYS_LIMIT    (1ull << 52)

/*
 * Entries that point to a table are P|W only (plus U when a user leaf lives below). Access
 * rights are the combination over all levels of the walk (4.6.1): a write needs R/W=1 at every
 * level, user access needs U/S=1 at every level, and XD=1 at any level forbids fetches. With
 * the upper levels permissive and NX off, the leaf alone decides, so changing one leaf never
 * means revisiting its parents. PWT/PCD stay 0 on these entries: they select the memory type
 * for reading the next table (4.9), which is ordinary write-back RAM.
 */
#define TABLE_FLAGS   (PTE_P | PTE_W)

/* Level 4 = PML4, 3 = PDPT, 2 = page directory, 1 = page table. */
static unsigned level_shift(unsigned level)
{
	return 12 + 9 * (level - 1);
}

static uint64_t *entry_table(uint64_t e)
{
	return (uint64_t *)(uintptr_t)(e & PTE_ADDR_MASK);
}

/* A present entry that references a next-level table rather than mapping a page. PML4 entries
 * always do (their bit 7 is reserved, 4.5); PDPTEs and PDEs do when PS is 0. */
static int is_table(uint64_t e, unsigned level)
{
	if (!(e & PTE_P))
		return 0;
	return level == 4 || (level > 1 && !(e & PTE_PS));
}

/* Canonical: bits 63:47 all equal (Vol. 1, 3.3.7.1; 4-level paging translates 48 bits). */
static int canonical(uint64_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1ffff;
}

static int check_range(uint64_t va, uint64_t size)
{
	if ((va | size) & (PT_PAGE_4K - 1))
		return -1;
	if (size == 0)
		return canonical(va) ? 0 : -1;
	uint64_t last = va + (size - 1);
	if (last < va || !canonical(va) || !canonical(last))
		return -1;
	/* Both ends canonical and in order but on different sides of the hole means the range
	 * runs through the non-canonical addresses in between. */
	if ((va >> 47) != (last >> 47))
		return -1;
	return 0;
}

/*
 * Replaces the large leaf *e (a 1 GiB PDPTE at level 3 or a 2 MiB PDE at level 2) with a table
 * of 512 leaves one size down covering the same physical range with the same attributes, so
 * the translation of every address is unchanged. Returns the new table, NULL if none could be
 * allocated (then *e is untouched).
 */
static uint64_t *split_leaf(struct pt_ctx *c, uint64_t *e, unsigned level)
{
	uint64_t *t = c->alloc_table(c->arg);
	if (!t)
		return 0;
	c->tables_allocated++;

	uint64_t old = *e;
	uint64_t attrs = old & ~PTE_ADDR_MASK;  /* bits 11:0 and 63:52, PS included */
	uint64_t pat = old & PTE_PAT_LARGE;
	uint64_t base, step, child;
	if (level == 3) {
		/* 1 GiB -> 2 MiB: PDE-maps-2MiB has the same layout, PS=1 and PAT in bit 12. */
		base = old & ADDR_MASK_1G;
		step = PT_PAGE_2M;
		child = attrs | pat;
	} else {
		/* 2 MiB -> 4 KiB: PTE has no PS; its bit 7 is PAT, so move PAT down there. */
		base = old & ADDR_MASK_2M;
		step = PT_PAGE_4K;
		child = (attrs & ~PTE_PS) | (pat ? PTE_PAT_4K : 0);
	}
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = child | (base + i * step);

	/* Only after the new table is complete does the entry switch over, so a walk through these
	 * tables never sees a half-filled table. */
	*e = (uint64_t)(uintptr_t)t | TABLE_FLAGS | (old & PTE_U);
	return t;
}

/*
 * Returns the table *e references, creating it (mapping) or splitting a large leaf into it.
 * When mapping through an existing table entry, widens its rights to what the new leaf needs
 * (a no-op for tables built here, which are already P|W and NX-free) so the leaf stays the
 * deciding level even in tables someone else built.
 */
static uint64_t *descend(struct pt_ctx *c, uint64_t *e, unsigned level, uint64_t leaf_flags,
			 int unmap)
{
	if (is_table(*e, level)) {
		if (unmap)
			return entry_table(*e);
		uint64_t v = *e | (leaf_flags & (PTE_W | PTE_U));
		if (!(leaf_flags & PTE_NX))
			v &= ~PTE_NX;
		if (v != *e)
			*e = v;
		return entry_table(*e);
	}
	if (*e & PTE_P) {
		uint64_t *t = split_leaf(c, e, level);
		if (t)
			*e |= leaf_flags & PTE_U;
		return t;
	}
	uint64_t *t = c->alloc_table(c->arg);
	if (!t)
		return 0;
	c->tables_allocated++;
	*e = (uint64_t)(uintptr_t)t | TABLE_FLAGS | (leaf_flags & PTE_U);
	return t;
}

static int large_ok(const struct pt_ctx *c, unsigned level)
{
	return level == 2 || (level == 3 && c->allow_1g);
}

/*
 * Maps (unmap == 0) or unmaps [va, va+size) within the region covered by table, which sits at
 * the given level. The range never leaves that region, so the loop covers consecutive entries.
 */
static int walk(struct pt_ctx *c, uint64_t *table, unsigned level, uint64_t va, uint64_t pa,
		uint64_t size, uint64_t leaf_flags, int unmap)
{
	unsigned shift = level_shift(level);
	uint64_t span = 1ull << shift;

	while (size) {
		uint64_t *e = &table[(va >> shift) & (ENTRIES - 1)];
		uint64_t off = va & (span - 1);
		uint64_t chunk = span - off;
		if (chunk > size)
			chunk = size;
		int whole = off == 0 && chunk == span;

		if (level == 1) {
			*e = unmap ? 0 : (pa | leaf_flags);
		} else if (unmap && !(*e & PTE_P)) {
			/* nothing mapped here */
		} else if (unmap && whole && !is_table(*e, level)) {
			*e = 0;         /* a large leaf entirely inside the range */
		} else if (!unmap && whole && large_ok(c, level) && (pa & (span - 1)) == 0 &&
			   !is_table(*e, level)) {
			/* Largest page that fits. An existing table is never overwritten by a leaf:
			 * its pages would leak, so that case descends below instead. */
			*e = pa | leaf_flags | PTE_PS;
		} else {
			uint64_t *next = descend(c, e, level, leaf_flags, unmap);
			if (!next)
				return -1;
			if (walk(c, next, level - 1, va, pa, chunk, leaf_flags, unmap) != 0)
				return -1;
		}
		va += chunk;
		pa += chunk;
		size -= chunk;
	}
	return 0;
}

int pt_map(struct pt_ctx *c, uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t flags)
{
	if (flags & ~LEAF_FLAGS)
		return -1;
	if (check_range(va, size) != 0 || (pa & (PT_PAGE_4K - 1)) != 0)
		return -1;
	if (pa >= PHYS_LIMIT || size > PHYS_LIMIT - pa)
		return -1;
	return walk(c, pml4, 4, va, pa, size, flags | PTE_P, 0);
}

int pt_unmap(struct pt_ctx *c, uint64_t *pml4, uint64_t va, uint64_t size)
{
	if (check_range(va, size) != 0)
		return -1;
	return walk(c, pml4, 4, va, 0, size, 0, 1);
}

int pt_lookup(const uint64_t *pml4, uint64_t va, uint64_t *pa, uint64_t *flags,
	      unsigned *page_size)
{
	if (!canonical(va))
		return -1;
	const uint64_t *table = pml4;
	uint64_t w = PTE_W, u = PTE_U, nx = 0;

	for (unsigned level = 4; level >= 1; level--) {
		unsigned shift = level_shift(level);
		uint64_t e = table[(va >> shift) & (ENTRIES - 1)];
		if (!(e & PTE_P))
			return -1;
		/* Effective rights combine every level of the walk (4.6.1). */
		w &= e;
		u &= e;
		nx |= e & PTE_NX;
		if (level == 1 || (level < 4 && (e & PTE_PS))) {
			uint64_t size = 1ull << shift;
			uint64_t frame = e & PTE_ADDR_MASK & ~(size - 1);
			if (pa)
				*pa = frame | (va & (size - 1));
			if (flags)
				*flags = (e & LOOKUP_FLAGS & ~(PTE_W | PTE_U | PTE_NX)) | w | u | nx;
			if (page_size)
				*page_size = (unsigned)size;
			return 0;
		}
		table = entry_table(e);
	}
	return -1;      /* not reached: level 1 always returns */
}
