/*
 * bench guest: VM-exit round trips measured with the TSC (LFENCE-ordered RDTSC on both sides),
 * 10,000 timed iterations each after 100 untimed warm-up ones. With an empty command line:
 * CPUID leaf 0 (always an exit), VMCALL HC_NOP, and an empty baseline (the cost of the timing
 * itself, no exit). With cmdline "yield": HC_YIELD round trips, which with a runnable "peer"
 * partition on the CPU means two vCPU switches each. With cmdline "peer": yields 20,000 times
 * (outlasting the measurement) and exits. Prints
 *   BENCH cpuid_exit avg=<ticks> median=<ticks> min=<ticks> iterations=10000
 *   BENCH vmcall avg=... / BENCH yield avg=... / BENCH baseline avg=<ticks>
 * The average counts everything that happened (timer wake-ups of other partitions too); the
 * median is the common case.
 */
#include <stdlib.h>
#include <string.h>
#include "runtime/guest.h"

#define ITERATIONS 10000
#define WARMUP     100
#define PEER_YIELDS 20000

enum bench_kind { BENCH_CPUID, BENCH_VMCALL, BENCH_YIELD, BENCH_BASELINE };

struct bench_result {
	uint64_t total, min, median;
	uint64_t bad_results;      /* hypercalls that did not return 0 */
};

static uint64_t samples[ITERATIONS];

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static struct bench_result measure(enum bench_kind kind)
{
	struct bench_result r = { 0, UINT64_MAX, 0, 0 };
	for (int i = -WARMUP; i < ITERATIONS; i++) {
		uint64_t t0 = rdtsc_ordered();
		if (kind == BENCH_CPUID)
			cpuid(0, 0);
		else if (kind == BENCH_VMCALL && hc_nop() != 0)
			r.bad_results++;
		else if (kind == BENCH_YIELD && hc_yield() != 0)
			r.bad_results++;
		uint64_t t1 = rdtsc_ordered();
		if (i < 0)
			continue;
		uint64_t d = t1 - t0;
		samples[i] = d;
		r.total += d;
		if (d < r.min)
			r.min = d;
	}
	qsort(samples, ITERATIONS, sizeof samples[0], compare_u64);
	r.median = samples[ITERATIONS / 2];
	return r;
}

static void print(const char *name, const struct bench_result *r)
{
	cprintf("BENCH %s avg=%lu median=%lu min=%lu iterations=%d\n", name, r->total / ITERATIONS,
	        r->median, r->min, ITERATIONS);
}

int guest_main(const struct start_info *si)
{
	const char *mode = (const char *)si->cmdline_gpa;
	if (strcmp(mode, "peer") == 0) {
		for (int i = 0; i < PEER_YIELDS; i++)
			hc_yield();
		return 0;
	}
	cprintf("TSC at %lu Hz\n", si->tsc_hz);
	if (strcmp(mode, "yield") == 0) {
		struct bench_result y = measure(BENCH_YIELD);
		print("yield", &y);
		check(y.bad_results == 0, "HC_YIELD returned 0 in every iteration", "%lu did not",
		      y.bad_results);
		return done();
	}
	struct bench_result c = measure(BENCH_CPUID);
	struct bench_result v = measure(BENCH_VMCALL);
	struct bench_result b = measure(BENCH_BASELINE);
	print("cpuid_exit", &c);
	print("vmcall", &v);
	cprintf("BENCH baseline avg=%lu\n", b.total / ITERATIONS);
	check(v.bad_results == 0, "HC_NOP returned 0 in every iteration", "%lu did not",
	      v.bad_results);
	return done();
}
