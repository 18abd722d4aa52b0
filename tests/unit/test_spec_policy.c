/*
 * Unit tests for vmx/spec_policy.c: the speculation barriers chosen for CPUs that enumerate
 * different things. The enumerations follow real parts where one fits (Skylake server with
 * and without updated microcode, Cascade Lake, Ice Lake, an Atom with RFDS, Bochs's Skylake-X
 * model, which enumerates nothing) and are built bit by bit where the rule is the point.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/spec_policy.h"

#define MITIGATION_BITS (CPUID7_EDX_MD_CLEAR | CPUID7_EDX_IBRS_IBPB | CPUID7_EDX_STIBP | \
			 CPUID7_EDX_L1D_FLUSH | CPUID7_EDX_SSBD)

static struct spec_measures decide(bool intel, uint32_t ebx, uint32_t edx, uint64_t caps)
{
	struct spec_inputs in = { .intel = intel, .cpuid7_ebx = ebx, .cpuid7_edx = edx,
				  .arch_caps = caps };
	struct spec_measures m;
	memset(&m, 0x5a, sizeof m);
	spec_policy_decide(&in, &m);
	return m;
}

static void test_old_microcode(void **state)
{
	(void)state;
	/* Bochs's corei7_skylake_x (leaf 7 EDX = 0), or a 2017 Skylake before the microcode
	 * updates: Intel, nothing enumerated, so everything is needed and nothing is there. */
	struct spec_measures m = decide(true, CPUID7_EBX_RTM, 0, 0);
	assert_int_equal(m.ibpb.state, SPEC_UNAVAILABLE);
	assert_int_equal(m.l1d_flush.state, SPEC_UNAVAILABLE);
	assert_int_equal(m.verw.state, SPEC_UNAVAILABLE);
	assert_false(m.spec_ctrl);
	assert_non_null(strstr(m.l1d_flush.why, "L1TF"));
	assert_non_null(strstr(m.verw.why, "MDS"));
}

static void test_skylake_updated_microcode(void **state)
{
	(void)state;
	/* The same part with updated microcode but no ARCH_CAPABILITIES: IBPB, the L1D flush,
	 * and VERW would be needed too, but the flush covers the buffers. */
	struct spec_measures m = decide(true, CPUID7_EBX_RTM, MITIGATION_BITS, 0);
	assert_int_equal(m.ibpb.state, SPEC_ON);
	assert_int_equal(m.l1d_flush.state, SPEC_ON);
	assert_int_equal(m.verw.state, SPEC_COVERED);
	assert_true(m.spec_ctrl);
	/* ARCH_CAPABILITIES enumerated but all zero: the same answer. */
	m = decide(true, CPUID7_EBX_RTM, MITIGATION_BITS | CPUID7_EDX_ARCH_CAP, 0);
	assert_int_equal(m.l1d_flush.state, SPEC_ON);
	assert_int_equal(m.verw.state, SPEC_COVERED);
}

static void test_cascade_lake(void **state)
{
	(void)state;
	/* RDCL_NO, IBRS_ALL, SKIP_L1DFL_VMENTRY, MDS_NO; TSX on without TAA_NO: VERW for TAA. */
	uint64_t caps = ARCH_CAP_RDCL_NO | (1ull << 1) | ARCH_CAP_SKIP_L1DFL_VMENTRY | ARCH_CAP_MDS_NO;
	struct spec_measures m = decide(true, CPUID7_EBX_RTM, MITIGATION_BITS | CPUID7_EDX_ARCH_CAP,
					caps);
	assert_int_equal(m.ibpb.state, SPEC_ON);
	assert_int_equal(m.l1d_flush.state, SPEC_NOT_NEEDED);
	assert_string_equal(m.l1d_flush.why, "ARCH_CAPABILITIES.RDCL_NO");
	assert_int_equal(m.verw.state, SPEC_ON);
	assert_string_equal(m.verw.why, "TAA");
	/* With TSX off (no RTM) nothing is left for VERW. */
	m = decide(true, 0, MITIGATION_BITS | CPUID7_EDX_ARCH_CAP, caps);
	assert_int_equal(m.verw.state, SPEC_NOT_NEEDED);
	/* TAA_NO: likewise. */
	m = decide(true, CPUID7_EBX_RTM, MITIGATION_BITS | CPUID7_EDX_ARCH_CAP,
		   caps | ARCH_CAP_TAA_NO);
	assert_int_equal(m.verw.state, SPEC_NOT_NEEDED);
}

