/*
 * Round-robin scheduling on each CPU (see scheduler.h). Every CPU runs this same code over the
 * vCPUs placed on it (vcpu.cpu) and touches only those vCPUs and its own struct percpu, so no
 * lock is needed. A vCPU keeps the CPU until its slice ends, it halts or yields, or its
 * partition stops; a woken vCPU waits for the running one's slice to end. A CPU with a single
 * vCPU on it (a partition that owns it) gives no slice end at all: only the vCPU's own timers
 * and other CPUs' kicks take it out of the guest. The CPU's next event is kept in struct
 * percpu: vmx/vcpu_switch.c arms the VMX-preemption timer for it, and an exit before it never
 * reaches this file. Work that is the boot CPU's alone (typed input, guest resets, which build
 * partitions from the hypervisor pool) runs only there; other CPUs answer kicks (kernel/smp.h):
 * they let go of a vCPU another CPU is stopping and take typed input from its mailbox.
 */
#include <stdint.h>
#include <stdio.h>
#include "drivers/lapic.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/partition.h"
#include "kernel/scheduler.h"
#include "kernel/smp.h"
#include "kernel/x86.h"
#include "mgmt_abi.h"
#include "param.h"
#include "vdev/platform.h"
#include "vdev/vcpu_post.h"
#include "vmx/vcpu_switch.h"
#include "vmx/vmx.h"

static uint64_t slice_ticks;
static uint64_t load_window_ticks;

void scheduler_init(uint64_t tsc_hz)
{
	slice_ticks = tsc_hz / 1000000 * TIME_SLICE_US;
	if (!slice_ticks)
		slice_ticks = 1000000;
	load_window_ticks = (tsc_hz ? tsc_hz : 1000000000ull) * MGMT_LOAD_WINDOW_S;
}

/* One vCPU's use over `elapsed` ticks since its window began, clamped: a reader on another
 * CPU may see the window's start and the vCPU's counters from either side of its close. */
static void vcpu_window(const struct vcpu *v, uint64_t now, uint64_t elapsed, uint32_t *permille,
			uint32_t *exits_per_s)
{
	uint64_t ticks = vcpu_cpu_ticks(v, now), exits = vcpu_exits_total(v);
	uint64_t used = ticks > v->window_ticks ? ticks - v->window_ticks : 0;
	uint64_t n = exits > v->window_exits ? exits - v->window_exits : 0;
	*permille = !elapsed ? 0 : used >= elapsed ? 1000 : (uint32_t)(used * 1000 / elapsed);
	/* Per second through milliseconds: n * 1000 cannot overflow, n * tsc_hz could. */
	uint64_t ms = elapsed / (partitions_env()->tsc_hz / 1000 ? partitions_env()->tsc_hz / 1000 : 1);
	uint64_t rate = ms ? n * 1000 / ms : 0;
	*exits_per_s = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
}

/* The window closes for the vCPUs this CPU runs at the same moment as for the CPU itself. */
static void close_vcpu_windows(const struct percpu *cpu, uint64_t now, uint64_t elapsed)
{
	for (unsigned i = 0; i < partition_count(); i++) {
		struct partition *p = partition_get(i);
		for (unsigned j = 0; j < p->vcpu_count; j++) {
			struct vcpu *v = &p->vcpus[j];
			if (v->cpu != cpu->index)
				continue;
			if (p->state == PARTITION_RUNNING && elapsed)
				vcpu_window(v, now, elapsed, &v->recent_permille, &v->recent_exits_per_s);
			else
				v->recent_permille = v->recent_exits_per_s = 0;
			v->window_ticks = vcpu_cpu_ticks(v, now);
			v->window_exits = vcpu_exits_total(v);
			v->window_tsc = now;
		}
	}
}

/* Closes the load window once it is MGMT_LOAD_WINDOW_S long: the share not spent idle. */
static void update_load(struct percpu *cpu, uint64_t now)
{
	if (!cpu->load_window_tsc) {
		cpu->load_window_tsc = now;
		cpu->load_window_idle = cpu->idle_ticks;
		close_vcpu_windows(cpu, now, 0);
		return;
	}
	uint64_t elapsed = now - cpu->load_window_tsc;
	if (elapsed < load_window_ticks)
		return;
	uint64_t idle = cpu->idle_ticks - cpu->load_window_idle;
	cpu->load_permille = idle >= elapsed ? 0 : (uint32_t)(1000 - idle * 1000 / elapsed);
	close_vcpu_windows(cpu, now, elapsed);
	cpu->load_windows++;
	cpu->load_window_tsc = now;
	cpu->load_window_idle = cpu->idle_ticks;
}

/* A window not closed in time (its CPU has not passed through here since) is read live. */
static bool window_stale(const struct percpu *cpu, uint64_t now)
{
	return !cpu->load_windows ||
	       now - cpu->load_window_tsc >= load_window_ticks + load_window_ticks / 8;
}

