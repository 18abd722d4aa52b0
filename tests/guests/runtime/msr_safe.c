/*
 * rdmsr_safe/wrmsr_safe: a #GP handler that, while a probe is armed, recognises the faulting
 * RDMSR (0f 32) or WRMSR (0f 30) at the frame's RIP, notes the fault and resumes after the
 * 2-byte instruction. Any other #GP, or one at a different RIP (say, a hypervisor that
 * injected the fault after advancing RIP), is still reported as unexpected.
 */
#include <stdint.h>
#include "msr_safe.h"
#include "lib/guestrt/trap.h"

static volatile int probe_armed;
static volatile int probe_faulted;

static void gp_handler(struct trap_frame *f)
{
	const volatile uint8_t *ip = (const volatile uint8_t *)f->rip;
	if (probe_armed && ip[0] == 0x0f && (ip[1] == 0x30 || ip[1] == 0x32)) {
		probe_faulted = 1;
		f->rip += 2;
		return;
	}
	trap_unexpected(f);
}

static void arm(void)
{
	trap_set_handler(13, gp_handler);
	probe_faulted = 0;
	probe_armed = 1;
}

static int disarm(void)
{
	probe_armed = 0;
	return probe_faulted ? -1 : 0;
}

int rdmsr_safe(uint32_t msr, uint64_t *value)
{
	uint32_t lo, hi;
	arm();
	/* EDX:EAX start at zero so a skipped RDMSR yields 0. */
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr), "a"(0), "d"(0) : "memory");
	int r = disarm();
	*value = r ? 0 : ((uint64_t)hi << 32) | lo;
	return r;
}

int wrmsr_safe(uint32_t msr, uint64_t value)
{
	arm();
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
	             : "memory");
	return disarm();
}
