/*
 * A virtual local APIC in x2APIC mode, the interrupt controller of an OS partition's vCPU (SDM
 * Vol. 3A chapter 11, "Advanced Programmable Interrupt Controller (APIC)": 11.12 "Extended
 * XAPIC (x2APIC)" for the MSR interface, 11.5 the local vector table and the timer, 11.8 the
 * IRR/ISR/TPR/PPR rules of interrupt acceptance and EOI). The guest reaches it only through
 * MSRs (IA32_APIC_BASE, IA32_TSC_DEADLINE, 0x800-0x8FF); the xAPIC MMIO page is not offered.
 * Time is the TSC: the timer's one-shot and periodic modes count at the crystal clock that
 * CPUID leaf 0x15 reports (tsc_per_count TSC ticks per count before the divider), TSC-deadline
 * mode compares with the TSC itself. Pure: the hypervisor passes `now` and asks for the next
 * deadline and the next vector to inject.
 */
#ifndef BULKHEAD_VDEV_VLAPIC_H
#define BULKHEAD_VDEV_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VLAPIC_BASE_ADDRESS   0xfee00000ull
#define MSR_APIC_BASE         0x1bu
#define MSR_TSC_DEADLINE      0x6e0u
#define MSR_X2APIC_FIRST      0x800u
#define MSR_X2APIC_LAST       0x8ffu

/* An interrupt the guest sent with the ICR that is not for itself (another vCPU, NMI, INIT,
 * SIPI): kept for the hypervisor, which routes it (nowhere yet: one vCPU per partition). */
struct vlapic_ipi {
	uint32_t dest;
	uint32_t icr_low;
	bool pending;
};

struct vlapic {
	uint32_t id;
	uint64_t apic_base;         /* IA32_APIC_BASE: base, EN (bit 11), EXTD (bit 10), BSP (bit 8) */
	uint32_t tpr;
	uint32_t svr;
	uint32_t esr, esr_pending;  /* ESR shows what was pending at the last write to it */
	uint32_t lvt[7];            /* CMCI, timer, thermal, PMI, LINT0, LINT1, error */
	uint32_t timer_initial, timer_divide;
	uint64_t timer_start;       /* TSC when the current count last started from initial */
	uint64_t tsc_deadline;      /* IA32_TSC_DEADLINE; 0 = disarmed */
	uint64_t tsc_per_count;     /* TSC ticks per timer count at divide-by-1 (>= 1) */
	uint32_t irr[8], isr[8], tmr[8];
	struct vlapic_ipi ipi;
	uint64_t timer_fired;       /* timer interrupts raised, for statistics and tests */
};

enum vlapic_lvt_index { LVT_CMCI, LVT_TIMER, LVT_THERMAL, LVT_PMI, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/* Power-on state (SDM 11.4.7.1 and 10.1 table "IA-32 Processor States Following Power-up"):
 * IRR/ISR clear, LVTs masked, SVR 0xFF (software-disabled), in x2APIC mode when x2apic. */
void vlapic_reset(struct vlapic *l, uint32_t apic_id, bool bsp);
bool vlapic_msr_is_ours(uint32_t msr);
/* 0, or -1 where the real x2APIC raises #GP (reserved or write-only registers, reserved bits,
 * x2APIC registers while not in x2APIC mode, illegal IA32_APIC_BASE transitions). */
int vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *value);
int vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now);
/* An interrupt arrives (from the I/O APIC or a self-IPI): IRR, and TMR for level. */
void vlapic_accept(struct vlapic *l, uint8_t vector, bool level);
/* The highest pending vector the CPU would take now: its priority class above the processor
 * priority (max of TPR and the highest in-service class, SDM 11.8.3.1), or -1. */
int vlapic_pending(const struct vlapic *l);
/* The hypervisor injected `vector`: it moves from IRR to ISR (SDM 11.8.4). */
void vlapic_ack(struct vlapic *l, uint8_t vector);
/* The TSC at which the timer fires next, 0 when it will not. */
uint64_t vlapic_timer_deadline(const struct vlapic *l);
/* Called at or after the deadline: raises the timer's vector (unless masked), re-arms a
 * periodic timer, ends a one-shot or deadline one. */
void vlapic_timer_expire(struct vlapic *l, uint64_t now);
/* The software-enabled state (SVR bit 8) and the global enable (IA32_APIC_BASE.EN). */
bool vlapic_enabled(const struct vlapic *l);

#endif
