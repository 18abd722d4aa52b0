/*
 * Unit tests for vmx/msr_policy.c: the policy table MSR by MSR, the bitmap bit for a few MSRs
 * in each of its four quarters (computed here independently from the layout in Intel SDM
 * Vol. 3C 25.6.9), the bitmap as a whole against the table, and the emulated values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/msr_policy.h"

static uint8_t bitmap[4096];

/* 1 if the bitmap makes RDMSR/WRMSR of msr exit; MSRs outside the two ranges always do. */
static int exits(uint32_t msr, int write)
{
	unsigned base;
	uint32_t index;
	if (msr <= 0x1fff) {
		base = write ? 2048 : 0;
		index = msr;
	} else if (msr >= 0xc0000000u && msr <= 0xc0001fffu) {
		base = write ? 3072 : 1024;
		index = msr - 0xc0000000u;
	} else {
		return 1;
	}
	return (bitmap[base + index / 8] >> (index % 8)) & 1;
}

static const uint32_t passthrough[] = {
	0xc0000100, 0xc0000101, 0xc0000102, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
	0xc0000103, 0x174, 0x175, 0x176, 0x277,
};

static void test_policy_table(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof passthrough / sizeof passthrough[0]; i++) {
		assert_int_equal(msr_policy(passthrough[i], 0), MSR_PASSTHROUGH);
		assert_int_equal(msr_policy(passthrough[i], 1), MSR_PASSTHROUGH);
	}
	assert_int_equal(msr_policy(0x10, 0), MSR_PASSTHROUGH);         /* TSC */
	assert_int_equal(msr_policy(0x10, 1), MSR_DENY);
	assert_int_equal(msr_policy(0xc0000080, 0), MSR_PASSTHROUGH);   /* EFER */
	assert_int_equal(msr_policy(0xc0000080, 1), MSR_EMULATE);
	/* Emulated both ways. */
	static const uint32_t both[] = { 0x1a0, 0x2ff, 0x1b, 0x8b };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(msr_policy(both[i], 0), MSR_EMULATE);
		assert_int_equal(msr_policy(both[i], 1), MSR_EMULATE);
	}
	/* Emulated reads, denied writes. */
	static const uint32_t ro[] = { 0x3a, 0xfe, 0x179, 0x17a };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(msr_policy(ro[i], 0), MSR_EMULATE);
		assert_int_equal(msr_policy(ro[i], 1), MSR_DENY);
	}
	/* Every VMX MSR, and a few others, denied both ways; any nonzero write flag is a write. */
	for (uint32_t m = 0x480; m <= 0x493; m++) {
		assert_int_equal(msr_policy(m, 0), MSR_DENY);
		assert_int_equal(msr_policy(m, 1), MSR_DENY);
	}
	static const uint32_t denied[] = { 0, 0x1, 0x6e0 /* TSC_DEADLINE */, 0x10a /* ARCH_CAP */,
					   0x1da /* after DEBUGCTL */, 0x200 /* MTRR_PHYSBASE0 */,
					   0x802 /* x2APIC ID */, 0x1fff, 0x2000, 0xc0000000,
					   0xc0000104, 0xc0001fff, 0xc0002000, 0x12345678,
					   0xffffffff };
	for (unsigned i = 0; i < sizeof denied / sizeof denied[0]; i++) {
		assert_int_equal(msr_policy(denied[i], 0), MSR_DENY);
		assert_int_equal(msr_policy(denied[i], 1), MSR_DENY);
		assert_int_equal(msr_policy(denied[i], 7), MSR_DENY);
	}
	assert_int_equal(msr_policy(0x10, 7), MSR_DENY);
}

