/*
 * idle guest: a partition that is almost always asleep, as most of a server's partitions are.
 * It arms its virtual timer 50 ms ahead and halts, 40 times (2 s), then exits. The 16-partition
 * bench runs fifteen of these next to the bench guest: their vCPUs sit on the same CPU, so an
 * exit path that walked every partition would get slower, and one that does not, would not.
 */
#include "runtime/guest.h"

#define VECTOR  0x40
#define WAKES   40

static volatile uint64_t ticks;

static void on_timer(struct trap_frame *f)
{
	(void)f;
	ticks++;
}

int guest_main(const struct start_info *si)
{
	trap_set_handler(VECTOR, on_timer);
	uint64_t period = si->tsc_hz / 20;
	for (uint64_t i = 0; i < WAKES; i++) {
		hc_timer_set(rdtsc() + period, VECTOR);
		while (ticks == i)
			sti_hlt_cli();
	}
	return 0;
}
