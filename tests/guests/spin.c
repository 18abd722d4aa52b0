/*
 * spin guest: CPU-bound work for the scheduler tests (spin_a and spin_b run this same image on
 * a shared CPU). Ten rounds of 3,000,000 steps of a 64-bit LCG with no hypercall, I/O or other
 * exit inside a round, so only the hypervisor's preemption timer can take the CPU away;
 * "progress <k>" after each round. The final LCG state must match the value computed offline,
 * which would catch general-purpose registers corrupted across a preemption.
 */
#include "runtime/guest.h"

#define ROUNDS          10
#define STEPS_PER_ROUND 3000000u
#define LCG_MUL         6364136223846793005ull
#define LCG_ADD         1442695040888963407ull
#define LCG_START       1ull
#define LCG_EXPECTED    0x51a0d9d15abaaf81ull   /* after ROUNDS * STEPS_PER_ROUND steps */

int guest_main(const struct start_info *si)
{
	cprintf("spinning as '%s': %d rounds of %u LCG steps\n", si->name, ROUNDS,
	        STEPS_PER_ROUND);
	uint64_t x = LCG_START;
	for (int round = 1; round <= ROUNDS; round++) {
		for (uint32_t i = 0; i < STEPS_PER_ROUND; i++) {
			x = x * LCG_MUL + LCG_ADD;
			asm volatile("" : "+r"(x));   /* keep every step; nothing to fold */
		}
		cprintf("progress %d\n", round);
	}
	check_eq("LCG state after all rounds matches the precomputed value", x, LCG_EXPECTED);
	return done();
}
