/*
 * Unit tests for the virtual CMOS clock: the calendar conversion (known dates checked with
 * `date -u`, leap years and centuries, and a round trip over eight millennia), the time
 * registers in BCD and binary, 24- and 12-hour form, setting the time the way Linux does (SET,
 * the registers, SET cleared) and by a single write, refused impossible times, registers A-D,
 * the CMOS storage and the ports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vdev/vrtc.h"

/* 2026-12-02 18:49:56 UTC, a Wednesday (date -u -d @1796237396). */
#define T0 1796237396ll

static uint8_t get(struct vrtc *r, unsigned reg, int64_t host)
{
	uint32_t v = reg;
	assert_true(vrtc_io(r, VRTC_PORT_INDEX, false, &v, host));
	v = 0xdeadbeef;
	assert_true(vrtc_io(r, VRTC_PORT_DATA, true, &v, host));
	assert_true(v <= 0xff);
	return (uint8_t)v;
}

static void put(struct vrtc *r, unsigned reg, uint8_t value, int64_t host)
{
	uint32_t v = reg;
	assert_true(vrtc_io(r, VRTC_PORT_INDEX, false, &v, host));
	v = value;
	assert_true(vrtc_io(r, VRTC_PORT_DATA, false, &v, host));
}

static void expect_date(int64_t days, int64_t y, unsigned m, unsigned d)
{
	int64_t yy;
	unsigned mm, dd;
	vrtc_civil_from_days(days, &yy, &mm, &dd);
	assert_int_equal(yy, y);
	assert_int_equal(mm, m);
	assert_int_equal(dd, d);
	assert_int_equal(vrtc_days_from_civil(y, m, d), days);
}

