/*
 * ticker guest: a partition that never ends, for the management shell test
 * (tests/runners/shell-suite.sh). It prints "ticker: I have <N> MiB" once (N from
 * start_info.memory_size, so a `mem ticker 32M` before a restart shows up in the guest's own
 * view), then "tick <n>" (n = 1, 2, ...) every 200 ms of TSC time, sleeping in HLT between
 * ticks on the one-shot virtual timer (HC_TIMER_SET, as in hlt.c). Its console output is
 * replayed when the administrator attaches to it, so the first lines prove the replay and
 * later lines prove the console is live.
 */
#include <stdbool.h>
#include "runtime/guest.h"

#define VEC_TICK     0x40
#define TICKS_PER_S  5        /* one tick every 200 ms */

static volatile uint64_t timer_fired;

static void on_tick(struct trap_frame *f)
{
	(void)f;
	timer_fired++;
}

/* Sleeps until the TSC reaches deadline. Wakes for other reasons (any interrupt) just sleep
 * again; if the hypervisor refused the timer, the wait degrades to a PAUSE loop. */
static void sleep_until(uint64_t deadline)
{
	uint64_t seen = timer_fired;
	bool armed = hc_timer_set(deadline, VEC_TICK) == 0;
	while (rdtsc() < deadline) {
		if (armed && timer_fired == seen)
			sti_hlt_cli();
		else
			pause();
	}
}

int guest_main(const struct start_info *si)
{
	uint64_t hz = si->tsc_hz;
	if (hz < 1000) {
		int64_t r = hc_tsc_hz();
		hz = r >= 1000 ? (uint64_t)r : 1000000000ull;
	}
	trap_set_handler(VEC_TICK, on_tick);
	cprintf("ticker: I have %lu MiB\n", (unsigned long)(si->memory_size >> 20));

	uint64_t period = hz / TICKS_PER_S;
	uint64_t next = rdtsc() + period;
	for (uint64_t n = 1;; n++) {
		sleep_until(next);
		cprintf("tick %lu\n", (unsigned long)n);
		next += period;
		uint64_t now = rdtsc();
		if (next <= now)          /* descheduled for a while: no burst of catch-up ticks */
			next = now + period;
	}
	return 0;
}
