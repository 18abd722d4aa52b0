/*
 * Unit tests for mm/memmap.c. Besides hand-written firmware-style maps, normalize and
 * set_type are checked on random small maps against a page-by-page model (each page's winning
 * type), and memmap_seed is checked by draining the seeded allocator and verifying every block
 * lies in usable memory above the limit.
 *
 * memmap_seed calls frame_alloc_add, but the Makefile builds this test from memmap.c alone, so
 * the real allocator is compiled in here by including its source.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "mm/memmap.h"
#include "mm/frame_alloc.h"

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

static struct mem_region R(uint64_t base, uint64_t size, uint32_t type)
{
	struct mem_region r = { base, size, type, 0 };
	return r;
}

/* Sorted, non-empty, disjoint, and touching neighbours differ in type. */
static void check_normalized(const struct mem_region *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		assert_true(m[i].size > 0);
		if (i == 0)
			continue;
		uint64_t pend = m[i - 1].base + m[i - 1].size;
		assert_true(pend <= m[i].base);
		if (pend == m[i].base)
			assert_int_not_equal(m[i - 1].type, m[i].type);
	}
}

static void expect_region(const struct mem_region *r, uint64_t base, uint64_t size,
			  uint32_t type)
{
	assert_int_equal(r->base, base);
	assert_int_equal(r->size, size);
	assert_int_equal(r->type, type);
}

static void test_totals(void **state)
{
	(void)state;
	struct mem_region m[] = {
		R(0, KiB(640), MEM_USABLE),
		R(KiB(640), KiB(384), MEM_RESERVED),
		R(MiB(1), MiB(1023), MEM_USABLE),
		R(GiB(1), MiB(64), MEM_HYPERVISOR),
		R(GiB(1) + MiB(64), MiB(8), MEM_MODULE),
		R(GiB(1) + MiB(72), MiB(1), MEM_ACPI_RECLAIM),
		R(GiB(1) + MiB(73), MiB(1), MEM_ACPI_NVS),
		R(GiB(1) + MiB(74), MiB(2), MEM_RUNTIME_CODE),
		R(GiB(1) + MiB(76), MiB(3), MEM_RUNTIME_DATA),
		R(GiB(1) + MiB(79), MiB(1), MEM_UNUSABLE),
		R(GiB(1) + MiB(80), MiB(944), MEM_USABLE),
		R(0xfec00000, KiB(4), MEM_MMIO),
		R(0xfee00000, KiB(4), MEM_MMIO),
		R(0xffc00000, MiB(4), MEM_RESERVED),
		R(GiB(4), GiB(2), MEM_USABLE),
		R(GiB(6), MiB(1), 42),          /* unknown type */
		R(GiB(64), MiB(16), MEM_MMIO),  /* a 64-bit BAR: top of map, not of RAM */
	};
	struct memmap_totals t;
	memset(&t, 0xa5, sizeof t);
	memmap_totals(m, sizeof m / sizeof m[0], &t);
	assert_int_equal(t.usable, KiB(640) + MiB(1023) + MiB(944) + GiB(2));
	assert_int_equal(t.hypervisor, MiB(64));
	assert_int_equal(t.modules, MiB(8));
	assert_int_equal(t.acpi, MiB(2));
	assert_int_equal(t.runtime, MiB(5));
	assert_int_equal(t.reserved, KiB(384) + MiB(1) + MiB(4) + MiB(1));
	assert_int_equal(t.mmio, KiB(8) + MiB(16));
	assert_int_equal(t.ram_total, t.usable + t.hypervisor + t.modules + t.acpi + t.runtime);
	assert_int_equal(t.top_of_ram, GiB(6));
	assert_int_equal(t.top_of_map, GiB(64) + MiB(16));

	memmap_totals(m, 0, &t);
	assert_int_equal(t.ram_total, 0);
	assert_int_equal(t.top_of_map, 0);
	assert_int_equal(t.top_of_ram, 0);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(mem_type_name(MEM_USABLE), "usable");
	assert_string_equal(mem_type_name(MEM_RESERVED), "reserved");
	assert_string_equal(mem_type_name(MEM_ACPI_RECLAIM), "ACPI");
	assert_string_equal(mem_type_name(MEM_ACPI_NVS), "ACPI NVS");
	assert_string_equal(mem_type_name(MEM_RUNTIME_CODE), "runtime code");
	assert_string_equal(mem_type_name(MEM_RUNTIME_DATA), "runtime data");
	assert_string_equal(mem_type_name(MEM_MMIO), "MMIO");
	assert_string_equal(mem_type_name(MEM_UNUSABLE), "unusable");
	assert_string_equal(mem_type_name(MEM_HYPERVISOR), "hypervisor");
	assert_string_equal(mem_type_name(MEM_MODULE), "module");
	assert_string_equal(mem_type_name(0), "unknown");
	assert_string_equal(mem_type_name(99), "unknown");
}

