/*
 * Unit tests for mm/frame_alloc.c. The allocator never touches the memory it manages, so the
 * tests use made-up physical addresses. Besides the targeted cases, a fixed-seed random
 * alloc/free run is cross-checked page by page against a bitmap model: no page is handed out
 * twice, every allocation is the lowest fitting one, and free_bytes always agrees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "mm/frame_alloc.h"

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)

/* The invariants frame_alloc.h promises about its table. */
static void check_invariants(const struct frame_alloc *fa)
{
	assert_true(fa->count <= FRAME_ALLOC_MAX_RANGES);
	for (unsigned i = 0; i < fa->count; i++) {
		const struct frame_range *r = &fa->ranges[i];
		assert_true(r->size > 0);
		assert_int_equal(r->base % FRAME_SIZE, 0);
		assert_int_equal(r->size % FRAME_SIZE, 0);
		if (i > 0) {
			const struct frame_range *p = &fa->ranges[i - 1];
			/* sorted and strictly non-adjacent (merged) */
			assert_true(p->base + p->size < r->base);
		}
	}
}

static void test_add_merge(void **state)
{
	(void)state;
	struct frame_alloc fa;
	frame_alloc_init(&fa);
	assert_int_equal(frame_alloc_add(&fa, MiB(1), MiB(1)), 0);
	assert_int_equal(frame_alloc_add(&fa, MiB(3), MiB(1)), 0);
	assert_int_equal(fa.count, 2);
	/* the gap between them: merges both neighbours into one range */
	assert_int_equal(frame_alloc_add(&fa, MiB(2), MiB(1)), 0);
	assert_int_equal(fa.count, 1);
	assert_int_equal(fa.ranges[0].base, MiB(1));
	assert_int_equal(fa.ranges[0].size, MiB(3));
	assert_int_equal(fa.managed, MiB(3));

	/* unaligned edges shrink inward */
	assert_int_equal(frame_alloc_add(&fa, MiB(8) + 0x123, 0x3000), 0);
	assert_int_equal(fa.count, 2);
	assert_int_equal(fa.ranges[1].base, MiB(8) + 0x1000);
	assert_int_equal(fa.ranges[1].size, 0x2000);
	assert_int_equal(fa.managed, MiB(3) + 0x2000);

	/* less than a whole page: nothing added, not an error */
	assert_int_equal(frame_alloc_add(&fa, MiB(16) + 1, 0x1000), 0);
	assert_int_equal(frame_alloc_add(&fa, MiB(16), 0), 0);
	assert_int_equal(fa.count, 2);

	/* merge with the left neighbour only, then the right only */
	assert_int_equal(frame_alloc_add(&fa, MiB(4), 0x1000), 0);
	assert_int_equal(fa.ranges[0].size, MiB(3) + 0x1000);
	assert_int_equal(frame_alloc_add(&fa, MiB(8), 0x1000), 0);
	assert_int_equal(fa.ranges[1].base, MiB(8));
	assert_int_equal(fa.count, 2);

	/* overlaps are refused and change nothing */
	struct frame_alloc before = fa;
	assert_int_equal(frame_alloc_add(&fa, MiB(1), 0x1000), -1);
	assert_int_equal(frame_alloc_add(&fa, MiB(2), MiB(4)), -1);
	assert_int_equal(frame_alloc_add(&fa, MiB(4) - 0x1000, 0x3000), -1);
	assert_int_equal(frame_alloc_add(&fa, 0, MiB(64)), -1);
	/* base + size wraps */
	assert_int_equal(frame_alloc_add(&fa, ~0ull - 0xfff, 0x2000), -1);
	assert_memory_equal(&fa, &before, sizeof fa);
	check_invariants(&fa);
	assert_int_equal(frame_alloc_free_bytes(&fa), MiB(3) + 0x4000);
}

