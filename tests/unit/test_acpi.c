/*
 * Unit tests for drivers/acpi.c. Each test builds synthetic firmware tables in host memory
 * (whose addresses stand in for physical ones) byte by byte at the offsets the ACPI
 * specification gives, independently of the structs in acpi.c, and fixes up checksums. Tables
 * are allocated at their exact size so ASan catches any read past a checked length. The
 * RSDT path needs 32-bit addresses, so those tables come from a MAP_32BIT mapping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "drivers/acpi.h"

/* ---- byte-level builders ---- */

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Sets the byte at `at` so that p[0..n) sums to zero. */
static void fix_checksum(uint8_t *p, size_t n, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0x100 - sum(p, n));
}

static uint64_t addr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Everything allocated by a test, freed at teardown. */
#define MAX_ALLOCS 64
static void *allocs[MAX_ALLOCS];
static unsigned nallocs;

static uint8_t *zalloc(size_t n)
{
	uint8_t *p = calloc(1, n);
	assert_non_null(p);
	assert_true(nallocs < MAX_ALLOCS);
	allocs[nallocs++] = p;
	return p;
}

/* Memory below 4 GiB for RSDT-era tables: a bump allocator in a MAP_32BIT mapping. */
static uint8_t *low_arena;
static size_t low_used;
#define LOW_ARENA_SIZE (1u << 20)

static uint8_t *low_alloc(size_t n)
{
	if (!low_arena) {
		void *p = mmap(NULL, LOW_ARENA_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		assert_true(p != MAP_FAILED);
		low_arena = p;
	}
	assert_true(low_used + n <= LOW_ARENA_SIZE);
	uint8_t *p = low_arena + low_used;
	memset(p, 0, n);
	low_used += (n + 15) & ~(size_t)15;
	assert_true(addr(p) + n < (1ull << 32));
	return p;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < nallocs; i++)
		free(allocs[i]);
	nallocs = 0;
	low_used = 0;
	return 0;
}

/* 5.2.6 header: signature 0, length 4, revision 8, checksum 9, OEM fields 10..35. */
static void sdt_header(uint8_t *t, const char sig[4], uint32_t len)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 1;
	memcpy(t + 10, "BLKHD ", 6);
	memcpy(t + 16, "TESTTBL ", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "UNIT", 4);
	put32(t + 32, 1);
}

static void sdt_finish(uint8_t *t)
{
	uint32_t len;
	memcpy(&len, t + 4, 4);
	fix_checksum(t, len, 9);
}

static uint8_t *make_table(const char sig[4], uint32_t len, int low)
{
	uint8_t *t = low ? low_alloc(len) : zalloc(len);
	sdt_header(t, sig, len);
	for (uint32_t i = 36; i < len; i++)
		t[i] = (uint8_t)(i * 7);
	sdt_finish(t);
	return t;
}

static uint8_t *make_xsdt(const uint8_t *const *tables, unsigned n)
{
	uint32_t len = 36 + 8 * n;
	uint8_t *x = zalloc(len);
	sdt_header(x, "XSDT", len);
	for (unsigned i = 0; i < n; i++)
		put64(x + 36 + 8 * i, tables[i] ? addr(tables[i]) : 0);
	sdt_finish(x);
	return x;
}

static uint8_t *make_rsdt(const uint8_t *const *tables, unsigned n)
{
	uint32_t len = 36 + 4 * n;
	uint8_t *r = low_alloc(len);
	sdt_header(r, "RSDT", len);
	for (unsigned i = 0; i < n; i++)
		put32(r + 36 + 4 * i, tables[i] ? (uint32_t)addr(tables[i]) : 0);
	sdt_finish(r);
	return r;
}

/* 5.2.5.3: signature 0, checksum 8, OEM 9, revision 15, RSDT 16, length 20, XSDT 24,
 * extended checksum 32. Revision 0 structures are only 20 bytes. */
static uint8_t *make_rsdp(uint8_t rev, const uint8_t *rsdt, const uint8_t *xsdt)
{
	size_t len = rev >= 2 ? 36 : 20;
	uint8_t *r = rev >= 2 ? zalloc(len) : low_alloc(len);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BLKHD ", 6);
	r[15] = rev;
	put32(r + 16, rsdt ? (uint32_t)addr(rsdt) : 0);
	fix_checksum(r, 20, 8);
	if (rev >= 2) {
		put32(r + 20, 36);
		put64(r + 24, xsdt ? addr(xsdt) : 0);
		fix_checksum(r, 36, 32);
	}
	return r;
}

