/*
 * Unit tests for vmx_caps_decode(): each test builds capability MSR values bit by bit (as
 * Intel SDM Vol. 3D appendix A lays them out) and checks the decoded feature set, including
 * the dependencies between controls that a naive decoder gets wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmx/vmx_caps.h"

#define ALLOW1(bit) (1ull << (32 + (bit)))

/* A Skylake-like CPU: TRUE controls, secondary controls, EPT+VPID+UG, everything in EPT caps. */
static struct vmx_msrs full(void)
{
	struct vmx_msrs m = {0};
	m.basic = 0x4 | (0x1000ull << 32) | (1ull << 55);
	m.true_pinbased = ALLOW1(6) | ALLOW1(0);
	m.true_procbased = ALLOW1(31) | ALLOW1(7);
	m.procbased2 = ALLOW1(1) | ALLOW1(5) | ALLOW1(7);
	m.ept_vpid = (1ull << 6) | (1ull << 14) | (1ull << 16) | (1ull << 17) | (1ull << 20) | (1ull << 32);
	m.misc = 5;
	return m;
}

static void decodes_full_feature_set(void **state)
{
	(void)state;
	struct vmx_msrs m = full();
	struct vmx_caps c;
	vmx_caps_decode(&m, &c);
	assert_int_equal(c.vmcs_revision, 4);
	assert_int_equal(c.vmcs_size, 4096);
	assert_true(c.true_controls);
	assert_true(c.secondary_controls);
	assert_true(c.ept && c.ept_4level && c.ept_wb && c.ept_2m && c.ept_1g && c.invept);
	assert_true(c.vpid && c.invvpid);
	assert_true(c.unrestricted_guest);
	assert_true(c.preemption_timer);
	assert_int_equal(c.preemption_timer_shift, 5);
}

static void true_msrs_used_only_when_advertised(void **state)
{
	(void)state;
	struct vmx_msrs m = full();
	/* Without bit 55 the legacy MSRs rule; here they deny the timer and secondary controls. */
	m.basic &= ~(1ull << 55);
	m.pinbased = ALLOW1(0);
	m.procbased = ALLOW1(7);
	struct vmx_caps c;
	vmx_caps_decode(&m, &c);
	assert_false(c.true_controls);
	assert_false(c.preemption_timer);
	assert_false(c.secondary_controls);
	assert_false(c.ept);
	assert_false(c.vpid);
	assert_false(c.unrestricted_guest);
}

static void no_secondary_controls_means_no_ept(void **state)
{
	(void)state;
	struct vmx_msrs m = full();
	m.true_procbased &= ~ALLOW1(31);
	struct vmx_caps c;
	vmx_caps_decode(&m, &c);
	assert_false(c.secondary_controls);
	assert_false(c.ept || c.ept_2m || c.ept_1g || c.vpid || c.unrestricted_guest);
}

static void unrestricted_guest_needs_ept(void **state)
{
	(void)state;
	struct vmx_msrs m = full();
	m.procbased2 = ALLOW1(5) | ALLOW1(7);      /* VPID and UG allowed, EPT not */
	struct vmx_caps c;
	vmx_caps_decode(&m, &c);
	assert_false(c.ept);
	assert_false(c.unrestricted_guest);
	assert_true(c.vpid);
	assert_false(c.ept_2m);                     /* EPT caps ignored without EPT */
}

static void ept_page_sizes_decoded_separately(void **state)
{
	(void)state;
	struct vmx_msrs m = full();
	m.ept_vpid &= ~(1ull << 17);                /* 2 MiB but no 1 GiB pages (like Bochs haswell) */
	struct vmx_caps c;
	vmx_caps_decode(&m, &c);
	assert_true(c.ept_2m);
	assert_false(c.ept_1g);
	m.ept_vpid &= ~(1ull << 16);
	vmx_caps_decode(&m, &c);
	assert_false(c.ept_2m);
}

static void allowed0_bits_do_not_count_as_allowed1(void **state)
{
	(void)state;
	struct vmx_msrs m = full();
	/* Bit 6 set only in the low (allowed-0) half must not enable the preemption timer. */
	m.true_pinbased = (1ull << 6);
	struct vmx_caps c;
	vmx_caps_decode(&m, &c);
	assert_false(c.preemption_timer);
}

static void feature_control_states_have_text(void **state)
{
	(void)state;
	assert_string_equal(feature_control_state_string(FC_LOCKED_OFF),
			    "locked with VMX disabled (enable VT-x in firmware setup)");
	assert_non_null(strstr(feature_control_state_string(FC_ENABLED_BY_US), "locked it"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_full_feature_set),
		cmocka_unit_test(true_msrs_used_only_when_advertised),
		cmocka_unit_test(no_secondary_controls_means_no_ept),
		cmocka_unit_test(unrestricted_guest_needs_ept),
		cmocka_unit_test(ept_page_sizes_decoded_separately),
		cmocka_unit_test(allowed0_bits_do_not_count_as_allowed1),
		cmocka_unit_test(feature_control_states_have_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
