/*
 * Virtual CMOS clock (see vrtc.h), after the MC146818 data sheet ("Address Map", "Time,
 * Calendar and Alarm Locations", "Control Registers"). Nothing ticks here: every read of a
 * time register computes it from the host's clock and the offset, so the clock cannot drift
 * from the host's and costs nothing between accesses. While SET is 1 the time registers are
 * plain bytes (the time as it was when SET went to 1, then whatever the guest wrote); when SET
 * goes back to 0 they are read as the new time. A time register written while SET is 0 sets
 * the time at once, the other fields keeping their current values. A time that does not
 * exist (say minute 61, or February 30) is not taken: the clock keeps running as before.
 */
#include "vdev/vrtc.h"

#define SECONDS_PER_DAY     86400
#define DAYS_1970_TO_2000_03_01 11017   /* 2000-01-01 is day 10957, then January and February */
#define DAYS_PER_400_YEARS  146097
#define DAYS_PER_100_YEARS  36524       /* a century not ending in a 400th year */
#define DAYS_PER_4_YEARS    1461

/* --- calendar ----------------------------------------------------------------------------
 * Years are counted from March 1st, so that a leap day is the last day of its year; the
 * 400-year Gregorian cycle starts on 2000-03-01. */

/* Day of a March-based year on which each month starts: March, April, ..., February. */
static const uint16_t month_start[12] = { 0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337 };

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

int64_t vrtc_days_from_civil(int64_t year, unsigned month, unsigned day)
{
	if (month < 1 || month > 12)
		month = 1;
	/* January and February belong to the March-based year before. */
	int64_t y = month <= 2 ? year - 1 : year;
	unsigned m = month <= 2 ? month + 9 : month - 3;
	int64_t cycles = floor_div(y - 2000, 400);
	int64_t yc = y - 2000 - cycles * 400;            /* 0-399 */
	/* The leap days before March-based year yc are the Februaries of the leap calendar
	 * years 2001 .. 2000 + yc (none of them a 400th year, as yc < 400). */
	int64_t days = cycles * DAYS_PER_400_YEARS + yc * 365 + yc / 4 - yc / 100;
	return DAYS_1970_TO_2000_03_01 + days + month_start[m] + (int64_t)day - 1;
}

void vrtc_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
	int64_t d = days - DAYS_1970_TO_2000_03_01;
	int64_t cycles = floor_div(d, DAYS_PER_400_YEARS);
	d -= cycles * DAYS_PER_400_YEARS;                /* 0 .. 146096 */
	/* Three centuries of 36524 days, then one of 36525 that ends in a leap day. */
	int64_t century = d / DAYS_PER_100_YEARS;
	if (century > 3)
		century = 3;
	d -= century * DAYS_PER_100_YEARS;
	/* 4-year groups of 1461 days; only the last group of the first three centuries is a
	 * day short, and the division below never reaches past it. */
	int64_t group = d / DAYS_PER_4_YEARS;
	d -= group * DAYS_PER_4_YEARS;
	int64_t y = d / 365;
	if (y > 3)
		y = 3;                                   /* the leap day closing a group */
	d -= y * 365;                                    /* 0 .. 365 within the year */
	unsigned m = 11;
	while (month_start[m] > d)
		m--;
	int64_t yr = 2000 + cycles * 400 + century * 100 + group * 4 + y;
	*day = (unsigned)(d - month_start[m]) + 1;
	*month = m < 10 ? m + 3 : m - 9;
	*year = m < 10 ? yr : yr + 1;
}

static unsigned days_in_month(int64_t year, unsigned month)
{
	int64_t next = month == 12 ? vrtc_days_from_civil(year + 1, 1, 1) :
				     vrtc_days_from_civil(year, month + 1, 1);
	return (unsigned)(next - vrtc_days_from_civil(year, month, 1));
}

/* --- register encodings ------------------------------------------------------------------ */

