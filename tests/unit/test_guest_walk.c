/*
 * Unit tests for vmx/guest_walk.c: page tables for each paging mode are written into a host
 * buffer standing for the partition's RAM (guest-physical 0 at its start), then addresses are
 * translated: 4 KiB and large pages, entries with NX and other high bits, not-present entries
 * at every level, tables outside RAM, non-canonical addresses; then copies crossing pages,
 * stopping at an unmapped page, and wrapping at 4 GiB. The callbacks check their own
 * contracts (aligned 8-byte reads; byte reads inside one 4 KiB page).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/guest_walk.h"

#define RAM_SIZE (8u << 20)

#define P    0x001ull
#define RW   0x002ull
#define PS   0x080ull
#define NX   (1ull << 63)

#define CR0_PG   (1ull << 31)
#define CR0_PE   1ull
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

struct ram {
	uint8_t *mem;
	unsigned reads;
};

static int read64(void *ctx, uint64_t gpa, uint64_t *value)
{
	struct ram *r = ctx;
	assert_int_equal(gpa & 7, 0);
	r->reads++;
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < 8)
		return -1;
	memcpy(value, r->mem + gpa, 8);
	return 0;
}

static int read_bytes(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct ram *r = ctx;
	assert_true((gpa & 0xfff) + len <= 4096);
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < len)
		return -1;
	memcpy(buf, r->mem + gpa, len);
	return 0;
}

static int setup(void **state)
{
	struct ram *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->mem = calloc(1, RAM_SIZE);
	*state = r;
	return r->mem ? 0 : -1;
}

static int teardown(void **state)
{
	struct ram *r = *state;
	free(r->mem);
	free(r);
	return 0;
}

static void put32(struct ram *r, uint64_t gpa, uint32_t v) { memcpy(r->mem + gpa, &v, 4); }
static void put64(struct ram *r, uint64_t gpa, uint64_t v) { memcpy(r->mem + gpa, &v, 8); }

/* Translates, expecting success; returns the guest-physical address. */
static uint64_t xlate(struct ram *r, const struct guest_paging *pg, uint64_t gva)
{
	uint64_t gpa = 0xdeadull;
	if (guest_virt_to_phys(pg, gva, read64, r, &gpa) != 0)
		fail_msg("0x%llx did not translate", (unsigned long long)gva);
	return gpa;
}

static bool unmapped(struct ram *r, const struct guest_paging *pg, uint64_t gva)
{
	uint64_t gpa = 0x1234;
	int rc = guest_virt_to_phys(pg, gva, read64, r, &gpa);
	assert_true(rc == 0 || rc == -1);
	if (rc == -1)
		assert_int_equal(gpa, 0x1234);          /* untouched on failure */
	return rc == -1;
}

static void test_paging_off(void **state)
{
	struct ram *r = *state;
	struct guest_paging pg = { .cr0 = CR0_PE, .cr4 = CR4_PAE, .cr3 = 0x1000 };
	assert_int_equal(xlate(r, &pg, 0xfec00123), 0xfec00123);
	/* Linear addresses are 32 bits: CS base + EIP past 4 GiB wraps. */
	assert_int_equal(xlate(r, &pg, 0x100000010ull), 0x10);
	assert_int_equal(r->reads, 0);
}

/* 32-bit paging: PD at 0x1000, va 0xc0000000-0xc03fffff through the PT at 0x2000. */
static void build_32bit(struct ram *r)
{
	put32(r, 0x1000 + (0xc0000000u >> 22) * 4, 0x2000 | P | RW);
	put32(r, 0x2000 + 4 * 4, 0x00007000 | P);          /* va 0xc0004000, even index */
	put32(r, 0x2000 + 5 * 4, 0xfffff000 | P | RW);     /* va 0xc0005000, odd: high half */
	put32(r, 0x2000 + 6 * 4, 0x00008000);              /* not present */
	/* va 0x00400000: a PDE with PS = 1, base 0x00c00000, bits 20:13 = 0x03 (PSE-36) */
	put32(r, 0x1000 + 1 * 4, 0x00c00000 | (0x03u << 13) | PS | P);
}

static void test_32bit(void **state)
{
	struct ram *r = *state;
	build_32bit(r);
	struct guest_paging pg = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1000 | 0x18 /* PWT, PCD */,
				   .cr4 = CR4_PSE };
	assert_int_equal(xlate(r, &pg, 0xc0004abc), 0x7abc);
	assert_int_equal(xlate(r, &pg, 0xc0005fff), 0xfffff000ull | 0xfff);
	assert_int_equal(xlate(r, &pg, 0x00412345), 0x300c12345ull);
	/* Bits 63:32 of the address are not part of a 32-bit linear address. */
	assert_int_equal(xlate(r, &pg, 0x7c0004001ull), 0x7001);
	assert_true(unmapped(r, &pg, 0xc0006000));         /* PTE not present */
	assert_true(unmapped(r, &pg, 0xc0400000));         /* PDE not present */
	assert_true(unmapped(r, &pg, 0x00000000));
}

