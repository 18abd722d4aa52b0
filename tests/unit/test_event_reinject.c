/*
 * Unit tests for vmx/event_reinject.c: what the next VM entry injects after an exit that cut
 * an event's delivery short, one case per interruption type of the IDT-vectoring field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmx/event_reinject.h"

#define VALID      (1u << 31)
#define ERRCODE    (1u << 11)
#define TYPE(t)    ((uint32_t)(t) << 8)

static void test_not_valid(void **state)
{
	(void)state;
	/* No valid bit: nothing to do, whatever else the field holds. */
	struct event_injection e = event_reinjection(0x7fffffff, 0x1234, 3);
	assert_int_equal(e.info, 0);
	assert_false(e.has_error_code);
	assert_false(e.has_instruction_length);
	assert_false(e.clear_nmi_blocking);
}

static void test_external_interrupt(void **state)
{
	(void)state;
	struct event_injection e = event_reinjection(VALID | TYPE(0) | 0x41, 0xdead, 2);
	assert_int_equal(e.info, VALID | 0x41);
	assert_false(e.has_error_code);
	assert_false(e.has_instruction_length);
}

static void test_hardware_exception_with_error_code(void **state)
{
	(void)state;
	/* #PF (14) with its error code; bit 12 (undefined) and reserved bits are not copied. */
	uint32_t info = VALID | ERRCODE | TYPE(3) | 14 | (1u << 12) | (1u << 20);
	struct event_injection e = event_reinjection(info, 0x6, 4);
	assert_int_equal(e.info, VALID | ERRCODE | TYPE(3) | 14);
	assert_true(e.has_error_code);
	assert_int_equal(e.error_code, 6);
	assert_false(e.has_instruction_length);
	/* #UD: no error code, even if the error field holds something. */
	e = event_reinjection(VALID | TYPE(3) | 6, 0x55, 4);
	assert_false(e.has_error_code);
}

static void test_software_events_need_length(void **state)
{
	(void)state;
	/* INT 0x80 (software interrupt), INT1 (privileged software exception), INT3 (software
	 * exception): the entry re-executes nothing, so it needs the instruction length. */
	static const uint32_t types[] = { 4, 5, 6 };
	static const uint32_t vectors[] = { 0x80, 1, 3 };
	for (unsigned i = 0; i < 3; i++) {
		struct event_injection e = event_reinjection(VALID | TYPE(types[i]) | vectors[i], 0,
							     i + 1);
		assert_int_equal(e.info, VALID | TYPE(types[i]) | vectors[i]);
		assert_true(e.has_instruction_length);
		assert_int_equal(e.instruction_length, i + 1);
		assert_false(e.has_error_code);
		assert_false(e.clear_nmi_blocking);
	}
}

static void test_nmi(void **state)
{
	(void)state;
	struct event_injection e = event_reinjection(VALID | TYPE(2) | 2, 0, 0);
	assert_int_equal(e.info, VALID | TYPE(2) | 2);
	assert_true(e.clear_nmi_blocking);
	assert_false(e.has_instruction_length);
}

static void test_types_never_reported(void **state)
{
	(void)state;
	/* Types 1 (reserved) and 7 (other event) never come from IDT vectoring: refused. */
	assert_int_equal(event_reinjection(VALID | TYPE(1) | 5, 0, 0).info, 0);
	assert_int_equal(event_reinjection(VALID | TYPE(7) | 0, 0, 0).info, 0);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(event_type_name(VALID | TYPE(6) | 3), "software exception");
	assert_string_equal(event_type_name(TYPE(0)), "external interrupt");
	assert_string_equal(event_type_name(TYPE(2)), "NMI");
	assert_string_equal(event_type_name(0xffffffff), "other event");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_valid),
		cmocka_unit_test(test_external_interrupt),
		cmocka_unit_test(test_hardware_exception_with_error_code),
		cmocka_unit_test(test_software_events_need_length),
		cmocka_unit_test(test_nmi),
		cmocka_unit_test(test_types_never_reported),
		cmocka_unit_test(test_type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