void scheduler_vcpu_recent(const struct vcpu *v, uint64_t now, uint32_t *permille,
			   uint32_t *exits_per_s)
{
	const struct percpu *cpu = smp_cpu(v->cpu);
	uint64_t start = cpu ? cpu->load_window_tsc : 0;
	if (!cpu || !start || now <= start) {
		*permille = *exits_per_s = 0;
		return;
	}
	/* A vCPU built since its CPU's window began (a restart) was not in the last window: it
	 * is measured live too, all its time counting from that window's start. */
	if (!window_stale(cpu, now) && v->window_tsc == start) {
		*permille = v->recent_permille;
		*exits_per_s = v->recent_exits_per_s;
		return;
	}
	vcpu_window(v, now, now - start, permille, exits_per_s);
}

uint32_t scheduler_cpu_load(const struct percpu *cpu, uint64_t now)
{
	uint64_t start = cpu->load_window_tsc;
	if (!start || now <= start)
		return 0;
	/* A CPU that passes through its scheduler closes a window at its first pass after the
	 * window's end; one that has not (no window closed yet, or overdue) is measured live. */
	if (!window_stale(cpu, now))
		return cpu->load_permille;
	uint64_t elapsed = now - start;
	uint64_t idle = cpu->idle_ticks - cpu->load_window_idle;
	uint64_t asleep = cpu->idle_since;
	if (asleep && now > asleep)
		idle += now - (asleep > start ? asleep : start);
	return idle >= elapsed ? 0 : (uint32_t)(1000 - idle * 1000 / elapsed);
}

/* A halted vCPU can wake if it takes interrupts and one can come: a pending one, its timer,
 * or typed input (its virtual UART has receive interrupts on). */
static bool can_wake(const struct vcpu *v)
{
	return v->halted_with_interrupts &&
	       (vcpu_has_pending(v) || v->timer_deadline || (v->partition->uart.ier & 1) ||
		(v->lapic && vcpu_interrupt_deliverable(v)));
}

static bool placed_here(const struct vcpu *v, const struct percpu *cpu)
{
	return v->cpu == cpu->index;
}

/* Lets go of vCPUs that another CPU is stopping (smp_release_vcpu): this CPU's TLB entries for
 * them go, their VMCS is cleared here, and the last store tells the waiting CPU it may free
 * or rebuild them. */
