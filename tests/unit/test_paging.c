/*
 * Unit tests for mm/paging.c. Page tables live in ordinary 4 KiB-aligned host buffers: the
 * builder only dereferences table pointers (whose "physical" address is their pointer value),
 * never the mapped memory, so any va/pa values can be mapped. A counting allocator with an
 * optional limit checks the table footprint and the allocation-failure paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/paging.h"

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#define POOL_MAX 4096

struct pool {
	unsigned used, limit;
	void *pages[POOL_MAX];
};

static uint64_t *pool_alloc(void *arg)
{
	struct pool *p = arg;
	if (p->used >= p->limit || p->used >= POOL_MAX)
		return NULL;
	void *pg = aligned_alloc(4096, 4096);
	assert_non_null(pg);
	memset(pg, 0, 4096);
	p->pages[p->used++] = pg;
	return pg;
}

struct fixture {
	struct pool pool;
	struct pt_ctx ctx;
	uint64_t *pml4;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	f->pool.limit = POOL_MAX;
	f->ctx.alloc_table = pool_alloc;
	f->ctx.arg = &f->pool;
	f->ctx.allow_1g = 1;
	f->pml4 = aligned_alloc(4096, 4096);
	if (!f->pml4)
		return -1;
	memset(f->pml4, 0, 4096);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (unsigned i = 0; i < f->pool.used; i++)
		free(f->pool.pages[i]);
	free(f->pml4);
	free(f);
	return 0;
}

/* Asserts va translates to pa with the given page size and flags. */
static void expect_map(const uint64_t *pml4, uint64_t va, uint64_t pa, unsigned size,
		       uint64_t flags)
{
	uint64_t got_pa = 0, got_flags = 0;
	unsigned got_size = 0;
	assert_int_equal(pt_lookup(pml4, va, &got_pa, &got_flags, &got_size), 0);
	assert_int_equal(got_pa, pa);
	assert_int_equal(got_size, size);
	/* A and D are the CPU's business; compare the rest */
	assert_int_equal(got_flags & ~(PTE_A | PTE_D), flags | PTE_P);
}

static void expect_unmapped(const uint64_t *pml4, uint64_t va)
{
	uint64_t pa = 0xdead;
	assert_int_equal(pt_lookup(pml4, va, &pa, NULL, NULL), -1);
}

static int all_zero(const uint64_t *t)
{
	for (unsigned i = 0; i < 512; i++)
		if (t[i])
			return 0;
	return 1;
}

static void test_identity_4g_1g_pages(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(pt_map(&f->ctx, f->pml4, 0, 0, GiB(4), PTE_W), 0);
	/* one PDPT holding four 1 GiB leaves */
	assert_int_equal(f->ctx.tables_allocated, 1);
	for (uint64_t va = 0; va < GiB(4); va += GiB(1) / 2 + KiB(12))
		expect_map(f->pml4, va, va, PT_PAGE_1G, PTE_W);
	expect_map(f->pml4, GiB(4) - 1, GiB(4) - 1, PT_PAGE_1G, PTE_W);
	expect_unmapped(f->pml4, GiB(4));
	/* the PML4 entry is a plain P|W table entry: no NX, no U at the upper level */
	assert_int_equal(f->pml4[0] & ~PTE_ADDR_MASK, PTE_P | PTE_W);
}

static void test_identity_4g_2m_pages(void **state)
{
	struct fixture *f = *state;
	f->ctx.allow_1g = 0;
	assert_int_equal(pt_map(&f->ctx, f->pml4, 0, 0, GiB(4), PTE_W | PTE_NX), 0);
	/* a PDPT plus four page directories full of 2 MiB leaves */
	assert_int_equal(f->ctx.tables_allocated, 5);
	for (uint64_t va = 0; va < GiB(4); va += MiB(37) + KiB(4))
		expect_map(f->pml4, va, va, PT_PAGE_2M, PTE_W | PTE_NX);
	expect_map(f->pml4, GiB(4) - 1, GiB(4) - 1, PT_PAGE_2M, PTE_W | PTE_NX);
	expect_unmapped(f->pml4, GiB(4));
}

