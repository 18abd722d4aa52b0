/*
 * Unit tests for mm/ept.c. EPT tables live in 4 KiB-aligned host buffers: the builder only
 * dereferences table pointers (whose "host-physical" address is their pointer value), never
 * the mapped memory, so any gpa/hpa values can be mapped. A fake allocator records every page
 * it hands out and every page given back, so the tests can check the exact table footprint,
 * that ept_destroy frees each table exactly once, and the allocation-failure paths. Raw entry
 * values are checked against the formats in Intel SDM Vol. 3C 29.3.2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/ept.h"

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#define ADDR_MASK 0x000ffffffffff000ull
#define LARGE     (1ull << 7)
#define RWX       (EPT_R | EPT_W | EPT_X)

#define POOL_MAX 4096

struct pool {
	unsigned used, limit, live, freed;
	void *pages[POOL_MAX];
	int alive[POOL_MAX];
};

static uint64_t *pool_alloc(void *arg)
{
	struct pool *p = arg;
	if (p->used >= p->limit || p->used >= POOL_MAX)
		return NULL;
	void *pg = aligned_alloc(4096, 4096);
	assert_non_null(pg);
	memset(pg, 0, 4096);
	p->alive[p->used] = 1;
	p->pages[p->used++] = pg;
	p->live++;
	return pg;
}

static void pool_free(void *arg, uint64_t *table)
{
	struct pool *p = arg;
	for (unsigned i = 0; i < p->used; i++) {
		if (p->pages[i] == table) {
			assert_true(p->alive[i]);       /* never freed twice */
			p->alive[i] = 0;
			p->live--;
			p->freed++;
			/* Poison, so a later walk through a freed table would be caught. */
			memset(table, 0xee, 4096);
			return;
		}
	}
	fail_msg("free of a table the pool never handed out: %p", (void *)table);
}

struct fixture {
	struct pool pool;
	struct ept_ctx ctx;
	uint64_t *pml4;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	f->pool.limit = POOL_MAX;
	f->ctx.alloc_table = pool_alloc;
	f->ctx.free_table = pool_free;
	f->ctx.arg = &f->pool;
	f->ctx.allow_1g = 1;
	f->ctx.allow_2m = 1;
	f->pml4 = ept_alloc_root(&f->ctx);
	if (!f->pml4)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (unsigned i = 0; i < f->pool.used; i++)
		free(f->pool.pages[i]);
	free(f);
	return 0;
}

/* Looks gpa up and checks every output. */
static void expect_map(const uint64_t *pml4, uint64_t gpa, uint64_t hpa, uint64_t perms,
		       unsigned memtype, uint64_t page_size)
{
	uint64_t h = 0, p = 0, ps = 0;
	unsigned mt = 99;
	if (ept_lookup(pml4, gpa, &h, &p, &mt, &ps) != 0)
		fail_msg("gpa %#llx does not translate", (unsigned long long)gpa);
	assert_int_equal(h, hpa);
	assert_int_equal(p, perms);
	assert_int_equal(mt, memtype);
	assert_int_equal(ps, page_size);
}

static void expect_unmapped(const uint64_t *pml4, uint64_t gpa)
{
	uint64_t h = 0;
	if (ept_lookup(pml4, gpa, &h, NULL, NULL, NULL) == 0)
		fail_msg("gpa %#llx translates to %#llx but should not", (unsigned long long)gpa,
			 (unsigned long long)h);
}

static uint64_t *child(uint64_t e)
{
	return (uint64_t *)(uintptr_t)(e & ADDR_MASK);
}

/* ---- page sizes ------------------------------------------------------------------------- */

static void test_partition_2m_leaves(void **state)
{
	struct fixture *f = *state;
	uint64_t hpa = 0x12200000;      /* 2 MiB aligned, not 1 GiB aligned */
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, hpa, MiB(32), RWX, EPT_MT_WB), 0);
	/* PML4 + PDPT + one page directory: no page tables at all. */
	assert_int_equal(f->ctx.tables_allocated, 3);
	assert_int_equal(f->pool.live, 3);

	for (uint64_t g = 0; g < MiB(32); g += MiB(2)) {
		expect_map(f->pml4, g, hpa + g, RWX, EPT_MT_WB, MiB(2));
		expect_map(f->pml4, g + MiB(2) - 8, hpa + g + MiB(2) - 8, RWX, EPT_MT_WB, MiB(2));
	}
	/* Nothing outside [0, size) translates. */
	expect_unmapped(f->pml4, MiB(32));
	expect_unmapped(f->pml4, MiB(32) + KiB(4));
	expect_unmapped(f->pml4, GiB(1));
	expect_unmapped(f->pml4, GiB(4));
	expect_unmapped(f->pml4, EPT_GPA_LIMIT - 1);
	expect_unmapped(f->pml4, EPT_GPA_LIMIT);
	expect_unmapped(f->pml4, ~0ull);

	/* The directory holds exactly 16 leaves. */
	uint64_t *pd = child(child(f->pml4[0])[0]);
	for (unsigned i = 0; i < 512; i++) {
		if (i < 16)
			assert_int_equal(pd[i], (hpa + MiB(2) * i) | RWX | (6ull << 3) | LARGE);
		else
			assert_int_equal(pd[i], 0);
	}
}

