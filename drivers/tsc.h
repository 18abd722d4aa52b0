/*
 * TSC frequency. CPUID leaf 15h (TSC/crystal ratio times the crystal frequency) or leaf 16h
 * (processor base frequency, the TSC rate on Intel CPUs with an invariant TSC) says what it
 * should be; a 50 ms calibration against PIT channel 2 says what it is. They normally agree
 * and CPUID's exact figure is used; when they do not (emulators, odd firmware) the measured
 * one is, because it is what time slices, timers and uptime must follow.
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
/* Pure: picks between what CPUID claims and what the PIT measured. The measurement wins when
 * the two disagree by more than 10% (emulators and some firmware report a nominal frequency
 * the TSC does not run at), or when CPUID says nothing. */
uint64_t tsc_choose(uint64_t cpuid_hz, enum tsc_source cpuid_src, uint64_t pit_hz,
		    enum tsc_source *src);
/* Kernel: CPUID and a PIT calibration, reconciled by tsc_choose. Returns Hz (0 if both
 * failed); *claimed is what CPUID said (0 if nothing). */
uint64_t tsc_measure(enum tsc_source *src, uint64_t *claimed);
const char *tsc_source_string(enum tsc_source s);

#endif
