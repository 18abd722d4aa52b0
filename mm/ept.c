/*
 * EPT builder (see ept.h). One recursive walker serves ept_map and ept_unmap: at each level it
 * writes or clears a whole entry, or makes sure the entry points at a next-level table
 * (allocating one, or splitting a large leaf into one) and descends. The layout differs from
 * ordinary paging in ways that matter here: an entry is present when any of bits 2:0 is set
 * (there is no P bit), leaves carry a memory type in bits 5:3 and an "ignore PAT" flag in bit
 * 6, and the bit that makes a PDPTE or PDE a leaf is bit 7 (SDM Vol. 3C 29.3.2, tables 29-1
 * to 29-6). Tables arrive zeroed from the caller, so the only bulk write (filling a split
 * table) is a plain loop and no library function is needed.
 */
#include "mm/ept.h"

#define ENTRIES 512u

#define EPT_RWX        (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT   3
#define EPT_MT_MASK    (7ull << EPT_MT_SHIFT)
#define EPT_LARGE      (1ull << 7)      /* PDPTE: 1 GiB leaf, PDE: 2 MiB leaf */

/* Address bits 51:12 of any entry; a large leaf's frame also has its low bits clear. */
#define EPT_ADDR_MASK  0x000ffffffffff000ull

/* MAXPHYADDR is at most 52 bits; bits above the CPU's width are reserved (SDM 29.3.3.1). */
#define HPA_LIMIT      (1ull << 52)

/*
 * Entries that reference a table grant R|W|X. The rights of a guest-physical access are those
 * every entry of the walk allows (SDM 29.3.3.2), so with permissive upper levels the leaf
 * alone decides, and changing a leaf's rights never means revisiting its parents. Bits 7:3 of
 * such entries are reserved and stay 0 (SDM 29.3.2).
 */
#define TABLE_FLAGS    EPT_RWX

/* Level 4 = PML4, 3 = PDPT, 2 = page directory, 1 = page table. */
static unsigned level_shift(unsigned level)
{
	return 12 + 9 * (level - 1);
}

static int present(uint64_t e)
{
	return (e & EPT_RWX) != 0;
}

static uint64_t *entry_table(uint64_t e)
{
	return (uint64_t *)(uintptr_t)(e & EPT_ADDR_MASK);
}

/* A present entry that references a next-level table. PML4Es always do (they cannot map a
 * page); PDPTEs and PDEs do when bit 7 is 0; PTEs never do. */
static int is_table(uint64_t e, unsigned level)
{
	if (!present(e))
		return 0;
	return level == 4 || (level > 1 && !(e & EPT_LARGE));
}

static int large_ok(const struct ept_ctx *c, unsigned level)
{
	return (level == 3 && c->allow_1g) || (level == 2 && c->allow_2m);
}

static void count_free(struct ept_ctx *c, uint64_t *table)
{
	c->free_table(c->arg, table);
	/* A root the caller allocated itself was never counted; don't wrap below zero. */
	if (c->tables_allocated)
		c->tables_allocated--;
}

static uint64_t *new_table(struct ept_ctx *c)
{
	uint64_t *t = c->alloc_table(c->arg);
	if (t)
		c->tables_allocated++;
	return t;
}

/*
 * Replaces the large leaf *e (1 GiB at level 3, 2 MiB at level 2) by a table of 512 leaves
 * one size down over the same host range with the same rights and memory type, so no address
 * translates differently. NULL (and *e untouched) if no table could be allocated.
 */
static uint64_t *split_leaf(struct ept_ctx *c, uint64_t *e, unsigned level)
{
	uint64_t *t = new_table(c);
	if (!t)
		return 0;
	uint64_t old = *e;
	uint64_t span = 1ull << level_shift(level);
	uint64_t step = span / ENTRIES;
	uint64_t base = old & EPT_ADDR_MASK & ~(span - 1);
	uint64_t attrs = old & ~EPT_ADDR_MASK;
	/* 2 MiB children of a 1 GiB leaf are leaves by bit 7 too; in a PTE bit 7 is ignored
	 * (table 29-6), so clear it there rather than leave a meaningless bit. */
	if (level == 2)
		attrs &= ~EPT_LARGE;
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = base + i * step + attrs;
	/* Switch over only once the new table is complete: a CPU walking these tables meanwhile
	 * sees either the old leaf or the full table, never a half-filled one. */
	*e = (uint64_t)(uintptr_t)t | TABLE_FLAGS;
	return t;
}

/* The table *e references, after creating it (an empty entry) or splitting a leaf into it. */
static uint64_t *descend(struct ept_ctx *c, uint64_t *e, unsigned level)
{
	if (is_table(*e, level))
		return entry_table(*e);
	if (present(*e))
		return split_leaf(c, e, level);
	uint64_t *t = new_table(c);
	if (t)
		*e = (uint64_t)(uintptr_t)t | TABLE_FLAGS;
	return t;
}

static int table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		if (t[i])
			return 0;
	return 1;
}

/*
 * Maps (unmap == 0) or unmaps [gpa, gpa+size) within the region covered by table at the given
 * level. leaf: the rights and memory-type bits of the new leaves. The range never leaves the
 * table's region, so the loop covers consecutive entries.
 */