static void test_1g_leaves(void **state)
{
	struct fixture *f = *state;
	/* 1 GiB + 2 MiB + 4 KiB from a 1 GiB-aligned host address: one leaf of each size. */
	uint64_t hpa = GiB(3), size = GiB(1) + MiB(2) + KiB(4);
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, hpa, size, RWX, EPT_MT_WB), 0);
	assert_int_equal(f->ctx.tables_allocated, 4);   /* PML4, PDPT, PD, PT */
	expect_map(f->pml4, 0, hpa, RWX, EPT_MT_WB, GiB(1));
	expect_map(f->pml4, GiB(1) - 1, hpa + GiB(1) - 1, RWX, EPT_MT_WB, GiB(1));
	expect_map(f->pml4, GiB(1), hpa + GiB(1), RWX, EPT_MT_WB, MiB(2));
	expect_map(f->pml4, GiB(1) + MiB(2), hpa + GiB(1) + MiB(2), RWX, EPT_MT_WB, KiB(4));
	expect_unmapped(f->pml4, size);

	uint64_t *pdpt = child(f->pml4[0]);
	assert_int_equal(pdpt[0], hpa | RWX | (6ull << 3) | LARGE);
}

static void test_1g_not_allowed(void **state)
{
	struct fixture *f = *state;
	f->ctx.allow_1g = 0;
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, GiB(1), GiB(2), RWX, EPT_MT_WB), 0);
	/* PML4, PDPT and two full page directories. */
	assert_int_equal(f->ctx.tables_allocated, 4);
	expect_map(f->pml4, 0, GiB(1), RWX, EPT_MT_WB, MiB(2));
	expect_map(f->pml4, GiB(2) - KiB(4), GiB(3) - KiB(4), RWX, EPT_MT_WB, MiB(2));
	expect_unmapped(f->pml4, GiB(2));
}

static void test_1g_needs_alignment_of_both(void **state)
{
	struct fixture *f = *state;
	/* gpa 1 GiB aligned, hpa only 2 MiB aligned: 2 MiB leaves. */
	assert_int_equal(ept_map(&f->ctx, f->pml4, GiB(1), GiB(1) + MiB(2), GiB(1), RWX,
				 EPT_MT_WB), 0);
	expect_map(f->pml4, GiB(1), GiB(1) + MiB(2), RWX, EPT_MT_WB, MiB(2));
	assert_int_equal(f->ctx.tables_allocated, 3);
	/* gpa only 2 MiB aligned, hpa 1 GiB aligned: also 2 MiB leaves. */
	assert_int_equal(ept_map(&f->ctx, f->pml4, GiB(4) + MiB(2), GiB(8), GiB(1), RWX,
				 EPT_MT_WB), 0);
	expect_map(f->pml4, GiB(4) + MiB(2), GiB(8), RWX, EPT_MT_WB, MiB(2));
	expect_map(f->pml4, GiB(5), GiB(9) - MiB(2), RWX, EPT_MT_WB, MiB(2));
}

static void test_unaligned_hpa_uses_4k(void **state)
{
	struct fixture *f = *state;
	uint64_t hpa = 0x12345000;
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, hpa, MiB(32), RWX, EPT_MT_WB), 0);
	/* 8192 PTEs = 16 page tables, plus PD, PDPT, PML4. */
	assert_int_equal(f->ctx.tables_allocated, 19);
	for (uint64_t g = 0; g < MiB(32); g += MiB(1) + KiB(4))
		expect_map(f->pml4, g, hpa + g, RWX, EPT_MT_WB, KiB(4));
	expect_map(f->pml4, MiB(32) - 1, hpa + MiB(32) - 1, RWX, EPT_MT_WB, KiB(4));
	expect_unmapped(f->pml4, MiB(32));
}

