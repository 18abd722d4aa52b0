/*
 * Unit tests for vmx/cpuid_policy.c: one test per rule of the policy, each starting from a
 * real CPU's answer (or all-ones, so that every bit the policy must clear is there to be
 * cleared and every bit it must keep is there to be kept), plus the XCR0 validity rules of
 * SDM Vol. 1, 13.3 one at a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hypercall.h"
#include "vmx/cpuid_policy.h"

/* A CPU with x87, SSE, AVX, MPX, AVX-512, PKRU offered (AMX is never offered). */
static const struct cpuid_policy pol = {
	.vcpu_count = 3, .vcpu_index = 2, .partition_id = 7, .rdtscp_allowed = 0,
	.xcr0_offered = 0x2ff, .xsave_size_offered = 2696,
};

static struct cpuid_regs4 apply(uint32_t leaf, uint32_t subleaf, struct cpuid_regs4 in,
				const struct cpuid_policy *p)
{
	cpuid_policy_apply(leaf, subleaf, &in, p);
	return in;
}

static const struct cpuid_regs4 ones = { ~0u, ~0u, ~0u, ~0u };

#define assert_regs(r, a, b, c, d)                     \
	do {                                           \
		assert_int_equal((r).eax, (a));        \
		assert_int_equal((r).ebx, (b));        \
		assert_int_equal((r).ecx, (c));        \
		assert_int_equal((r).edx, (d));        \
	} while (0)

static void test_leaf1(void **state)
{
	(void)state;
	/* A Skylake answer: VMX, MONITOR, x2APIC, TSC-deadline set; hypervisor bit clear;
	 * APIC ID 4, 16 logical processors. */
	struct cpuid_regs4 in = { 0x000506e3, 0x04100800, 0x7ffafbff, 0xbfebfbff };
	struct cpuid_regs4 r = apply(1, 0, in, &pol);
	assert_int_equal(r.eax, 0x000506e3);
	assert_int_equal(r.ebx, 0x02030800);    /* APIC ID 2, 3 vCPUs, CLFLUSH 8 kept */
	assert_int_equal(r.ecx, (0x7ffafbffu & ~0x012081fcu) | 0x80000000u);
	assert_int_equal(r.edx, 0xbfebfbffu & ~0xa0600000u);   /* DS, ACPI, TM, PBE hidden */

	/* From all ones: exactly ECX bits 2-8, 15, 21, 24 and EDX bits 21, 22, 29, 31 cleared,
	 * ECX bit 31 set. */
	r = apply(1, 0, ones, &pol);
	assert_int_equal(r.ecx, ~((1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) |
				  (1u << 7) | (1u << 8) | (1u << 15) | (1u << 21) | (1u << 24)));
	assert_int_equal(r.ebx, 0x0203ffff);
	assert_int_equal(r.edx, ~((1u << 21) | (1u << 22) | (1u << 29) | (1u << 31)));
	assert_int_equal(r.eax, ~0u);
	/* From all zeros: only the hypervisor bit appears. */
	r = apply(1, 0, (struct cpuid_regs4){ 0, 0, 0, 0 }, &pol);
	assert_regs(r, 0, 0x00030000 | (2u << 24), 0x80000000u, 0);
	/* The subleaf does not matter, and large counts are cut to their 8-bit fields. */
	struct cpuid_policy big = { .vcpu_count = 0x1ff, .vcpu_index = 0x100 };
	r = apply(1, 5, (struct cpuid_regs4){ 0, 0, 0, 0 }, &big);
	assert_int_equal(r.ebx, 0x00ff0000);
}

static void test_zeroed_leaves(void **state)
{
	(void)state;
	static const uint32_t leaves[] = { 4, 5, 6, 0xa };
	for (unsigned i = 0; i < 4; i++) {
		for (uint32_t sub = 0; sub < 4; sub++) {
			struct cpuid_regs4 r = apply(leaves[i], sub, ones, &pol);
			assert_regs(r, 0, 0, 0, 0);
		}
	}
}