static void test_32bit_pse_off_ignores_ps(void **state)
{
	struct ram *r = *state;
	build_32bit(r);
	/* Without CR4.PSE the PS bit is ignored: the PDE for 0x00400000 then points to a page
	 * table at 0x00c00000 (its bits 31:12; bits 20:13 are part of that), here past RAM. */
	struct guest_paging pg = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1000 };
	assert_true(unmapped(r, &pg, 0x00412345));
	put32(r, 0x1000 + 1 * 4, 0x00003000 | PS | P);
	put32(r, 0x3000 + 0x12 * 4, 0x00009000 | P);
	assert_int_equal(xlate(r, &pg, 0x00412345), 0x9345);
	/* With CR4.PSE a 4 MiB page, and bit 13 of what was the table address is now bit 32
	 * of the page's (PSE-36). */
	pg.cr4 = CR4_PSE;
	assert_int_equal(xlate(r, &pg, 0x00412345), 0x100012345ull);
}

/* PAE: a PDPT at 0x3020 (32-byte aligned only), PD 0x4000, PT 0x5000. */
static void build_pae(struct ram *r)
{
	put64(r, 0x3020 + 3 * 8, 0x4000 | P);                   /* va 0xc0000000.. */
	put64(r, 0x4000 + 8 * 8, 0x5000 | P | RW);              /* va 0xc1000000.. */
	put64(r, 0x5000 + 0x10 * 8, 0x123456000ull | P | NX);   /* above 4 GiB, NX */
	put64(r, 0x5000 + 0x11 * 8, 0x6000);                    /* not present */
	put64(r, 0x4000 + 9 * 8, 0xfffe00000ull | PS | P | NX); /* va 0xc1200000: 2 MiB */
}

static void test_pae(void **state)
{
	struct ram *r = *state;
	build_pae(r);
	struct guest_paging pg = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x3020, .cr4 = CR4_PAE };
	assert_int_equal(xlate(r, &pg, 0xc1010abc), 0x123456abcull);
	assert_int_equal(xlate(r, &pg, 0xc13fffff), 0xfffe00000ull | 0x1fffff);
	assert_int_equal(xlate(r, &pg, 0x1c1200010ull), 0xfffe00010ull);  /* 32-bit linear */
	assert_true(unmapped(r, &pg, 0xc1011000));          /* PTE not present */
	assert_true(unmapped(r, &pg, 0xc1400000));          /* PDE not present */
	assert_true(unmapped(r, &pg, 0x80000000));          /* PDPTE 2 not present */
	/* CR4.PSE changes nothing in PAE paging. */
	pg.cr4 |= CR4_PSE;
	assert_int_equal(xlate(r, &pg, 0xc1010abc), 0x123456abcull);
}

static void test_pae_pdpte_registers(void **state)
{
	struct ram *r = *state;
	build_pae(r);
	/* The PDPTEs the processor loaded (VMCS guest PDPTE fields) win over memory, which the
	 * guest may have changed since its last MOV to CR3. */
	const uint64_t loaded[4] = { 0x4000 | P, 0, 0, 0 };
	struct guest_paging pg = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x3020, .cr4 = CR4_PAE,
				   .pdptes = loaded };
	r->reads = 0;
	assert_int_equal(xlate(r, &pg, 0x01010abc), 0x123456abcull);
	assert_int_equal(r->reads, 2);                      /* PDE and PTE only */
	assert_true(unmapped(r, &pg, 0xc1010abc));          /* PDPTE 3 not loaded */
}

/* 4-level paging for the kernel's usual 0xffffffff81000000 and a low address. */
#define L4_PML4 0x10000
#define L4_PDPT 0x11000
#define L4_PD   0x12000
#define L4_PT   0x13000
static void build_4level(struct ram *r)
{
	uint64_t va = 0xffffffff81000000ull;
	put64(r, L4_PML4 + ((va >> 39) & 511) * 8, L4_PDPT | P | RW);
	put64(r, L4_PDPT + ((va >> 30) & 511) * 8, L4_PD | P | RW);
	put64(r, L4_PD + ((va >> 21) & 511) * 8, L4_PT | P | RW);
	/* va + 0x2000: a PTE with NX and protection key 0xf in bits 62:59 */
	put64(r, L4_PT + 2 * 8, 0x000ffffffffff000ull | (0xfull << 59) | NX | P);
	put64(r, L4_PT + 3 * 8, 0x14000 | P);
	put64(r, L4_PT + 4 * 8, 0x15000);                   /* not present */
	/* va + 0x200000: a 2 MiB page at 0x40000000 */
	put64(r, L4_PD + (((va >> 21) + 1) & 511) * 8, 0x40000000 | PS | P | NX);
	/* va 0x0000000040000000..: a 1 GiB page at 0 (PML4[0] -> PDPT at 0x16000) */
	put64(r, L4_PML4 + 0, 0x16000 | P);
	put64(r, 0x16000 + 1 * 8, 0x0 | PS | P);
	put64(r, 0x16000 + 2 * 8, 0x1c0000000ull | PS | P | NX);
	/* PDPT[3] -> a page directory outside RAM */
	put64(r, 0x16000 + 3 * 8, 0x7fff000ull | P);
}