static void test_no_large_pages_allowed(void **state)
{
	struct fixture *f = *state;
	f->ctx.allow_1g = 0;
	f->ctx.allow_2m = 0;
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, GiB(1), MiB(4), RWX, EPT_MT_WB), 0);
	assert_int_equal(f->ctx.tables_allocated, 5);   /* PML4, PDPT, PD, 2 PTs */
	expect_map(f->pml4, MiB(2), GiB(1) + MiB(2), RWX, EPT_MT_WB, KiB(4));
}

static void test_high_gpa_uses_other_pml4_entries(void **state)
{
	struct fixture *f = *state;
	uint64_t gpa = EPT_GPA_LIMIT - MiB(2);
	assert_int_equal(ept_map(&f->ctx, f->pml4, gpa, MiB(6), MiB(2), EPT_R, EPT_MT_UC), 0);
	assert_int_equal(f->pml4[511] & 7, RWX);
	expect_map(f->pml4, gpa + 5, MiB(6) + 5, EPT_R, EPT_MT_UC, MiB(2));
	expect_unmapped(f->pml4, 0);
}

/* ---- entry bits ------------------------------------------------------------------------- */

static void test_perms_and_memtype_bits(void **state)
{
	struct fixture *f = *state;
	static const struct { uint64_t perms; unsigned mt; } combos[] = {
		{ EPT_R, EPT_MT_UC }, { EPT_R | EPT_W, EPT_MT_WB }, { EPT_R | EPT_X, EPT_MT_WT },
		{ RWX, EPT_MT_WP }, { EPT_R | EPT_W, EPT_MT_WC },
	};
	for (unsigned i = 0; i < sizeof combos / sizeof combos[0]; i++) {
		uint64_t gpa = KiB(4) * i, hpa = MiB(16) + KiB(4) * i;
		assert_int_equal(ept_map(&f->ctx, f->pml4, gpa, hpa, KiB(4), combos[i].perms,
					 combos[i].mt), 0);
		expect_map(f->pml4, gpa, hpa, combos[i].perms, combos[i].mt, KiB(4));
	}
	/* Non-leaf entries: table address | R|W|X and nothing else (bits 7:3 reserved). */
	uint64_t *pdpt = child(f->pml4[0]);
	uint64_t *pd = child(pdpt[0]);
	uint64_t *pt = child(pd[0]);
	assert_int_equal(f->pml4[0], (uint64_t)(uintptr_t)pdpt | RWX);
	assert_int_equal(pdpt[0], (uint64_t)(uintptr_t)pd | RWX);
	assert_int_equal(pd[0], (uint64_t)(uintptr_t)pt | RWX);
	/* Leaves: frame | perms | memtype << 3; bit 6 (ignore PAT) and bit 7 clear in a PTE. */
	assert_int_equal(pt[0], MiB(16) | EPT_R | (0ull << 3));
	assert_int_equal(pt[1], (MiB(16) + KiB(4)) | EPT_R | EPT_W | (6ull << 3));
	assert_int_equal(pt[2], (MiB(16) + KiB(8)) | EPT_R | EPT_X | (4ull << 3));
	assert_int_equal(pt[3], (MiB(16) + KiB(12)) | RWX | (5ull << 3));
	assert_int_equal(pt[4], (MiB(16) + KiB(16)) | EPT_R | EPT_W | (1ull << 3));
	assert_int_equal(pt[5], 0);

	/* A 2 MiB leaf: bit 7 set, bit 6 clear. */
	assert_int_equal(ept_map(&f->ctx, f->pml4, MiB(2), MiB(4), MiB(2), EPT_R | EPT_X,
				 EPT_MT_UC), 0);
	assert_int_equal(pd[1], MiB(4) | EPT_R | EPT_X | LARGE);
	assert_int_equal(pd[1] & (1ull << 6), 0);
}