static void test_leaf7(void **state)
{
	(void)state;
	struct cpuid_regs4 r = apply(7, 0, ones, &pol);
	assert_int_equal(r.eax, ~0u);
	assert_int_equal(r.ebx, ~((1u << 10) | (1u << 12) | (1u << 15)));
	/* WAITPKG, CET_SS, LA57, Key Locker, bus-lock #DB, PKS. */
	assert_int_equal(r.ecx, ~((1u << 5) | (1u << 7) | (1u << 16) | (1u << 23) | (1u << 24) |
				  (1u << 31)));
	/* UINTR, CET_IBT, AMX-BF16/TILE/INT8, ARCH_CAPABILITIES; the speculation-control bits
	 * (IBRS/IBPB 26, STIBP 27, L1D_FLUSH 28, SSBD 31) and MD_CLEAR (10) stay. */
	assert_int_equal(r.edx, ~((1u << 5) | (1u << 20) | (1u << 22) | (1u << 24) | (1u << 25) |
				  (1u << 29)));
	/* A real subleaf 0 (INVPCID and RDT bits present) keeps the rest. */
	r = apply(7, 0, (struct cpuid_regs4){ 0, 0x029c6fbf, 0x40000008, 0x9c002400 }, &pol);
	assert_regs(r, 0, 0x029c6fbfu & ~0x9400u, 0x40000008u, 0x9c002400u);
	/* Other subleaves pass through. */
	for (uint32_t sub = 1; sub < 3; sub++) {
		r = apply(7, sub, ones, &pol);
		assert_regs(r, ~0u, ~0u, ~0u, ~0u);
	}
}

static void test_topology_leaves(void **state)
{
	(void)state;
	static const uint32_t leaves[] = { 0xb, 0x1f };
	for (unsigned i = 0; i < 2; i++) {
		for (uint32_t sub = 0; sub < 3; sub++) {
			struct cpuid_regs4 r = apply(leaves[i], sub, ones, &pol);
			assert_regs(r, 0, 0, sub, 0);
		}
		/* Only the low byte of the subleaf is echoed; the level type (15:8) stays 0. */
		struct cpuid_regs4 r = apply(leaves[i], 0x1234, ones, &pol);
		assert_regs(r, 0, 0, 0x34, 0);
	}
}

static void test_hypervisor_leaves(void **state)
{
	(void)state;
	struct cpuid_regs4 zero = { 0, 0, 0, 0 };
	struct cpuid_regs4 r = apply(0x40000000, 0, zero, &pol);
	assert_int_equal(r.eax, 0x40000001);
	/* The signature reads "BulkheadHV" as 12 bytes in EBX, ECX, EDX order. */
	char sig[12];
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_memory_equal(sig, "BulkheadHV\0\0", 12);
	assert_int_equal(r.ebx, 0x6b6c7542);
	assert_int_equal(r.ecx, 0x64616568);
	assert_int_equal(r.edx, 0x00005648);

	r = apply(0x40000001, 0, zero, &pol);
	assert_regs(r, HYPERCALL_ABI_VERSION, 3, 7, 0);
	assert_int_equal(r.eax, 1);

	/* Bulkhead's two leaves are whole answers: a host hypervisor's values (nested) vanish. */
	r = apply(0x40000000, 0, ones, &pol);
	assert_regs(r, 0x40000001, 0x6b6c7542, 0x64616568, 0x00005648);
	r = apply(0x40000001, 5, ones, &pol);
	assert_regs(r, HYPERCALL_ABI_VERSION, 3, 7, 0);

	/* The rest of the range is empty, even if the caller passed garbage. */
	static const uint32_t empty[] = { 0x40000002, 0x40000010, 0x40000100, 0x4fffffff };
	for (unsigned i = 0; i < 4; i++) {
		r = apply(empty[i], 0, ones, &pol);
		assert_regs(r, 0, 0, 0, 0);
	}
	/* Just outside the range: untouched. */
	r = apply(0x3fffffff, 0, ones, &pol);
	assert_regs(r, ~0u, ~0u, ~0u, ~0u);
	r = apply(0x50000000, 0, ones, &pol);
	assert_regs(r, ~0u, ~0u, ~0u, ~0u);
}