static void known_dates(void **state)
{
	(void)state;
	/* Seconds from `date -u -d '...' +%s`, divided by 86400. */
	expect_date(0, 1970, 1, 1);
	expect_date(-1, 1969, 12, 31);
	expect_date(T0 / 86400, 2026, 12, 2);
	expect_date(951868799 / 86400, 2000, 2, 29);            /* 2000-02-29 23:59:59 */
	expect_date(951868799 / 86400 + 1, 2000, 3, 1);
	expect_date(946684799 / 86400, 1999, 12, 31);
	expect_date(1709208000 / 86400, 2024, 2, 29);           /* 2024-02-29 12:00:00 */
	expect_date(4107542400 / 86400, 2100, 3, 1);            /* 2100 is not a leap year */
	expect_date(4107542400 / 86400 - 1, 2100, 2, 28);
	expect_date(4102444799 / 86400, 2099, 12, 31);
	expect_date(-2203891200 / 86400, 1900, 3, 1);           /* nor is 1900 */
	expect_date(-2203891200 / 86400 - 1, 1900, 2, 28);
	expect_date(vrtc_days_from_civil(2400, 3, 1) - 1, 2400, 2, 29);   /* 2400 is */
	expect_date(-719528, 0, 1, 1);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void calendar_round_trip(void **state)
{
	(void)state;
	/* Day by day from 0000-01-01 to 7999-12-31: each day is the one after the previous,
	 * and converts back to its number. */
	static const unsigned len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t y = 0;
	unsigned m = 1, d = 1;
	for (int64_t days = -719528; days < 2202412; days++) {   /* to 8000-01-01 */
		int64_t yy;
		unsigned mm, dd;
		vrtc_civil_from_days(days, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d)
			fail_msg("day %lld: %lld-%u-%u, expected %lld-%u-%u", (long long)days,
				 (long long)yy, mm, dd, (long long)y, m, d);
		if (vrtc_days_from_civil(y, m, d) != days)
			fail_msg("%lld-%u-%u does not map back to %lld", (long long)y, m, d,
				 (long long)days);
		unsigned n = len[m - 1] + (m == 2 && leap(y));
		if (++d > n) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	assert_int_equal(y, 8000);
}

static void reads_bcd_24h_by_default(void **state)
{
	(void)state;
	struct vrtc r;
	vrtc_reset(&r);
	assert_int_equal(get(&r, VRTC_SECONDS, T0), 0x56);
	assert_int_equal(get(&r, VRTC_MINUTES, T0), 0x49);
	assert_int_equal(get(&r, VRTC_HOURS, T0), 0x18);
	assert_int_equal(get(&r, VRTC_DAY_OF_WEEK, T0), 4);       /* Sunday is 1 */
	assert_int_equal(get(&r, VRTC_DAY_OF_MONTH, T0), 0x02);
	assert_int_equal(get(&r, VRTC_MONTH, T0), 0x12);
	assert_int_equal(get(&r, VRTC_YEAR, T0), 0x26);
	assert_int_equal(get(&r, VRTC_CENTURY, T0), 0x20);
	/* It follows the host's clock. */
	assert_int_equal(get(&r, VRTC_SECONDS, T0 + 4), 0x00);
	assert_int_equal(get(&r, VRTC_MINUTES, T0 + 4), 0x50);
	assert_int_equal(get(&r, VRTC_DAY_OF_WEEK, 0), 5);        /* 1970-01-01, a Thursday */
	assert_int_equal(get(&r, VRTC_YEAR, 0), 0x70);
	assert_int_equal(get(&r, VRTC_CENTURY, 0), 0x19);
}

static void binary_mode(void **state)
{
	(void)state;
	struct vrtc r;
	vrtc_reset(&r);
	put(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_BINARY, T0);
	assert_int_equal(get(&r, VRTC_SECONDS, T0), 56);
	assert_int_equal(get(&r, VRTC_MINUTES, T0), 49);
	assert_int_equal(get(&r, VRTC_HOURS, T0), 18);
	assert_int_equal(get(&r, VRTC_DAY_OF_MONTH, T0), 2);
	assert_int_equal(get(&r, VRTC_MONTH, T0), 12);
	assert_int_equal(get(&r, VRTC_YEAR, T0), 26);
	assert_int_equal(get(&r, VRTC_CENTURY, T0), 20);
	assert_int_equal(get(&r, VRTC_DAY_OF_WEEK, T0), 4);
}

static void twelve_hour_mode(void **state)
{
	(void)state;
	struct vrtc r;
	vrtc_reset(&r);
	const int64_t midnight = T0 - (18 * 3600 + 49 * 60 + 56);
	put(&r, VRTC_REG_B, 0, T0);                                /* BCD, 12-hour */
	assert_int_equal(get(&r, VRTC_HOURS, T0), 0x86);           /* 6 PM */
	assert_int_equal(get(&r, VRTC_HOURS, midnight), 0x12);     /* 12 AM */
	assert_int_equal(get(&r, VRTC_HOURS, midnight + 3600), 0x01);
	assert_int_equal(get(&r, VRTC_HOURS, midnight + 11 * 3600), 0x11);
	assert_int_equal(get(&r, VRTC_HOURS, midnight + 12 * 3600), 0x92);   /* 12 PM */
	assert_int_equal(get(&r, VRTC_HOURS, midnight + 23 * 3600), 0x91);
	put(&r, VRTC_REG_B, VRTC_B_BINARY, T0);                    /* binary, 12-hour */
	assert_int_equal(get(&r, VRTC_HOURS, midnight), 12);
	assert_int_equal(get(&r, VRTC_HOURS, midnight + 12 * 3600), 0x80 | 12);
	assert_int_equal(get(&r, VRTC_HOURS, midnight + 23 * 3600), 0x80 | 11);
	/* Setting the time in 12-hour BCD: 11 PM. */
	put(&r, VRTC_REG_B, VRTC_B_SET, T0);
	put(&r, VRTC_HOURS, 0x91, T0);
	put(&r, VRTC_REG_B, 0, T0);
	put(&r, VRTC_REG_B, VRTC_B_24H, T0);
	assert_int_equal(get(&r, VRTC_HOURS, T0), 0x23);
	assert_int_equal(get(&r, VRTC_MINUTES, T0), 0x49);
}

/* What Linux's mc146818_set_time does: SET, divider reset, year ... seconds, century,
 * then register B and A restored. */
static void set_like_linux(struct vrtc *r, int64_t host, uint8_t yy, uint8_t mon, uint8_t day,
			   uint8_t hrs, uint8_t min, uint8_t sec, uint8_t century)
{
	uint8_t b = get(r, VRTC_REG_B, host), a = get(r, VRTC_REG_A, host);
	put(r, VRTC_REG_B, b | VRTC_B_SET, host);
	put(r, VRTC_REG_A, a | 0x70, host);
	put(r, VRTC_YEAR, yy, host);
	put(r, VRTC_MONTH, mon, host);
	put(r, VRTC_DAY_OF_MONTH, day, host);
	put(r, VRTC_HOURS, hrs, host);
	put(r, VRTC_MINUTES, min, host);
	put(r, VRTC_SECONDS, sec, host);
	put(r, VRTC_CENTURY, century, host);
	put(r, VRTC_REG_B, b, host);
	put(r, VRTC_REG_A, a, host);
}

static void setting_the_time(void **state)
{
	(void)state;
	struct vrtc r;
	vrtc_reset(&r);
	/* While SET holds, the registers read what was there or was written, and stand still. */
	put(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_SET, T0);
	assert_int_equal(get(&r, VRTC_SECONDS, T0 + 30), 0x56);
	put(&r, VRTC_YEAR, 0x30, T0);
	assert_int_equal(get(&r, VRTC_YEAR, T0 + 5), 0x30);
	assert_int_equal(get(&r, VRTC_MINUTES, T0 + 100), 0x49);
	put(&r, VRTC_REG_B, VRTC_B_24H, T0 + 100);
	/* 2030-12-02 18:49:56 from T0 + 100 on. */
	assert_int_equal(get(&r, VRTC_YEAR, T0 + 100), 0x30);
	assert_int_equal(get(&r, VRTC_SECONDS, T0 + 100), 0x56);
	assert_int_equal(get(&r, VRTC_SECONDS, T0 + 101), 0x57);
	assert_int_equal(r.offset_seconds,
			 (vrtc_days_from_civil(2030, 12, 2) - vrtc_days_from_civil(2026, 12, 2)) *
			 86400 - 100);
	assert_int_equal(get(&r, VRTC_DAY_OF_WEEK, T0 + 100), 2);   /* a Monday */

	/* Linux's way, across a leap day: 2024-02-28 23:59:59 ... */
	set_like_linux(&r, T0, 0x24, 0x02, 0x28, 0x23, 0x59, 0x59, 0x20);
	assert_int_equal(get(&r, VRTC_SECONDS, T0), 0x59);
	assert_int_equal(get(&r, VRTC_DAY_OF_MONTH, T0 + 1), 0x29);
	assert_int_equal(get(&r, VRTC_MONTH, T0 + 1), 0x02);
	assert_int_equal(get(&r, VRTC_HOURS, T0 + 1), 0x00);
	assert_int_equal(get(&r, VRTC_REG_A, T0), 0x26);            /* restored */
	/* ... 2100 has no February 29th ... */
	set_like_linux(&r, T0, 0x00, 0x02, 0x28, 0x23, 0x59, 0x59, 0x21);
	assert_int_equal(get(&r, VRTC_DAY_OF_MONTH, T0 + 1), 0x01);
	assert_int_equal(get(&r, VRTC_MONTH, T0 + 1), 0x03);
	/* ... and New Year 2000 turns the century. */
	set_like_linux(&r, T0, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59, 0x19);
	assert_int_equal(get(&r, VRTC_YEAR, T0), 0x99);
	assert_int_equal(get(&r, VRTC_YEAR, T0 + 1), 0x00);
	assert_int_equal(get(&r, VRTC_CENTURY, T0 + 1), 0x20);
	assert_int_equal(get(&r, VRTC_MONTH, T0 + 1), 0x01);
	/* In binary mode too. */
	put(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_BINARY, T0);
	set_like_linux(&r, T0, 26, 12, 2, 18, 49, 56, 20);
	assert_int_equal(r.offset_seconds, 0);
}

static void writing_one_register_sets_the_time(void **state)
{
	(void)state;
	struct vrtc r;
	vrtc_reset(&r);
	put(&r, VRTC_MINUTES, 0x00, T0);                 /* 18:00:56, same day */
	assert_int_equal(r.offset_seconds, -49 * 60);
	assert_int_equal(get(&r, VRTC_MINUTES, T0 + 3), 0x00);
	assert_int_equal(get(&r, VRTC_SECONDS, T0 + 3), 0x59);
	assert_int_equal(get(&r, VRTC_MINUTES, T0 + 4), 0x01);
	assert_int_equal(get(&r, VRTC_HOURS, T0 + 4), 0x18);
	/* The day of the week follows the date; writing it changes nothing. */
	put(&r, VRTC_DAY_OF_WEEK, 1, T0);
	assert_int_equal(r.offset_seconds, -49 * 60);
	assert_int_equal(get(&r, VRTC_DAY_OF_WEEK, T0), 4);
}

static void impossible_times_are_refused(void **state)
{
	(void)state;
	struct vrtc r;
	vrtc_reset(&r);
	put(&r, VRTC_MINUTES, 0x60, T0);                 /* minute 60 */
	put(&r, VRTC_SECONDS, 0x1a, T0);                 /* not BCD */
	put(&r, VRTC_HOURS, 0x24, T0);
	put(&r, VRTC_MONTH, 0x13, T0);
	put(&r, VRTC_MONTH, 0x00, T0);
	put(&r, VRTC_DAY_OF_MONTH, 0x00, T0);
	put(&r, VRTC_DAY_OF_MONTH, 0x31, T0);            /* December 31st exists: taken */
	assert_int_equal(r.offset_seconds, 29 * 86400);
	put(&r, VRTC_DAY_OF_MONTH, 0x02, T0);
	assert_int_equal(r.offset_seconds, 0);
	set_like_linux(&r, T0, 0x26, 0x02, 0x30, 0x00, 0x00, 0x00, 0x20);   /* February 30th */
	set_like_linux(&r, T0, 0x25, 0x02, 0x29, 0x00, 0x00, 0x00, 0x20);   /* not a leap year */
	assert_int_equal(r.offset_seconds, 0);
	assert_int_equal(get(&r, VRTC_MINUTES, T0), 0x49);
	/* 12-hour hour 0 and 13 do not exist. */
	put(&r, VRTC_REG_B, 0, T0);
	put(&r, VRTC_HOURS, 0x00, T0);
	put(&r, VRTC_HOURS, 0x13, T0);
	assert_int_equal(r.offset_seconds, 0);
}

static void control_registers(void **state)
{
	(void)state;
	struct vrtc r;
	vrtc_reset(&r);
	assert_int_equal(get(&r, VRTC_REG_A, T0), 0x26);
	assert_int_equal(get(&r, VRTC_REG_B, T0), 0x02);
	assert_int_equal(get(&r, VRTC_REG_D, T0), 0x80);
	put(&r, VRTC_REG_A, 0xff, T0);
	assert_int_equal(get(&r, VRTC_REG_A, T0), 0x7f);           /* UIP never set */
	put(&r, VRTC_REG_D, 0x00, T0);
	assert_int_equal(get(&r, VRTC_REG_D, T0), 0x80);
	/* C: UF once per second, cleared by the read; IRQF with UIE. */
	assert_int_equal(get(&r, VRTC_REG_C, T0), VRTC_C_UF);
	assert_int_equal(get(&r, VRTC_REG_C, T0), 0);
	assert_int_equal(get(&r, VRTC_REG_C, T0 + 1), VRTC_C_UF);
	put(&r, VRTC_REG_C, 0xff, T0 + 1);
	assert_int_equal(get(&r, VRTC_REG_C, T0 + 1), 0);
	put(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE, T0 + 1);
	assert_int_equal(get(&r, VRTC_REG_C, T0 + 2), VRTC_C_IRQF | VRTC_C_UF);
	/* SET clears UIE, and the clock stands still: no UF. */
	put(&r, VRTC_REG_B, VRTC_B_24H | VRTC_B_UIE | VRTC_B_SET, T0 + 2);
	assert_int_equal(get(&r, VRTC_REG_B, T0 + 2), VRTC_B_24H | VRTC_B_SET);
	assert_int_equal(get(&r, VRTC_REG_C, T0 + 3), 0);
}

static void storage_and_ports(void **state)
{
	(void)state;
	struct vrtc r;
	vrtc_reset(&r);
	/* Alarms and the other CMOS bytes keep what is written; they start at 0. */
	assert_int_equal(get(&r, 0x0e, T0), 0);
	assert_int_equal(get(&r, 0x7f, T0), 0);
	put(&r, VRTC_SECONDS_ALARM, 0xc0, T0);
	put(&r, VRTC_MINUTES_ALARM, 0x30, T0);
	put(&r, VRTC_HOURS_ALARM, 0x07, T0);
	put(&r, 0x0e, 0x5a, T0);
	put(&r, 0x7f, 0xa5, T0);
	assert_int_equal(get(&r, VRTC_SECONDS_ALARM, T0), 0xc0);
	assert_int_equal(get(&r, VRTC_MINUTES_ALARM, T0), 0x30);
	assert_int_equal(get(&r, VRTC_HOURS_ALARM, T0), 0x07);
	assert_int_equal(get(&r, 0x0e, T0), 0x5a);
	assert_int_equal(get(&r, 0x7f, T0), 0xa5);
	assert_int_equal(r.offset_seconds, 0);
	/* Index bit 7 (NMI mask) is not part of the index; port 0x70 reads 0xFF. */
	uint32_t v = 0x80 | 0x0e;
	assert_true(vrtc_io(&r, VRTC_PORT_INDEX, false, &v, T0));
	assert_true(vrtc_io(&r, VRTC_PORT_DATA, true, &v, T0));
	assert_int_equal(v, 0x5a);
	assert_true(vrtc_io(&r, VRTC_PORT_INDEX, true, &v, T0));
	assert_int_equal(v, 0xff);
	/* Only the data byte of a write counts. */
	v = 0x0e;
	vrtc_io(&r, VRTC_PORT_INDEX, false, &v, T0);
	v = 0x1234;
	vrtc_io(&r, VRTC_PORT_DATA, false, &v, T0);
	assert_int_equal(get(&r, 0x0e, T0), 0x34);
	/* Other ports are not the RTC's. */
	assert_false(vrtc_io(&r, 0x72, true, &v, T0));
	assert_false(vrtc_io(&r, 0x6f, false, &v, T0));
	assert_false(vrtc_io(&r, 0x3f8, true, &v, T0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_dates),
		cmocka_unit_test(calendar_round_trip),
		cmocka_unit_test(reads_bcd_24h_by_default),
		cmocka_unit_test(binary_mode),
		cmocka_unit_test(twelve_hour_mode),
		cmocka_unit_test(setting_the_time),
		cmocka_unit_test(writing_one_register_sets_the_time),
		cmocka_unit_test(impossible_times_are_refused),
		cmocka_unit_test(control_registers),
		cmocka_unit_test(storage_and_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
