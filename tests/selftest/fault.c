/*
 * Linked only into the fault-test kernel (build/bulkhead-faulttest.efi): right after the host
 * summary it reads page 0, which the kernel leaves unmapped, so the Bochs suite can check that a
 * hypervisor exception produces a full dump (#PF, CR2 = 0x8, registers, CPU) and a clean stop.
 * The marker value in RBX shows the dump prints the real registers. It also lists a CPU that
 * does not exist, to show how a CPU that fails to start is reported (and that it is not fatal).
 */
#include <stdint.h>
#include "kernel/exception.h"
#include "kernel/log.h"
#include "kernel/smp.h"

/* APIC ID 0x7e exists on none of the test machines: the INIT and start-up IPIs reach nobody. */
void selftest_cpu_list(struct cpu_table *t)
{
	if (t->count < MAX_CPUS)
		t->cpu[t->count++] = (struct cpu_slot){ .apic_id = 0x7e };
}

void selftest_after_summary(void)
{
	kprintf("[hv] selftest: reading address 0x8 on purpose\n");
	uint64_t v;
	__asm__ volatile("movabs $0x5e1f7e57c0ffee00, %%rbx\n\t"
			 "movq 0x8, %0" : "=r"(v) : : "rbx", "memory");
	kprintf("[hv] selftest: the read of page 0 did not fault (value %#llx)\n", (unsigned long long)v);
}