static const struct cpuid_policy os = {
	.vcpu_count = 1, .vcpu_index = 0, .partition_id = 4, .xcr0_offered = 0x7,
	.xsave_size_offered = 832, .os_platform = 1, .tsc_hz = 2400000000ull, .host_max_leaf = 0xd,
};

/* An OS partition: x2APIC, TSC-deadline and ARAT offered; TSC and CPU frequency stated. */
static void test_os_platform_leaves(void **state)
{
	(void)state;
	struct cpuid_regs4 zero = { 0, 0, 0, 0 };
	struct cpuid_regs4 r = apply(1, 0, zero, &os);
	assert_true(r.ecx & (1u << 21));
	assert_true(r.ecx & (1u << 24));
	assert_true(r.ecx & (1u << 31));
	r = apply(1, 0, ones, &os);
	assert_false(r.ecx & (1u << 5));              /* VMX still hidden */
	/* ELF partitions keep neither. */
	r = apply(1, 0, ones, &pol);
	assert_false(r.ecx & ((1u << 21) | (1u << 24)));

	r = apply(6, 0, ones, &os);
	assert_regs(r, 4, 0, 0, 0);
	r = apply(0x15, 0, ones, &os);
	assert_regs(r, 1, 1, 2400000000u, 0);
	r = apply(0x16, 0, ones, &os);
	assert_regs(r, 2400, 2400, 100, 0);
	/* The basic range reaches 0x16; leaves the CPU lacks read as zeros, not its last leaf. */
	r = (struct cpuid_regs4){ 0xd, 1, 2, 3 };
	r = apply(0, 0, r, &os);
	assert_int_equal(r.eax, 0x16);
	r = (struct cpuid_regs4){ 0x1b, 1, 2, 3 };
	r = apply(0, 0, r, &os);
	assert_int_equal(r.eax, 0x1b);
	r = apply(0x10, 0, ones, &os);
	assert_regs(r, 0, 0, 0, 0);
	r = apply(0x10, 0, ones, &pol);
	assert_regs(r, ~0u, ~0u, ~0u, ~0u);
}

static void test_os_platform_hypervisor_leaves(void **state)
{
	(void)state;
	/* Bulkhead's own block stays first; the KVM-compatible one follows, with no features. */
	struct cpuid_regs4 r = apply(0x40000000, 0, ones, &os);
	assert_regs(r, 0x40000001, 0x6b6c7542, 0x64616568, 0x00005648);
	r = apply(0x40000100, 0, ones, &os);
	char sig[12];
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_memory_equal(sig, "KVMKVMKVM\0\0\0", 12);
	assert_int_equal(r.eax, 0x40000101);
	r = apply(0x40000101, 0, ones, &os);
	assert_regs(r, 0, 0, 0, 0);
	/* ELF partitions see no KVM block. */
	r = apply(0x40000100, 0, ones, &pol);
	assert_regs(r, 0, 0, 0, 0);
}

/* A TSC beyond 32 bits of Hz gets a crystal ratio instead. */
static void test_tsc_leaf_ratio(void **state)
{
	(void)state;
	struct cpuid_regs4 r = cpuid_tsc_leaf(5000000000ull);
	assert_int_equal(r.eax, 1);
	assert_int_equal(r.ebx, 2);
	assert_int_equal(r.ecx, 2500000000u);
	r = cpuid_tsc_leaf(0xffffffffull);
	assert_regs(r, 1, 1, 0xffffffffu, 0);
}

static void test_rdtscp(void **state)
{
	(void)state;
	struct cpuid_regs4 in = { 0, 0, 0x00000121, 0x2c100800 };
	struct cpuid_regs4 r = apply(0x80000001, 0, in, &pol);
	assert_regs(r, 0, 0, 0x121u, 0x2c100800u & ~(1u << 27));
	struct cpuid_policy allowed = pol;
	allowed.rdtscp_allowed = 1;
	r = apply(0x80000001, 0, in, &allowed);
	assert_regs(r, 0, 0, 0x121u, 0x2c100800u);
	r = apply(0x80000001, 0, ones, &pol);
	assert_regs(r, ~0u, ~0u, ~0u, ~(1u << 27));
}

