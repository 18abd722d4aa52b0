/*
 * The per-CPU scheduler: round robin over runnable vCPUs with time slices enforced by the
 * VMX-preemption timer, halted vCPUs woken by their virtual timer, and the entry-side work
 * that must happen before every VM entry (VMCS switch, swapped MSRs, interrupt injection,
 * lazily restored vector state, the preemption timer value).
 */
#ifndef BULKHEAD_SCHEDULER_H
#define BULKHEAD_SCHEDULER_H

#include <stdbool.h>
#include "kernel/percpu.h"
#include "kernel/vcpu.h"

void scheduler_init(uint64_t tsc_hz, unsigned preemption_shift);
/* Picks the vCPU to enter after `prev` exited (prev may be NULL at start) and prepares the
 * entry. Idles (polling timers) when nothing is runnable; when nothing can ever run again it
 * reports every partition's end and stops the machine. */
struct vcpu *scheduler_next(struct percpu *cpu, struct vcpu *prev, bool reschedule);
__attribute__((noreturn)) void scheduler_start(struct percpu *cpu);

#endif