static void test_speculation_and_debug_msrs(void **state)
{
	(void)state;
	/* SPEC_CTRL is the guest's own (switched per vCPU); the command MSRs are write-only;
	 * DEBUGCTL is emulated on the VMCS copy, so neither the emulated-constant read nor the
	 * no-effect write path may claim it. */
	assert_int_equal(msr_policy(0x48, 0), MSR_PASSTHROUGH);
	assert_int_equal(msr_policy(0x48, 1), MSR_PASSTHROUGH);
	assert_int_equal(msr_policy(0x49, 1), MSR_PASSTHROUGH);
	assert_int_equal(msr_policy(0x49, 0), MSR_DENY);
	assert_int_equal(msr_policy(0x10b, 1), MSR_PASSTHROUGH);
	assert_int_equal(msr_policy(0x10b, 0), MSR_DENY);
	assert_int_equal(msr_policy(0x1d9, 0), MSR_EMULATE);
	assert_int_equal(msr_policy(0x1d9, 1), MSR_EMULATE);
	uint64_t v = 0x77;
	assert_false(msr_emulated_read(0x1d9, &v));
	assert_int_equal(v, 0x77);
	assert_false(msr_emulated_write_ok(0x1d9, 0));
	assert_false(msr_emulated_write_ok(0x1d9, MSR_DEBUGCTL_OFFERED));
	/* BTF only: LBR (bit 0) would fill MSRs nothing switches. */
	assert_int_equal(MSR_DEBUGCTL_OFFERED, 0x2);
}

static void test_bitmap_bits(void **state)
{
	(void)state;
	memset(bitmap, 0x5a, sizeof bitmap);
	msr_bitmap_build(bitmap);

	/* Read-low quarter: TSC 0x10 (byte 2, bit 0), PAT 0x277 (byte 0x4e, bit 7) and
	 * SYSENTER_CS 0x174 (byte 0x2e, bit 4) clear; APIC_BASE 0x1b and 0x480 set. */
	assert_int_equal(bitmap[2] & 0x01, 0);
	assert_int_equal(bitmap[0x4e] & 0x80, 0);
	assert_int_equal(bitmap[0x2e] & 0x10, 0);
	assert_int_equal(bitmap[3] & 0x08, 0x08);
	assert_int_equal(bitmap[0x90] & 0x01, 0x01);
	/* Read-high quarter: EFER 0xc0000080 (1024 + 16, bit 0), FS_BASE 0xc0000100 (1024 + 32,
	 * bit 0) and TSC_AUX 0xc0000103 (bit 3) clear; 0xc0000104 set. */
	assert_int_equal(bitmap[1024 + 16] & 0x01, 0);
	assert_int_equal(bitmap[1024 + 32] & 0x0f, 0);
	assert_int_equal(bitmap[1024 + 32] & 0x10, 0x10);
	/* Write-low quarter: TSC write exits, PAT and SYSENTER_* writes do not. */
	assert_int_equal(bitmap[2048 + 2] & 0x01, 0x01);
	assert_int_equal(bitmap[2048 + 0x4e] & 0x80, 0);
	assert_int_equal(bitmap[2048 + 0x2e] & 0x70, 0);
	assert_int_equal(bitmap[2048 + 0x2e] & 0x80, 0x80);     /* 0x177 */
	/* Write-high quarter: EFER write exits; STAR..SFMASK (0x81-0x84) do not. */
	assert_int_equal(bitmap[3072 + 16], 0xe1);
	assert_int_equal(bitmap[3072 + 32], 0xf0);
	/* SPEC_CTRL 0x48 (byte 9, bit 0) both ways; PRED_CMD 0x49 (bit 1) and FLUSH_CMD 0x10b
	 * (byte 0x21, bit 3) written without exits, read with one. */
	assert_int_equal(bitmap[9], 0xfe);
	assert_int_equal(bitmap[2048 + 9], 0xfc);
	assert_int_equal(bitmap[0x21], 0xff);
	assert_int_equal(bitmap[2048 + 0x21], 0xf7);
	/* Only these bytes have any clear bit; every other byte is all ones. */
	static const unsigned open_bytes[] = {
		2, 9, 0x2e, 0x4e, 1024 + 16, 1024 + 32, 2048 + 9, 2048 + 0x21, 2048 + 0x2e,
		2048 + 0x4e, 3072 + 16, 3072 + 32,
	};
	for (unsigned i = 0; i < sizeof bitmap; i++) {
		int open = 0;
		for (unsigned j = 0; j < sizeof open_bytes / sizeof open_bytes[0]; j++)
			open |= open_bytes[j] == i;
		if (!open)
			assert_int_equal(bitmap[i], 0xff);
	}
}

