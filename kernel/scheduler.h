/*
 * The per-CPU scheduler: policy only. It decides which vCPU runs next (round robin over the
 * runnable ones, in time slices), raises due virtual timers and wakes halted vCPUs, polls the
 * console, and keeps the CPU's next timer event so that the exit fast path can tell with one
 * comparison that nothing is due. Everything that puts the chosen vCPU on the CPU is in
 * vmx/vcpu_switch.c.
 */
#ifndef BULKHEAD_SCHEDULER_H
#define BULKHEAD_SCHEDULER_H

#include <stdbool.h>
#include "kernel/percpu.h"
#include "kernel/vcpu.h"

void scheduler_init(uint64_t tsc_hz);
/* Picks the vCPU to enter after `prev` exited (prev may be NULL at start; `reschedule` says
 * prev cannot go on) at TSC `now`, and prepares its entry. Idles (polling timers and the
 * console) when nothing is runnable; when nothing can ever run again it reports every
 * partition's end and stops the machine. */
struct vcpu *scheduler_next(struct percpu *cpu, struct vcpu *prev, bool reschedule, uint64_t now);
__attribute__((noreturn)) void scheduler_start(struct percpu *cpu);
/* The share of the last MGMT_LOAD_WINDOW_S seconds `cpu` was not idle, in permille, read from
 * any CPU: a CPU whose guest never exits closes no window, so a stale one is measured up to
 * `now` instead. */
uint32_t scheduler_cpu_load(const struct percpu *cpu, uint64_t now);
/* The same window for one vCPU, read from any CPU: its CPU time in permille of one CPU and
 * its exits per second. */
struct vcpu;
void scheduler_vcpu_recent(const struct vcpu *v, uint64_t now, uint32_t *permille,
			   uint32_t *exits_per_s);

#endif