static void test_reserve_split(void **state)
{
	(void)state;
	struct frame_alloc fa;
	frame_alloc_init(&fa);
	assert_int_equal(frame_alloc_add(&fa, MiB(1), MiB(15)), 0);

	/* a hole in the middle, widened outward to pages */
	assert_int_equal(frame_alloc_reserve(&fa, MiB(4) + 0x10, 0x1800), 0);
	assert_int_equal(fa.count, 2);
	assert_int_equal(fa.ranges[0].base, MiB(1));
	assert_int_equal(fa.ranges[0].size, MiB(3));
	assert_int_equal(fa.ranges[1].base, MiB(4) + 0x2000);
	assert_int_equal(fa.ranges[1].base + fa.ranges[1].size, MiB(16));

	/* head and tail trims */
	assert_int_equal(frame_alloc_reserve(&fa, 0, MiB(1) + 0x1000), 0);
	assert_int_equal(fa.ranges[0].base, MiB(1) + 0x1000);
	assert_int_equal(frame_alloc_reserve(&fa, MiB(15), MiB(100)), 0);
	assert_int_equal(fa.ranges[1].base + fa.ranges[1].size, MiB(15));

	/* across both ranges: trims the first's tail and the second's head */
	assert_int_equal(frame_alloc_reserve(&fa, MiB(3), MiB(3)), 0);
	assert_int_equal(fa.count, 2);
	assert_int_equal(fa.ranges[0].base + fa.ranges[0].size, MiB(3));
	assert_int_equal(fa.ranges[1].base, MiB(6));

	/* covering a whole range removes it; memory that is not free is ignored */
	assert_int_equal(frame_alloc_reserve(&fa, MiB(6), MiB(9)), 0);
	assert_int_equal(fa.count, 1);
	assert_int_equal(frame_alloc_reserve(&fa, MiB(100), MiB(1)), 0);
	assert_int_equal(frame_alloc_reserve(&fa, MiB(2), 0), 0);
	assert_int_equal(fa.count, 1);
	/* a range running to the top of the address space */
	assert_int_equal(frame_alloc_reserve(&fa, MiB(2), ~0ull), 0);
	assert_int_equal(fa.count, 1);
	assert_int_equal(fa.ranges[0].base, MiB(1) + 0x1000);
	assert_int_equal(fa.ranges[0].size, MiB(1) - 0x1000);
	/* managed counts what was added, not what is left */
	assert_int_equal(fa.managed, MiB(15));
	check_invariants(&fa);
}

static void test_aligned_alloc(void **state)
{
	(void)state;
	struct frame_alloc fa;
	frame_alloc_init(&fa);
	/* deliberately unaligned range: [1 MiB + 4 KiB, 9 MiB + 4 KiB) */
	assert_int_equal(frame_alloc_add(&fa, MiB(1) + KiB(4), MiB(8)), 0);
	assert_int_equal(frame_alloc_largest(&fa, MiB(2)), MiB(7) + KiB(4));
	assert_int_equal(frame_alloc_largest(&fa, FRAME_SIZE), MiB(8));

	assert_int_equal(frame_alloc_alloc(&fa, MiB(2), MiB(2)), MiB(2));
	assert_int_equal(fa.count, 2);   /* split: head below 2 MiB, tail above 4 MiB */
	assert_int_equal(frame_alloc_alloc(&fa, MiB(2), MiB(2)), MiB(4));
	assert_int_equal(frame_alloc_alloc(&fa, MiB(2), MiB(2)), MiB(6));
	/* only 1 MiB + 4 KiB above 8 MiB left: no more 2 MiB blocks */
	assert_int_equal(frame_alloc_largest(&fa, MiB(2)), MiB(1) + KiB(4));
	assert_int_equal(frame_alloc_alloc(&fa, MiB(2), MiB(2)), 0);
	/* 4 KiB alignment takes the lowest address */
	assert_int_equal(frame_alloc_alloc(&fa, 1, 0), MiB(1) + KiB(4));
	/* size rounds up to a page */
	assert_int_equal(frame_alloc_alloc(&fa, 5000, FRAME_SIZE), MiB(1) + KiB(8));
	assert_int_equal(frame_alloc_free_bytes(&fa), MiB(8) - MiB(6) - KiB(12));
	/* 64 KiB alignment */
	uint64_t a = frame_alloc_alloc(&fa, KiB(64), KiB(64));
	assert_int_equal(a, MiB(1) + KiB(64));
	/* a largest() answer is always obtainable */
	uint64_t big = frame_alloc_largest(&fa, MiB(1));
	assert_int_equal(big, MiB(1) + KiB(4));
	assert_int_equal(frame_alloc_alloc(&fa, big, MiB(1)), MiB(8));
	check_invariants(&fa);
}