/* A MADT under construction: header, local APIC address (36), flags (40), entries from 44. */
struct madt_builder {
	uint8_t buf[4096];
	uint32_t len;
};

static void madt_begin(struct madt_builder *b, uint32_t lapic)
{
	memset(b, 0, sizeof *b);
	put32(b->buf + 36, lapic);
	put32(b->buf + 40, 1);
	b->len = 44;
}

static void madt_raw(struct madt_builder *b, const uint8_t *bytes, uint32_t n)
{
	assert_true(b->len + n <= sizeof b->buf);
	memcpy(b->buf + b->len, bytes, n);
	b->len += n;
}

static void madt_lapic(struct madt_builder *b, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, id };
	put32(e + 4, flags);
	madt_raw(b, e, sizeof e);
}

static void madt_ioapic(struct madt_builder *b, uint8_t id, uint32_t address)
{
	uint8_t e[12] = { 1, 12, id, 0 };
	put32(e + 4, address);
	madt_raw(b, e, sizeof e);
}

static void madt_override(struct madt_builder *b, uint64_t address)
{
	uint8_t e[12] = { 5, 12 };
	put64(e + 4, address);
	madt_raw(b, e, sizeof e);
}

static void madt_x2apic(struct madt_builder *b, uint32_t id, uint32_t flags, uint32_t uid)
{
	uint8_t e[16] = { 9, 16 };
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	madt_raw(b, e, sizeof e);
}

/* Copies the MADT into an exact-size allocation with a correct header and checksum. */
static uint8_t *madt_finish(struct madt_builder *b, int low)
{
	uint8_t *t = low ? low_alloc(b->len) : zalloc(b->len);
	memcpy(t, b->buf, b->len);
	sdt_header(t, "APIC", b->len);
	sdt_finish(t);
	return t;
}

static uint8_t *simple_madt(int low)
{
	struct madt_builder b;
	madt_begin(&b, 0xfee00000);
	for (uint8_t i = 0; i < 4; i++)
		madt_lapic(&b, i, (uint8_t)(i * 2), 1);
	madt_ioapic(&b, 8, 0xfec00000);
	return madt_finish(&b, low);
}

/* ---- discovery ---- */

static void test_xsdt_rev2(void **state)
{
	(void)state;
	uint8_t *facp = make_table("FACP", 116, 0);
	uint8_t *hpet = make_table("HPET", 56, 0);
	uint8_t *madt = simple_madt(0);
	const uint8_t *list[] = { facp, NULL, hpet, madt };
	uint8_t *xsdt = make_xsdt(list, 4);
	uint8_t *rsdp = make_rsdp(2, NULL, xsdt);

	const void *t = (const void *)1;
	assert_int_equal(acpi_find_table(addr(rsdp), "APIC", &t), ACPI_OK);
	assert_ptr_equal(t, madt);
	assert_int_equal(acpi_find_table(addr(rsdp), "HPET", &t), ACPI_OK);
	assert_ptr_equal(t, hpet);
	assert_int_equal(acpi_find_table(addr(rsdp), "SRAT", &t), ACPI_NOT_FOUND);
	assert_null(t);

	struct acpi_madt_info info;
	assert_int_equal(acpi_parse_madt(madt, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.cpus_listed, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(info.apic_ids[i], i * 2);
	assert_int_equal(info.lapic_base, 0xfee00000);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.x2apic_entries, 0);
}

static void test_rsdt_rev0(void **state)
{
	(void)state;
	uint8_t *facp = make_table("FACP", 116, 1);
	uint8_t *madt = simple_madt(1);
	const uint8_t *list[] = { facp, madt };
	uint8_t *rsdt = make_rsdt(list, 2);
	uint8_t *rsdp = make_rsdp(0, rsdt, NULL);

	const void *t = NULL;
	assert_int_equal(acpi_find_table(addr(rsdp), "APIC", &t), ACPI_OK);
	assert_ptr_equal(t, madt);
	assert_int_equal(acpi_find_table(addr(rsdp), "XSDT", &t), ACPI_NOT_FOUND);

	/* an ACPI 2.0+ RSDP without an XSDT address falls back to the RSDT */
	rsdp = make_rsdp(2, rsdt, NULL);
	assert_int_equal(acpi_find_table(addr(rsdp), "APIC", &t), ACPI_OK);
	assert_ptr_equal(t, madt);

	/* with both an RSDT and an XSDT, revision 2 uses the XSDT */
	uint8_t *other = simple_madt(0);
	const uint8_t *xl[] = { other };
	uint8_t *xsdt = make_xsdt(xl, 1);
	rsdp = make_rsdp(2, rsdt, xsdt);
	assert_int_equal(acpi_find_table(addr(rsdp), "APIC", &t), ACPI_OK);
	assert_ptr_equal(t, other);
}

static void test_bad_rsdp(void **state)
{
	(void)state;
	const void *t;
	uint8_t *madt = simple_madt(0);
	const uint8_t *list[] = { madt };
	uint8_t *xsdt = make_xsdt(list, 1);

	assert_int_equal(acpi_find_table(0, "APIC", &t), ACPI_NO_RSDP);

	uint8_t *r = make_rsdp(2, NULL, xsdt);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_OK);

	/* wrong signature (checksum fixed up so only the signature is wrong) */
	r = make_rsdp(2, NULL, xsdt);
	r[7] = '_';
	fix_checksum(r, 20, 8);
	fix_checksum(r, 36, 32);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_RSDP);

	/* first-20-bytes checksum wrong (extended one still balanced) */
	r = make_rsdp(2, NULL, xsdt);
	r[8]++;
	r[32]--;
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_RSDP);

	/* extended checksum wrong, v1 checksum fine */
	r = make_rsdp(2, NULL, xsdt);
	r[32]++;
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_RSDP);
	r = make_rsdp(2, NULL, xsdt);
	r[35] = 1;      /* a reserved byte covered only by the extended checksum */
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_RSDP);

	/* revision 2 with a length shorter than the structure */
	r = make_rsdp(2, NULL, xsdt);
	put32(r + 20, 20);
	fix_checksum(r, 36, 32);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_RSDP);

	/* revision 0 with a bad checksum */
	r = make_rsdp(0, NULL, NULL);
	r[8] ^= 0x55;
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_RSDP);
	assert_null(t);
}

