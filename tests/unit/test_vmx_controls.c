/*
 * Unit tests for vmx/vmx_controls.c, with capability MSR values shaped like those of a
 * Skylake-class CPU (pin-based, true processor-based, secondary, VM-exit and VM-entry
 * controls, CR0/CR4 fixed MSRs), plus synthetic corner cases: nothing allowed, everything
 * forced, and contradictory halves (Intel SDM Vol. 3D, A.3-A.5, A.7, A.8).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmx/vmx_controls.h"

/* In this order: IA32_VMX_TRUE_PINBASED_CTLS, IA32_VMX_TRUE_PROCBASED_CTLS,
 * IA32_VMX_PROCBASED_CTLS2, IA32_VMX_TRUE_EXIT_CTLS, IA32_VMX_TRUE_ENTRY_CTLS. */
#define PIN_CAP    0x0000007f00000016ull
#define PROC_CAP   0xfff9fffe04006172ull
#define PROC2_CAP  0x00553cfe00000000ull
#define EXIT_CAP   0x01ffffff00036dfbull
#define ENTRY_CAP  0x0003ffff000011fbull

#define CR0_FIXED0 0x0000000080000021ull   /* PG, NE, PE */
#define CR0_FIXED1 0x00000000ffffffffull
#define CR4_FIXED0 0x0000000000002000ull   /* VMXE */
#define CR4_FIXED1 0x00000000003727ffull

static void test_forced_bits_are_added(void **state)
{
	(void)state;
	uint32_t missing = 0xdead;
	/* Nothing wanted: exactly the must-be-1 (default1) bits. */
	assert_int_equal(vmx_adjust_controls(0, PIN_CAP, &missing), 0x16);
	assert_int_equal(missing, 0);
	assert_int_equal(vmx_adjust_controls(0, EXIT_CAP, &missing), 0x00036dfb);
	assert_int_equal(vmx_adjust_controls(0, ENTRY_CAP, &missing), 0x000011fb);
	assert_int_equal(missing, 0);
}

static void test_allowed_bits_are_kept(void **state)
{
	(void)state;
	uint32_t missing = 0xdead;
	/* Pin-based: external-interrupt exiting (0), NMI exiting (3), preemption timer (6). */
	uint32_t want = (1u << 0) | (1u << 3) | (1u << 6);
	assert_int_equal(vmx_adjust_controls(want, PIN_CAP, &missing), want | 0x16);
	assert_int_equal(missing, 0);
	/* Primary processor-based: HLT exiting (7), use MSR bitmaps (28), secondary (31). */
	want = (1u << 7) | (1u << 28) | (1u << 31);
	assert_int_equal(vmx_adjust_controls(want, PROC_CAP, &missing), want | 0x04006172);
	assert_int_equal(missing, 0);
	/* Secondary: EPT (1), VPID (5), unrestricted guest (7); nothing is forced here. */
	want = (1u << 1) | (1u << 5) | (1u << 7);
	assert_int_equal(vmx_adjust_controls(want, PROC2_CAP, &missing), want);
	assert_int_equal(missing, 0);
	/* VM-exit: host address-space size (9), load/save EFER (20, 21); already-forced bits
	 * asked for again change nothing. */
	want = (1u << 9) | (1u << 20) | (1u << 21) | 0x3;
	assert_int_equal(vmx_adjust_controls(want, EXIT_CAP, &missing), want | 0x00036dfb);
	assert_int_equal(missing, 0);
}