static void test_other_leaves_unchanged(void **state)
{
	(void)state;
	static const uint32_t leaves[] = { 0, 2, 3, 8, 9, 0xf, 0x10, 0x14, 0x15, 0x16,
					   0x80000000, 0x80000002, 0x80000006, 0x80000007,
					   0x80000008 };
	struct cpuid_regs4 in = { 0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321 };
	for (unsigned i = 0; i < sizeof leaves / sizeof leaves[0]; i++)
		for (uint32_t sub = 0; sub < 2; sub++) {
			struct cpuid_regs4 r = apply(leaves[i], sub, in, &pol);
			assert_memory_equal(&r, &in, sizeof r);
		}
}

static void test_xsave_leaf(void **state)
{
	(void)state;
	/* Subleaf 0: only offered components, and the size for all of them. A Sapphire Rapids
	 * answer with AMX (bits 17, 18): AMX disappears, EBX (the guest's XCR0 size, set by the
	 * caller) stays. */
	struct cpuid_regs4 r = apply(0xd, 0, (struct cpuid_regs4){ 0x602e7, 0x988, 0x2b00, 0 }, &pol);
	assert_regs(r, 0x2e7, 0x988, 2696, 0);
	r = apply(0xd, 0, ones, &pol);
	assert_regs(r, 0x2ff, ~0u, 2696, 0);
	/* Subleaf 1: XSAVES and XFD hidden, no supervisor (IA32_XSS) components. */
	r = apply(0xd, 1, ones, &pol);
	assert_regs(r, ~((1u << 3) | (1u << 4)), ~0u, 0, 0);
	/* Component subleaves: offered ones pass through, the others are empty. */
	struct cpuid_regs4 avx = { 256, 576, 0, 0 };
	r = apply(0xd, 2, avx, &pol);
	assert_memory_equal(&r, &avx, sizeof r);
	r = apply(0xd, 9, (struct cpuid_regs4){ 8, 2688, 0, 0 }, &pol);
	assert_regs(r, 8, 2688, 0, 0);
	static const uint32_t empty[] = { 8, 10, 11, 12, 17, 18, 31, 32, 62, 63, 64, 0x1000 };
	for (unsigned i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		r = apply(0xd, empty[i], ones, &pol);
		assert_regs(r, 0, 0, 0, 0);
	}
	/* A CPU offering x87/SSE only. */
	struct cpuid_policy small = pol;
	small.xcr0_offered = 3;
	small.xsave_size_offered = 576;
	r = apply(0xd, 0, ones, &small);
	assert_regs(r, 3, ~0u, 576, 0);
	r = apply(0xd, 2, avx, &small);
	assert_regs(r, 0, 0, 0, 0);
	/* AMX's own leaves are empty. */
	for (uint32_t leaf = 0x1d; leaf <= 0x1e; leaf++)
		for (uint32_t sub = 0; sub < 2; sub++) {
			r = apply(leaf, sub, ones, &pol);
			assert_regs(r, 0, 0, 0, 0);
		}
}

static void test_xcr0_offer(void **state)
{
	(void)state;
	/* x87, SSE, AVX, MPX, AVX-512 and PKRU are offered; AMX and anything newer are not. */
	assert_int_equal(xcr0_offer(0x2ff), 0x2ff);
	assert_int_equal(xcr0_offer(0x602e7), 0x2e7);
	assert_int_equal(xcr0_offer(~0ull), 0x2ff);
	assert_int_equal(xcr0_offer(3), 3);
	assert_int_equal(xcr0_offer(0), 0);
	assert_int_equal(xcr0_offer(1ull << 19), 0);
}

/* ---- XCR0 -------------------------------------------------------------------------------- */

#define X87    0x1ull
#define SSE    0x2ull
#define AVX    0x4ull
#define MPX    0x18ull
#define AVX512 0xe0ull
#define PKRU   0x200ull
#define AMX    0x60000ull
#define ALL    (X87 | SSE | AVX | MPX | AVX512 | PKRU | AMX)