static void test_exhaustion(void **state)
{
	(void)state;
	struct frame_alloc fa;
	frame_alloc_init(&fa);
	assert_int_equal(frame_alloc_add(&fa, MiB(1), 16 * FRAME_SIZE), 0);
	/* bad arguments */
	assert_int_equal(frame_alloc_alloc(&fa, 0, FRAME_SIZE), 0);
	assert_int_equal(frame_alloc_alloc(&fa, FRAME_SIZE, 3 * FRAME_SIZE), 0);
	assert_int_equal(frame_alloc_alloc(&fa, ~0ull, FRAME_SIZE), 0);
	assert_int_equal(frame_alloc_alloc(&fa, 17 * FRAME_SIZE, FRAME_SIZE), 0);
	assert_int_equal(frame_alloc_largest(&fa, 3 * FRAME_SIZE), 0);

	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(frame_alloc_alloc(&fa, FRAME_SIZE, FRAME_SIZE),
				 MiB(1) + i * FRAME_SIZE);
	assert_int_equal(fa.count, 0);
	assert_int_equal(frame_alloc_alloc(&fa, FRAME_SIZE, FRAME_SIZE), 0);
	assert_int_equal(frame_alloc_free_bytes(&fa), 0);
	assert_int_equal(frame_alloc_largest(&fa, FRAME_SIZE), 0);
}

static void test_page_zero_never_returned(void **state)
{
	(void)state;
	struct frame_alloc fa;
	frame_alloc_init(&fa);
	assert_int_equal(frame_alloc_add(&fa, 0, MiB(4)), 0);
	assert_int_equal(frame_alloc_alloc(&fa, FRAME_SIZE, FRAME_SIZE), FRAME_SIZE);
	assert_int_equal(frame_alloc_alloc(&fa, MiB(2), MiB(2)), MiB(2));
	/* what is left below 2 MiB starts at 8 KiB */
	assert_int_equal(frame_alloc_largest(&fa, FRAME_SIZE), MiB(2) - KiB(8));
	/* with 2 MiB alignment only page 0's block would qualify: refused */
	assert_int_equal(frame_alloc_largest(&fa, MiB(2)), 0);
	assert_int_equal(frame_alloc_alloc(&fa, FRAME_SIZE, MiB(2)), 0);
}

static void test_free_merges_back(void **state)
{
	(void)state;
	struct frame_alloc fa;
	frame_alloc_init(&fa);
	assert_int_equal(frame_alloc_add(&fa, MiB(1), MiB(4)), 0);
	uint64_t blk[8];
	for (unsigned i = 0; i < 8; i++) {
		blk[i] = frame_alloc_alloc(&fa, KiB(64) * (i + 1), FRAME_SIZE);
		assert_true(blk[i] != 0);
	}
	/* free in an order that creates holes first, then fills them */
	static const unsigned order[8] = { 1, 5, 3, 7, 0, 6, 2, 4 };
	for (unsigned k = 0; k < 8; k++) {
		unsigned i = order[k];
		assert_int_equal(frame_alloc_free(&fa, blk[i], KiB(64) * (i + 1)), 0);
		check_invariants(&fa);
	}
	assert_int_equal(fa.count, 1);
	assert_int_equal(fa.ranges[0].base, MiB(1));
	assert_int_equal(fa.ranges[0].size, MiB(4));
	assert_int_equal(frame_alloc_free_bytes(&fa), MiB(4));
	assert_int_equal(fa.managed, MiB(4));
}