static void test_unaligned_head_tail(void **state)
{
	struct fixture *f = *state;
	/* [2M-4K, 4M+4K): a 4 KiB head, one 2 MiB page, a 4 KiB tail */
	assert_int_equal(pt_map(&f->ctx, f->pml4, MiB(2) - KiB(4), MiB(2) - KiB(4),
				MiB(2) + KiB(8), PTE_W), 0);
	expect_unmapped(f->pml4, MiB(2) - KiB(8));
	expect_map(f->pml4, MiB(2) - KiB(4), MiB(2) - KiB(4), PT_PAGE_4K, PTE_W);
	expect_map(f->pml4, MiB(2), MiB(2), PT_PAGE_2M, PTE_W);
	expect_map(f->pml4, MiB(4) - 1, MiB(4) - 1, PT_PAGE_2M, PTE_W);
	expect_map(f->pml4, MiB(4), MiB(4), PT_PAGE_4K, PTE_W);
	expect_unmapped(f->pml4, MiB(4) + KiB(4));
	/* PDPT, PD, and a page table each for head and tail */
	assert_int_equal(f->ctx.tables_allocated, 4);

	/* 1 GiB pages likewise: [1G-4K, 2G+4K) */
	unsigned before = f->ctx.tables_allocated;
	uint64_t va = GiB(64) + GiB(1) - KiB(4), pa = GiB(1) - KiB(4);
	assert_int_equal(pt_map(&f->ctx, f->pml4, va, pa, GiB(1) + KiB(8), 0), 0);
	expect_map(f->pml4, va, pa, PT_PAGE_4K, 0);
	expect_map(f->pml4, va + KiB(4) + 12345, pa + KiB(4) + 12345, PT_PAGE_1G, 0);
	expect_map(f->pml4, va + KiB(4) + GiB(1), pa + KiB(4) + GiB(1), PT_PAGE_4K, 0);
	/* same PML4 slot (64 GiB < 512 GiB), same PDPT; two PDs and two PTs */
	assert_int_equal(f->ctx.tables_allocated - before, 4);

	/* va and pa aligned differently: 2 MiB pages impossible, all 4 KiB */
	before = f->ctx.tables_allocated;
	assert_int_equal(pt_map(&f->ctx, f->pml4, GiB(128), MiB(2) + KiB(4), MiB(4), PTE_W), 0);
	expect_map(f->pml4, GiB(128), MiB(2) + KiB(4), PT_PAGE_4K, PTE_W);
	expect_map(f->pml4, GiB(128) + MiB(4) - 1, MiB(6) + KiB(4) - 1, PT_PAGE_4K, PTE_W);
	assert_int_equal(f->ctx.tables_allocated - before, 1 + 2);  /* PD + 2 PTs */
}

static void test_split_2m_keeps_neighbours(void **state)
{
	struct fixture *f = *state;
	uint64_t fl = PTE_W | PTE_G | PTE_PCD;
	assert_int_equal(pt_map(&f->ctx, f->pml4, MiB(2), GiB(3), MiB(4), fl), 0);
	unsigned before = f->ctx.tables_allocated;
	/* make one 4 KiB page read-only and non-executable */
	assert_int_equal(pt_map(&f->ctx, f->pml4, MiB(2) + KiB(4) * 7, GiB(3) + KiB(4) * 7,
				KiB(4), PTE_NX), 0);
	assert_int_equal(f->ctx.tables_allocated, before + 1);
	for (unsigned i = 0; i < 512; i++) {
		uint64_t va = MiB(2) + i * KiB(4), pa = GiB(3) + i * KiB(4);
		if (i == 7)
			expect_map(f->pml4, va + 5, pa + 5, PT_PAGE_4K, PTE_NX);
		else
			expect_map(f->pml4, va + 5, pa + 5, PT_PAGE_4K, fl);
	}
	/* the other 2 MiB page was left alone */
	expect_map(f->pml4, MiB(4) + 99, GiB(3) + MiB(2) + 99, PT_PAGE_2M, fl);
}

