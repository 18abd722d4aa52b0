/*
 * The one step that puts a vCPU on a CPU and prepares its VM entry (vcpu_switch.c): loading
 * its VMCS, switching the guest state that VMX leaves alone (CR2, DR0-DR3, DR6, the swapped
 * MSRs, the indirect-branch barrier between partitions), the lazily switched vector state,
 * virtual-interrupt injection against the guest's TPR, the VMX-preemption timer and the L1D
 * flush. The scheduler only decides who runs; every exit that resumes goes through here.
 */
#ifndef BULKHEAD_VCPU_SWITCH_H
#define BULKHEAD_VCPU_SWITCH_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/percpu.h"
#include "kernel/vcpu.h"
#include "vmx/spec_policy.h"

/* Once at start: the preemption timer's rate (TSC >> shift, IA32_VMX_MISC[4:0]), whether VM
 * exits save its remaining count, and the speculation measures in force (vmx/spec_policy.c). */
void vcpu_switch_init(unsigned preemption_shift, bool timer_saved_on_exit,
		      const struct spec_measures *measures);

/* Everything between "v runs next on cpu" and VM entry; `now` is a recent TSC reading, from
 * which v's run (and CPU time) counts if it was not running. An exit that resumes its vCPU
 * with no entry work pending, before the CPU's next event, needs none of it: its VMCS is
 * loaded and the exit saved the remaining preemption-timer count (SDM 28.3.3). */
void vcpu_prepare_entry(struct percpu *cpu, struct vcpu *v, uint64_t now);

/* v leaves the CPU at `now` (halted, yielded, preempted, stopped): its run ends. */
void vcpu_run_end(struct vcpu *v, uint64_t now);

/* HC_TIMER_SET: arms (deadline != 0) or cancels v's one-shot timer and keeps the CPU's
 * earliest deadline current, so the exit fast path never has to search for it. */
void vcpu_set_timer(struct percpu *cpu, struct vcpu *v, uint64_t deadline, uint8_t vector);

/* Whether v's highest pending interrupt gets past its TPR (SDM Vol. 3A 11.8.3.1: the priority
 * class, vector bits 7:4, must be above TPR bits 7:4). */
bool vcpu_interrupt_deliverable(const struct vcpu *v);

/* v is being torn down: nothing of it may stay registered as live on this CPU. */
void vcpu_forget(struct percpu *cpu, struct vcpu *v);

/* The guest's CR8 as its TPR shadow holds it (virtual-APIC page offset 0x80, bits 7:4). */
static inline unsigned vcpu_tpr_class(const struct vcpu *v)
{
	return v->virtual_apic[0x80] >> 4;
}

#endif