static void test_double_free(void **state)
{
	(void)state;
	struct frame_alloc fa;
	frame_alloc_init(&fa);
	assert_int_equal(frame_alloc_add(&fa, MiB(1), MiB(1)), 0);
	uint64_t a = frame_alloc_alloc(&fa, KiB(16), FRAME_SIZE);
	uint64_t b = frame_alloc_alloc(&fa, KiB(16), FRAME_SIZE);
	assert_int_equal(frame_alloc_free(&fa, a, KiB(16)), 0);
	struct frame_alloc before = fa;
	assert_int_equal(frame_alloc_free(&fa, a, KiB(16)), -1);          /* exact double free */
	assert_int_equal(frame_alloc_free(&fa, a + KiB(4), KiB(4)), -1);  /* inside a free range */
	assert_int_equal(frame_alloc_free(&fa, b, KiB(20)), -1);          /* tail runs into free */
	assert_int_equal(frame_alloc_free(&fa, a, KiB(32)), -1);          /* covers a free part */
	assert_int_equal(frame_alloc_free(&fa, b + 1, KiB(4)), -1);       /* misaligned */
	assert_int_equal(frame_alloc_free(&fa, b, 0), -1);
	assert_int_equal(frame_alloc_free(&fa, ~0ull & ~0xfffull, KiB(8)), -1); /* wraps */
	assert_memory_equal(&fa, &before, sizeof fa);
	/* the right free still works; an unaligned size rounds up like alloc did */
	assert_int_equal(frame_alloc_free(&fa, b, KiB(16) - 100), 0);
	assert_int_equal(fa.count, 1);
	assert_int_equal(frame_alloc_free_bytes(&fa), MiB(1));
}

/* Fills the table with 256 one-page ranges separated by one-page gaps. */
static void fill_table(struct frame_alloc *fa)
{
	frame_alloc_init(fa);
	for (unsigned i = 0; i < FRAME_ALLOC_MAX_RANGES; i++)
		assert_int_equal(frame_alloc_add(fa, MiB(1) + i * 2 * KiB(16), KiB(16)), 0);
	assert_int_equal(fa->count, FRAME_ALLOC_MAX_RANGES);
}

static void test_table_full(void **state)
{
	(void)state;
	struct frame_alloc fa, before;
	fill_table(&fa);
	before = fa;
	uint64_t past = MiB(1) + FRAME_ALLOC_MAX_RANGES * 2 * KiB(16);

	/* a new, non-adjacent range has no slot */
	assert_int_equal(frame_alloc_add(&fa, past + MiB(1), KiB(4)), -1);
	/* a hole in the middle of a range would need a slot */
	assert_int_equal(frame_alloc_reserve(&fa, MiB(1) + KiB(4), KiB(4)), -1);
	/* freeing a page inside a gap that touches neither neighbour */
	assert_int_equal(frame_alloc_free(&fa, MiB(1) + KiB(20), KiB(4)), -1);
	assert_memory_equal(&fa, &before, sizeof fa);

	/* adjacent additions merge and so need no slot */
	assert_int_equal(frame_alloc_add(&fa, past - KiB(16), KiB(4)), 0);
	assert_int_equal(fa.count, FRAME_ALLOC_MAX_RANGES);
	/* trimming an edge needs no slot */
	assert_int_equal(frame_alloc_reserve(&fa, MiB(1), KiB(4)), 0);
	assert_int_equal(fa.ranges[0].base, MiB(1) + KiB(4));

	/* a 4 KiB alloc aligned to 8 KiB inside [1M+4K, 1M+16K) would split that range;
	 * with no slot it must take a block that leaves no head (1M+8K is aligned: head 4K, tail 4K
	 * -> split; next range starts at 1M+32K, aligned: no head) */
	uint64_t a = frame_alloc_alloc(&fa, KiB(4), KiB(8));
	assert_int_equal(a, MiB(1) + KiB(32));
	check_invariants(&fa);

	/* filling a gap completely merges two ranges and frees a slot */
	assert_int_equal(frame_alloc_free(&fa, MiB(1) + KiB(48), KiB(16)), 0);
	assert_int_equal(fa.count, FRAME_ALLOC_MAX_RANGES - 1);
	assert_int_equal(frame_alloc_alloc(&fa, KiB(4), KiB(8)), MiB(1) + KiB(8));
	assert_int_equal(fa.count, FRAME_ALLOC_MAX_RANGES);
	check_invariants(&fa);
}

/* ---- randomized cross-check against a page bitmap ---- */

#define MODEL_PAGES 16384u                   /* 64 MiB of address space from 0 */
enum { PG_UNMANAGED, PG_FREE, PG_USED };

struct model {
	unsigned char pg[MODEL_PAGES];
	uint64_t free_pages;
};

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	/* xorshift64*: fixed seed, so the run is reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* The lowest page-aligned address the allocator should pick, 0 if none (page 0 excluded). */
static uint64_t model_lowest(const struct model *m, unsigned pages, uint64_t align)
{
	unsigned step = (unsigned)(align / FRAME_SIZE);
	for (unsigned p = step; p + pages <= MODEL_PAGES; p += step) {
		unsigned k = 0;
		while (k < pages && m->pg[p + k] == PG_FREE)
			k++;
		if (k == pages)
			return (uint64_t)p * FRAME_SIZE;
	}
	return 0;
}