static void test_bad_arguments_change_nothing(void **state)
{
	struct fixture *f = *state;
	struct ept_ctx *c = &f->ctx;
	/* Write without read (010b, 110b) and execute-only (100b) are misconfigurations; empty
	 * rights are not a mapping; only bits 2:0 are rights. */
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), EPT_W, EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), EPT_W | EPT_X, EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), EPT_X, EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), 0, EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), RWX | (1ull << 3), EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), RWX | LARGE, EPT_MT_WB), -1);
	/* Reserved memory types. */
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), RWX, 2), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), RWX, 3), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), RWX, 7), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0, KiB(4), RWX, 8), -1);
	/* Alignment. */
	assert_int_equal(ept_map(c, f->pml4, 0x800, 0, KiB(4), RWX, EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0x800, KiB(4), RWX, EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, 0, 0x800, RWX, EPT_MT_WB), -1);
	/* Guest range beyond 2^48, including wrap-around. */
	assert_int_equal(ept_map(c, f->pml4, EPT_GPA_LIMIT, 0, KiB(4), RWX, EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, EPT_GPA_LIMIT - KiB(4), 0, KiB(8), RWX,
				 EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, KiB(4), 0, ~0ull - KiB(4) + 1, RWX, EPT_MT_WB), -1);
	/* Host range beyond 2^52. */
	assert_int_equal(ept_map(c, f->pml4, 0, 1ull << 52, KiB(4), RWX, EPT_MT_WB), -1);
	assert_int_equal(ept_map(c, f->pml4, 0, (1ull << 52) - KiB(4), KiB(8), RWX,
				 EPT_MT_WB), -1);
	/* Unmap checks the same range rules. */
	assert_int_equal(ept_unmap(c, f->pml4, 0x800, KiB(4)), -1);
	assert_int_equal(ept_unmap(c, f->pml4, 0, 0x800), -1);
	assert_int_equal(ept_unmap(c, f->pml4, EPT_GPA_LIMIT - KiB(4), KiB(8)), -1);

	assert_int_equal(c->tables_allocated, 1);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(f->pml4[i], 0);

	/* The edges themselves are fine. */
	assert_int_equal(ept_map(c, f->pml4, EPT_GPA_LIMIT - KiB(4), (1ull << 52) - KiB(4),
				 KiB(4), EPT_R, EPT_MT_WB), 0);
	expect_map(f->pml4, EPT_GPA_LIMIT - 1, (1ull << 52) - 1, EPT_R, EPT_MT_WB, KiB(4));
	assert_int_equal(ept_map(c, f->pml4, 0, 0, 0, RWX, EPT_MT_WB), 0);
}

static void test_lookup_combines_levels(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, MiB(2), MiB(2), RWX, EPT_MT_WB), 0);
	/* A more restrictive upper level (as another builder might write) limits the result. */
	f->pml4[0] = (f->pml4[0] & ADDR_MASK) | EPT_R | EPT_X;
	expect_map(f->pml4, 0, MiB(2), EPT_R | EPT_X, EPT_MT_WB, MiB(2));
	/* An entry with bits 2:0 clear is not present whatever else it holds. */
	f->pml4[0] &= ADDR_MASK;
	expect_unmapped(f->pml4, 0);
	assert_int_equal(ept_lookup(NULL, 0, NULL, NULL, NULL, NULL), -1);
}

static void test_ept_pointer(void **state)
{
	(void)state;
	assert_int_equal(ept_pointer(0x123000), 0x12301e);
	assert_int_equal(ept_pointer(0), 0x1e);
	assert_int_equal(ept_pointer(0xffffffffff000ull), 0xffffffffff01eull);
	/* Stray low or high bits never leak into the control bits. */
	assert_int_equal(ept_pointer(0x123fff), 0x12301e);
	assert_int_equal(ept_pointer(0xfff0000000123000ull), 0x12301e);
}

/* ---- changing mappings ------------------------------------------------------------------ */

static void test_small_mapping_splits_large_leaves(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, GiB(1), GiB(1), RWX, EPT_MT_WB), 0);
	assert_int_equal(f->ctx.tables_allocated, 2);
	/* A read-only UC page in the middle: 1 GiB -> 2 MiB leaves, one of them -> 4 KiB. */
	uint64_t gpa = MiB(100) + KiB(12);
	assert_int_equal(ept_map(&f->ctx, f->pml4, gpa, MiB(7), KiB(4), EPT_R, EPT_MT_UC), 0);
	assert_int_equal(f->ctx.tables_allocated, 4);
	expect_map(f->pml4, gpa, MiB(7), EPT_R, EPT_MT_UC, KiB(4));
	expect_map(f->pml4, gpa - KiB(4), GiB(1) + gpa - KiB(4), RWX, EPT_MT_WB, KiB(4));
	expect_map(f->pml4, gpa + KiB(4), GiB(1) + gpa + KiB(4), RWX, EPT_MT_WB, KiB(4));
	expect_map(f->pml4, MiB(98), GiB(1) + MiB(98), RWX, EPT_MT_WB, MiB(2));
	expect_map(f->pml4, 0, GiB(1), RWX, EPT_MT_WB, MiB(2));
	expect_map(f->pml4, GiB(1) - 1, GiB(2) - 1, RWX, EPT_MT_WB, MiB(2));
	/* Every other address still translates exactly as before. */
	for (uint64_t g = 0; g < GiB(1); g += MiB(3) + KiB(4))
		if (g >> 12 != gpa >> 12) {
			uint64_t h;
			assert_int_equal(ept_lookup(f->pml4, g, &h, NULL, NULL, NULL), 0);
			assert_int_equal(h, GiB(1) + g);
		}
}

