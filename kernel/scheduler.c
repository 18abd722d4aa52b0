/*
 * Round-robin scheduling on one CPU (see scheduler.h). The VMX-preemption timer counts down at
 * the TSC rate divided by 2^shift (IA32_VMX_MISC[4:0], SDM 25.5.1) and forces an exit when it
 * reaches zero; it is armed for the rest of the slice or the vCPU's own timer deadline,
 * whichever is sooner. Virtual interrupts are injected only when the guest can take them
 * (RFLAGS.IF = 1 and no STI/MOV-SS shadow); otherwise interrupt-window exiting asks the CPU to
 * exit as soon as it can (SDM 25.6.2, 27.7.5).
 */
#include "kernel/console.h"
#include "kernel/fpu.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/partition.h"
#include "kernel/scheduler.h"
#include "kernel/x86.h"
#include "param.h"
#include "vmx/vmx.h"

static uint64_t slice_ticks;
static unsigned timer_shift;
static unsigned cursor;

static const uint32_t swapped_msrs[SWAPPED_MSR_COUNT] = {
	0xc0000102, /* KERNEL_GS_BASE */ 0xc0000081, /* STAR */ 0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */ 0xc0000084, /* SFMASK */ 0xc0000103, /* TSC_AUX */
};

void scheduler_init(uint64_t tsc_hz, unsigned preemption_shift)
{
	slice_ticks = tsc_hz / 1000000 * TIME_SLICE_US;
	if (!slice_ticks)
		slice_ticks = 1000000;
	timer_shift = preemption_shift;
}

/* MSRs the guest owns directly but the VMCS does not switch follow the vCPU on this CPU. */
static void switch_msrs(struct percpu *cpu, struct vcpu *next)
{
	if (cpu->msr_owner == next)
		return;
	for (int i = 0; i < SWAPPED_MSR_COUNT; i++) {
		if (cpu->msr_owner)
			cpu->msr_owner->swapped_msrs[i] = rdmsr(swapped_msrs[i]);
		wrmsr(swapped_msrs[i], next->swapped_msrs[i]);
	}
	cpu->msr_owner = next;
}

/* A halted vCPU can wake if it takes interrupts and one can come: a pending one, its timer,
 * or typed input (its virtual UART has receive interrupts on). */
static bool can_wake(const struct vcpu *v)
{
	return v->halted_with_interrupts &&
	       (vcpu_has_pending(v) || v->timer_deadline || (v->partition->uart.ier & 1));
}

/* Fires due timers and wakes halted vCPUs that have something to do. */
static void fire_timers(uint64_t now)
{
	for (unsigned i = 0; i < partition_count(); i++) {
		struct partition *p = partition_get(i);
		if (p->state != PARTITION_RUNNING)
			continue;
		for (unsigned j = 0; j < p->vcpu_count; j++) {
			struct vcpu *v = &p->vcpus[j];
			if (v->timer_deadline && now >= v->timer_deadline) {
				vcpu_raise(v, v->timer_vector);
				v->timer_deadline = 0;
			}
			if (v->state == VCPU_HALTED && v->halted_with_interrupts && vcpu_has_pending(v))
				v->state = VCPU_RUNNABLE;
		}
	}
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
			p->name, partition_state_name(p->state), (unsigned long long)v->exits_total,
			hz ? (unsigned long long)(v->guest_tsc / (hz / 1000)) : 0ull,
			(unsigned long long)v->fpu_saves, p->stop_reason[0] ? ": " : "", p->stop_reason);
	}
	machine_stop("all partitions have stopped");
}

static void inject_pending(struct vcpu *v)
{
	bool want_window = false;
	if (vcpu_has_pending(v)) {
		bool can_take = ((vmcs_read(VMCS_GUEST_RFLAGS) >> 9) & 1) &&
				!(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & 3) &&
				!(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
		if (can_take) {
			vmcs_write(VMCS_ENTRY_INTR_INFO,
				   INTR_INFO_VALID | INTR_TYPE_EXTERNAL | vcpu_take_pending(v));
		} else {
			want_window = true;
		}
	}
	if (want_window != v->window_exiting) {
		vmcs_write(VMCS_PROC_CONTROLS, vmx.proc | (want_window ? PROC_INTERRUPT_WINDOW_EXITING : 0));
		v->window_exiting = want_window;
	}
}

struct vcpu *scheduler_next(struct percpu *cpu, struct vcpu *prev, bool reschedule)
{
	console_poll_input();
	uint64_t now = rdtsc();
	struct vcpu *next = NULL;
	bool keep = !reschedule && prev && prev->state == VCPU_RUNNABLE &&
		    prev->partition->state == PARTITION_RUNNING &&
		    now - cpu->slice_start_tsc < slice_ticks;
	if (keep) {
		next = prev;
		fire_timers(now);
	} else {
		for (;;) {
			fire_timers(now);
			bool anything_left;
			next = pick_runnable(&anything_left);
			if (next)
				break;
			if (!anything_left)
				report_and_stop();
			cpu_relax();
			console_poll_input();
			now = rdtsc();
		}
		cpu->slice_start_tsc = now;
	}

	if (cpu->current != next)
		vmx_vmptrld(next);
	switch_msrs(cpu, next);
	inject_pending(next);

	uint64_t left = slice_ticks - (now - cpu->slice_start_tsc);
	if (next->timer_deadline && next->timer_deadline > now && next->timer_deadline - now < left)
		left = next->timer_deadline - now;
	uint64_t count = left >> timer_shift;
	vmcs_write(VMCS_PREEMPTION_TIMER, count ? (count > 0xffffffffu ? 0xffffffffu : count) : 1);

	fpu_prepare_entry(cpu, next);
	next->entry_tsc = rdtsc();
	return next;
}

void scheduler_start(struct percpu *cpu)
{
	struct vcpu *first = scheduler_next(cpu, NULL, true);
	vmx_start(first, cpu->exit_stack_top - 16);
}