static void test_normalize_merges(void **state)
{
	(void)state;
	struct mem_region m[16] = {
		R(MiB(8), MiB(8), MEM_USABLE),
		R(0, KiB(640), MEM_USABLE),
		R(MiB(1), MiB(3), MEM_USABLE),
		R(MiB(4), MiB(4), MEM_USABLE),          /* touches both neighbours */
		R(MiB(5), 0, MEM_RESERVED),             /* empty: dropped */
		R(MiB(12), MiB(8), MEM_USABLE),         /* overlaps, same type */
		R(MiB(14), MiB(1), MEM_USABLE),         /* contained, same type */
		R(KiB(640), KiB(384), MEM_RESERVED),
	};
	unsigned n = 8;
	assert_int_equal(memmap_normalize(m, &n, 16), 0);
	check_normalized(m, n);
	assert_int_equal(n, 3);
	expect_region(&m[0], 0, KiB(640), MEM_USABLE);
	expect_region(&m[1], KiB(640), KiB(384), MEM_RESERVED);
	expect_region(&m[2], MiB(1), MiB(19), MEM_USABLE);

	/* an already normalized map is left as it is */
	struct mem_region copy[16];
	memcpy(copy, m, sizeof m);
	assert_int_equal(memmap_normalize(m, &n, 16), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(m, copy, 3 * sizeof m[0]);

	/* n > max is refused */
	assert_int_equal(memmap_normalize(m, &n, 2), -1);
	/* a size running past the top of the address space is clamped */
	struct mem_region top[2] = { R(GiB(1), ~0ull, MEM_RESERVED) };
	n = 1;
	assert_int_equal(memmap_normalize(top, &n, 2), 0);
	assert_int_equal(top[0].base + top[0].size, ~0ull);
}

static void test_normalize_precedence(void **state)
{
	(void)state;
	/* reserved inside usable: usable splits around it */
	struct mem_region m[16] = {
		R(0, MiB(16), MEM_USABLE),
		R(MiB(4), MiB(4), MEM_RESERVED),
	};
	unsigned n = 2;
	assert_int_equal(memmap_normalize(m, &n, 16), 0);
	assert_int_equal(n, 3);
	expect_region(&m[0], 0, MiB(4), MEM_USABLE);
	expect_region(&m[1], MiB(4), MiB(4), MEM_RESERVED);
	expect_region(&m[2], MiB(8), MiB(8), MEM_USABLE);

	/* usable inside reserved: swallowed; order in the input does not matter */
	m[0] = R(MiB(4), MiB(4), MEM_USABLE);
	m[1] = R(0, MiB(16), MEM_RESERVED);
	n = 2;
	assert_int_equal(memmap_normalize(m, &n, 16), 0);
	assert_int_equal(n, 1);
	expect_region(&m[0], 0, MiB(16), MEM_RESERVED);

	/* same base: the more restrictive wins the overlap, the rest survives */
	m[0] = R(0, MiB(8), MEM_ACPI_NVS);
	m[1] = R(0, MiB(2), MEM_RUNTIME_CODE);
	m[2] = R(MiB(6), MiB(4), MEM_UNUSABLE);
	m[3] = R(MiB(9), MiB(4), MEM_MMIO);
	m[4] = R(MiB(12), MiB(4), MEM_USABLE);
	n = 5;
	assert_int_equal(memmap_normalize(m, &n, 16), 0);
	check_normalized(m, n);
	assert_int_equal(n, 4);
	expect_region(&m[0], 0, MiB(6), MEM_ACPI_NVS);
	expect_region(&m[1], MiB(6), MiB(4), MEM_UNUSABLE);
	expect_region(&m[2], MiB(10), MiB(3), MEM_MMIO);
	expect_region(&m[3], MiB(13), MiB(3), MEM_USABLE);

	/* one long usable region crossed by several others */
	m[0] = R(0, MiB(100), MEM_USABLE);
	m[1] = R(MiB(10), MiB(1), MEM_ACPI_RECLAIM);
	m[2] = R(MiB(20), MiB(1), MEM_HYPERVISOR);
	m[3] = R(MiB(30), MiB(1), MEM_MODULE);
	m[4] = R(MiB(99), MiB(2), MEM_RUNTIME_DATA);
	n = 5;
	assert_int_equal(memmap_normalize(m, &n, 16), 0);
	check_normalized(m, n);
	assert_int_equal(n, 8);
	expect_region(&m[6], MiB(31), MiB(68), MEM_USABLE);
	expect_region(&m[7], MiB(99), MiB(2), MEM_RUNTIME_DATA);

	/* the split needs a slot that is not there */
	m[0] = R(0, MiB(16), MEM_USABLE);
	m[1] = R(MiB(4), MiB(4), MEM_RESERVED);
	n = 2;
	assert_int_equal(memmap_normalize(m, &n, 2), -1);
	assert_true(n <= 2);
}

/* ---- model-based checks on random maps: 64 pages, each page's type computed directly ---- */

#define UNIT   KiB(4)
#define UNITS  64u

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const uint32_t all_types[] = {
	MEM_USABLE, MEM_RESERVED, MEM_ACPI_RECLAIM, MEM_ACPI_NVS, MEM_RUNTIME_CODE,
	MEM_RUNTIME_DATA, MEM_MMIO, MEM_UNUSABLE, MEM_HYPERVISOR, MEM_MODULE, 77,
};
#define NTYPES (sizeof all_types / sizeof all_types[0])

/* The precedence memmap.h documents, restated independently as a list, weakest first. */
static unsigned model_rank(uint32_t t)
{
	static const uint32_t order[] = {
		MEM_USABLE, MEM_ACPI_RECLAIM, MEM_MODULE, MEM_HYPERVISOR, MEM_RUNTIME_DATA,
		MEM_RUNTIME_CODE, MEM_ACPI_NVS, MEM_MMIO, MEM_RESERVED, 77, MEM_UNUSABLE,
	};
	for (unsigned i = 0; i < sizeof order / sizeof order[0]; i++)
		if (order[i] == t)
			return i;
	fail();
	return 0;
}

/* page -> type (0 = not in the map) */
static void model_of(const struct mem_region *m, unsigned n, uint32_t out[UNITS])
{
	memset(out, 0, UNITS * sizeof out[0]);
	for (unsigned i = 0; i < n; i++) {
		for (uint64_t u = m[i].base / UNIT; u < (m[i].base + m[i].size) / UNIT; u++) {
			if (out[u] == 0 || model_rank(m[i].type) > model_rank(out[u]))
				out[u] = m[i].type;
		}
	}
}

static void random_map(struct mem_region *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned a = (unsigned)(rnd() % UNITS), b = (unsigned)(rnd() % UNITS);
		if (a > b) {
			unsigned t = a;
			a = b;
			b = t;
		}
		if ((rnd() & 3) == 0)
			b = a + (unsigned)(rnd() % 3);     /* short and empty regions too */
		if (b > UNITS)
			b = UNITS;
		/* bias towards usable, as in real maps */
		uint32_t type = (rnd() & 1) ? MEM_USABLE : all_types[rnd() % NTYPES];
		m[i] = R((uint64_t)a * UNIT, (uint64_t)(b - a) * UNIT, type);
	}
}