static void answer_kick(struct percpu *cpu, uint64_t now)
{
	if (!__atomic_load_n(&cpu->kicked, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&cpu->kicked, 0, __ATOMIC_RELEASE);
	cpu->kicks++;
	for (unsigned i = 0; i < partition_count(); i++) {
		struct partition *p = partition_get(i);
		for (unsigned j = 0; j < sizeof p->vcpus / sizeof p->vcpus[0]; j++) {
			struct vcpu *v = &p->vcpus[j];
			if (v->active_cpu != cpu || !v->release_request)
				continue;
			vcpu_run_end(v, now);
			vcpu_forget(cpu, v);
			if (cpu->last_partition == p)
				cpu->last_partition = NULL;
			vmx_invvpid_single(v->vpid);
			vmx_invept_single(p->eptp);
			vmx_vmclear(v);               /* its last store releases the vCPU */
		}
	}
}

/* Raises due timers of this CPU's vCPUs, wakes halted ones that have an interrupt they can
 * take, hands them typed input that came through their mailbox, counts them, and returns the
 * earliest deadline still armed (UINT64_MAX: none). */
static uint64_t fire_timers(struct percpu *cpu, uint64_t now)
{
	uint64_t earliest = UINT64_MAX;
	unsigned placed = 0;
	for (unsigned i = 0; i < partition_count(); i++) {
		struct partition *p = partition_get(i);
		if (p->state != PARTITION_RUNNING)
			continue;
		if (cpu->index != 0 && p->vcpu_count && placed_here(&p->vcpus[0], cpu))
			console_take_mail(p);
		for (unsigned j = 0; j < p->vcpu_count; j++) {
			struct vcpu *v = &p->vcpus[j];
			if (!placed_here(v, cpu))
				continue;
			placed++;
			if (v->posted)
				vcpu_take_posted(v);
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
	cpu->vcpus_placed = placed;
	return earliest;
}

/* The next runnable vCPU of this CPU after the cursor. *could_wake: one of its vCPUs is
 * halted but can wake; *elsewhere: a running partition has vCPUs on other CPUs. */
static struct vcpu *pick_runnable(struct percpu *cpu, bool *could_wake, bool *elsewhere)
{
	unsigned n = partition_count();
	*could_wake = *elsewhere = false;
	for (unsigned k = 1; k <= n; k++) {
		unsigned at = (cpu->sched_cursor + k) % n;
		struct partition *p = partition_get(at);
		if (p->state != PARTITION_RUNNING)
			continue;
		for (unsigned j = 0; j < p->vcpu_count; j++) {
			struct vcpu *v = &p->vcpus[j];
			if (!placed_here(v, cpu)) {
				*elsewhere |= v->state == VCPU_RUNNABLE ||
					      (v->state == VCPU_HALTED && can_wake(v));
				continue;
			}
			if (v->release_request)
				continue;
			if (v->state == VCPU_RUNNABLE) {
				cpu->sched_cursor = at;
				return v;
			}
			if (v->state == VCPU_HALTED && can_wake(v))
				*could_wake = true;
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
		uint64_t hz = partitions_env()->tsc_hz, now = rdtsc(), exits = 0, ticks = 0, saves = 0;
		for (unsigned j = 0; j < partition_vcpus_of_last_run(p); j++) {
			exits += vcpu_exits_total(&p->vcpus[j]);
			ticks += vcpu_cpu_ticks(&p->vcpus[j], now);
			saves += p->vcpus[j].fpu_saves;
		}
		char ipis[48] = "";
		if (p->platform.ipis_dropped)
			snprintf(ipis, sizeof ipis, ", IPIs dropped %llu",
				 (unsigned long long)p->platform.ipis_dropped);
		kprintf("[hv]   %-10s %-8s exits %llu, guest time %llu ms, vector-state saves %llu%s on "
			"CPU %u%s%s\n", p->name, partition_state_name(p->state),
			(unsigned long long)exits, hz ? (unsigned long long)(ticks / (hz / 1000)) : 0ull,
			(unsigned long long)saves, ipis, v->cpu,
			p->stop_reason[0] ? ": " : "", p->stop_reason);
	}
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		const struct percpu *cpu = smp_cpu(i);
		if (!cpu)
			continue;
		kprintf("[hv] CPU %u: %llu NMIs while guests ran, %llu in hypervisor code; %llu host "
			"interrupts; %llu IBPBs on partition switches, %llu VM entries with L1D flush "
			"or VERW\n", cpu->index,
			(unsigned long long)cpu->nmis_in_guest, (unsigned long long)cpu->nmis_in_hypervisor,
			(unsigned long long)cpu->host_interrupts, (unsigned long long)cpu->ibpbs,
			(unsigned long long)cpu->entry_barriers);
	}
	machine_stop("all partitions have stopped");
}

/* What only the boot CPU does on each pass: typed input and guest resets. */
static void boot_cpu_duties(const struct percpu *cpu)
{
	if (cpu->index != 0)
		return;
	console_poll_input();
	partitions_service_resets();
}

/* Nothing to run here. The boot CPU stops the machine once nothing can run anywhere, and
 * otherwise spins, polling the console (it takes no device interrupts) and its timers.
 * Another CPU sleeps in HLT: on it, a halted vCPU can only be woken by one of its own timers,
 * by a kick (typed input, a partition placed there: an NMI) or by a notification (an
 * interrupt another vCPU posted: NOTIFY_VECTOR). So it sleeps until its earliest
 * virtual-timer deadline on its local APIC's TSC-deadline timer, with interrupts on for the
 * HLT alone (those two vectors and the spurious one are the only ones with a gate); with no
 * deadline until a kick or a notification, and with a deadline but no such timer it spins
 * instead. A notification sent before the STI is still pending in the local APIC and ends
 * the HLT at once. */
static void idle_once(struct percpu *cpu, bool could_wake, bool elsewhere)
{
	if (cpu->index == 0) {
		if (!could_wake && !elsewhere)
			report_and_stop();
		cpu_relax();
		return;
	}
	uint64_t deadline = could_wake ? cpu->next_timer_tsc : UINT64_MAX;
	if (deadline != UINT64_MAX && !cpu->wake_timer) {
		cpu_relax();
		return;
	}
	cpu->idle_since = rdtsc();
	if (deadline != UINT64_MAX)
		lapic_deadline_arm(deadline);
	if (!__atomic_load_n(&cpu->kicked, __ATOMIC_ACQUIRE))   /* else answered on the way out */
		__asm__ volatile("sti; hlt; cli" ::: "memory");   /* STI's shadow covers the HLT */
	if (deadline != UINT64_MAX)
		lapic_deadline_arm(0);
	cpu->idle_since = 0;
}

struct vcpu *scheduler_next(struct percpu *cpu, struct vcpu *prev, bool reschedule, uint64_t now)
{
	boot_cpu_duties(cpu);
	answer_kick(cpu, now);
	update_load(cpu, now);
	cpu->next_timer_tsc = fire_timers(cpu, now);
	struct vcpu *next = prev;
	bool keep = !reschedule && prev && prev->state == VCPU_RUNNABLE && !prev->release_request &&
		    prev->partition->state == PARTITION_RUNNING && now < cpu->slice_end_tsc;
	if (!keep) {
		if (prev)
			vcpu_run_end(prev, now);
		for (;;) {
			bool could_wake, elsewhere;
			next = pick_runnable(cpu, &could_wake, &elsewhere);
			if (next)
				break;
			idle_once(cpu, could_wake, elsewhere);
			boot_cpu_duties(cpu);
			uint64_t was = now;
			now = rdtsc();
			cpu->idle_ticks += now - was;
			answer_kick(cpu, now);
			update_load(cpu, now);
			cpu->next_timer_tsc = fire_timers(cpu, now);
		}
		/* The only vCPU on a CPU other than the boot CPU keeps it until something happens:
		 * a timer of its own, or a kick when another vCPU is placed here. */
		cpu->slice_end_tsc = cpu->index != 0 && cpu->vcpus_placed <= 1 ? UINT64_MAX
									     : now + slice_ticks;
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