static void test_bad_root_table(void **state)
{
	(void)state;
	const void *t;
	uint8_t *madt = simple_madt(0);
	const uint8_t *list[] = { madt };

	/* no root table address at all */
	uint8_t *r = make_rsdp(2, NULL, NULL);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_ROOT_TABLE);
	r = make_rsdp(0, NULL, NULL);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_ROOT_TABLE);

	/* bad XSDT checksum */
	uint8_t *x = make_xsdt(list, 1);
	x[9]++;
	r = make_rsdp(2, NULL, x);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_ROOT_TABLE);

	/* an RSDT where the XSDT should be */
	x = make_xsdt(list, 1);
	memcpy(x, "RSDT", 4);
	sdt_finish(x);
	r = make_rsdp(2, NULL, x);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_ROOT_TABLE);

	/* a length shorter than the header */
	x = make_xsdt(list, 1);
	put32(x + 4, 35);
	fix_checksum(x, 35, 9);
	r = make_rsdp(2, NULL, x);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_ROOT_TABLE);

	/* bad RSDT checksum on the ACPI 1.0 path */
	const uint8_t *low_list[] = { simple_madt(1) };
	uint8_t *rs = make_rsdt(low_list, 1);
	rs[20] ^= 1;    /* an OEM table ID byte */
	r = make_rsdp(0, rs, NULL);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_ROOT_TABLE);

	/* an empty but valid XSDT: the table is simply not there */
	x = make_xsdt(list, 0);
	r = make_rsdp(2, NULL, x);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_NOT_FOUND);
	/* a trailing partial entry is ignored, not read */
	x = zalloc(36 + 8 + 4);
	sdt_header(x, "XSDT", 36 + 8 + 4);
	put64(x + 36, addr(madt));
	sdt_finish(x);
	r = make_rsdp(2, NULL, x);
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_OK);
}

static void test_bad_and_missing_tables(void **state)
{
	(void)state;
	const void *t;
	uint8_t *facp = make_table("FACP", 116, 0);

	/* no MADT listed */
	const uint8_t *l1[] = { facp };
	uint8_t *r = make_rsdp(2, NULL, make_xsdt(l1, 1));
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_NOT_FOUND);

	/* a MADT with a bad checksum */
	uint8_t *bad = simple_madt(0);
	bad[50] ^= 0xff;
	const uint8_t *l2[] = { facp, bad };
	r = make_rsdp(2, NULL, make_xsdt(l2, 2));
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_TABLE);
	assert_null(t);

	/* a candidate shorter than a header */
	uint8_t *tiny = zalloc(36);
	sdt_header(tiny, "APIC", 20);
	fix_checksum(tiny, 20, 9);
	const uint8_t *l3[] = { tiny };
	r = make_rsdp(2, NULL, make_xsdt(l3, 1));
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_BAD_TABLE);

	/* a bad copy before a good one: the good one is found */
	uint8_t *good = simple_madt(0);
	const uint8_t *l4[] = { bad, tiny, good };
	r = make_rsdp(2, NULL, make_xsdt(l4, 3));
	assert_int_equal(acpi_find_table(addr(r), "APIC", &t), ACPI_OK);
	assert_ptr_equal(t, good);
}

