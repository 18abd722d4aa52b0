/*
 * hlt guest: the one-shot virtual timer. HC_TIMER_SET(now + 1 ms, 0x40) followed by STI; HLT
 * must sleep until the interrupt, which runs the vector 0x40 handler exactly once and not
 * before the deadline. A timer that expires while RFLAGS.IF = 0 stays pending until STI;
 * deadline 0 cancels; vectors outside 32..255 are refused with HC_EINVAL. The guest's TPR
 * (CR8) holds back an interrupt of its priority class or below until CR8 drops under it, as a
 * local APIC would.
 */
#include "runtime/guest.h"

#define VEC_MAIN  0x40
#define VEC_OTHER 0x41

static volatile uint64_t main_count, main_tsc, main_frame_vector, main_frame_cs;
static volatile uint64_t other_count;

static void on_main(struct trap_frame *f)
{
	main_tsc = rdtsc();
	main_count++;
	main_frame_vector = f->vector;
	main_frame_cs = f->cs;
}

static void on_other(struct trap_frame *f)
{
	(void)f;
	other_count++;
}

/* Spins with interrupts enabled until *counter differs from seen or ticks have passed. */
static void wait_enabled(volatile uint64_t *counter, uint64_t seen, uint64_t ticks)
{
	uint64_t end = rdtsc() + ticks;
	sti();
	while (*counter == seen && rdtsc() < end)
		pause();
	cli();
}

static void refused_vectors(uint64_t hz)
{
	check_hc("HC_TIMER_SET with vector 5 returns HC_EINVAL", hc_timer_set(rdtsc() + hz, 5),
	         HC_EINVAL);
	check_hc("HC_TIMER_SET with vector 31 returns HC_EINVAL", hc_timer_set(rdtsc() + hz, 31),
	         HC_EINVAL);
	check_hc("HC_TIMER_SET with vector 256 returns HC_EINVAL",
	         hc_timer_set(rdtsc() + hz, 256), HC_EINVAL);
}

/* Nothing is printed between arming a timer and the event under test: console output takes
 * exits of its own, and a slow console could let a deadline pass too early. */
static void hlt_wakes_on_timer(uint64_t hz)
{
	uint64_t ms = hz / 1000;
	uint64_t deadline = rdtsc() + ms;
	int64_t r = hc_timer_set(deadline, VEC_MAIN);
	if (r == 0)
		sti_hlt_cli();
	uint64_t woke = rdtsc();
	uint64_t count = main_count;
	if (!check_hc("HC_TIMER_SET(now + 1 ms, 0x40) returns 0", r, 0))
		return;
	check(count == 1, "HLT slept until the timer interrupt",
	      "handler had run %lu times when HLT returned, %ld ticks after the deadline", count,
	      (int64_t)(woke - deadline));
	if (count == 0) {
		wait_enabled(&main_count, 0, 100 * ms);
		if (main_count)
			cprintf("(the interrupt came after HLT returned, %ld ticks after the "
			        "deadline)\n", (int64_t)(main_tsc - deadline));
		else
			cprintf("(no interrupt within 100 ms of waiting with IF = 1)\n");
	}
	if (main_count) {
		check(main_tsc >= deadline, "timer interrupt not before its deadline",
		      "handler ran %lu ticks early", deadline - main_tsc);
		check(woke >= deadline, "TSC past the deadline after HLT", "%lu ticks early",
		      deadline - woke);
		check_eq("interrupt frame has vector 0x40", main_frame_vector, VEC_MAIN);
		check_eq("interrupt frame has CS 0x08", main_frame_cs, 0x08);
	}
	/* A one-shot timer fires once: wait 3 more ms with interrupts on. */
	wait_enabled(&main_count, main_count, 3 * ms);
	check_eq("timer handler ran exactly once", main_count, 1);
}

