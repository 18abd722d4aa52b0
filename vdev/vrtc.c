/*
 * The virtual CMOS clock (see vrtc.h). Register map (MC146818A, "Address Map"): 0 seconds, 2
 * minutes, 4 hours, 6 day of week, 7 day of month, 8 month, 9 year; 1, 3, 5 the alarm; 0xA-0xD
 * the status registers; 0x32 the century byte PCs keep (the ACPI FADT's CENTURY field names it).
 * Register B bit 2 selects binary instead of BCD, bit 1 24-hour instead of 12-hour (bit 7 of
 * the hour then means PM); bit 7 (SET) stops updates while software writes the time. The date
 * arithmetic counts days from 0000-03-01 in 400-year eras, so that leap days fall last.
 */
#include <string.h>
#include "vdev/vrtc.h"

enum { SEC = 0, MIN = 2, HOUR = 4, WDAY = 6, MDAY = 7, MONTH = 8, YEAR = 9,
       REG_A = 0xa, REG_B = 0xb, REG_C = 0xc, REG_D = 0xd, CENTURY = 0x32 };
#define B_SET     0x80
#define B_BINARY  0x04
#define B_24H     0x02
#define D_VRT     0x80

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct vrtc_civil vrtc_civil_from_seconds(int64_t t)
{
	struct vrtc_civil c;
	int64_t days = floor_div(t, 86400), secs = t - days * 86400;
	c.hour = (unsigned)(secs / 3600);
	c.minute = (unsigned)(secs / 60 % 60);
	c.second = (unsigned)(secs % 60);
	c.weekday = (unsigned)((days % 7 + 7 + 4) % 7) + 1;   /* 1970-01-01 was a Thursday */
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	c.day = doy - (153 * mp + 2) / 5 + 1;
	c.month = mp < 10 ? mp + 3 : mp - 9;
	c.year = (int64_t)yoe + era * 400 + (c.month <= 2);
	return c;
}

int64_t vrtc_seconds_from_civil(const struct vrtc_civil *c)
{
	int64_t y = c->year - (c->month <= 2);
	int64_t era = floor_div(y, 400);
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (c->month > 2 ? c->month - 3 : c->month + 9) + 2) / 5 + c->day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + (int64_t)doe - 719468;
	return days * 86400 + c->hour * 3600 + c->minute * 60 + c->second;
}

void vrtc_reset(struct vrtc *r)
{
	memset(r, 0, sizeof *r);
	r->regs[REG_A] = 0x26;                 /* 32.768 kHz time base, 1024 Hz rate */
	r->regs[REG_B] = B_24H;                /* BCD, 24-hour, no interrupts */
	r->regs[REG_D] = D_VRT;                /* the battery is fine */
}

static uint8_t to_bcd(unsigned v) { return (uint8_t)((v / 10) << 4 | (v % 10)); }
static unsigned from_bcd(uint8_t v) { return (v >> 4) * 10 + (v & 15); }

static uint8_t encode(const struct vrtc *r, unsigned v)
{
	return (r->regs[REG_B] & B_BINARY) ? (uint8_t)v : to_bcd(v);
}

static unsigned decode(const struct vrtc *r, uint8_t v)
{
	return (r->regs[REG_B] & B_BINARY) ? v : from_bcd(v);
}

static uint8_t hour_register(const struct vrtc *r, unsigned hour)
{
	if (r->regs[REG_B] & B_24H)
		return encode(r, hour);
	unsigned h12 = hour % 12 ? hour % 12 : 12;
	return (uint8_t)(encode(r, h12) | (hour >= 12 ? 0x80 : 0));
}

static unsigned hour_of(const struct vrtc *r, uint8_t v)
{
	if (r->regs[REG_B] & B_24H)
		return decode(r, v);
	unsigned h = decode(r, v & 0x7f) % 12;
	return (v & 0x80) ? h + 12 : h;
}

static int64_t now_of(const struct vrtc *r, int64_t host)
{
	return r->setting ? r->set_time : host + r->offset;
}

static uint8_t read_reg(struct vrtc *r, unsigned i, int64_t host)
{
	struct vrtc_civil c = vrtc_civil_from_seconds(now_of(r, host));
	switch (i) {
	case SEC:     return encode(r, c.second);
	case MIN:     return encode(r, c.minute);
	case HOUR:    return hour_register(r, c.hour);
	case WDAY:    return encode(r, c.weekday);
	case MDAY:    return encode(r, c.day);
	case MONTH:   return encode(r, c.month);
	case YEAR:    return encode(r, (unsigned)(c.year % 100));
	case CENTURY: return encode(r, (unsigned)(c.year / 100));
	case REG_A:   return r->regs[REG_A] & 0x7f;        /* UIP never set */
	case REG_C: {
		uint8_t v = r->regs[REG_C];
		r->regs[REG_C] = 0;                          /* reading clears the flags */
		return v;
	}
	case REG_D:   return D_VRT;
	default:      return r->regs[i];
	}
}

/* A write to a time register while SET is on changes the time being written. */
static void write_time(struct vrtc *r, unsigned i, uint8_t v)
{
	struct vrtc_civil c = vrtc_civil_from_seconds(r->set_time);
	unsigned n = decode(r, v);
	switch (i) {
	case SEC:     if (n < 60) c.second = n; break;
	case MIN:     if (n < 60) c.minute = n; break;
	case HOUR:    if (hour_of(r, v) < 24) c.hour = hour_of(r, v); break;
	case MDAY:    if (n >= 1 && n <= 31) c.day = n; break;
	case MONTH:   if (n >= 1 && n <= 12) c.month = n; break;
	case YEAR:    if (n < 100) c.year = c.year / 100 * 100 + n; break;
	case CENTURY: if (n < 100) c.year = (int64_t)n * 100 + c.year % 100; break;
	default:      return;                 /* day of week follows from the date */
	}
	r->set_time = vrtc_seconds_from_civil(&c);
}

static void write_reg(struct vrtc *r, unsigned i, uint8_t v, int64_t host)
{
	switch (i) {
	case REG_B:
		if ((v & B_SET) && !r->setting) {
			r->set_time = host + r->offset;      /* updates stop here */
			r->setting = true;
		} else if (!(v & B_SET) && r->setting) {
			r->offset = r->set_time - host;      /* the clock runs from what was set */
			r->setting = false;
		}
		r->regs[REG_B] = v;
		return;
	case REG_A:
		r->regs[REG_A] = v & 0x7f;
		return;
	case REG_C:
	case REG_D:
		return;                               /* read-only */
	case SEC: case MIN: case HOUR: case MDAY: case MONTH: case YEAR: case CENTURY:
		if (r->setting) {
			write_time(r, i, v);
		} else {
			/* Without SET the clock takes the value too: set, then resume. */
			r->set_time = host + r->offset;
			write_time(r, i, v);
			r->offset = r->set_time - host;
		}
		return;
	default:
		r->regs[i] = v;                       /* alarm, day of week, CMOS storage */
		return;
	}
}

bool vrtc_io(struct vrtc *r, uint16_t port, bool is_in, uint32_t *value, int64_t host_seconds)
{
	if (port == VRTC_INDEX_PORT) {
		if (is_in)
			*value = 0xffu;                   /* the index register is write-only */
		else
			r->index = (uint8_t)(*value & 0x7f);
		return true;
	}
	if (port != VRTC_DATA_PORT)
		return false;
	if (is_in)
		*value = read_reg(r, r->index, host_seconds);
	else
		write_reg(r, r->index, (uint8_t)*value, host_seconds);
	return true;
}