static void test_table_never_replaced_by_leaf(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(ept_map(&f->ctx, f->pml4, KiB(8), MiB(64), KiB(4), EPT_R, EPT_MT_UC), 0);
	unsigned before = f->ctx.tables_allocated;
	/* The whole 2 MiB around it: the page table stays and is filled instead. */
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, MiB(32), MiB(2), RWX, EPT_MT_WB), 0);
	assert_int_equal(f->ctx.tables_allocated, before);
	expect_map(f->pml4, 0, MiB(32), RWX, EPT_MT_WB, KiB(4));
	expect_map(f->pml4, KiB(8), MiB(32) + KiB(8), RWX, EPT_MT_WB, KiB(4));
	expect_map(f->pml4, MiB(2) - 1, MiB(34) - 1, RWX, EPT_MT_WB, KiB(4));
	/* Remapping an existing large leaf in place changes it. */
	assert_int_equal(ept_map(&f->ctx, f->pml4, MiB(2), MiB(40), MiB(2), RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&f->ctx, f->pml4, MiB(2), MiB(42), MiB(2), EPT_R, EPT_MT_UC), 0);
	expect_map(f->pml4, MiB(2), MiB(42), EPT_R, EPT_MT_UC, MiB(2));
}

static void test_unmap_then_lookup_fails(void **state)
{
	struct fixture *f = *state;
	uint64_t hpa = 0x12200000;
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, hpa, MiB(32), RWX, EPT_MT_WB), 0);
	/* A 4 KiB hole inside a 2 MiB leaf splits it. */
	assert_int_equal(ept_unmap(&f->ctx, f->pml4, MiB(5), KiB(4)), 0);
	assert_int_equal(f->ctx.tables_allocated, 4);
	expect_unmapped(f->pml4, MiB(5));
	expect_unmapped(f->pml4, MiB(5) + KiB(4) - 1);
	expect_map(f->pml4, MiB(5) - KiB(4), hpa + MiB(5) - KiB(4), RWX, EPT_MT_WB, KiB(4));
	expect_map(f->pml4, MiB(5) + KiB(4), hpa + MiB(5) + KiB(4), RWX, EPT_MT_WB, KiB(4));
	expect_map(f->pml4, MiB(6), hpa + MiB(6), RWX, EPT_MT_WB, MiB(2));

	/* A whole 2 MiB leaf. */
	assert_int_equal(ept_unmap(&f->ctx, f->pml4, MiB(8), MiB(2)), 0);
	expect_unmapped(f->pml4, MiB(8));
	expect_unmapped(f->pml4, MiB(10) - 1);
	expect_map(f->pml4, MiB(10), hpa + MiB(10), RWX, EPT_MT_WB, MiB(2));

	/* Unmapping what is not mapped is fine and allocates nothing. */
	assert_int_equal(ept_unmap(&f->ctx, f->pml4, GiB(7), GiB(1)), 0);
	assert_int_equal(f->ctx.tables_allocated, 4);

	/* Everything: the emptied tables go back; only the root is left. */
	assert_int_equal(ept_unmap(&f->ctx, f->pml4, 0, MiB(32)), 0);
	for (uint64_t g = 0; g < MiB(32); g += KiB(4))
		expect_unmapped(f->pml4, g);
	assert_int_equal(f->ctx.tables_allocated, 1);
	assert_int_equal(f->pool.live, 1);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(f->pml4[i], 0);

	/* Mapping again works. */
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, hpa, MiB(32), RWX, EPT_MT_WB), 0);
	expect_map(f->pml4, MiB(5), hpa + MiB(5), RWX, EPT_MT_WB, MiB(2));
	assert_int_equal(f->ctx.tables_allocated, 3);
}

