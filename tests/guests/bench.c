/*
 * bench guest: VM-exit round trips measured with the TSC (LFENCE-ordered RDTSC on both sides),
 * 10,000 timed iterations each after 100 untimed warm-up ones: CPUID leaf 0 (always an exit),
 * VMCALL HC_NOP, and an empty baseline (the cost of the timing itself, no exit). Prints
 *   BENCH cpuid_exit avg=<ticks> min=<ticks> iterations=10000
 *   BENCH vmcall avg=<ticks> min=<ticks> iterations=10000
 *   BENCH baseline avg=<ticks>
 */
#include "runtime/guest.h"

#define ITERATIONS 10000
#define WARMUP     100

enum bench_kind { BENCH_CPUID, BENCH_VMCALL, BENCH_BASELINE };

struct bench_result {
	uint64_t total, min;
	uint64_t vmcall_nonzero;   /* HC_NOP results other than 0 */
};

static struct bench_result measure(enum bench_kind kind)
{
	struct bench_result r = { 0, UINT64_MAX, 0 };
	for (int i = -WARMUP; i < ITERATIONS; i++) {
		uint64_t t0 = rdtsc_ordered();
		if (kind == BENCH_CPUID)
			cpuid(0, 0);
		else if (kind == BENCH_VMCALL && hc_nop() != 0)
			r.vmcall_nonzero++;
		uint64_t t1 = rdtsc_ordered();
		if (i < 0)
			continue;
		uint64_t d = t1 - t0;
		r.total += d;
		if (d < r.min)
			r.min = d;
	}
	return r;
}

int guest_main(const struct start_info *si)
{
	cprintf("TSC at %lu Hz\n", si->tsc_hz);
	struct bench_result c = measure(BENCH_CPUID);
	struct bench_result v = measure(BENCH_VMCALL);
	struct bench_result b = measure(BENCH_BASELINE);
	cprintf("BENCH cpuid_exit avg=%lu min=%lu iterations=%d\n", c.total / ITERATIONS, c.min,
	        ITERATIONS);
	cprintf("BENCH vmcall avg=%lu min=%lu iterations=%d\n", v.total / ITERATIONS, v.min,
	        ITERATIONS);
	cprintf("BENCH baseline avg=%lu\n", b.total / ITERATIONS);
	check(v.vmcall_nonzero == 0, "HC_NOP returned 0 in every iteration", "%lu did not",
	      v.vmcall_nonzero);
	return done();
}