struct live { uint64_t base; unsigned pages; };

static void test_random_stress(void **state)
{
	(void)state;
	static struct model m;
	static struct frame_alloc fa;
	static struct live live[4096];
	unsigned nlive = 0;
	memset(&m, 0, sizeof m);
	frame_alloc_init(&fa);

	/* managed memory: ranges of random length with random gaps, page 0 never added */
	unsigned p = 1;
	while (p < MODEL_PAGES) {
		unsigned len = 1 + (unsigned)(rnd() % 600);
		unsigned gap = 1 + (unsigned)(rnd() % 40);
		if (p + len > MODEL_PAGES)
			len = MODEL_PAGES - p;
		assert_int_equal(frame_alloc_add(&fa, (uint64_t)p * FRAME_SIZE,
						 (uint64_t)len * FRAME_SIZE), 0);
		for (unsigned k = 0; k < len; k++)
			m.pg[p + k] = PG_FREE;
		m.free_pages += len;
		p += len + gap;
	}
	/* a few reservations punched in */
	for (unsigned i = 0; i < 20; i++) {
		unsigned at = (unsigned)(rnd() % MODEL_PAGES), len = 1 + (unsigned)(rnd() % 30);
		if (at + len > MODEL_PAGES)
			len = MODEL_PAGES - at;
		assert_int_equal(frame_alloc_reserve(&fa, (uint64_t)at * FRAME_SIZE,
						     (uint64_t)len * FRAME_SIZE), 0);
		for (unsigned k = 0; k < len; k++) {
			if (m.pg[at + k] == PG_FREE) {
				m.pg[at + k] = PG_UNMANAGED;
				m.free_pages--;
			}
		}
	}
	assert_int_equal(frame_alloc_free_bytes(&fa), m.free_pages * FRAME_SIZE);

	unsigned allocs = 0, fails = 0, frees = 0, full_events = 0;
	for (unsigned iter = 0; iter < 20000; iter++) {
		/* Few live blocks for most of the run keep the table below its limit so every
		 * allocation can be checked to be exactly the lowest fit; the last stretch lets
		 * fragmentation grow until the table fills. */
		unsigned cap = iter < 16000 ? 200 : 4096;
		uint64_t op = rnd() % 100;
		if (op < 55 && nlive < cap) {
			unsigned pages = 1 + (unsigned)(rnd() % ((rnd() & 7) ? 16 : (iter < 16000 ? 3000 : 64)));
			uint64_t align = FRAME_SIZE << (rnd() % 8);   /* 4 KiB .. 512 KiB */
			uint64_t want = model_lowest(&m, pages, align);
			int was_full = fa.count == FRAME_ALLOC_MAX_RANGES;
			uint64_t got = frame_alloc_alloc(&fa, (uint64_t)pages * FRAME_SIZE, align);
			if (!was_full) {
				/* the lowest fitting block, exactly as the model finds it */
				assert_int_equal(got, want);
			} else {
				/* With a full table the allocator may skip blocks that would
				 * split a range, but what it returns must not have split one. */
				full_events++;
				assert_true(fa.count <= FRAME_ALLOC_MAX_RANGES);
				if (got != 0)
					assert_true(got >= want);
			}
			if (got == 0) {
				fails++;
				continue;
			}
			assert_int_equal(got % align, 0);
			unsigned first = (unsigned)(got / FRAME_SIZE);
			for (unsigned k = 0; k < pages; k++) {
				assert_int_equal(m.pg[first + k], PG_FREE);   /* never handed out twice */
				m.pg[first + k] = PG_USED;
			}
			m.free_pages -= pages;
			live[nlive].base = got;
			live[nlive++].pages = pages;
			allocs++;
		} else if (op < 95 && nlive > 0) {
			unsigned i = (unsigned)(rnd() % nlive);
			struct live l = live[i];
			/* sometimes free only part of the block, keeping the rest live */
			unsigned part = l.pages;
			if (l.pages > 1 && (rnd() & 3) == 0)
				part = 1 + (unsigned)(rnd() % (l.pages - 1));
			if (fa.count == FRAME_ALLOC_MAX_RANGES) {
				/* a free that would need a new slot fails and changes nothing */
				struct frame_alloc snap = fa;
				if (frame_alloc_free(&fa, l.base, (uint64_t)part * FRAME_SIZE) != 0) {
					assert_memory_equal(&fa, &snap, sizeof fa);
					full_events++;
					continue;
				}
			} else {
				assert_int_equal(frame_alloc_free(&fa, l.base,
								  (uint64_t)part * FRAME_SIZE), 0);
			}
			live[i] = live[--nlive];
			if (part < l.pages) {
				live[nlive].base = l.base + (uint64_t)part * FRAME_SIZE;
				live[nlive++].pages = l.pages - part;
			}
			unsigned first = (unsigned)(l.base / FRAME_SIZE);
			for (unsigned k = 0; k < part; k++) {
				assert_int_equal(m.pg[first + k], PG_USED);
				m.pg[first + k] = PG_FREE;
			}
			m.free_pages += part;
			frees++;
			/* and freeing the same block again is refused */
			if ((rnd() & 7) == 0) {
				struct frame_alloc snap = fa;
				assert_int_equal(frame_alloc_free(&fa, l.base,
								  (uint64_t)part * FRAME_SIZE), -1);
				assert_memory_equal(&fa, &snap, sizeof fa);
			}
		} else {
			/* largest() agrees with the model's longest aligned free run */
			uint64_t align = FRAME_SIZE << (rnd() % 10);
			unsigned step = (unsigned)(align / FRAME_SIZE), best = 0;
			for (unsigned s = 0; s < MODEL_PAGES; s++) {
				if (m.pg[s] != PG_FREE || (s > 0 && m.pg[s - 1] == PG_FREE))
					continue;
				unsigned e = s;
				while (e < MODEL_PAGES && m.pg[e] == PG_FREE)
					e++;
				unsigned a = (s + step - 1) / step * step;
				if (a == 0)
					a = step;
				if (a < e && e - a > best)
					best = e - a;
			}
			assert_int_equal(frame_alloc_largest(&fa, align), (uint64_t)best * FRAME_SIZE);
		}
		assert_int_equal(frame_alloc_free_bytes(&fa), m.free_pages * FRAME_SIZE);
		if ((iter & 255) == 0)
			check_invariants(&fa);
	}
	/* both paths were exercised */
	assert_true(allocs > 1000);
	assert_true(frees > 1000);
	assert_true(fails > 0);

	assert_true(full_events > 0);   /* the full-table paths were exercised too */

	/* Give everything back. A free that needs a new slot while the table is full is refused,
	 * so go round in passes: each pass must free something (a block next to free memory
	 * merges and needs no slot). Afterwards the free set is exactly the managed-minus-reserved
	 * set again. */
	while (nlive > 0) {
		unsigned progress = 0;
		for (unsigned i = 0; i < nlive;) {
			if (frame_alloc_free(&fa, live[i].base,
					     (uint64_t)live[i].pages * FRAME_SIZE) != 0) {
				assert_int_equal(fa.count, FRAME_ALLOC_MAX_RANGES);
				i++;
				continue;
			}
			unsigned first = (unsigned)(live[i].base / FRAME_SIZE);
			for (unsigned k = 0; k < live[i].pages; k++)
				m.pg[first + k] = PG_FREE;
			m.free_pages += live[i].pages;
			live[i] = live[--nlive];
			progress++;
		}
		assert_true(progress > 0);
	}
	check_invariants(&fa);
	for (unsigned i = 0; i < fa.count; i++) {
		for (uint64_t a = fa.ranges[i].base; a < fa.ranges[i].base + fa.ranges[i].size;
		     a += FRAME_SIZE)
			assert_int_equal(m.pg[a / FRAME_SIZE], PG_FREE);
	}
	assert_int_equal(frame_alloc_free_bytes(&fa), m.free_pages * FRAME_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_merge),
		cmocka_unit_test(test_reserve_split),
		cmocka_unit_test(test_aligned_alloc),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_page_zero_never_returned),
		cmocka_unit_test(test_free_merges_back),
		cmocka_unit_test(test_double_free),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_random_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