static void test_4level(void **state)
{
	struct ram *r = *state;
	build_4level(r);
	struct guest_paging pg = { .cr0 = CR0_PG | CR0_PE, .cr3 = L4_PML4 | 0x5 /* PCID */,
				   .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA };
	uint64_t va = 0xffffffff81000000ull;
	assert_int_equal(xlate(r, &pg, va + 0x2123), 0x000ffffffffff123ull);
	assert_int_equal(xlate(r, &pg, va + 0x3fff), 0x14fff);
	assert_int_equal(xlate(r, &pg, va + 0x2abcde), 0x400abcde);
	assert_int_equal(xlate(r, &pg, 0x40000000ull + 0x12345678), 0x12345678);
	assert_int_equal(xlate(r, &pg, 0x80000000ull + 0x3fffffff), 0x1ffffffffull);
	assert_true(unmapped(r, &pg, va + 0x4000));         /* PTE not present */
	assert_true(unmapped(r, &pg, va + 0x400000));       /* PDE not present */
	assert_true(unmapped(r, &pg, va - 0x40000000));     /* PDPTE not present */
	assert_true(unmapped(r, &pg, 0x0000008000000000));  /* PML4E not present */
	assert_true(unmapped(r, &pg, 0xc0000000ull));       /* page directory not in RAM */
	/* Non-canonical: no walk at all. */
	r->reads = 0;
	assert_true(unmapped(r, &pg, 0x0000800000000000ull));
	assert_true(unmapped(r, &pg, 0xffff7fffffffffffull));
	assert_true(unmapped(r, &pg, 0x7fffffff81002000ull));
	assert_int_equal(r->reads, 0);
	/* CR3 bits 63:52 (LAM) are not part of the address. */
	pg.cr3 |= 3ull << 61;
	assert_int_equal(xlate(r, &pg, va + 0x3fff), 0x14fff);
}

/* 5-level paging: one table more on top (CR4.LA57), 57-bit canonical addresses. */
static void test_5level(void **state)
{
	struct ram *r = *state;
	build_4level(r);
	uint64_t va = 0xff00000001000000ull | 0x0123;
	put64(r, 0x20000 + ((va >> 48) & 511) * 8, 0x21000 | P);
	put64(r, 0x21000 + ((va >> 39) & 511) * 8, 0x22000 | P);
	put64(r, 0x22000 + ((va >> 30) & 511) * 8, 0x23000 | P);
	put64(r, 0x23000 + ((va >> 21) & 511) * 8, 0x24000 | P);
	put64(r, 0x24000 + ((va >> 12) & 511) * 8, 0x25000 | P);
	/* PML5[0] -> the 4-level PML4 built above */
	put64(r, 0x20000, L4_PML4 | P);
	struct guest_paging pg = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x20000, .cr4 = CR4_PAE | CR4_LA57,
				   .efer = EFER_LME | EFER_LMA };
	assert_int_equal(xlate(r, &pg, va), 0x25123);
	assert_int_equal(xlate(r, &pg, 0x40000000ull + 0x12345678), 0x12345678);
	/* 0xffffffff81000000 is canonical for 57 bits but PML5[511] is not present. */
	assert_true(unmapped(r, &pg, 0xffffffff81002000ull));
	assert_true(unmapped(r, &pg, 0x0100000000000000ull)); /* not canonical */
	/* The same tables read as 4-level: 0xff00000001000123 is not canonical there. */
	pg.cr4 &= ~CR4_LA57;
	assert_true(unmapped(r, &pg, va));
}

