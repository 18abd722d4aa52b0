/*
 * TSC frequency. Preferred source is CPUID: leaf 15h (TSC/crystal ratio times the crystal
 * frequency) when it is fully enumerated, else leaf 16h (processor base frequency, which is
 * the TSC rate on Intel CPUs with an invariant TSC). Without either, the TSC is calibrated
 * against PIT channel 2 over a fixed interval. The figure turns TSC ticks into time for
 * boot-time reports, CPU accounting and the VMX-preemption timer.
 */
#ifndef BULKHEAD_TSC_H
#define BULKHEAD_TSC_H

#include <stdint.h>

enum tsc_source { TSC_UNKNOWN = 0, TSC_CPUID_15H, TSC_CPUID_16H, TSC_PIT };

struct tsc_cpuid {
	uint32_t max_leaf;
	uint32_t l15_eax, l15_ebx, l15_ecx;   /* denominator, numerator, crystal Hz */
	uint32_t l16_eax;                     /* base frequency, MHz */
};

/* Pure: the frequency CPUID reports, or 0 (and TSC_UNKNOWN) when it reports none. */
uint64_t tsc_hz_from_cpuid(const struct tsc_cpuid *c, enum tsc_source *src);
/* Pure: the frequency from `ticks` counted over `pit_counts` PIT input clocks (1.193182 MHz). */
uint64_t tsc_hz_from_pit(uint64_t ticks, uint32_t pit_counts);
/* Kernel: CPUID, else PIT calibration. Returns Hz (0 if everything failed). */
uint64_t tsc_measure(enum tsc_source *src);
const char *tsc_source_string(enum tsc_source s);

#endif
