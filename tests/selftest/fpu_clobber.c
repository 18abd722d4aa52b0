/*
 * Linked only into the FPU-test kernel (build/bulkhead-fputest.efi): on every other VM exit
 * the hypervisor itself wipes the x87/SSE registers. The Bochs suite runs the vector guest on
 * this kernel; it passes only if the lazy save/restore in kernel/fpu.c really protects guest
 * state from hypervisor code that uses vector registers.
 */
#include "kernel/exception.h"
#include "kernel/vcpu.h"

void clobber_vector_registers(void);

static void clobber_every_other_exit(struct vcpu *v)
{
	static uint64_t exits;
	(void)v;
	if (++exits % 2 == 0)
		clobber_vector_registers();
}

void selftest_after_summary(void)
{
	selftest_exit_hook = clobber_every_other_exit;
}
