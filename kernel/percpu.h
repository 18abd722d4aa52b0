/*
 * Per-CPU state, reached through the GS base (set once per CPU and restored on every VM exit
 * from the VMCS host-state area), so nothing in the hypervisor keeps a global "current vCPU"
 * and a second CPU only needs its own struct percpu.
 */
#ifndef BULKHEAD_PERCPU_H
#define BULKHEAD_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/gdt.h"
#include "vmx/entry_barriers.h"

struct vcpu;
struct partition;

struct percpu {
	struct percpu *self;              /* offset 0: this_cpu() reads %gs:0 */
	unsigned index;
	uint32_t apic_id;
	struct cpu_tables tables;
	uint64_t vmxon_region;            /* physical */
	uint64_t exit_stack_top;          /* HOST_RSP points 16 bytes below, at the vCPU pointer */

	/* Who owns what on this CPU (vmx/vcpu_switch.c). They differ for a while: building a new
	 * vCPU loads its VMCS while the registers still hold the running vCPU's state. */
	struct vcpu *current;             /* whose VMCS is loaded (VMPTRLD) */
	struct vcpu *state_owner;         /* whose CR2, DR0-3/DR6 and swapped MSRs are live */
	struct vcpu *fpu_owner;           /* whose extended state is in the registers (lazy) */
	const struct partition *last_partition;  /* whose code ran here last (IBPB on change) */
	uint64_t xcr0;                    /* the XCR0 value loaded now */

	/* Time: the scheduler keeps these so the exit fast path compares, never searches. */
	uint64_t slice_end_tsc;           /* the running vCPU's slice ends */
	uint64_t next_timer_tsc;          /* earliest virtual-timer deadline of this CPU's vCPUs */
	uint64_t next_event_tsc;          /* min of the two: until then an exit goes straight back */

	/* Host events and measures, for the host summary and the management shell. */
	uint64_t nmis_in_hypervisor;      /* NMIs taken through the IDT in hypervisor code */
	uint64_t nmis_in_guest;           /* NMIs that caused a VM exit */
	uint64_t host_interrupts;         /* external interrupts acknowledged on exit (EOI sent) */
	uint64_t ibpbs;                   /* IBPBs issued on partition switches */
	uint64_t entry_barriers;          /* VM entries that ran the L1D flush or VERW (exit_stub.S) */
	/* Load (kernel/scheduler.c): TSC ticks spent idle, and the share of the last full window
	 * of MGMT_LOAD_WINDOW_S seconds that was not idle. */
	uint64_t idle_ticks;
	volatile uint64_t idle_since;     /* halted with nothing to run since then (0: not) */
	uint64_t load_window_tsc, load_window_idle;
	uint32_t load_permille;
	uint32_t load_windows;            /* windows closed so far */

	/* Start-up of an application processor (kernel/smp.c): what the boot CPU prepared for it
	 * and how far it got. The AP writes `arrived` and `status`; the boot CPU only reads them. */
	uint64_t ist_tops[IST_COUNT];
	volatile uint32_t arrived;        /* the AP reached C code */
	volatile uint32_t status;         /* enum cpu_status (kernel/smp.h) */
	volatile uint32_t vmx_wanted;     /* the boot CPU found VMX usable: enter VMX operation */

	/* Work handed over by other CPUs (kernel/smp.c): `go` once the boot CPU has built the
	 * partitions; `kicked` (set, then an NMI) asks this CPU to look at its vCPUs again: a
	 * release request, a partition placed here, typed input. This CPU clears it once it has
	 * looked; a sender that must know waits for that and sends the NMI again meanwhile. */
	volatile uint32_t go;
	volatile uint32_t kicked;
	volatile uint64_t kicks;          /* kicks it answered (for the shell) */
	unsigned sched_cursor;            /* round-robin position among the partitions */
	unsigned vcpus_placed;            /* vCPUs of running partitions on it (last pass) */
	bool wake_timer;                  /* its local APIC timer can end an idle HLT (TSC deadline) */
	uint64_t timer_wakes;             /* idle HLTs that timer ended */
};
_Static_assert(offsetof(struct percpu, entry_barriers) == PERCPU_ENTRY_BARRIERS,
	       "vmx/exit_stub.S counts entry barriers at this offset");

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* One field of this CPU's struct percpu in one GS-relative load, for the exit fast path. */
static inline uint64_t this_cpu_next_event_tsc(void)
{
	uint64_t v;
	__asm__ volatile("mov %%gs:%c1, %0" : "=r"(v) : "i"(offsetof(struct percpu, next_event_tsc)));
	return v;
}

void percpu_init_boot_cpu(struct percpu *p, const uint64_t ist_tops[IST_COUNT]);
/* On an application processor: loads its tables (from p->ist_tops) and its GS base. */
void percpu_init_ap(struct percpu *p);

#endif