static void test_skip_l1d_flush(void **state)
{
	(void)state;
	/* Affected by L1TF in principle (no RDCL_NO) but told entries need no flush. */
	struct spec_measures m = decide(true, 0, MITIGATION_BITS | CPUID7_EDX_ARCH_CAP,
					ARCH_CAP_SKIP_L1DFL_VMENTRY | ARCH_CAP_MDS_NO);
	assert_int_equal(m.l1d_flush.state, SPEC_NOT_NEEDED);
	assert_string_equal(m.l1d_flush.why, "ARCH_CAPABILITIES.SKIP_L1DFL_VMENTRY");
	/* And without the flush, MDS needs VERW of its own. */
	m = decide(true, 0, MITIGATION_BITS | CPUID7_EDX_ARCH_CAP, ARCH_CAP_SKIP_L1DFL_VMENTRY);
	assert_int_equal(m.verw.state, SPEC_ON);
	assert_string_equal(m.verw.why, "MDS");
}

static void test_mmio_stale_data_and_rfds(void **state)
{
	(void)state;
	/* Ice Lake server: not affected by L1TF/MDS/TAA, but FB_CLEAR says VERW clears fill
	 * buffers again (MMIO stale data), and no L1D flush covers it. */
	uint64_t icx = ARCH_CAP_RDCL_NO | ARCH_CAP_MDS_NO | ARCH_CAP_TAA_NO | ARCH_CAP_FB_CLEAR;
	struct spec_measures m = decide(true, 0, CPUID7_EDX_IBRS_IBPB | CPUID7_EDX_ARCH_CAP, icx);
	assert_int_equal(m.verw.state, SPEC_ON);
	assert_string_equal(m.verw.why, "MMIO stale data");
	assert_int_equal(m.l1d_flush.state, SPEC_NOT_NEEDED);
	/* An Atom with RFDS_CLEAR (and not RFDS_NO): VERW for register files, even where an L1D
	 * flush also runs (it does not clear them). */
	m = decide(true, 0, MITIGATION_BITS | CPUID7_EDX_ARCH_CAP, ARCH_CAP_RFDS_CLEAR);
	assert_int_equal(m.l1d_flush.state, SPEC_ON);
	assert_int_equal(m.verw.state, SPEC_ON);
	assert_string_equal(m.verw.why, "RFDS");
	m = decide(true, 0, MITIGATION_BITS | CPUID7_EDX_ARCH_CAP,
		   ARCH_CAP_RFDS_CLEAR | ARCH_CAP_RFDS_NO | ARCH_CAP_RDCL_NO | ARCH_CAP_MDS_NO);
	assert_int_equal(m.verw.state, SPEC_NOT_NEEDED);
}

static void test_fixed_in_hardware(void **state)
{
	(void)state;
	/* A recent part that needs none of the entry measures; IBPB still separates partitions. */
	uint64_t caps = ARCH_CAP_RDCL_NO | ARCH_CAP_MDS_NO | ARCH_CAP_TAA_NO |
			ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO;
	struct spec_measures m = decide(true, CPUID7_EBX_RTM, MITIGATION_BITS | CPUID7_EDX_ARCH_CAP,
					caps);
	assert_int_equal(m.ibpb.state, SPEC_ON);
	assert_int_equal(m.l1d_flush.state, SPEC_NOT_NEEDED);
	assert_int_equal(m.verw.state, SPEC_NOT_NEEDED);
	/* ARCH_CAPABILITIES bits count only when CPUID enumerates the MSR. */
	m = decide(true, 0, MITIGATION_BITS, caps);
	assert_int_equal(m.l1d_flush.state, SPEC_ON);
	assert_int_equal(m.verw.state, SPEC_COVERED);
}

