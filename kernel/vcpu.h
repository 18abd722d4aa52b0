/*
 * A virtual CPU: the guest registers the exit stub saves (offsets pinned for vmx/exit_stub.S),
 * its VMCS, the guest state that VMX neither loads nor saves (switched by vmx/vcpu_switch.c
 * when a CPU changes vCPU), its lazily switched vector-register state, its virtual timer and
 * its statistics.
 */
#ifndef BULKHEAD_VCPU_H
#define BULKHEAD_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmx/cpuid_policy.h"
#include "vmx/vmcs.h"

struct partition;
struct percpu;
struct vlapic;

/* Saved by vmx/exit_stub.S on every exit; RSP and RIP live in the VMCS. */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* What the next VM entry of a vCPU must do besides entering it (vmx/vcpu_switch.c). Whoever
 * changes the state concerned sets the bit; the full entry preparation does the work and
 * recomputes the set. An exit that resumes its vCPU with none set, before the CPU's next
 * event, goes straight back into the guest. */
enum vcpu_entry_work {
	VCPU_WORK_INJECT    = 1 << 0,  /* pending virtual interrupts, or injection controls to update */
	VCPU_WORK_TIMER     = 1 << 1,  /* the preemption timer must be re-armed */
	VCPU_WORK_FPU       = 1 << 2,  /* its vector state or XCR0 is not in the registers */
	VCPU_WORK_VMCS      = 1 << 3,  /* another VMCS was loaded while it ran (a vCPU was built) */
	VCPU_WORK_STATE     = 1 << 4,  /* it halted or stopped: the scheduler must look */
	VCPU_WORK_START     = 1 << 5,  /* a start-up IPI came: begin in real mode at sipi_vector */
};

/* What other CPUs hand a vCPU (vcpu.posted): only its own CPU changes its local APIC and
 * state, so the others leave word here, atomically, and notify that CPU (smp_notify). */
enum vcpu_posted {
	VCPU_POSTED_VECTORS = 1 << 0,  /* posted_vectors has interrupts for its local APIC */
	VCPU_POSTED_INIT    = 1 << 1,  /* an INIT IPI: reset, then wait for a start-up IPI */
	VCPU_POSTED_SIPI    = 1 << 2,  /* a start-up IPI, vector in posted_sipi_vector */
};

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_HALTED,      /* executed HLT; woken by a deliverable virtual interrupt */
	VCPU_STOPPED,     /* its partition is not running */
	VCPU_WAIT_SIPI,   /* an application processor after INIT: runs once a start-up IPI comes */
};

/* MSRs the guest uses directly (no exits) that the VMCS does not switch: they are swapped
 * when this CPU changes from one vCPU to another (vmx/vcpu_switch.c). IA32_SPEC_CTRL is the
 * last and is swapped only where the CPU has it. */
enum { SWAPPED_MSR_COUNT = 7 };

struct vcpu {
	struct guest_regs regs;           /* offset 0: exit stub */
	uint64_t launched;                /* offset 120: VMRESUME (1) or VMLAUNCH (0) */
	uint32_t entry_work;              /* enum vcpu_entry_work bits */
	struct partition *partition;
	unsigned index;
	unsigned cpu;                     /* the physical CPU (kernel/smp.h number) it runs on */
	/* Across CPUs (kernel/smp.c): the CPU on which its VMCS is active (loaded by VMPTRLD and
	 * not VMCLEARed since: only that CPU may clear it, SDM Vol. 3C 25.1 "Overview" of VMCS
	 * states), the CPU whose host state its VMCS holds, and a request from another CPU that
	 * the active one let go of it. */
	struct percpu *volatile active_cpu;
	struct percpu *host_cpu;
	volatile uint32_t release_request;
	uint16_t vpid;
	enum vcpu_state state;
	bool unrestricted;                /* an OS's vCPU: may switch paging and modes (vmx.h) */
	struct cpuid_policy cpuid;        /* the virtual CPU it sees, fixed when it is built */
	struct cpuid_regs4 cpuid_answer;  /* scratch for the CPUID exit handler */
	void *vmcs;                       /* 4 KiB, identity-mapped (pointer == physical) */

	/* Extended state (x87/SSE/AVX...), switched lazily: see kernel/fpu.c. */
	void *xsave_area;
	uint64_t xcr0;