static int walk(struct ept_ctx *c, uint64_t *table, unsigned level, uint64_t gpa, uint64_t hpa,
		uint64_t size, uint64_t leaf, int unmap)
{
	unsigned shift = level_shift(level);
	uint64_t span = 1ull << shift;

	while (size) {
		uint64_t *e = &table[(gpa >> shift) & (ENTRIES - 1)];
		uint64_t off = gpa & (span - 1);
		uint64_t chunk = span - off;
		if (chunk > size)
			chunk = size;
		int whole = off == 0 && chunk == span;

		if (level == 1) {
			*e = unmap ? 0 : (hpa | leaf);
		} else if (unmap && !present(*e)) {
			/* nothing mapped here */
		} else if (unmap && whole && !is_table(*e, level)) {
			*e = 0;         /* a large leaf entirely inside the range */
		} else if (!unmap && whole && large_ok(c, level) && (hpa & (span - 1)) == 0 &&
			   !is_table(*e, level)) {
			/* Largest page that fits. An existing table is never replaced by a leaf (its
			 * pages would leak): that case descends below instead. */
			*e = hpa | leaf | EPT_LARGE;
		} else {
			uint64_t *next = descend(c, e, level);
			if (!next)
				return -1;
			if (walk(c, next, level - 1, gpa, hpa, chunk, leaf, unmap) != 0)
				return -1;
			/* An unmap that emptied a table gives it back, so repeated map/unmap cycles
			 * (partition restarts) do not grow the footprint. */
			if (unmap && c->free_table && table_empty(next)) {
				*e = 0;
				count_free(c, next);
			}
		}
		gpa += chunk;
		hpa += chunk;
		size -= chunk;
	}
	return 0;
}

static int check_gpa_range(uint64_t gpa, uint64_t size)
{
	if ((gpa | size) & (EPT_PAGE_4K - 1))
		return -1;
	if (gpa >= EPT_GPA_LIMIT || size > EPT_GPA_LIMIT - gpa)
		return -1;
	return 0;
}

/* Rights the CPU accepts on a leaf without a misconfiguration (SDM 29.3.3.1): read, possibly
 * with write and/or execute. Write without read is reserved; execute-only depends on
 * IA32_VMX_EPT_VPID_CAP bit 0, which Bulkhead neither needs nor tracks. */
static int perms_ok(uint64_t perms)
{
	if (perms & ~EPT_RWX)
		return 0;
	return (perms & EPT_R) != 0;
}

/* Types 2, 3 and 7 are reserved; a leaf holding one is a misconfiguration (SDM 29.3.3.1). */
static int memtype_ok(unsigned mt)
{
	return mt == EPT_MT_UC || mt == EPT_MT_WC || mt == EPT_MT_WT || mt == EPT_MT_WP ||
	       mt == EPT_MT_WB;
}

uint64_t *ept_alloc_root(struct ept_ctx *c)
{
	return new_table(c);
}

int ept_map(struct ept_ctx *c, uint64_t *pml4, uint64_t gpa, uint64_t hpa, uint64_t size,
	    uint64_t perms, unsigned memtype)
{
	if (!perms_ok(perms) || !memtype_ok(memtype))
		return -1;
	if (check_gpa_range(gpa, size) != 0 || (hpa & (EPT_PAGE_4K - 1)) != 0)
		return -1;
	if (hpa >= HPA_LIMIT || size > HPA_LIMIT - hpa)
		return -1;
	/* Bit 6 ("ignore PAT") stays 0: the guest's PAT combines with the EPT type as on bare
	 * metal (SDM 29.3.7.2), so a guest that maps a buffer UC gets UC. */
	uint64_t leaf = perms | ((uint64_t)memtype << EPT_MT_SHIFT);
	return walk(c, pml4, 4, gpa, hpa, size, leaf, 0);
}

int ept_unmap(struct ept_ctx *c, uint64_t *pml4, uint64_t gpa, uint64_t size)
{
	if (check_gpa_range(gpa, size) != 0)
		return -1;
	return walk(c, pml4, 4, gpa, 0, size, 0, 1);
}

int ept_lookup(const uint64_t *pml4, uint64_t gpa, uint64_t *hpa, uint64_t *perms,
	       unsigned *memtype, uint64_t *page_size)
{
	if (!pml4 || gpa >= EPT_GPA_LIMIT)
		return -1;
	const uint64_t *table = pml4;
	uint64_t rights = EPT_RWX;

	for (unsigned level = 4; level >= 1; level--) {
		unsigned shift = level_shift(level);
		uint64_t e = table[(gpa >> shift) & (ENTRIES - 1)];
		if (!present(e))
			return -1;
		rights &= e;    /* every level of the walk must allow an access (SDM 29.3.3.2) */
		if (level == 1 || (level < 4 && (e & EPT_LARGE))) {
			uint64_t span = 1ull << shift;
			if (hpa)
				*hpa = (e & EPT_ADDR_MASK & ~(span - 1)) | (gpa & (span - 1));
			if (perms)
				*perms = rights;
			if (memtype)
				*memtype = (unsigned)((e & EPT_MT_MASK) >> EPT_MT_SHIFT);
			if (page_size)
				*page_size = span;
			return 0;
		}
		table = entry_table(e);
	}
	return -1;      /* not reached: level 1 always returns */
}

/* Frees the tables below table (at level), then table itself. Depth is at most 4. */
static void free_level(struct ept_ctx *c, uint64_t *table, unsigned level)
{
	for (unsigned i = 0; i < ENTRIES && level > 1; i++)
		if (is_table(table[i], level))
			free_level(c, entry_table(table[i]), level - 1);
	count_free(c, table);
}

void ept_destroy(struct ept_ctx *c, uint64_t *pml4)
{
	if (!pml4 || !c->free_table)
		return;
	free_level(c, pml4, 4);
}

uint64_t ept_pointer(uint64_t pml4_hpa)
{
	/* Bits 2:0 memory type for the walk's own reads, bits 5:3 walk length minus one, bit 6
	 * A/D enable (0), bits 11:7 reserved or features left off, then the PML4 frame. */
	return (pml4_hpa & EPT_ADDR_MASK) | ((4ull - 1) << 3) | EPT_MT_WB;
}