static void test_normalize_random(void **state)
{
	(void)state;
	for (unsigned iter = 0; iter < 3000; iter++) {
		struct mem_region m[80];
		unsigned n = 1 + (unsigned)(rnd() % 12);
		uint32_t want[UNITS], got[UNITS];
		random_map(m, n);
		model_of(m, n, want);
		assert_int_equal(memmap_normalize(m, &n, 80), 0);
		check_normalized(m, n);
		model_of(m, n, got);
		assert_memory_equal(got, want, sizeof want);
	}
}

static void test_set_type(void **state)
{
	(void)state;
	struct mem_region m[16] = {
		R(0, MiB(16), MEM_USABLE),
		R(MiB(32), MiB(16), MEM_USABLE),
	};
	unsigned n = 2;

	/* in the middle: splits into three */
	assert_int_equal(memmap_set_type(m, &n, 16, MiB(4), MiB(2), MEM_HYPERVISOR), 0);
	assert_int_equal(n, 4);
	expect_region(&m[0], 0, MiB(4), MEM_USABLE);
	expect_region(&m[1], MiB(4), MiB(2), MEM_HYPERVISOR);
	expect_region(&m[2], MiB(6), MiB(10), MEM_USABLE);

	/* at the left edge of a region: no head piece */
	assert_int_equal(memmap_set_type(m, &n, 16, MiB(6), MiB(1), MEM_MODULE), 0);
	assert_int_equal(n, 5);
	expect_region(&m[2], MiB(6), MiB(1), MEM_MODULE);
	expect_region(&m[3], MiB(7), MiB(9), MEM_USABLE);

	/* at the right edge of the map's last region */
	assert_int_equal(memmap_set_type(m, &n, 16, MiB(47), MiB(1), MEM_ACPI_RECLAIM), 0);
	assert_int_equal(n, 6);
	expect_region(&m[4], MiB(32), MiB(15), MEM_USABLE);
	expect_region(&m[5], MiB(47), MiB(1), MEM_ACPI_RECLAIM);

	/* next to a region of the same type: merges with it */
	assert_int_equal(memmap_set_type(m, &n, 16, MiB(7), MiB(1), MEM_MODULE), 0);
	assert_int_equal(n, 6);
	expect_region(&m[2], MiB(6), MiB(2), MEM_MODULE);
	expect_region(&m[3], MiB(8), MiB(8), MEM_USABLE);

	/* across several regions and the hole between them */
	assert_int_equal(memmap_set_type(m, &n, 16, MiB(5), MiB(30), MEM_RESERVED), 0);
	check_normalized(m, n);
	assert_int_equal(n, 5);
	expect_region(&m[0], 0, MiB(4), MEM_USABLE);
	expect_region(&m[1], MiB(4), MiB(1), MEM_HYPERVISOR);
	expect_region(&m[2], MiB(5), MiB(30), MEM_RESERVED);
	expect_region(&m[3], MiB(35), MiB(12), MEM_USABLE);

	/* the same type over part of a region: nothing changes */
	struct mem_region copy[16];
	memcpy(copy, m, sizeof m);
	assert_int_equal(memmap_set_type(m, &n, 16, MiB(36), MiB(2), MEM_USABLE), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(m, copy, 5 * sizeof m[0]);

	/* back to usable: merges with both neighbours */
	assert_int_equal(memmap_set_type(m, &n, 16, MiB(4), MiB(31), MEM_USABLE), 0);
	assert_int_equal(n, 2);
	expect_region(&m[0], 0, MiB(47), MEM_USABLE);
	expect_region(&m[1], MiB(47), MiB(1), MEM_ACPI_RECLAIM);

	/* beyond everything, in an empty map, and size 0 */
	assert_int_equal(memmap_set_type(m, &n, 16, GiB(4), MiB(1), MEM_MMIO), 0);
	expect_region(&m[2], GiB(4), MiB(1), MEM_MMIO);
	unsigned zero = 0;
	assert_int_equal(memmap_set_type(m + 8, &zero, 8, MiB(1), MiB(1), MEM_MODULE), 0);
	assert_int_equal(zero, 1);
	expect_region(&m[8], MiB(1), MiB(1), MEM_MODULE);
	assert_int_equal(memmap_set_type(m, &n, 16, MiB(1), 0, MEM_MODULE), 0);
	assert_int_equal(n, 3);
}

static void test_set_type_capacity(void **state)
{
	(void)state;
	struct mem_region m[4] = {
		R(0, MiB(16), MEM_USABLE),
		R(MiB(16), MiB(16), MEM_RESERVED),
	};
	unsigned n = 2;
	/* a split needs two more entries: 4 fits, 3 does not */
	struct mem_region copy[4];
	memcpy(copy, m, sizeof m);
	assert_int_equal(memmap_set_type(m, &n, 3, MiB(4), MiB(1), MEM_MODULE), -1);
	assert_int_equal(n, 2);
	assert_memory_equal(m, copy, 2 * sizeof m[0]);
	/* at a full table, an overlay that merges into a neighbour still works */
	assert_int_equal(memmap_set_type(m, &n, 2, MiB(12), MiB(8), MEM_RESERVED), 0);
	assert_int_equal(n, 2);
	expect_region(&m[1], MiB(12), MiB(20), MEM_RESERVED);
	/* and one that replaces a region exactly */
	assert_int_equal(memmap_set_type(m, &n, 2, 0, MiB(12), MEM_HYPERVISOR), 0);
	assert_int_equal(n, 2);
	expect_region(&m[0], 0, MiB(12), MEM_HYPERVISOR);
	assert_int_equal(memmap_set_type(m, &n, 4, MiB(4), MiB(1), MEM_MODULE), 0);
	assert_int_equal(n, 4);
}

static void test_set_type_random(void **state)
{
	(void)state;
	for (unsigned iter = 0; iter < 3000; iter++) {
		struct mem_region m[80];
		unsigned n = (unsigned)(rnd() % 10);
		uint32_t want[UNITS], got[UNITS];
		random_map(m, n);
		assert_int_equal(memmap_normalize(m, &n, 80), 0);
		for (unsigned k = 0; k < 4; k++) {
			unsigned a = (unsigned)(rnd() % UNITS);
			unsigned len = (unsigned)(rnd() % (UNITS - a + 1));
			uint32_t type = all_types[rnd() % NTYPES];
			model_of(m, n, want);
			for (unsigned u = a; u < a + len; u++)
				want[u] = type;    /* an overlay wins regardless of rank */
			assert_int_equal(memmap_set_type(m, &n, 80, (uint64_t)a * UNIT,
							 (uint64_t)len * UNIT, type), 0);
			check_normalized(m, n);
			model_of(m, n, got);
			assert_memory_equal(got, want, sizeof want);
		}
	}
}

/* A firmware-like map with the loader's carve-outs, deliberately unaligned in places. */
static unsigned sample_map(struct mem_region *m, unsigned max)
{
	unsigned n = 0;
	m[n++] = R(0, KiB(636), MEM_USABLE);
	m[n++] = R(KiB(636), KiB(388), MEM_RESERVED);
	m[n++] = R(MiB(1), MiB(511), MEM_USABLE);
	m[n++] = R(MiB(512), MiB(2) + 0x800, MEM_USABLE);      /* ends mid-page */
	m[n++] = R(MiB(514) + 0x800, MiB(1) - 0x800, MEM_ACPI_RECLAIM);
	m[n++] = R(MiB(515), MiB(13), MEM_USABLE);
	m[n++] = R(MiB(528), KiB(64), MEM_ACPI_NVS);
	m[n++] = R(MiB(528) + KiB(64), MiB(100), MEM_USABLE);
	m[n++] = R(0xfee00000, KiB(4), MEM_MMIO);
	m[n++] = R(GiB(4), GiB(1), MEM_USABLE);
	assert_int_equal(memmap_normalize(m, &n, max), 0);
	assert_int_equal(memmap_set_type(m, &n, max, MiB(64), MiB(64), MEM_HYPERVISOR), 0);
	assert_int_equal(memmap_set_type(m, &n, max, MiB(200), MiB(3) + 123, MEM_MODULE), 0);
	assert_int_equal(memmap_set_type(m, &n, max, MiB(300), MiB(2), MEM_RUNTIME_CODE), 0);
	assert_int_equal(memmap_set_type(m, &n, max, MiB(302), MiB(1), MEM_RUNTIME_DATA), 0);
	assert_int_equal(memmap_set_type(m, &n, max, GiB(4) + MiB(7), KiB(8), MEM_UNUSABLE), 0);
	return n;
}

/* Whether [a, a+size) lies entirely inside one usable region at or above limit. */
static int in_usable(const struct mem_region *m, unsigned n, uint64_t a, uint64_t size,
		     uint64_t limit)
{
	if (a < limit)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (m[i].type == MEM_USABLE && a >= m[i].base &&
		    a + size <= m[i].base + m[i].size)
			return 1;
	return 0;
}

static void test_seed(void **state)
{
	(void)state;
	struct mem_region m[64];
	unsigned n = sample_map(m, 64);
	static struct frame_alloc fa;
	frame_alloc_init(&fa);
	assert_int_equal(memmap_seed(m, n, &fa, MiB(1)), 0);

	/* expected: usable above 1 MiB, shrunk to whole pages */
	uint64_t expect = 0;
	for (unsigned i = 0; i < n; i++) {
		if (m[i].type != MEM_USABLE || m[i].base + m[i].size <= MiB(1))
			continue;
		uint64_t s = m[i].base < MiB(1) ? MiB(1) : m[i].base;
		uint64_t e = m[i].base + m[i].size;
		s = (s + 0xfff) & ~0xfffull;
		e &= ~0xfffull;
		if (e > s)
			expect += e - s;
	}
	assert_int_equal(frame_alloc_free_bytes(&fa), expect);
	assert_int_equal(fa.managed, expect);
	/* carve-outs and the mid-page usable end are not free */
	assert_true(fa.ranges[0].base >= MiB(1));

	/* drain in 2 MiB-aligned blocks, then pages; everything lands in usable memory */
	uint64_t got = 0, a;
	while ((a = frame_alloc_alloc(&fa, MiB(2), MiB(2))) != 0) {
		assert_true(in_usable(m, n, a, MiB(2), MiB(1)));
		got += MiB(2);
	}
	while ((a = frame_alloc_alloc(&fa, KiB(4), KiB(4))) != 0) {
		assert_true(in_usable(m, n, a, KiB(4), MiB(1)));
		got += KiB(4);
	}
	assert_int_equal(got, expect);
	assert_int_equal(frame_alloc_free_bytes(&fa), 0);

	/* a higher limit cuts a region in the middle */
	frame_alloc_init(&fa);
	assert_int_equal(memmap_seed(m, n, &fa, MiB(600)), 0);
	assert_int_equal(fa.ranges[0].base, MiB(600));
	while ((a = frame_alloc_alloc(&fa, KiB(4), KiB(4))) != 0)
		assert_true(in_usable(m, n, a, KiB(4), MiB(600)));

	/* limit 0 includes low memory (but page 0 is still never returned) */
	frame_alloc_init(&fa);
	assert_int_equal(memmap_seed(m, n, &fa, 0), 0);
	assert_int_equal(fa.ranges[0].base, 0);
	assert_int_equal(frame_alloc_alloc(&fa, KiB(4), KiB(4)), KiB(4));
}

static void test_seed_errors(void **state)
{
	(void)state;
	static struct frame_alloc fa;
	/* an unnormalized map with overlapping usable regions: frame_alloc refuses */
	struct mem_region bad[2] = { R(MiB(1), MiB(4), MEM_USABLE), R(MiB(2), MiB(4), MEM_USABLE) };
	frame_alloc_init(&fa);
	assert_int_equal(memmap_seed(bad, 2, &fa, MiB(1)), -1);
	/* more usable fragments than allocator slots */
	static struct mem_region many[FRAME_ALLOC_MAX_RANGES + 1];
	for (unsigned i = 0; i <= FRAME_ALLOC_MAX_RANGES; i++)
		many[i] = R(MiB(1) + i * KiB(8), KiB(4), MEM_USABLE);
	frame_alloc_init(&fa);
	assert_int_equal(memmap_seed(many, FRAME_ALLOC_MAX_RANGES, &fa, MiB(1)), 0);
	frame_alloc_init(&fa);
	assert_int_equal(memmap_seed(many, FRAME_ALLOC_MAX_RANGES + 1, &fa, MiB(1)), -1);
	/* nothing usable: nothing added, no error */
	struct mem_region none[1] = { R(MiB(1), MiB(4), MEM_HYPERVISOR) };
	frame_alloc_init(&fa);
	assert_int_equal(memmap_seed(none, 1, &fa, 0), 0);
	assert_int_equal(fa.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_normalize_merges),
		cmocka_unit_test(test_normalize_precedence),
		cmocka_unit_test(test_normalize_random),
		cmocka_unit_test(test_set_type),
		cmocka_unit_test(test_set_type_capacity),
		cmocka_unit_test(test_set_type_random),
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_seed_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
