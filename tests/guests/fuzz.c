/*
 * fuzz guest: 10,000 hypercalls with xorshift64 (fixed seed) numbers and arguments. Odd calls
 * use a fully random 64-bit number, even ones a number in [0, HC_COUNT + 8); HC_EXIT is never
 * made, and all six argument registers are random. Interrupts are on and every vector 32-255
 * has a counting handler, in case a call arms the timer. Afterwards: HC_ABI_VERSION still
 * answers, a canary array is intact, every result was >= 0 or an HC_E* code, unknown numbers
 * gave HC_ENOSYS, and no call changed its argument registers.
 */
#include "runtime/guest.h"

#define CALLS        10000
#define SEED         0x9e3779b97f4a7c15ull
#define CANARY_WORDS 4096

static uint64_t rng_state = SEED;
static uint64_t canary[CANARY_WORDS];
static volatile uint64_t interrupts;

static uint64_t xorshift64(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t canary_value(uint64_t i)
{
	return (i * 0xd1b54a32d192ed03ull) ^ 0xc0ffee00c0ffee00ull;
}

static void on_interrupt(struct trap_frame *f)
{
	(void)f;
	interrupts++;
}

/* Never HC_EXIT; the low-32-bit test also spares a hypervisor that reads only EAX. */
static uint64_t pick_number(int fully_random)
{
	uint64_t nr;
	do
		nr = fully_random ? xorshift64() : xorshift64() % (HC_COUNT + 8);
	while ((uint32_t)nr == HC_EXIT);
	return nr;
}

struct fuzz_counts {
	uint64_t ok, enosys, einval, efault, eperm, other;
	uint64_t unknown_not_enosys, args_changed;
	uint64_t first_other_nr;
	int64_t first_other_result;
	uint64_t first_unknown_nr;
	int64_t first_unknown_result;
	uint64_t first_changed_nr;
};

/* One call; returns nonzero if it changed any argument register. */
static int fuzz_call(uint64_t nr, const uint64_t a[6], int64_t *result)
{
	uint64_t rax = nr, rdi = a[0], rsi = a[1], rdx = a[2];
	register uint64_t r10 asm("r10") = a[3];
	register uint64_t r8 asm("r8") = a[4];
	register uint64_t r9 asm("r9") = a[5];
	asm volatile("vmcall"
	             : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
	             :
	             : "memory");
	*result = (int64_t)rax;
	return rdi != a[0] || rsi != a[1] || rdx != a[2] || r10 != a[3] || r8 != a[4] ||
	       r9 != a[5];
}

static void classify(uint64_t nr, int64_t r, struct fuzz_counts *c)
{
	if (r >= 0) {
		c->ok++;
	} else if (r == HC_ENOSYS) {
		c->enosys++;
	} else if (r == HC_EINVAL) {
		c->einval++;
	} else if (r == HC_EFAULT) {
		c->efault++;
	} else if (r == HC_EPERM) {
		c->eperm++;
	} else if (!c->other++) {
		c->first_other_nr = nr;
		c->first_other_result = r;
	}
	if (nr >= HC_COUNT && r != HC_ENOSYS && !c->unknown_not_enosys++) {
		c->first_unknown_nr = nr;
		c->first_unknown_result = r;
	}
}

int guest_main(const struct start_info *si)
{
	(void)si;
	for (unsigned v = 32; v < 256; v++)
		trap_set_handler(v, on_interrupt);
	for (uint64_t i = 0; i < CANARY_WORDS; i++)
		canary[i] = canary_value(i);

	struct fuzz_counts c = { 0 };
	sti();
	for (int i = 0; i < CALLS; i++) {
		uint64_t nr = pick_number(i & 1);
		uint64_t a[6];
		for (int j = 0; j < 6; j++)
			a[j] = xorshift64();
		int64_t r;
		if (fuzz_call(nr, a, &r) && !c.args_changed++)
			c.first_changed_nr = nr;
		classify(nr, r, &c);
	}
	cli();
	hc_timer_set(0, 32);   /* cancel a timer some call may have armed */

	pass("fuzz: %d calls: %lu ok, %lu HC_ENOSYS, %lu HC_EINVAL, %lu HC_EFAULT, %lu HC_EPERM, "
	     "%lu other; %lu interrupts", CALLS, c.ok, c.enosys, c.einval, c.efault, c.eperm,
	     c.other, interrupts);
	char buf[32];
	check(c.other == 0, "every result was >= 0 or an HC_E* code",
	      "%lu others, first: hypercall %#lx returned %s", c.other, c.first_other_nr,
	      hc_result_name(c.first_other_result, buf));
	check(c.unknown_not_enosys == 0, "every unknown number returned HC_ENOSYS",
	      "%lu did not, first: hypercall %#lx returned %s", c.unknown_not_enosys,
	      c.first_unknown_nr, hc_result_name(c.first_unknown_result, buf));
	check(c.args_changed == 0, "no call changed its argument registers",
	      "%lu calls did, first: hypercall %#lx", c.args_changed, c.first_changed_nr);
	check_hc("HC_ABI_VERSION still answers", hc_abi_version(), HYPERCALL_ABI_VERSION);
	uint64_t bad = 0, first_bad = 0;
	for (uint64_t i = 0; i < CANARY_WORDS; i++)
		if (canary[i] != canary_value(i) && !bad++)
			first_bad = i;
	check(bad == 0, "canary array intact", "%lu of %d words changed, first at index %lu", bad,
	      CANARY_WORDS, first_bad);
	return done();
}