static void test_copy_across_pages(void **state)
{
	struct ram *r = *state;
	build_4level(r);
	struct guest_paging pg = { .cr0 = CR0_PG | CR0_PE, .cr3 = L4_PML4, .cr4 = CR4_PAE,
				   .efer = EFER_LME | EFER_LMA };
	/* va+0x3000 -> 0x14000; make va+0x2000 -> 0x17000 (the PTE above points past RAM). */
	uint64_t va = 0xffffffff81000000ull;
	put64(r, L4_PT + 2 * 8, 0x17000 | P);
	for (unsigned i = 0; i < 8; i++) {
		r->mem[0x17ff8 + i] = (uint8_t)(0xa0 + i);
		r->mem[0x14000 + i] = (uint8_t)(0xa8 + i);
	}
	uint8_t buf[15], want[15];
	for (unsigned i = 0; i < 15; i++)
		want[i] = (uint8_t)(0xa0 + i);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(guest_copy_virt(&pg, va + 0x2ff8, buf, 15, read_bytes, r), 15);
	assert_memory_equal(buf, want, 15);
	/* Starting in the page before, which is mapped by nothing: nothing copied. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(guest_copy_virt(&pg, va + 0x1ff8, buf, 15, read_bytes, r), 0);
	/* Ending in an unmapped page: the bytes before it. */
	for (unsigned i = 0; i < 5; i++)
		r->mem[0x14ffb + i] = (uint8_t)(0x50 + i);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(guest_copy_virt(&pg, va + 0x3ffb, buf, 15, read_bytes, r), 5);
	assert_memory_equal(buf, ((const uint8_t[]){ 0x50, 0x51, 0x52, 0x53, 0x54 }), 5);
	assert_int_equal(buf[5], 0);
	/* A page mapped to guest-physical memory that is not RAM: nothing. */
	put64(r, L4_PT + 4 * 8, 0x7fff000ull | P);
	assert_int_equal(guest_copy_virt(&pg, va + 0x4000, buf, 15, read_bytes, r), 0);
	/* Inside one page, and n = 0. */
	assert_int_equal(guest_copy_virt(&pg, va + 0x3000, buf, 4, read_bytes, r), 4);
	assert_memory_equal(buf, want + 8, 4);
	assert_int_equal(guest_copy_virt(&pg, va + 0x3000, buf, 0, read_bytes, r), 0);
}

static void test_copy_large_page_and_wrap(void **state)
{
	struct ram *r = *state;
	build_32bit(r);
	/* 32-bit paging: 0xfffff000 -> 0x18000 (PD[1023] -> PT 0x19000), and 0x0 -> 0x1a000
	 * (PD[0] -> PT 0x1b000): an instruction at 0xfffffffe wraps to linear 0. */
	put32(r, 0x1000 + 1023 * 4, 0x19000 | P);
	put32(r, 0x19000 + 1023 * 4, 0x18000 | P);
	put32(r, 0x1000 + 0, 0x1b000 | P);
	put32(r, 0x1b000 + 0, 0x1a000 | P);
	r->mem[0x18ffe] = 0x8b;
	r->mem[0x18fff] = 0x05;
	r->mem[0x1a000] = 0x10;
	r->mem[0x1a001] = 0x00;
	struct guest_paging pg = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1000, .cr4 = CR4_PSE };
	uint8_t buf[4];
	assert_int_equal(guest_copy_virt(&pg, 0xfffffffe, buf, 4, read_bytes, r), 4);
	assert_memory_equal(buf, ((const uint8_t[]){ 0x8b, 0x05, 0x10, 0x00 }), 4);
	/* Inside a 4 MiB page (PD[2] -> 0) a copy still goes page by page; from its end into
	 * the next 4 MiB page (PD[3] -> 12 MiB, past RAM) it stops there. */
	put32(r, 0x1000 + 2 * 4, 0x00000000 | PS | P);
	put32(r, 0x1000 + 3 * 4, 0x00c00000 | PS | P);
	r->mem[0x3fff] = 0x11;
	r->mem[0x4000] = 0x22;
	r->mem[0x3ffffe] = 0x33;
	r->mem[0x3fffff] = 0x44;
	assert_int_equal(guest_copy_virt(&pg, 0x00803fff, buf, 2, read_bytes, r), 2);
	assert_memory_equal(buf, ((const uint8_t[]){ 0x11, 0x22 }), 2);
	assert_int_equal(guest_copy_virt(&pg, 0x00bffffe, buf, 4, read_bytes, r), 2);
	assert_memory_equal(buf, ((const uint8_t[]){ 0x33, 0x44 }), 2);
	/* Paging off: guest-physical = linear. */
	pg.cr0 = CR0_PE;
	assert_int_equal(guest_copy_virt(&pg, 0x3fff, buf, 2, read_bytes, r), 2);
	assert_memory_equal(buf, ((const uint8_t[]){ 0x11, 0x22 }), 2);
	assert_int_equal(guest_copy_virt(&pg, RAM_SIZE - 1, buf, 2, read_bytes, r), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paging_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_pse_off_ignores_ps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_pdpte_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_5level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_across_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_large_page_and_wrap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