/* Walks by hand to the entry for va at the given level (4 = PML4E ... 1 = PTE). */
static uint64_t *raw_entry(uint64_t *pml4, uint64_t va, unsigned level)
{
	uint64_t *t = pml4;
	for (unsigned l = 4; l > level; l--)
		t = (uint64_t *)(uintptr_t)(t[(va >> (12 + 9 * (l - 1))) & 511] & PTE_ADDR_MASK);
	return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

static void test_split_preserves_pat_and_1g(void **state)
{
	struct fixture *f = *state;
	/* a 1 GiB leaf at 1 GiB with PAT (bit 12 in large leaves) and A/D set, as firmware or a
	 * previous owner might have left it */
	assert_int_equal(pt_map(&f->ctx, f->pml4, GiB(1), GiB(5), GiB(1), PTE_W), 0);
	uint64_t *pdpte = raw_entry(f->pml4, GiB(1), 3);
	assert_true(*pdpte & PTE_PS);
	*pdpte |= (1ull << 12) | PTE_A | PTE_D;
	unsigned before = f->ctx.tables_allocated;

	/* remap one 4 KiB page in the middle: 1G -> 2M -> 4K */
	uint64_t va = GiB(1) + MiB(300) + KiB(8);
	assert_int_equal(pt_map(&f->ctx, f->pml4, va, MiB(1), KiB(4), PTE_W), 0);
	assert_int_equal(f->ctx.tables_allocated, before + 2);
	expect_map(f->pml4, va, MiB(1), PT_PAGE_4K, PTE_W);
	expect_map(f->pml4, va + KiB(4), GiB(5) + MiB(300) + KiB(12), PT_PAGE_4K, PTE_W);
	expect_map(f->pml4, GiB(1), GiB(5), PT_PAGE_2M, PTE_W);
	expect_map(f->pml4, GiB(2) - 1, GiB(6) - 1, PT_PAGE_2M, PTE_W);

	/* PAT moved to bit 7 in the 4 KiB PTEs, stayed at bit 12 in the 2 MiB PDEs */
	uint64_t pte = *raw_entry(f->pml4, va + KiB(4), 1);
	assert_true(pte & (1ull << 7));
	assert_int_equal(pte & PTE_ADDR_MASK, GiB(5) + MiB(300) + KiB(12));
	uint64_t pde = *raw_entry(f->pml4, GiB(1), 2);
	assert_true(pde & PTE_PS);
	assert_true(pde & (1ull << 12));
	assert_int_equal(pde & PTE_ADDR_MASK & ~(PT_PAGE_2M - 1), GiB(5));
	/* lookup reports neither PS nor PAT as attributes */
	uint64_t flags;
	assert_int_equal(pt_lookup(f->pml4, va + KiB(4), NULL, &flags, NULL), 0);
	assert_int_equal(flags, PTE_P | PTE_W | PTE_A | PTE_D);
}

static void test_table_never_replaced_by_leaf(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(pt_map(&f->ctx, f->pml4, MiB(2), MiB(2), KiB(4), PTE_W), 0);
	unsigned before = f->ctx.tables_allocated;
	uint64_t *pde = raw_entry(f->pml4, MiB(2), 2);
	uint64_t pt = *pde & PTE_ADDR_MASK;
	/* a 2 MiB-aligned mapping over the page table: descends, rewrites 512 PTEs */
	assert_int_equal(pt_map(&f->ctx, f->pml4, MiB(2), MiB(8), MiB(2), 0), 0);
	assert_int_equal(f->ctx.tables_allocated, before);
	assert_int_equal(*pde & PTE_ADDR_MASK, pt);
	assert_false(*pde & PTE_PS);
	expect_map(f->pml4, MiB(2), MiB(8), PT_PAGE_4K, 0);
	expect_map(f->pml4, MiB(4) - 1, MiB(10) - 1, PT_PAGE_4K, 0);

	/* remapping a large leaf simply replaces it */
	assert_int_equal(pt_map(&f->ctx, f->pml4, MiB(4), MiB(8), MiB(2), PTE_W), 0);
	assert_int_equal(pt_map(&f->ctx, f->pml4, MiB(4), MiB(16), MiB(2), PTE_NX), 0);
	expect_map(f->pml4, MiB(4) + 3, MiB(16) + 3, PT_PAGE_2M, PTE_NX);
	assert_int_equal(f->ctx.tables_allocated, before);
}

static void test_unmap(void **state)
{
	struct fixture *f = *state;
	f->ctx.allow_1g = 0;
	assert_int_equal(pt_map(&f->ctx, f->pml4, 0, 0, GiB(1), PTE_W), 0);
	unsigned before = f->ctx.tables_allocated;
	/* page 0 of an identity map: the first 2 MiB page splits */
	assert_int_equal(pt_unmap(&f->ctx, f->pml4, 0, KiB(4)), 0);
	assert_int_equal(f->ctx.tables_allocated, before + 1);
	expect_unmapped(f->pml4, 0);
	expect_unmapped(f->pml4, KiB(4) - 1);
	expect_map(f->pml4, KiB(4), KiB(4), PT_PAGE_4K, PTE_W);
	expect_map(f->pml4, MiB(2) - 1, MiB(2) - 1, PT_PAGE_4K, PTE_W);
	expect_map(f->pml4, MiB(2), MiB(2), PT_PAGE_2M, PTE_W);

	/* whole 2 MiB leaves are just cleared; edges split */
	before = f->ctx.tables_allocated;
	assert_int_equal(pt_unmap(&f->ctx, f->pml4, MiB(10) - KiB(4), MiB(4) + KiB(8)), 0);
	assert_int_equal(f->ctx.tables_allocated, before + 2);
	expect_map(f->pml4, MiB(10) - KiB(8), MiB(10) - KiB(8), PT_PAGE_4K, PTE_W);
	expect_unmapped(f->pml4, MiB(10) - KiB(4));
	expect_unmapped(f->pml4, MiB(12));
	expect_unmapped(f->pml4, MiB(14));
	expect_map(f->pml4, MiB(14) + KiB(4), MiB(14) + KiB(4), PT_PAGE_4K, PTE_W);
	assert_int_equal(*raw_entry(f->pml4, MiB(12), 2), 0);

	/* unmapping what is not mapped is fine and allocates nothing */
	before = f->ctx.tables_allocated;
	assert_int_equal(pt_unmap(&f->ctx, f->pml4, GiB(7), GiB(2)), 0);
	assert_int_equal(pt_unmap(&f->ctx, f->pml4, 0xffff800000000000ull, GiB(1)), 0);
	assert_int_equal(f->ctx.tables_allocated, before);

	/* unmap of a 1 GiB leaf and of 4 KiB pages under it */
	f->ctx.allow_1g = 1;
	assert_int_equal(pt_map(&f->ctx, f->pml4, GiB(2), GiB(2), GiB(1), 0), 0);
	assert_int_equal(pt_unmap(&f->ctx, f->pml4, GiB(2), GiB(1)), 0);
	expect_unmapped(f->pml4, GiB(2) + MiB(5));
	assert_int_equal(*raw_entry(f->pml4, GiB(2), 3), 0);
	/* everything, including the split tables: nothing stays mapped */
	assert_int_equal(pt_unmap(&f->ctx, f->pml4, 0, GiB(4)), 0);
	for (uint64_t va = 0; va < GiB(4); va += MiB(1))
		expect_unmapped(f->pml4, va);
	/* the tables stay (no free callback); the PML4 entry is still there */
	assert_true(f->pml4[0] & PTE_P);
}

static void test_high_half(void **state)
{
	struct fixture *f = *state;
	const uint64_t kva = 0xffffffff80000000ull;
	assert_int_equal(pt_map(&f->ctx, f->pml4, kva, MiB(64), MiB(8), PTE_W | PTE_G), 0);
	expect_map(f->pml4, kva, MiB(64), PT_PAGE_2M, PTE_W | PTE_G);
	expect_map(f->pml4, kva + 0x123456, MiB(64) + 0x123456, PT_PAGE_2M, PTE_W | PTE_G);
	expect_map(f->pml4, kva + MiB(8) - 1, MiB(72) - 1, PT_PAGE_2M, PTE_W | PTE_G);
	expect_unmapped(f->pml4, kva + MiB(8));
	expect_unmapped(f->pml4, kva - KiB(4));
	/* PML4 slot 511, PDPT slot 510 */
	for (unsigned i = 0; i < 511; i++)
		assert_int_equal(f->pml4[i], 0);
	assert_true(f->pml4[511] & PTE_P);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(f->pml4[511] & PTE_ADDR_MASK);
	assert_true(pdpt[510] & PTE_P);
	assert_int_equal(pdpt[511], 0);
	assert_int_equal(f->ctx.tables_allocated, 2);

	/* the very top of the address space: va + size wraps to 0, still valid */
	assert_int_equal(pt_map(&f->ctx, f->pml4, 0xffffffffffe00000ull, MiB(2), MiB(2), 0), 0);
	expect_map(f->pml4, 0xffffffffffffffffull, MiB(4) - 1, PT_PAGE_2M, 0);
	/* the lowest high-half address */
	assert_int_equal(pt_map(&f->ctx, f->pml4, 0xffff800000000000ull, 0, KiB(4), 0), 0);
	expect_map(f->pml4, 0xffff800000000fffull, 0xfff, PT_PAGE_4K, 0);
	assert_true(f->pml4[256] & PTE_P);
}

static void test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct pt_ctx *c = &f->ctx;
	/* misaligned va, pa, size */
	assert_int_equal(pt_map(c, f->pml4, 0x1001, 0, KiB(4), 0), -1);
	assert_int_equal(pt_map(c, f->pml4, 0, 0x800, KiB(4), 0), -1);
	assert_int_equal(pt_map(c, f->pml4, 0, 0, 100, 0), -1);
	assert_int_equal(pt_unmap(c, f->pml4, 0x10, KiB(4)), -1);
	assert_int_equal(pt_unmap(c, f->pml4, 0, KiB(4) + 1), -1);
	/* non-canonical start; a range running into or across the hole */
	assert_int_equal(pt_map(c, f->pml4, 0x0000800000000000ull, 0, KiB(4), 0), -1);
	assert_int_equal(pt_map(c, f->pml4, 0xffff7ffffffff000ull, 0, KiB(4), 0), -1);
	assert_int_equal(pt_map(c, f->pml4, 0x00007ffffffff000ull, 0, KiB(8), 0), -1);
	assert_int_equal(pt_map(c, f->pml4, 0x00007ffffffff000ull, 0,
				0xffff800000001000ull - 0x00007ffffffff000ull, 0), -1);
	assert_int_equal(pt_unmap(c, f->pml4, 0x00007ffffffff000ull, KiB(8)), -1);
	/* wrapping past the top of the address space */
	assert_int_equal(pt_map(c, f->pml4, 0xfffffffffffff000ull, 0, KiB(8), 0), -1);
	/* physical range beyond 52 bits */
	assert_int_equal(pt_map(c, f->pml4, 0, 1ull << 52, KiB(4), 0), -1);
	assert_int_equal(pt_map(c, f->pml4, 0, (1ull << 52) - KiB(4), KiB(8), 0), -1);
	/* flags that are not the caller's to set */
	assert_int_equal(pt_map(c, f->pml4, 0, 0, KiB(4), PTE_PS), -1);
	assert_int_equal(pt_map(c, f->pml4, 0, 0, KiB(4), PTE_A), -1);
	assert_int_equal(pt_map(c, f->pml4, 0, 0, KiB(4), PTE_D), -1);
	assert_int_equal(pt_map(c, f->pml4, 0, 0, KiB(4), 1ull << 9), -1);
	assert_int_equal(pt_map(c, f->pml4, 0, 0, KiB(4), 1ull << 52), -1);
	/* nothing was touched */
	assert_true(all_zero(f->pml4));
	assert_int_equal(c->tables_allocated, 0);
	/* lookups of non-canonical or unmapped addresses */
	expect_unmapped(f->pml4, 0x0000800000000000ull);
	expect_unmapped(f->pml4, 0);
	/* P is implied but may be passed; size 0 is a no-op */
	assert_int_equal(pt_map(c, f->pml4, 0, 0, 0, PTE_P), 0);
	assert_true(all_zero(f->pml4));
	assert_int_equal(pt_map(c, f->pml4, KiB(4), KiB(4), KiB(4), PTE_P | PTE_W), 0);
	expect_map(f->pml4, KiB(4), KiB(4), PT_PAGE_4K, PTE_W);
}