	/* Guest registers outside the VMCS, held here while another vCPU runs on the CPU. */
	uint64_t cr2;
	uint64_t dr[4];                   /* DR0-DR3 */
	uint64_t dr6;
	uint64_t swapped_msrs[SWAPPED_MSR_COUNT];
	/* The TPR shadow (SDM Vol. 3C 29.1): the guest's CR8 lives at offset 0x80 of this page,
	 * never in the physical local APIC. */
	uint8_t *virtual_apic;

	/* An OS partition's vCPU: its local APIC (vdev/vlapic.c), the source of its interrupts
	 * and its timer; NULL for ELF partitions, which use the fields below. */
	struct vlapic *lapic;
	/* Virtual timer (HC_TIMER_SET, or the local APIC's) and interrupt injection. */
	uint64_t timer_deadline;          /* TSC; 0 = disarmed */
	uint8_t timer_vector;
	uint64_t pending[4];              /* virtual interrupt vectors waiting to be injected */
	bool window_exiting;              /* interrupt-window exiting is on in its VMCS */
	uint8_t tpr_threshold;            /* its VMCS TPR threshold: a pending vector's class */
	bool halted_with_interrupts;      /* RFLAGS.IF was 1 at its HLT: an interrupt can wake it */
	uint8_t sipi_vector;              /* VCPU_WORK_START: it starts at sipi_vector << 12 */

	/* From other vCPUs of its partition, and its I/O APIC (enum vcpu_posted). */
	volatile uint32_t posted;
	uint64_t posted_vectors[4], posted_level[4];
	volatile uint32_t posted_sipi_vector;

	/* Statistics for the management shell. */
	uint64_t exits[EXIT_REASON_COUNT + 1];   /* by basic reason; the last: reasons past the table */
	/* CPU time, counted per run (from being put on a CPU until it leaves it) rather than per
	 * exit, so the exit fast path does no accounting; it includes the hypervisor's handling
	 * of its own exits. */
	uint64_t guest_tsc;               /* TSC ticks of its finished runs */
	uint64_t run_start_tsc;           /* TSC when its current run began; 0: not on a CPU */
	uint64_t fpu_saves;               /* times the hypervisor had to save this vCPU's state */
	/* Its use of its CPU over that CPU's last load window (kernel/scheduler.c): its CPU time
	 * and exits when the window began, and what the window measured. */
	uint64_t window_tsc;              /* the window it was last measured in; 0: built since */
	uint64_t window_ticks, window_exits;
	uint32_t recent_permille;         /* of one CPU */
	uint32_t recent_exits_per_s;
	uint64_t io_dropped;              /* writes to ports nobody emulates */
};
_Static_assert(offsetof(struct vcpu, regs) == 0, "exit_stub.S: regs first");
_Static_assert(offsetof(struct guest_regs, r15) == 14 * 8, "exit_stub.S: 15 GPRs");
_Static_assert(offsetof(struct vcpu, launched) == 120, "exit_stub.S: launched flag");

#define EXIT_REASON_OTHER EXIT_REASON_COUNT

/* Its CPU time up to `now`, the current run included. */
static inline uint64_t vcpu_cpu_ticks(const struct vcpu *v, uint64_t now)
{
	return v->guest_tsc + (v->run_start_tsc ? now - v->run_start_tsc : 0);
}

/* Every exit counted (the exit path keeps only the per-reason counts). */
static inline uint64_t vcpu_exits_total(const struct vcpu *v)
{
	uint64_t n = 0;
	for (unsigned i = 0; i <= EXIT_REASON_OTHER; i++)
		n += v->exits[i];
	return n;
}

/* Pending virtual interrupts: a set, so a timer and a UART interrupt never displace each other;
 * the highest vector is injected first, as a local APIC would (SDM Vol. 3A 11.8.3). */
static inline void vcpu_raise(struct vcpu *v, unsigned vector)
{
	v->pending[(vector >> 6) & 3] |= 1ull << (vector & 63);
	v->entry_work |= VCPU_WORK_INJECT;
}

static inline bool vcpu_has_pending(const struct vcpu *v)
{
	return (v->pending[0] | v->pending[1] | v->pending[2] | v->pending[3]) != 0;
}

/* The highest pending vector; only call when vcpu_has_pending(). */
static inline unsigned vcpu_highest_pending(const struct vcpu *v)
{
	for (unsigned i = 4; i-- > 0;)
		if (v->pending[i])
			return i * 64 + 63 - (unsigned)__builtin_clzll(v->pending[i]);
	return 0;
}

static inline void vcpu_clear_pending(struct vcpu *v, unsigned vector)
{
	v->pending[(vector >> 6) & 3] &= ~(1ull << (vector & 63));
}

#endif
