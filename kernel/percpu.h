/*
 * Per-CPU state, reached through the GS base (set once per CPU and restored on every VM exit
 * from the VMCS host-state area), so nothing in the hypervisor keeps a global "current vCPU"
 * and a second CPU only needs its own struct percpu.
 */
#ifndef BULKHEAD_PERCPU_H
#define BULKHEAD_PERCPU_H

#include <stdint.h>
#include "kernel/gdt.h"

struct vcpu;

struct percpu {
	struct percpu *self;              /* offset 0: this_cpu() reads %gs:0 */
	unsigned index;
	uint32_t apic_id;
	struct cpu_tables tables;
	uint64_t vmxon_region;            /* physical */
	uint64_t exit_stack_top;          /* HOST_RSP points 16 bytes below, at the vCPU pointer */
	struct vcpu *current;             /* whose VMCS is loaded on this CPU */
	struct vcpu *fpu_owner;           /* whose extended state is in this CPU's registers */
	struct vcpu *msr_owner;           /* whose swapped MSRs are in this CPU's MSRs */
	uint64_t slice_start_tsc;
};

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

void percpu_init_boot_cpu(struct percpu *p, const uint64_t ist_tops[IST_COUNT]);

#endif