static void test_alloc_failure(void **state)
{
	struct fixture *f = *state;
	f->ctx.allow_1g = 0;
	f->pool.limit = 0;
	assert_int_equal(pt_map(&f->ctx, f->pml4, 0, 0, KiB(4), PTE_W), -1);
	assert_true(all_zero(f->pml4));
	/* 4 GiB in 2 MiB pages needs five tables; three are not enough */
	f->pool.limit = 3;
	assert_int_equal(pt_map(&f->ctx, f->pml4, 0, 0, GiB(4), PTE_W), -1);
	assert_int_equal(f->ctx.tables_allocated, 3);
	/* what was mapped before the failure is consistent */
	expect_map(f->pml4, 0, 0, PT_PAGE_2M, PTE_W);
	expect_unmapped(f->pml4, GiB(3));

	/* a split that cannot get its table leaves the large leaf as it was */
	assert_int_equal(pt_map(&f->ctx, f->pml4, MiB(2) + KiB(4), GiB(9), KiB(4), 0), -1);
	expect_map(f->pml4, MiB(2) + KiB(4), MiB(2) + KiB(4), PT_PAGE_2M, PTE_W);
	assert_int_equal(pt_unmap(&f->ctx, f->pml4, MiB(2) + KiB(4), KiB(4)), -1);
	expect_map(f->pml4, MiB(2) + KiB(4), MiB(2) + KiB(4), PT_PAGE_2M, PTE_W);

	/* with tables available again the same calls succeed */
	f->pool.limit = POOL_MAX;
	assert_int_equal(pt_map(&f->ctx, f->pml4, 0, 0, GiB(4), PTE_W), 0);
	assert_int_equal(f->ctx.tables_allocated, 5);
	assert_int_equal(pt_unmap(&f->ctx, f->pml4, MiB(2) + KiB(4), KiB(4)), 0);
	expect_unmapped(f->pml4, MiB(2) + KiB(4));
}