static void pending_while_disabled(uint64_t hz)
{
	uint64_t ms = hz / 1000;
	uint64_t deadline = rdtsc() + ms / 2;
	int64_t r = hc_timer_set(deadline, VEC_OTHER);
	while (rdtsc() < deadline + 2 * ms)
		pause();
	uint64_t while_disabled = other_count;
	if (r == 0)
		wait_enabled(&other_count, 0, 100 * ms);
	if (!check_hc("HC_TIMER_SET(now + 0.5 ms, 0x41) returns 0", r, 0))
		return;
	check_eq("no timer interrupt while RFLAGS.IF = 0", while_disabled, 0);
	check_eq("the pending timer interrupt arrives after STI", other_count, 1);
}

/* Arms a timer 10 ms out and cancels it at once. Only an attempt in which the cancel came
 * well before the deadline counts (the partition may be preempted between the two calls, and
 * then the timer may rightly have fired); up to 5 attempts. */
static void cancel(uint64_t hz)
{
	uint64_t ms = hz / 1000;
	for (int attempt = 0; attempt < 5; attempt++) {
		uint64_t before = other_count;
		uint64_t t0 = rdtsc();
		int64_t armed = hc_timer_set(t0 + 10 * ms, VEC_OTHER);
		int64_t cancelled = hc_timer_set(0, VEC_OTHER);
		uint64_t t1 = rdtsc();
		wait_enabled(&other_count, before, 20 * ms);
		if (t1 - t0 > 5 * ms)
			continue;
		check_hc("HC_TIMER_SET(now + 10 ms, 0x41) returns 0", armed, 0);
		check_hc("HC_TIMER_SET with deadline 0 (cancel) returns 0", cancelled, 0);
		check(other_count == before, "a cancelled timer does not fire",
		      "handler ran %lu times within 20 ms", other_count - before);
		return;
	}
	fail("a cancelled timer does not fire", "preempted between arming and cancelling 5 times");
}

static uint64_t read_cr8(void) { uint64_t v; asm volatile("mov %%cr8, %0" : "=r"(v)); return v; }
static void write_cr8(uint64_t v) { asm volatile("mov %0, %%cr8" : : "r"(v) : "memory"); }

/* Vector 0x41 is in priority class 4: CR8 = 4 masks it, CR8 = 3 lets it through. */
static void tpr_holds_interrupts_back(uint64_t hz)
{
	uint64_t ms = hz / 1000;
	uint64_t before = other_count;
	write_cr8(4);
	uint64_t cr8 = read_cr8();
	int64_t r = hc_timer_set(rdtsc() + ms / 2, VEC_OTHER);
	wait_enabled(&other_count, before, 3 * ms);       /* IF = 1 throughout */
	uint64_t while_masked = other_count - before;
	write_cr8(3);                                     /* below the class: it must come now */
	sti();
	for (int i = 0; i < 1000 && other_count == before; i++)
		pause();
	cli();
	uint64_t after_lowering = other_count - before;
	write_cr8(0);
	if (!check_hc("HC_TIMER_SET(now + 0.5 ms, 0x41) returns 0", r, 0))
		return;
	check_eq("CR8 reads back the 4 written", cr8, 4);
	check_eq("no interrupt of class 4 while CR8 = 4, though RFLAGS.IF = 1", while_masked, 0);
	check_eq("the held-back interrupt arrives as soon as CR8 drops to 3", after_lowering, 1);
}

int guest_main(const struct start_info *si)
{
	uint64_t hz = si->tsc_hz;
	if (hz < 1000) {
		fail("setup", "start_info.tsc_hz is %lu", hz);
		return done();
	}
	trap_set_handler(VEC_MAIN, on_main);
	trap_set_handler(VEC_OTHER, on_other);
	refused_vectors(hz);
	hlt_wakes_on_timer(hz);
	pending_while_disabled(hz);
	tpr_holds_interrupts_back(hz);
	cancel(hz);
	return done();
}
