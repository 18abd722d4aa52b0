/*
 * A virtual CMOS real-time clock (Motorola MC146818A data sheet) at ports 0x70 (index; bit 7
 * is the NMI mask of the PC and is ignored) and 0x71 (data). The time registers are computed
 * from the host's wall clock at each read, plus the offset the guest set by writing them, so a
 * guest that sets its clock moves only its own. Registers A-D behave as a running clock that
 * is never mid-update; the other 114 bytes are CMOS storage. Pure: the caller passes the
 * host's time in seconds since 1970 (UTC).
 */
#ifndef BULKHEAD_VDEV_VRTC_H
#define BULKHEAD_VDEV_VRTC_H

#include <stdbool.h>
#include <stdint.h>

#define VRTC_INDEX_PORT 0x70
#define VRTC_DATA_PORT  0x71

struct vrtc {
	uint8_t index;
	uint8_t regs[128];             /* storage; the time registers are computed instead */
	int64_t offset;                /* guest time minus host time, seconds */
	bool setting;                  /* register B's SET bit: the guest is writing the time */
	int64_t set_time;              /* the time being written while SET is on */
};

void vrtc_reset(struct vrtc *r);
/* Returns false for ports other than 0x70/0x71 (value untouched). */
bool vrtc_io(struct vrtc *r, uint16_t port, bool is_in, uint32_t *value, int64_t host_seconds);

/* Civil date and time of a count of seconds since 1970-01-01 (proleptic Gregorian, UTC), and
 * back; weekday 1 = Sunday as the RTC counts. */
struct vrtc_civil { int64_t year; unsigned month, day, hour, minute, second, weekday; };
struct vrtc_civil vrtc_civil_from_seconds(int64_t t);
int64_t vrtc_seconds_from_civil(const struct vrtc_civil *c);

#endif