static void test_xcr0_valid(void **state)
{
	(void)state;
	assert_true(xcr0_is_valid(X87, ALL));
	assert_true(xcr0_is_valid(X87 | SSE, ALL));
	assert_true(xcr0_is_valid(X87 | SSE | AVX, ALL));
	assert_true(xcr0_is_valid(X87 | SSE | AVX | AVX512, ALL));
	assert_true(xcr0_is_valid(X87 | MPX, ALL));
	assert_true(xcr0_is_valid(X87 | SSE | AVX | PKRU, ALL));
	assert_true(xcr0_is_valid(X87 | SSE | AVX | AMX, ALL));
	assert_true(xcr0_is_valid(ALL, ALL));
	/* A typical Linux value on a Skylake server. */
	assert_true(xcr0_is_valid(0x2e7, 0x2ff));
}

static void test_xcr0_x87_required(void **state)
{
	(void)state;
	assert_false(xcr0_is_valid(0, ALL));
	assert_false(xcr0_is_valid(SSE, ALL));
	assert_false(xcr0_is_valid(ALL & ~X87, ALL));
}

static void test_xcr0_subset_of_supported(void **state)
{
	(void)state;
	assert_false(xcr0_is_valid(X87 | SSE | AVX, X87 | SSE));
	assert_false(xcr0_is_valid(X87 | (1ull << 63), ~0ull >> 1));
	assert_false(xcr0_is_valid(X87 | (1ull << 8), ALL));
	assert_false(xcr0_is_valid(X87, 0));
	assert_true(xcr0_is_valid(X87 | SSE, X87 | SSE));
}

static void test_xcr0_avx_needs_sse(void **state)
{
	(void)state;
	assert_false(xcr0_is_valid(X87 | AVX, ALL));
	assert_true(xcr0_is_valid(X87 | SSE | AVX, ALL));
}

static void test_xcr0_avx512_rules(void **state)
{
	(void)state;
	/* All three or none... */
	for (uint64_t part = 0x20; part < AVX512; part += 0x20)
		assert_false(xcr0_is_valid(X87 | SSE | AVX | part, ALL));
	/* ... and only with AVX. */
	assert_false(xcr0_is_valid(X87 | SSE | AVX512, ALL));
	assert_false(xcr0_is_valid(X87 | AVX512, ALL));
	assert_true(xcr0_is_valid(X87 | SSE | AVX | AVX512, ALL));
}

static void test_xcr0_mpx_and_amx_pairs(void **state)
{
	(void)state;
	assert_false(xcr0_is_valid(X87 | 0x8, ALL));
	assert_false(xcr0_is_valid(X87 | 0x10, ALL));
	assert_true(xcr0_is_valid(X87 | MPX, ALL));
	assert_false(xcr0_is_valid(X87 | SSE | AVX | 0x20000, ALL));
	assert_false(xcr0_is_valid(X87 | SSE | AVX | 0x40000, ALL));
	assert_true(xcr0_is_valid(X87 | SSE | AVX | AMX, ALL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1),
		cmocka_unit_test(test_zeroed_leaves),
		cmocka_unit_test(test_leaf7),
		cmocka_unit_test(test_topology_leaves),
		cmocka_unit_test(test_hypervisor_leaves),
		cmocka_unit_test(test_rdtscp),
		cmocka_unit_test(test_os_platform_leaves),
		cmocka_unit_test(test_os_platform_hypervisor_leaves),
		cmocka_unit_test(test_tsc_leaf_ratio),
		cmocka_unit_test(test_other_leaves_unchanged),
		cmocka_unit_test(test_xsave_leaf),
		cmocka_unit_test(test_xcr0_offer),
		cmocka_unit_test(test_xcr0_valid),
		cmocka_unit_test(test_xcr0_x87_required),
		cmocka_unit_test(test_xcr0_subset_of_supported),
		cmocka_unit_test(test_xcr0_avx_needs_sse),
		cmocka_unit_test(test_xcr0_avx512_rules),
		cmocka_unit_test(test_xcr0_mpx_and_amx_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