/* ---- MADT parsing ---- */

static void test_madt_disabled_and_online_capable(void **state)
{
	(void)state;
	struct madt_builder b;
	madt_begin(&b, 0xfee00000);
	madt_lapic(&b, 0, 0, 1);        /* enabled */
	madt_lapic(&b, 1, 1, 0);        /* disabled: not counted */
	madt_lapic(&b, 2, 2, 2);        /* online capable: counted */
	madt_lapic(&b, 3, 3, 3);
	madt_lapic(&b, 4, 0xff, 0);     /* a typical placeholder for an absent CPU */
	madt_ioapic(&b, 9, 0xfec00000);
	madt_ioapic(&b, 10, 0xfec01000);
	uint8_t *m = madt_finish(&b, 0);

	struct acpi_madt_info info;
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, 3);
	assert_int_equal(info.cpus_listed, 3);
	assert_int_equal(info.apic_ids[0], 0);
	assert_int_equal(info.apic_ids[1], 2);
	assert_int_equal(info.apic_ids[2], 3);
	assert_int_equal(info.ioapic_count, 2);
}

static void test_madt_x2apic(void **state)
{
	(void)state;
	struct madt_builder b;
	madt_begin(&b, 0xfee00000);
	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 5, 1);
	madt_x2apic(&b, 300, 1, 2);
	madt_x2apic(&b, 301, 0, 3);     /* disabled */
	madt_x2apic(&b, 0x10000, 2, 4); /* online capable, ID beyond 16 bits */
	madt_x2apic(&b, 5, 1, 1);       /* same CPU as the type 0 entry: not counted twice */
	uint8_t *m = madt_finish(&b, 0);

	struct acpi_madt_info info;
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_OK);
	assert_int_equal(info.x2apic_entries, 4);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.cpus_listed, 4);
	assert_int_equal(info.apic_ids[2], 300);
	assert_int_equal(info.apic_ids[3], 0x10000);
}

static void test_madt_lapic_override(void **state)
{
	(void)state;
	struct madt_builder b;
	madt_begin(&b, 0xfee00000);
	madt_lapic(&b, 0, 0, 1);
	madt_override(&b, 0x1fee00000ull);
	madt_lapic(&b, 1, 1, 1);
	uint8_t *m = madt_finish(&b, 0);

	struct acpi_madt_info info;
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_OK);
	assert_int_equal(info.lapic_base, 0x1fee00000ull);
	assert_int_equal(info.cpu_count, 2);

	/* override first, entries after */
	madt_begin(&b, 0xfee00000);
	madt_override(&b, 0xfed00000ull);
	madt_lapic(&b, 0, 0, 1);
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_OK);
	assert_int_equal(info.lapic_base, 0xfed00000ull);
}

static void test_madt_malformed_entries(void **state)
{
	(void)state;
	struct madt_builder b;
	struct acpi_madt_info info;
	uint8_t *m;

	/* a zero-length entry: error, not an endless loop; the CPU before it was seen */
	madt_begin(&b, 0xfee00000);
	madt_lapic(&b, 0, 7, 1);
	madt_raw(&b, (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0 }, 8);
	madt_lapic(&b, 1, 8, 1);
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_BAD_TABLE);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.apic_ids[0], 7);

	/* length 1: shorter than the entry header itself */
	madt_begin(&b, 0xfee00000);
	madt_raw(&b, (const uint8_t[]){ 0x7f, 1, 0, 0 }, 4);
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_BAD_TABLE);

	/* a local APIC entry too short for its type */
	madt_begin(&b, 0xfee00000);
	madt_raw(&b, (const uint8_t[]){ 0, 6, 0, 1, 1, 0 }, 6);
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_BAD_TABLE);
	assert_int_equal(info.cpu_count, 0);

	/* x2APIC and override entries too short for their types */
	madt_begin(&b, 0xfee00000);
	madt_raw(&b, (const uint8_t[]){ 9, 12, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 }, 12);
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_BAD_TABLE);
	madt_begin(&b, 0xfee00000);
	madt_raw(&b, (const uint8_t[]){ 5, 8, 0, 0, 0, 0, 0, 0 }, 8);
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_BAD_TABLE);
	assert_int_equal(info.lapic_base, 0xfee00000);

	/* an entry claiming to run past the table end */
	madt_begin(&b, 0xfee00000);
	madt_lapic(&b, 0, 0, 1);
	madt_raw(&b, (const uint8_t[]){ 0, 8, 1, 1 }, 4);    /* only 4 of 8 bytes present */
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_BAD_TABLE);
	assert_int_equal(info.cpu_count, 1);

	/* a single stray byte at the end */
	madt_begin(&b, 0xfee00000);
	madt_lapic(&b, 0, 0, 1);
	madt_raw(&b, (const uint8_t[]){ 0 }, 1);
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_BAD_TABLE);

	/* unknown types are skipped by their length; longer known entries are accepted */
	madt_begin(&b, 0xfee00000);
	madt_raw(&b, (const uint8_t[]){ 0x7f, 5, 1, 2, 3 }, 5);
	madt_raw(&b, (const uint8_t[]){ 2, 10, 0, 0, 0, 0, 0, 0, 0, 0 }, 10); /* ISO */
	madt_raw(&b, (const uint8_t[]){ 0, 10, 0, 3, 1, 0, 0, 0, 0xaa, 0xbb }, 10);
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.apic_ids[0], 3);
}

