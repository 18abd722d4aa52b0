/*
 * Virtual CMOS real-time clock at ports 0x70 (index; bit 7, the PC's NMI mask, is ignored) and
 * 0x71 (data), after the Motorola MC146818 data sheet: the time and date registers (0x00-0x09,
 * plus the century byte at 0x32 that the ACPI FADT names), registers A-D and the rest of the
 * 128 bytes as plain storage. The clock is the host's UTC wall clock plus offset_seconds,
 * which changes when the guest sets the time (SET in register B, or a direct write of a time
 * register); values are reported in BCD or binary and 24- or 12-hour form as register B
 * says. An update is never in progress (UIP reads 0), and the RTC's interrupt is not wired:
 * of register C's flags only UF (a second has passed) is reported.
 */
#ifndef BULKHEAD_VDEV_VRTC_H
#define BULKHEAD_VDEV_VRTC_H

#include <stdbool.h>
#include <stdint.h>

#define VRTC_PORT_INDEX 0x70
#define VRTC_PORT_DATA  0x71

enum vrtc_reg {
	VRTC_SECONDS = 0x00, VRTC_SECONDS_ALARM = 0x01, VRTC_MINUTES = 0x02,
	VRTC_MINUTES_ALARM = 0x03, VRTC_HOURS = 0x04, VRTC_HOURS_ALARM = 0x05,
	VRTC_DAY_OF_WEEK = 0x06, VRTC_DAY_OF_MONTH = 0x07, VRTC_MONTH = 0x08, VRTC_YEAR = 0x09,
	VRTC_REG_A = 0x0a, VRTC_REG_B = 0x0b, VRTC_REG_C = 0x0c, VRTC_REG_D = 0x0d,
	VRTC_CENTURY = 0x32,
};

#define VRTC_A_DEFAULT  0x26          /* 32.768 kHz time base, 1024 Hz periodic rate */
#define VRTC_B_SET      0x80
#define VRTC_B_UIE      0x10
#define VRTC_B_BINARY   0x04          /* DM: binary, not BCD */
#define VRTC_B_24H      0x02
#define VRTC_B_DEFAULT  VRTC_B_24H
#define VRTC_C_IRQF     0x80
#define VRTC_C_UF       0x10
#define VRTC_D_VRT      0x80          /* valid RAM and time */

struct vrtc {
	uint8_t index;
	uint8_t regs[128];                /* storage; the time bytes hold the frozen time while SET */
	int64_t offset_seconds;           /* guest-set time minus host time */
	int64_t last_c_read;              /* the guest's second when register C was last read */
};

void vrtc_reset(struct vrtc *r);
/* One byte of port I/O. host_unix_seconds: the host's wall clock now (UTC). Returns false for
 * ports other than 0x70/0x71. Reads of 0x70 return 0xFF (it is write-only). */
bool vrtc_io(struct vrtc *r, uint16_t port, bool is_in, uint32_t *value, int64_t host_unix_seconds);

/* Proleptic Gregorian calendar, days counted from 1970-01-01 (negative before). */
int64_t vrtc_days_from_civil(int64_t year, unsigned month, unsigned day);
void vrtc_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

#endif
