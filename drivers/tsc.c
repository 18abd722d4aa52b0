/*
 * TSC frequency (see tsc.h). CPUID leaf semantics: Intel SDM Vol. 2A, CPUID leaves 15H and
 * 16H. PIT: channel 2 in mode 0 ("interrupt on terminal count") counts down from the loaded
 * value once its gate (port 61h bit 0) is high and raises OUT2, readable at port 61h bit 5,
 * when it reaches zero; the PIT input clock is 1.193182 MHz.
 */
#include "drivers/tsc.h"
#include "kernel/x86.h"

#define PIT_HZ 1193182u
#define PIT_CALIBRATION_COUNTS (PIT_HZ / 20)     /* 50 ms */

uint64_t tsc_hz_from_cpuid(const struct tsc_cpuid *c, enum tsc_source *src)
{
	if (c->max_leaf >= 0x15 && c->l15_eax && c->l15_ebx && c->l15_ecx) {
		*src = TSC_CPUID_15H;
		return (uint64_t)c->l15_ecx * c->l15_ebx / c->l15_eax;
	}
	if (c->max_leaf >= 0x16 && (c->l16_eax & 0xffff)) {
		*src = TSC_CPUID_16H;
		return (uint64_t)(c->l16_eax & 0xffff) * 1000000u;
	}
	*src = TSC_UNKNOWN;
	return 0;
}

uint64_t tsc_hz_from_pit(uint64_t ticks, uint32_t pit_counts)
{
	if (!pit_counts)
		return 0;
	/* ticks * PIT_HZ fits in 64 bits for any calibration under a few seconds at < 1 THz. */
	return ticks * PIT_HZ / pit_counts;
}

static uint64_t calibrate_with_pit(void)
{
	uint8_t saved = inb(0x61);
	outb(0x61, (saved & ~0x02) | 0x01);          /* gate on, speaker off */
	outb(0x43, 0xb0);                            /* channel 2, lo/hi byte, mode 0, binary */
	outb(0x42, PIT_CALIBRATION_COUNTS & 0xff);
	outb(0x42, PIT_CALIBRATION_COUNTS >> 8);
	uint64_t start = rdtsc(), end = 0;
	/* Bounded: a machine without a PIT must not hang the boot. */
	for (uint32_t spin = 0; spin < 200000000u; spin++) {
		if (inb(0x61) & 0x20) {
			end = rdtsc();
			break;
		}
	}
	outb(0x61, saved);
	return end ? tsc_hz_from_pit(end - start, PIT_CALIBRATION_COUNTS) : 0;
}

uint64_t tsc_choose(uint64_t cpuid_hz, enum tsc_source cpuid_src, uint64_t pit_hz,
		    enum tsc_source *src)
{
	if (cpuid_hz && (!pit_hz || (pit_hz > cpuid_hz - cpuid_hz / 10 &&
				     pit_hz < cpuid_hz + cpuid_hz / 10))) {
		*src = cpuid_src;
		return cpuid_hz;
	}
	*src = pit_hz ? TSC_PIT : TSC_UNKNOWN;
	return pit_hz;
}

uint64_t tsc_measure(enum tsc_source *src, uint64_t *claimed)
{
	struct tsc_cpuid c = { .max_leaf = cpuid(0, 0).eax };
	if (c.max_leaf >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);
		c.l15_eax = r.eax, c.l15_ebx = r.ebx, c.l15_ecx = r.ecx;
	}
	if (c.max_leaf >= 0x16)
		c.l16_eax = cpuid(0x16, 0).eax;
	enum tsc_source cpuid_src;
	*claimed = tsc_hz_from_cpuid(&c, &cpuid_src);
	return tsc_choose(*claimed, cpuid_src, calibrate_with_pit(), src);
}

const char *tsc_source_string(enum tsc_source s)
{
	switch (s) {
	case TSC_CPUID_15H: return "CPUID leaf 15h";
	case TSC_CPUID_16H: return "CPUID leaf 16h";
	case TSC_PIT:       return "calibrated against the PIT";
	default:            return "unknown";
	}
}