static void test_madt_bad_header(void **state)
{
	(void)state;
	struct acpi_madt_info info;
	assert_int_equal(acpi_parse_madt(NULL, &info), ACPI_BAD_TABLE);
	/* not a MADT */
	assert_int_equal(acpi_parse_madt(make_table("FACP", 116, 0), &info), ACPI_BAD_TABLE);
	/* a bad checksum */
	uint8_t *m = simple_madt(0);
	m[44] ^= 1;
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_BAD_TABLE);
	assert_int_equal(info.cpu_count, 0);
	/* a valid header too short to hold the local APIC address and flags */
	m = zalloc(40);
	sdt_header(m, "APIC", 40);
	sdt_finish(m);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_BAD_TABLE);
	/* the minimal MADT: no entries at all */
	struct madt_builder b;
	madt_begin(&b, 0xfee00000);
	m = madt_finish(&b, 0);
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, 0);
	assert_int_equal(info.lapic_base, 0xfee00000);
}

static void test_madt_more_than_max_cpus(void **state)
{
	(void)state;
	struct madt_builder b;
	madt_begin(&b, 0xfee00000);
	for (unsigned i = 0; i < MAX_CPUS + 6; i++)
		madt_lapic(&b, (uint8_t)i, (uint8_t)i, 1);
	for (unsigned i = 0; i < 10; i++)
		madt_x2apic(&b, 1000 + i, 1, 1000 + i);
	uint8_t *m = madt_finish(&b, 0);

	struct acpi_madt_info info;
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, MAX_CPUS + 16);
	assert_int_equal(info.cpus_listed, MAX_CPUS);
	for (unsigned i = 0; i < MAX_CPUS; i++)
		assert_int_equal(info.apic_ids[i], i);
	assert_int_equal(info.x2apic_entries, 10);
}

static void test_status_strings(void **state)
{
	(void)state;
	assert_string_equal(acpi_status_string(ACPI_OK), "ok");
	assert_string_equal(acpi_status_string(ACPI_NO_RSDP), "no RSDP");
	assert_string_equal(acpi_status_string(ACPI_BAD_RSDP), "bad RSDP");
	assert_string_equal(acpi_status_string(ACPI_BAD_ROOT_TABLE), "bad XSDT/RSDT");
	assert_string_equal(acpi_status_string(ACPI_NOT_FOUND), "table not found");
	assert_string_equal(acpi_status_string(ACPI_BAD_TABLE), "bad table");
	assert_string_equal(acpi_status_string((enum acpi_status)42), "unknown ACPI status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_xsdt_rev2, teardown),
		cmocka_unit_test_teardown(test_rsdt_rev0, teardown),
		cmocka_unit_test_teardown(test_bad_rsdp, teardown),
		cmocka_unit_test_teardown(test_bad_root_table, teardown),
		cmocka_unit_test_teardown(test_bad_and_missing_tables, teardown),
		cmocka_unit_test_teardown(test_madt_disabled_and_online_capable, teardown),
		cmocka_unit_test_teardown(test_madt_x2apic, teardown),
		cmocka_unit_test_teardown(test_madt_lapic_override, teardown),
		cmocka_unit_test_teardown(test_madt_malformed_entries, teardown),
		cmocka_unit_test_teardown(test_madt_bad_header, teardown),
		cmocka_unit_test_teardown(test_madt_more_than_max_cpus, teardown),
		cmocka_unit_test_teardown(test_status_strings, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