static void test_unsupported_bits_are_dropped_and_reported(void **state)
{
	(void)state;
	uint32_t missing = 0;
	/* Pin-based bit 7 (process posted interrupts) is allowed-1 = 0 in PIN_CAP. */
	uint32_t want = (1u << 0) | (1u << 7);
	assert_int_equal(vmx_adjust_controls(want, PIN_CAP, &missing), (1u << 0) | 0x16);
	assert_int_equal(missing, 1u << 7);
	/* Secondary: bit 0 (virtualize APIC accesses) not allowed here, nor bit 17; EPT is. */
	want = (1u << 0) | (1u << 1) | (1u << 17);
	assert_int_equal(vmx_adjust_controls(want, PROC2_CAP, &missing), 1u << 1);
	assert_int_equal(missing, (1u << 0) | (1u << 17));
	/* Nothing may be 1 at all. */
	assert_int_equal(vmx_adjust_controls(0xffffffffu, 0, &missing), 0);
	assert_int_equal(missing, 0xffffffffu);
	/* missing may be NULL. */
	assert_int_equal(vmx_adjust_controls(1u << 7, PIN_CAP, NULL), 0x16);
}

static void test_everything_forced_and_contradictions(void **state)
{
	(void)state;
	uint32_t missing = 0xdead;
	/* Every bit must be 1 and may be 1. */
	assert_int_equal(vmx_adjust_controls(0, ~0ull, &missing), 0xffffffffu);
	assert_int_equal(missing, 0);
	/* Must be 1 but may not be 1 (impossible on real hardware): the bit stays 0, and since
	 * it was not wanted it is not reported as missing. */
	assert_int_equal(vmx_adjust_controls(0, 0x0000000000000010ull, &missing), 0);
	assert_int_equal(missing, 0);
	/* Only the high half says what may be 1: a low-half bit is not an allowed-1 bit. */
	assert_int_equal(vmx_adjust_controls(1u << 4, 0x0000000100000010ull, &missing), 0);
	assert_int_equal(missing, 1u << 4);
}

static void test_cr0_fixed(void **state)
{
	(void)state;
	/* A real-mode-like CR0 gets PE, NE and PG forced on (without unrestricted guest). */
	assert_int_equal(vmx_apply_fixed(0x10, CR0_FIXED0, CR0_FIXED1), 0x80000031);
	/* A typical long-mode CR0 is already fine. */
	assert_int_equal(vmx_apply_fixed(0x80050033, CR0_FIXED0, CR0_FIXED1), 0x80050033);
	/* Bits above 31 are reserved in CR0: FIXED1 clears them. */
	assert_int_equal(vmx_apply_fixed(0x100000000ull | 0x80000033, CR0_FIXED0, CR0_FIXED1),
			 0x80000033);
	/* With unrestricted guest the caller takes PE and PG out of FIXED0 itself. */
	assert_int_equal(vmx_apply_fixed(0x10, CR0_FIXED0 & ~0x80000001ull, CR0_FIXED1), 0x30);
}

static void test_cr4_fixed(void **state)
{
	(void)state;
	/* VMXE forced on. */
	assert_int_equal(vmx_apply_fixed(0x20, CR4_FIXED0, CR4_FIXED1), 0x2020);
	/* Bits the CPU does not support (clear in FIXED1) are forced off: here bit 24 and the
	 * hole at 15 and 19 while PAE|PGE|OSFXSR stay. */
	uint64_t v = (1ull << 24) | (1ull << 15) | (1ull << 19) | 0x20 | 0x80 | 0x200;
	assert_int_equal(vmx_apply_fixed(v, CR4_FIXED0, CR4_FIXED1), 0x2000 | 0x20 | 0x80 | 0x200);
	/* Identity when nothing is fixed. */
	assert_int_equal(vmx_apply_fixed(0x123456789abcdefull, 0, ~0ull), 0x123456789abcdefull);
	/* Everything fixed to 1. */
	assert_int_equal(vmx_apply_fixed(0, ~0ull, ~0ull), ~0ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forced_bits_are_added),
		cmocka_unit_test(test_allowed_bits_are_kept),
		cmocka_unit_test(test_unsupported_bits_are_dropped_and_reported),
		cmocka_unit_test(test_everything_forced_and_contradictions),
		cmocka_unit_test(test_cr0_fixed),
		cmocka_unit_test(test_cr4_fixed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