static uint8_t encode(uint8_t b, unsigned v)
{
	return (b & VRTC_B_BINARY) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static bool decode(uint8_t b, uint8_t v, unsigned *out)
{
	if (b & VRTC_B_BINARY) {
		*out = v;
		return true;
	}
	if ((v & 0xf) > 9 || (v >> 4) > 9)
		return false;
	*out = (v >> 4) * 10 + (v & 0xf);
	return true;
}

/* 12-hour form: 12, 1, ..., 11 with bit 7 set for PM, in BCD or binary alike. */
static uint8_t encode_hour(uint8_t b, unsigned h)
{
	if (b & VRTC_B_24H)
		return encode(b, h);
	unsigned h12 = h % 12 ? h % 12 : 12;
	return encode(b, h12) | (h >= 12 ? 0x80 : 0);
}

static bool is_time_register(unsigned reg)
{
	switch (reg) {
	case VRTC_SECONDS: case VRTC_MINUTES: case VRTC_HOURS: case VRTC_DAY_OF_WEEK:
	case VRTC_DAY_OF_MONTH: case VRTC_MONTH: case VRTC_YEAR: case VRTC_CENTURY:
		return true;
	default:
		return false;
	}
}

/* Time register `reg` for the instant t (seconds since 1970, UTC) in register B's format. */
static uint8_t time_register(uint8_t b, int64_t t, unsigned reg)
{
	int64_t days = floor_div(t, SECONDS_PER_DAY);
	unsigned secs = (unsigned)(t - days * SECONDS_PER_DAY);
	int64_t year;
	unsigned month, day;
	vrtc_civil_from_days(days, &year, &month, &day);
	unsigned y = (unsigned)floor_mod(year, 10000);   /* four digits is all there is room for */
	switch (reg) {
	case VRTC_SECONDS:      return encode(b, secs % 60);
	case VRTC_MINUTES:      return encode(b, secs / 60 % 60);
	case VRTC_HOURS:        return encode_hour(b, secs / 3600);
	/* 1970-01-01 was a Thursday; the register counts Sunday as 1. */
	case VRTC_DAY_OF_WEEK:  return encode(b, (unsigned)floor_mod(days + 4, 7) + 1);
	case VRTC_DAY_OF_MONTH: return encode(b, day);
	case VRTC_MONTH:        return encode(b, month);
	case VRTC_YEAR:         return encode(b, y % 100);
	default:                return encode(b, y / 100);   /* century */
	}
}

/* The instant the time registers name, read in register B's format b; false if they name
 * none. The day of the week is not part of it. */
static bool registers_to_time(const uint8_t *regs, uint8_t b, int64_t *t)
{
	unsigned sec, min, hour, day, month, year, century;
	uint8_t h = regs[VRTC_HOURS];
	bool pm = false;
	if (!(b & VRTC_B_24H)) {
		pm = h & 0x80;
		h &= 0x7f;
	}
	if (!decode(b, regs[VRTC_SECONDS], &sec) || !decode(b, regs[VRTC_MINUTES], &min) ||
	    !decode(b, h, &hour) || !decode(b, regs[VRTC_DAY_OF_MONTH], &day) ||
	    !decode(b, regs[VRTC_MONTH], &month) || !decode(b, regs[VRTC_YEAR], &year) ||
	    !decode(b, regs[VRTC_CENTURY], &century))
		return false;
	if (!(b & VRTC_B_24H)) {
		if (hour < 1 || hour > 12)
			return false;
		hour = hour % 12 + (pm ? 12 : 0);
	}
	if (sec > 59 || min > 59 || hour > 23 || month < 1 || month > 12 || year > 99 ||
	    century > 99)
		return false;
	int64_t y = (int64_t)century * 100 + year;
	if (day < 1 || day > days_in_month(y, month))
		return false;
	*t = vrtc_days_from_civil(y, month, day) * SECONDS_PER_DAY + hour * 3600 + min * 60 + sec;
	return true;
}

/* --- the device ------------------------------------------------------------------------- */

void vrtc_reset(struct vrtc *r)
{
	*r = (struct vrtc){ .last_c_read = INT64_MIN };
	r->regs[VRTC_REG_A] = VRTC_A_DEFAULT;
	r->regs[VRTC_REG_B] = VRTC_B_DEFAULT;
}

static int64_t guest_time(const struct vrtc *r, int64_t host)
{
	return host + r->offset_seconds;
}

/* The current time into the time registers, in format b. */
static void freeze(struct vrtc *r, uint8_t b, int64_t host)
{
	static const uint8_t time_regs[] = { VRTC_SECONDS, VRTC_MINUTES, VRTC_HOURS,
					     VRTC_DAY_OF_WEEK, VRTC_DAY_OF_MONTH, VRTC_MONTH,
					     VRTC_YEAR, VRTC_CENTURY };
	int64_t t = guest_time(r, host);
	for (unsigned i = 0; i < sizeof time_regs; i++)
		r->regs[time_regs[i]] = time_register(b, t, time_regs[i]);
}

/* The time registers become the clock's time, if they name one. */
static void thaw(struct vrtc *r, uint8_t b, int64_t host)
{
	int64_t t;
	if (registers_to_time(r->regs, b, &t))
		r->offset_seconds = t - host;
}

static uint8_t read_register(struct vrtc *r, unsigned reg, int64_t host)
{
	uint8_t b = r->regs[VRTC_REG_B];
	if (is_time_register(reg))
		return (b & VRTC_B_SET) ? r->regs[reg] : time_register(b, guest_time(r, host), reg);
	switch (reg) {
	case VRTC_REG_A:
		return r->regs[VRTC_REG_A] & 0x7f;      /* UIP: no update is ever in progress */
	case VRTC_REG_C: {
		/* Flags since the last read, which clears them: UF when the clock has moved
		 * to another second (it does not while SET holds it). */
		int64_t now = guest_time(r, host);
		uint8_t c = 0;
		if (!(b & VRTC_B_SET) && now != r->last_c_read)
			c |= VRTC_C_UF;
		if ((c & VRTC_C_UF) && (b & VRTC_B_UIE))
			c |= VRTC_C_IRQF;
		r->last_c_read = now;
		return c;
	}
	case VRTC_REG_D:
		return VRTC_D_VRT;                      /* the battery is always good */
	default:
		return r->regs[reg];                    /* B, alarms and the CMOS RAM */
	}
}

static void write_register(struct vrtc *r, unsigned reg, uint8_t v, int64_t host)
{
	uint8_t b = r->regs[VRTC_REG_B];
	if (is_time_register(reg)) {
		if (b & VRTC_B_SET) {
			r->regs[reg] = v;
			return;
		}
		freeze(r, b, host);
		r->regs[reg] = v;
		thaw(r, b, host);
		return;
	}
	switch (reg) {
	case VRTC_REG_A:
		r->regs[VRTC_REG_A] = v & 0x7f;         /* UIP is read-only */
		return;
	case VRTC_REG_B:
		if (v & VRTC_B_SET)
			v &= (uint8_t)~VRTC_B_UIE;      /* "UIE is cleared ... by setting SET" */
		if (!(b & VRTC_B_SET) && (v & VRTC_B_SET))
			freeze(r, v, host);
		r->regs[VRTC_REG_B] = v;
		if ((b & VRTC_B_SET) && !(v & VRTC_B_SET))
			thaw(r, v, host);
		return;
	case VRTC_REG_C:
	case VRTC_REG_D:
		return;                                 /* read-only */
	default:
		r->regs[reg] = v;
		return;
	}
}

bool vrtc_io(struct vrtc *r, uint16_t port, bool is_in, uint32_t *value, int64_t host_unix_seconds)
{
	if (port == VRTC_PORT_INDEX) {
		if (is_in)
			*value = 0xff;
		else
			r->index = (uint8_t)(*value & 0x7f);   /* bit 7 masks NMI on a PC */
		return true;
	}
	if (port != VRTC_PORT_DATA)
		return false;
	if (is_in)
		*value = read_register(r, r->index, host_unix_seconds);
	else
		write_register(r, r->index, (uint8_t)*value, host_unix_seconds);
	return true;
}
