/*
 * Unit tests for the pure parts of TSC frequency discovery: which CPUID leaf wins, what an
 * incomplete leaf 15h means (fall through, never divide by zero), and the PIT arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "drivers/tsc.h"

static void leaf15_complete_wins(void **state)
{
	(void)state;
	/* 24 MHz crystal, ratio 188/2 -> 2.256 GHz, even though leaf 16h says 2200 MHz. */
	struct tsc_cpuid c = { .max_leaf = 0x16, .l15_eax = 2, .l15_ebx = 188, .l15_ecx = 24000000,
			       .l16_eax = 2200 };
	enum tsc_source s;
	assert_int_equal(tsc_hz_from_cpuid(&c, &s), 2256000000ull);
	assert_int_equal(s, TSC_CPUID_15H);
}

static void leaf15_without_crystal_falls_to_leaf16(void **state)
{
	(void)state;
	struct tsc_cpuid c = { .max_leaf = 0x16, .l15_eax = 2, .l15_ebx = 188, .l15_ecx = 0,
			       .l16_eax = 2200 };
	enum tsc_source s;
	assert_int_equal(tsc_hz_from_cpuid(&c, &s), 2200000000ull);
	assert_int_equal(s, TSC_CPUID_16H);
}

static void leaf15_zero_denominator_is_not_used(void **state)
{
	(void)state;
	struct tsc_cpuid c = { .max_leaf = 0x15, .l15_eax = 0, .l15_ebx = 188, .l15_ecx = 24000000 };
	enum tsc_source s;
	assert_int_equal(tsc_hz_from_cpuid(&c, &s), 0);
	assert_int_equal(s, TSC_UNKNOWN);
}

static void leaves_beyond_max_are_ignored(void **state)
{
	(void)state;
	/* Stale values in leaves the CPU does not have must not be trusted. */
	struct tsc_cpuid c = { .max_leaf = 0x0d, .l15_eax = 2, .l15_ebx = 188, .l15_ecx = 24000000,
			       .l16_eax = 2200 };
	enum tsc_source s;
	assert_int_equal(tsc_hz_from_cpuid(&c, &s), 0);
	assert_int_equal(s, TSC_UNKNOWN);
}

static void leaf16_uses_low_16_bits_only(void **state)
{
	(void)state;
	struct tsc_cpuid c = { .max_leaf = 0x16, .l16_eax = 0xabcd0000u | 3000 };
	enum tsc_source s;
	assert_int_equal(tsc_hz_from_cpuid(&c, &s), 3000000000ull);
}

static void pit_arithmetic(void **state)
{
	(void)state;
	/* 50 ms of PIT (59659 counts) with 100,000,000 TSC ticks per second -> ~5,000,000 ticks. */
	assert_int_equal(tsc_hz_from_pit(5000000, 59659) / 1000, 100000);
	assert_int_equal(tsc_hz_from_pit(123, 0), 0);
}

static void measurement_beats_a_wrong_claim(void **state)
{
	(void)state;
	enum tsc_source s;
	/* Agreeing within 10%: CPUID's exact figure. */
	assert_int_equal(tsc_choose(2200000000ull, TSC_CPUID_16H, 2195000000ull, &s), 2200000000ull);
	assert_int_equal(s, TSC_CPUID_16H);
	/* Bochs: CPUID says 3.5 GHz, the TSC runs at about 100 MHz of emulated time. */
	assert_int_equal(tsc_choose(3500000000ull, TSC_CPUID_16H, 100200000ull, &s), 100200000ull);
	assert_int_equal(s, TSC_PIT);
	/* No CPUID figure: the PIT; no PIT: CPUID; neither: unknown. */
	assert_int_equal(tsc_choose(0, TSC_UNKNOWN, 2600000000ull, &s), 2600000000ull);
	assert_int_equal(s, TSC_PIT);
	assert_int_equal(tsc_choose(2400000000ull, TSC_CPUID_15H, 0, &s), 2400000000ull);
	assert_int_equal(s, TSC_CPUID_15H);
	assert_int_equal(tsc_choose(0, TSC_UNKNOWN, 0, &s), 0);
	assert_int_equal(s, TSC_UNKNOWN);
	/* 11% off is a disagreement. */
	assert_int_equal(tsc_choose(1000000000ull, TSC_CPUID_16H, 1110000000ull, &s), 1110000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(leaf15_complete_wins),
		cmocka_unit_test(leaf15_without_crystal_falls_to_leaf16),
		cmocka_unit_test(leaf15_zero_denominator_is_not_used),
		cmocka_unit_test(leaves_beyond_max_are_ignored),
		cmocka_unit_test(leaf16_uses_low_16_bits_only),
		cmocka_unit_test(pit_arithmetic),
		cmocka_unit_test(measurement_beats_a_wrong_claim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