static void test_user_and_rights(void **state)
{
	struct fixture *f = *state;
	uint64_t flags;
	/* a supervisor mapping: no U anywhere on its path */
	assert_int_equal(pt_map(&f->ctx, f->pml4, GiB(1), GiB(1), KiB(4), PTE_W), 0);
	assert_false(f->pml4[0] & PTE_U);
	/* a user mapping in the same PML4 slot turns U on along its path only */
	assert_int_equal(pt_map(&f->ctx, f->pml4, GiB(2), MiB(2), MiB(2), PTE_U), 0);
	assert_true(f->pml4[0] & PTE_U);
	expect_map(f->pml4, GiB(2), MiB(2), PT_PAGE_2M, PTE_U);
	expect_map(f->pml4, GiB(1), GiB(1), PT_PAGE_4K, PTE_W);
	assert_false(*raw_entry(f->pml4, GiB(1), 3) & PTE_U);

	/* splitting a user leaf keeps the pages user-accessible */
	assert_int_equal(pt_map(&f->ctx, f->pml4, GiB(2), 0, KiB(4), PTE_U | PTE_W), 0);
	expect_map(f->pml4, GiB(2) + KiB(4), MiB(2) + KiB(4), PT_PAGE_4K, PTE_U);
	expect_map(f->pml4, GiB(2), 0, PT_PAGE_4K, PTE_U | PTE_W);

	/* lookup reports effective rights: a read-only upper level wins over a writable leaf,
	 * NX at an upper level makes the page non-executable */
	f->pml4[0] &= ~PTE_W;
	f->pml4[0] |= PTE_NX;
	assert_int_equal(pt_lookup(f->pml4, GiB(1), NULL, &flags, NULL), 0);
	assert_int_equal(flags & (PTE_W | PTE_NX), PTE_NX);
	/* mapping a writable executable page through that entry opens it back up */
	assert_int_equal(pt_map(&f->ctx, f->pml4, GiB(1), GiB(1), KiB(4), PTE_W), 0);
	assert_int_equal(pt_lookup(f->pml4, GiB(1), NULL, &flags, NULL), 0);
	assert_int_equal(flags & (PTE_W | PTE_NX), PTE_W);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_4g_1g_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_4g_2m_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unaligned_head_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_2m_keeps_neighbours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_preserves_pat_and_1g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_never_replaced_by_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_high_half, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_and_rights, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