static void test_unmap_without_free_keeps_tables(void **state)
{
	struct fixture *f = *state;
	f->ctx.free_table = NULL;
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, MiB(2), MiB(4), RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_unmap(&f->ctx, f->pml4, 0, MiB(4)), 0);
	expect_unmapped(f->pml4, 0);
	expect_unmapped(f->pml4, MiB(2));
	assert_int_equal(f->ctx.tables_allocated, 3);
	assert_int_equal(f->pool.live, 3);
	/* ... and destroy without free_table frees nothing. */
	ept_destroy(&f->ctx, f->pml4);
	assert_int_equal(f->pool.live, 3);
	assert_int_equal(f->pool.freed, 0);
}

/* ---- allocation and destruction ----------------------------------------------------------- */

static void test_destroy_frees_every_table(void **state)
{
	struct fixture *f = *state;
	struct ept_ctx *c = &f->ctx;
	/* A mix of every size and several PML4 entries. */
	assert_int_equal(ept_map(c, f->pml4, 0, GiB(2), GiB(2), RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(c, f->pml4, MiB(3), MiB(1), KiB(40), EPT_R, EPT_MT_UC), 0);
	assert_int_equal(ept_map(c, f->pml4, GiB(1) + MiB(4), 0x7654000, MiB(6), RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(c, f->pml4, GiB(600), GiB(3), MiB(10), RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(c, f->pml4, EPT_GPA_LIMIT - GiB(1), GiB(4), GiB(1), RWX,
				 EPT_MT_WB), 0);
	assert_int_equal(ept_unmap(c, f->pml4, MiB(11), KiB(4)), 0);
	assert_true(c->tables_allocated > 5);
	assert_int_equal(c->tables_allocated, f->pool.live);
	unsigned used = f->pool.used;

	ept_destroy(c, f->pml4);
	assert_int_equal(f->pool.live, 0);
	assert_int_equal(f->pool.freed, used);
	assert_int_equal(c->tables_allocated, 0);
	ept_destroy(c, NULL);       /* harmless */
}

static void test_destroy_of_caller_root(void **state)
{
	struct fixture *f = *state;
	/* A root the caller got elsewhere (not counted): the count does not wrap below zero. */
	struct ept_ctx c = f->ctx;
	c.tables_allocated = 0;
	uint64_t *root = pool_alloc(&f->pool);
	assert_int_equal(ept_map(&c, root, 0, 0, MiB(2), RWX, EPT_MT_WB), 0);
	assert_int_equal(c.tables_allocated, 2);
	unsigned live = f->pool.live;
	ept_destroy(&c, root);
	assert_int_equal(c.tables_allocated, 0);
	assert_int_equal(f->pool.live, live - 3);
}

static void test_allocation_failure(void **state)
{
	struct fixture *f = *state;
	/* Room for the PDPT only: the page directory cannot be had. */
	f->pool.limit = f->pool.used + 1;
	assert_int_equal(ept_map(&f->ctx, f->pml4, 0, 0x12345000, MiB(4), RWX, EPT_MT_WB), -1);
	expect_unmapped(f->pml4, 0);
	assert_int_equal(f->ctx.tables_allocated, f->pool.live);

	/* Splitting needs a table too: a failed unmap leaves the large leaf whole. */
	f->pool.limit = f->pool.used + 2;
	assert_int_equal(ept_map(&f->ctx, f->pml4, GiB(1), MiB(2), MiB(2), RWX, EPT_MT_WB), 0);
	f->pool.limit = f->pool.used;
	assert_int_equal(ept_unmap(&f->ctx, f->pml4, GiB(1) + KiB(4), KiB(4)), -1);
	expect_map(f->pml4, GiB(1) + KiB(4), MiB(2) + KiB(4), RWX, EPT_MT_WB, MiB(2));

	assert_null(ept_alloc_root(&f->ctx));
	assert_int_equal(f->ctx.tables_allocated, f->pool.live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_partition_2m_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_1g_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_1g_not_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_1g_needs_alignment_of_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unaligned_hpa_uses_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_large_pages_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_high_gpa_uses_other_pml4_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perms_and_memtype_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_combines_levels, setup, teardown),
		cmocka_unit_test(test_ept_pointer),
		cmocka_unit_test_setup_teardown(test_small_mapping_splits_large_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_never_replaced_by_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_then_lookup_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_without_free_keeps_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_frees_every_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_of_caller_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocation_failure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