static void test_bitmap_matches_policy(void **state)
{
	(void)state;
	msr_bitmap_build(bitmap);
	for (uint32_t m = 0; m < 0x2000; m++)
		for (int w = 0; w < 2; w++) {
			assert_int_equal(exits(m, w), msr_policy(m, w) != MSR_PASSTHROUGH);
			assert_int_equal(exits(0xc0000000u + m, w),
					 msr_policy(0xc0000000u + m, w) != MSR_PASSTHROUGH);
		}
	/* Out of range: no bitmap bit, and the policy denies them. */
	assert_int_equal(exits(0x12345678, 0), 1);
	assert_int_equal(msr_policy(0x12345678, 0), MSR_DENY);
	/* Exactly 15 MSRs are readable without an exit (the 13 both-way ones, TSC, EFER) and 15
	 * writable (the 13, PRED_CMD, FLUSH_CMD). */
	unsigned reads = 0, writes = 0;
	for (uint32_t m = 0; m < 0x2000; m++) {
		reads += !exits(m, 0) + !exits(0xc0000000u + m, 0);
		writes += !exits(m, 1) + !exits(0xc0000000u + m, 1);
	}
	assert_int_equal(reads, 15);
	assert_int_equal(writes, 15);
}

static void test_emulated_reads(void **state)
{
	(void)state;
	static const struct { uint32_t msr; uint64_t value; } table[] = {
		{ 0x3a, 1 }, { 0x1b, 0xfee00900 }, { 0x1a0, 1 }, { 0xfe, 0 }, { 0x2ff, 0x806 },
		{ 0x179, 0 }, { 0x17a, 0 }, { 0x8b, 0 },
	};
	for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++) {
		uint64_t v = 0xdeadbeef;
		assert_int_equal(msr_emulated_read(table[i].msr, &v), 1);
		assert_int_equal(v, table[i].value);
		/* Every emulated read is one the policy says to emulate. */
		assert_int_equal(msr_policy(table[i].msr, 0), MSR_EMULATE);
	}
	/* EFER belongs to the caller; passthrough and denied MSRs are not emulated here. */
	static const uint32_t not_here[] = { 0xc0000080, 0x10, 0x277, 0x480, 0x12345678 };
	for (unsigned i = 0; i < 5; i++) {
		uint64_t v = 0xdeadbeef;
		assert_int_equal(msr_emulated_read(not_here[i], &v), 0);
		assert_int_equal(v, 0xdeadbeef);
	}
	/* And the other way: every MSR whose read the policy emulates has a value here,
	 * except EFER and DEBUGCTL (checked over both bitmap ranges). */
	for (uint32_t m = 0; m < 0x2000; m++) {
		uint64_t v;
		if (msr_policy(m, 0) == MSR_EMULATE && m != 0x1d9)
			assert_int_equal(msr_emulated_read(m, &v), 1);
		if (msr_policy(0xc0000000u + m, 0) == MSR_EMULATE)
			assert_int_equal(msr_emulated_read(0xc0000000u + m, &v), 1);
	}
}

static void test_emulated_writes(void **state)
{
	(void)state;
	/* The value the read returns is accepted, anything else is not. */
	assert_true(msr_emulated_write_ok(0x1a0, 1));
	assert_false(msr_emulated_write_ok(0x1a0, 0));
	assert_false(msr_emulated_write_ok(0x1a0, 1 | (1ull << 22)));
	assert_true(msr_emulated_write_ok(0x2ff, 0x806));
	assert_false(msr_emulated_write_ok(0x2ff, 0x006));
	assert_true(msr_emulated_write_ok(0x1b, 0xfee00900));
	assert_false(msr_emulated_write_ok(0x1b, 0xfee00d00));   /* x2APIC enable */
	assert_false(msr_emulated_write_ok(0x1b, 0xfec00900));   /* moved base */
	/* BIOS_SIGN_ID: any write is ignored. */
	assert_true(msr_emulated_write_ok(0x8b, 0));
	assert_true(msr_emulated_write_ok(0x8b, 0x12345678ull << 32));
	/* Not emulated writes: read-only views, EFER, passthrough, denied. */
	static const uint32_t no[] = { 0x3a, 0xfe, 0x179, 0x17a, 0xc0000080, 0x10, 0x277, 0x480,
				       0x12345678 };
	for (unsigned i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(msr_emulated_write_ok(no[i], 0));
	assert_false(msr_emulated_write_ok(0x3a, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_speculation_and_debug_msrs),
		cmocka_unit_test(test_bitmap_bits),
		cmocka_unit_test(test_bitmap_matches_policy),
		cmocka_unit_test(test_emulated_reads),
		cmocka_unit_test(test_emulated_writes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
