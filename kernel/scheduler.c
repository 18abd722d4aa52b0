/*
 * Round-robin scheduling on one CPU (see scheduler.h). A vCPU keeps the CPU until its slice
 * ends, it halts or yields, or its partition stops; a woken vCPU waits for the running one's
 * slice to end. The CPU's next event (slice end or earliest virtual-timer deadline) is kept in
 * struct percpu: vmx/vcpu_switch.c arms the VMX-preemption timer for it, and an exit before it
 * never reaches this file. Everything here runs only at those events, on halts and yields, and
 * while the CPU idles, so its cost does not grow the common exit path however many partitions
 * share the CPU.
 */
#include <stdint.h>
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/partition.h"
#include "kernel/scheduler.h"
#include "kernel/x86.h"
#include "mgmt_abi.h"
#include "param.h"
#include "vdev/platform.h"
#include "vmx/vcpu_switch.h"
#include "vmx/vmx.h"

static uint64_t slice_ticks;
static uint64_t load_window_ticks;
static unsigned cursor;

void scheduler_init(uint64_t tsc_hz)
{
	slice_ticks = tsc_hz / 1000000 * TIME_SLICE_US;
	if (!slice_ticks)
		slice_ticks = 1000000;
	load_window_ticks = (tsc_hz ? tsc_hz : 1000000000ull) * MGMT_LOAD_WINDOW_S;
}

/* Closes the load window once it is MGMT_LOAD_WINDOW_S long: the share not spent idle. */
static void update_load(struct percpu *cpu, uint64_t now)
{
	if (!cpu->load_window_tsc) {
		cpu->load_window_tsc = now;
		cpu->load_window_idle = cpu->idle_ticks;
		return;
	}
	uint64_t elapsed = now - cpu->load_window_tsc;
	if (elapsed < load_window_ticks)
		return;
	uint64_t idle = cpu->idle_ticks - cpu->load_window_idle;
	cpu->load_permille = idle >= elapsed ? 0 : (uint32_t)(1000 - idle * 1000 / elapsed);
	cpu->load_window_tsc = now;
	cpu->load_window_idle = cpu->idle_ticks;
}

/* A halted vCPU can wake if it takes interrupts and one can come: a pending one, its timer,
 * or typed input (its virtual UART has receive interrupts on). */
static bool can_wake(const struct vcpu *v)
{
	return v->halted_with_interrupts &&
	       (vcpu_has_pending(v) || v->timer_deadline || (v->partition->uart.ier & 1) ||
		(v->lapic && vcpu_interrupt_deliverable(v)));
}

/* Raises due timers, wakes halted vCPUs that have an interrupt they can take, and returns the
 * earliest deadline still armed (UINT64_MAX: none). */
static uint64_t fire_timers(uint64_t now)
{
	uint64_t earliest = UINT64_MAX;
	for (unsigned i = 0; i < partition_count(); i++) {
		struct partition *p = partition_get(i);
		if (p->state != PARTITION_RUNNING)
			continue;
		for (unsigned j = 0; j < p->vcpu_count; j++) {
			struct vcpu *v = &p->vcpus[j];
			if (v->timer_deadline && now >= v->timer_deadline) {
				if (v->lapic) {
					vplatform_timer_due(v, now);
				} else {
					vcpu_raise(v, v->timer_vector);
					v->timer_deadline = 0;
				}
			}
			if (v->timer_deadline && v->timer_deadline < earliest)
				earliest = v->timer_deadline;
			if (v->state == VCPU_HALTED && v->halted_with_interrupts &&
			    vcpu_interrupt_deliverable(v))
				v->state = VCPU_RUNNABLE;
		}
	}
	return earliest;
}

static struct vcpu *pick_runnable(bool *anything_left)
{
	unsigned n = partition_count();
	*anything_left = false;
	for (unsigned k = 1; k <= n; k++) {
		struct partition *p = partition_get((cursor + k) % n);
		if (p->state != PARTITION_RUNNING)
			continue;
		for (unsigned j = 0; j < p->vcpu_count; j++) {
			struct vcpu *v = &p->vcpus[j];
			if (v->state == VCPU_RUNNABLE) {
				cursor = (cursor + k) % n;
				return v;
			}
			if (v->state == VCPU_HALTED && can_wake(v))
				*anything_left = true;
		}
	}
	return NULL;
}

static void report_and_stop(void)
{
	kprintf("[hv] no partition can run any more; summary:\n");
	for (unsigned i = 0; i < partition_count(); i++) {
		struct partition *p = partition_get(i);
		const struct vcpu *v = &p->vcpus[0];
		uint64_t hz = partitions_env()->tsc_hz;
		kprintf("[hv]   %-10s %-8s exits %llu, guest time %llu ms, vector-state saves %llu%s%s\n",
			p->name, partition_state_name(p->state), (unsigned long long)vcpu_exits_total(v),
			hz ? (unsigned long long)(vcpu_cpu_ticks(v, rdtsc()) / (hz / 1000)) : 0ull,
			(unsigned long long)v->fpu_saves, p->stop_reason[0] ? ": " : "", p->stop_reason);
	}
	const struct percpu *cpu = this_cpu();
	kprintf("[hv] CPU %u: %llu NMIs while guests ran, %llu in hypervisor code; %llu host "
		"interrupts; %llu IBPBs on partition switches, %llu VM entries with L1D flush or "
		"VERW\n", cpu->index,
		(unsigned long long)cpu->nmis_in_guest, (unsigned long long)cpu->nmis_in_hypervisor,
		(unsigned long long)cpu->host_interrupts, (unsigned long long)cpu->ibpbs,
		(unsigned long long)cpu->entry_barriers);
	machine_stop("all partitions have stopped");
}

struct vcpu *scheduler_next(struct percpu *cpu, struct vcpu *prev, bool reschedule, uint64_t now)
{
	console_poll_input();
	partitions_service_resets();
	update_load(cpu, now);
	cpu->next_timer_tsc = fire_timers(now);
	struct vcpu *next = prev;
	bool keep = !reschedule && prev && prev->state == VCPU_RUNNABLE &&
		    prev->partition->state == PARTITION_RUNNING && now < cpu->slice_end_tsc;
	if (!keep) {
		if (prev)
			vcpu_run_end(prev, now);
		for (;;) {
			bool anything_left;
			next = pick_runnable(&anything_left);
			if (next)
				break;
			if (!anything_left)
				report_and_stop();
			cpu_relax();
			console_poll_input();
			uint64_t was = now;
			now = rdtsc();
			cpu->idle_ticks += now - was;
			update_load(cpu, now);
			cpu->next_timer_tsc = fire_timers(now);
		}
		cpu->slice_end_tsc = now + slice_ticks;
	}
	cpu->next_event_tsc = cpu->slice_end_tsc < cpu->next_timer_tsc ? cpu->slice_end_tsc
									 : cpu->next_timer_tsc;
	vcpu_prepare_entry(cpu, next, now);
	return next;
}

void scheduler_start(struct percpu *cpu)
{
	struct vcpu *first = scheduler_next(cpu, NULL, true, rdtsc());
	vmx_start(first, cpu->exit_stack_top - 16);
}
