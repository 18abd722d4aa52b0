/*
 * A virtual CPU: the guest registers the exit stub saves (offsets pinned for vmx/exit_stub.S),
 * its VMCS, its lazily switched vector-register state, its virtual timer and its statistics.
 */
#ifndef BULKHEAD_VCPU_H
#define BULKHEAD_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmx/vmcs.h"

struct partition;

/* Saved by vmx/exit_stub.S on every exit; RSP and RIP live in the VMCS. */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_HALTED,      /* executed HLT; woken by a deliverable virtual interrupt */
	VCPU_STOPPED,     /* its partition is not running */
};

/* MSRs the guest uses directly (no exits) that the VMCS does not switch: they are swapped
 * when this CPU changes from one vCPU to another (vmx/vcpu_switch.c). */
enum { SWAPPED_MSR_COUNT = 6 };

struct vcpu {
	struct guest_regs regs;           /* offset 0: exit stub */
	uint64_t launched;                /* offset 120: VMRESUME (1) or VMLAUNCH (0) */
	struct partition *partition;
	unsigned index;
	uint16_t vpid;
	enum vcpu_state state;
	void *vmcs;                       /* 4 KiB, identity-mapped (pointer == physical) */

	/* Extended state (x87/SSE/AVX...), switched lazily: see kernel/fpu.c. */
	void *xsave_area;
	uint64_t xcr0;

	/* Virtual timer (HC_TIMER_SET) and interrupt injection. */
	uint64_t timer_deadline;          /* TSC; 0 = disarmed */
	uint8_t timer_vector;
	uint64_t pending[4];              /* virtual interrupt vectors waiting to be injected */
	bool window_exiting;              /* interrupt-window exiting is on in its VMCS */
	bool halted_with_interrupts;      /* RFLAGS.IF was 1 at its HLT: an interrupt can wake it */

	uint64_t swapped_msrs[SWAPPED_MSR_COUNT];

	/* Statistics for the management shell. */
	uint64_t exits[EXIT_REASON_COUNT];
	uint64_t exits_total;
	uint64_t guest_tsc;               /* TSC ticks spent in the guest */
	uint64_t entry_tsc;               /* TSC at the last VM entry */
	uint64_t fpu_saves;               /* times the hypervisor had to save this vCPU's state */
	uint64_t io_dropped;              /* writes to ports nobody emulates */
};
_Static_assert(offsetof(struct vcpu, regs) == 0, "exit_stub.S: regs first");
_Static_assert(offsetof(struct guest_regs, r15) == 14 * 8, "exit_stub.S: 15 GPRs");
_Static_assert(offsetof(struct vcpu, launched) == 120, "exit_stub.S: launched flag");

/* Pending virtual interrupts: a set, so a timer and a UART interrupt never displace each other;
 * the lowest vector is injected first. */
static inline void vcpu_raise(struct vcpu *v, unsigned vector)
{
	v->pending[(vector >> 6) & 3] |= 1ull << (vector & 63);
}

static inline bool vcpu_has_pending(const struct vcpu *v)
{
	return (v->pending[0] | v->pending[1] | v->pending[2] | v->pending[3]) != 0;
}

/* Removes and returns the lowest pending vector; only call when vcpu_has_pending(). */
static inline unsigned vcpu_take_pending(struct vcpu *v)
{
	for (unsigned i = 0; i < 4; i++)
		if (v->pending[i]) {
			unsigned bit = (unsigned)__builtin_ctzll(v->pending[i]);
			v->pending[i] &= ~(1ull << bit);
			return i * 64 + bit;
		}
	return 0;
}

#endif