static void test_needed_but_no_mechanism(void **state)
{
	(void)state;
	/* VERW needed for MDS without the L1D flush (SKIP) and without MD_CLEAR: unavailable. */
	struct spec_measures m = decide(true, 0, CPUID7_EDX_IBRS_IBPB | CPUID7_EDX_ARCH_CAP,
					ARCH_CAP_SKIP_L1DFL_VMENTRY);
	assert_int_equal(m.verw.state, SPEC_UNAVAILABLE);
	/* L1TF without IA32_FLUSH_CMD: unavailable, and then VERW (with MD_CLEAR) is on. */
	m = decide(true, 0, CPUID7_EDX_MD_CLEAR | CPUID7_EDX_IBRS_IBPB, 0);
	assert_int_equal(m.l1d_flush.state, SPEC_UNAVAILABLE);
	assert_int_equal(m.verw.state, SPEC_ON);
}

static void test_other_vendor(void **state)
{
	(void)state;
	/* Without ARCH_CAPABILITIES a non-Intel VMX CPU is not assumed affected. */
	struct spec_measures m = decide(false, CPUID7_EBX_RTM, CPUID7_EDX_IBRS_IBPB, 0);
	assert_int_equal(m.l1d_flush.state, SPEC_NOT_NEEDED);
	assert_int_equal(m.verw.state, SPEC_NOT_NEEDED);
	assert_int_equal(m.ibpb.state, SPEC_ON);
	m = decide(false, 0, 0, 0);
	assert_int_equal(m.ibpb.state, SPEC_UNAVAILABLE);
}

static void test_spec_ctrl_presence(void **state)
{
	(void)state;
	assert_true(decide(true, 0, CPUID7_EDX_IBRS_IBPB, 0).spec_ctrl);
	assert_true(decide(true, 0, CPUID7_EDX_STIBP, 0).spec_ctrl);
	assert_true(decide(true, 0, CPUID7_EDX_SSBD, 0).spec_ctrl);
	assert_false(decide(true, 0, CPUID7_EDX_L1D_FLUSH | CPUID7_EDX_MD_CLEAR, 0).spec_ctrl);
}

static void test_describe(void **state)
{
	(void)state;
	struct spec_measures m = decide(true, 0, MITIGATION_BITS, 0);
	char buf[400];
	spec_policy_describe(&m, buf, sizeof buf);
	assert_string_equal(buf, "IBPB on partition switch: on (branch target injection); "
			    "L1D flush on VM entry: on (L1TF); VERW on VM entry: covered (MDS/TAA: "
			    "the L1D flush also overwrites the buffers); IA32_SPEC_CTRL passed to "
			    "guests, switched per vCPU");
	/* A short buffer is cut, never overrun. */
	char small[16];
	memset(small, 'x', sizeof small);
	spec_policy_describe(&m, small, 10);
	assert_int_equal(strlen(small), 9);
	assert_int_equal(small[10], 'x');
	assert_string_equal(spec_state_name(SPEC_UNAVAILABLE), "needed but unavailable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_microcode),
		cmocka_unit_test(test_skylake_updated_microcode),
		cmocka_unit_test(test_cascade_lake),
		cmocka_unit_test(test_skip_l1d_flush),
		cmocka_unit_test(test_mmio_stale_data_and_rfds),
		cmocka_unit_test(test_fixed_in_hardware),
		cmocka_unit_test(test_needed_but_no_mechanism),
		cmocka_unit_test(test_other_vendor),
		cmocka_unit_test(test_spec_ctrl_presence),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
