/*
 * Virtual local APIC of an OS partition's vCPU, in x2APIC mode (SDM Vol. 3A, chapter "Advanced
 * Programmable Interrupt Controller (APIC)"): the registers the guest reaches through MSRs
 * 0x800-0x8FF, IA32_APIC_BASE and IA32_TSC_DEADLINE; interrupt acceptance into IRR/TMR, the
 * TPR/PPR ranking that decides what may be injected, ISR and EOI (with a notification for
 * level-triggered vectors, so that the I/O APIC can clear Remote IRR); the timer in one-shot,
 * periodic and TSC-deadline modes, run from TSC values the caller passes in (`now`); errors
 * in ESR with the error LVT; self-IPIs, and a record of every other IPI for the caller to
 * route. The xAPIC MMIO page is not emulated: in xAPIC mode only IA32_APIC_BASE and
 * IA32_TSC_DEADLINE answer. Pure code (no globals, no allocation): the caller wires it up.
 */
#ifndef BULKHEAD_VDEV_VLAPIC_H
#define BULKHEAD_VDEV_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VLAPIC_MSR_APIC_BASE     0x1bu
#define VLAPIC_MSR_TSC_DEADLINE  0x6e0u
/* SDM "x2APIC Register Address Space": 0x800-0xBFF is the x2APIC's; what is not a register
 * there raises #GP. */
#define VLAPIC_MSR_X2APIC_FIRST  0x800u
#define VLAPIC_MSR_X2APIC_LAST   0xbffu

/* x2APIC register MSRs (SDM table "Local APIC Register Address Map Supported by x2APIC"). */
enum vlapic_msr {
	VLAPIC_ID = 0x802, VLAPIC_VERSION = 0x803, VLAPIC_TPR = 0x808, VLAPIC_PPR = 0x80a,
	VLAPIC_EOI = 0x80b, VLAPIC_LDR = 0x80d, VLAPIC_SVR = 0x80f, VLAPIC_ISR0 = 0x810,
	VLAPIC_TMR0 = 0x818, VLAPIC_IRR0 = 0x820, VLAPIC_ESR = 0x828, VLAPIC_LVT_CMCI = 0x82f,
	VLAPIC_ICR = 0x830, VLAPIC_LVT_TIMER = 0x832, VLAPIC_LVT_THERMAL = 0x833,
	VLAPIC_LVT_PMI = 0x834, VLAPIC_LVT_LINT0 = 0x835, VLAPIC_LVT_LINT1 = 0x836,
	VLAPIC_LVT_ERROR = 0x837, VLAPIC_TIMER_INITIAL = 0x838, VLAPIC_TIMER_CURRENT = 0x839,
	VLAPIC_TIMER_DIVIDE = 0x83e, VLAPIC_SELF_IPI = 0x83f,
};

#define VLAPIC_DEFAULT_BASE      0xfee00000ull
#define VLAPIC_BASE_BSP          (1ull << 8)
#define VLAPIC_BASE_EXTD         (1ull << 10)   /* x2APIC mode */
#define VLAPIC_BASE_EN           (1ull << 11)   /* APIC global enable */
/* Version 0x14 (an integrated APIC), 7 LVT entries (max LVT entry 6: CMCI included), bit 24
 * clear: EOI-broadcast suppression is not offered. */
#define VLAPIC_VERSION_VALUE     0x00060014u
#define VLAPIC_SVR_ENABLE        (1u << 8)      /* APIC software enable */
#define VLAPIC_LVT_MASKED        (1u << 16)
#define VLAPIC_LVT_TIMER_MODE(v) (((v) >> 17) & 3u)
#define VLAPIC_MIN_PERIOD_US 200            /* min_period_tsc, as vdev/platform.c sets it */
enum { VLAPIC_TIMER_ONESHOT = 0, VLAPIC_TIMER_PERIODIC = 1, VLAPIC_TIMER_TSC_DEADLINE = 2 };

/* ESR bits the model can set (SDM "Error Handling"). */
#define VLAPIC_ESR_REDIRECTABLE_IPI (1u << 4)   /* lowest-priority IPI: not sent in x2APIC mode */
#define VLAPIC_ESR_SEND_ILLEGAL     (1u << 5)   /* ICR or SELF IPI with a vector below 16 */
#define VLAPIC_ESR_RECV_ILLEGAL     (1u << 6)   /* an interrupt with a vector below 16 arrived */

/* ICR fields (SDM figure "Interrupt Command Register (ICR)", x2APIC form). */
enum vlapic_delivery {
	VLAPIC_DM_FIXED = 0, VLAPIC_DM_LOWEST = 1, VLAPIC_DM_SMI = 2, VLAPIC_DM_NMI = 4,
	VLAPIC_DM_INIT = 5, VLAPIC_DM_SIPI = 6,
};
enum vlapic_shorthand {
	VLAPIC_DEST_FIELD = 0, VLAPIC_DEST_SELF = 1, VLAPIC_DEST_ALL = 2, VLAPIC_DEST_OTHERS = 3,
};
#define VLAPIC_BROADCAST 0xffffffffu            /* x2APIC destination "all" */

/* An IPI the model cannot finish alone, recorded for the caller: a fixed IPI that may name
 * other APICs (its copy for this APIC, if `self`, was accepted here already), or any NMI,
 * INIT, SIPI or SMI (nothing was done: the caller delivers it, to this vCPU too if `self`). */
struct vlapic_ipi {
	uint32_t dest;                    /* ICR bits 63:32: x2APIC ID or logical cluster/bitmap */
	uint8_t vector;
	uint8_t delivery_mode;            /* enum vlapic_delivery */
	uint8_t shorthand;                /* enum vlapic_shorthand */
	bool logical;                     /* destination mode */
	bool level_assert;                /* ICR bit 14 (INIT de-assert has it clear) */
	bool level_trigger;               /* ICR bit 15 */
	bool self;                        /* the destinations include this APIC */
	bool others;                      /* the destinations may include other APICs */
};

struct vlapic {
	uint32_t id;                      /* x2APIC ID */
	uint64_t apic_base;               /* IA32_APIC_BASE (MSR 0x1B) */
	uint32_t tpr;                     /* bits 7:0; the platform syncs it with CR8's shadow */
	uint32_t svr, ldr, esr, lvt_timer, lvt_lint0, lvt_lint1, lvt_error, lvt_thermal, lvt_pmi,
		 lvt_cmci;
	uint32_t esr_pending;             /* errors since the last ESR write (what the next gets) */
	uint64_t icr;
	uint32_t timer_initial, timer_divide;   /* initial-count and divide-configuration registers */
	uint64_t timer_start_tsc;         /* the count was timer_start_count at this TSC... */
	uint32_t timer_start_count;       /* ...and runs down from there; 0: not counting */
	uint64_t tsc_deadline;            /* IA32_TSC_DEADLINE; 0: disarmed */
	uint32_t irr[8], isr[8], tmr[8];
	struct vlapic_ipi ipi;            /* valid while ipi_pending; vlapic_take_ipi */
	bool ipi_pending;
	uint64_t ipis_overwritten;        /* IPIs recorded while one was still pending */

	/* Wiring, set by the caller after vlapic_reset and kept when the guest disables the
	 * APIC: TSC ticks per timer count before the divider (0 counts as 1), and who hears
	 * EOIs of level-triggered vectors (SDM "EOI Register": the EOI is broadcast to the I/O
	 * APICs, as this APIC does not offer EOI-broadcast suppression). */
	uint64_t tsc_per_count;
	/* The shortest period a periodic timer gets, in TSC ticks (0: none): a hostile or
	 * buggy kernel can program a count of 1, and a period shorter than a VM exit's round
	 * trip would keep its vCPU in timer exits without ever running an instruction. */
	uint64_t min_period_tsc;
	void (*eoi)(void *ctx, uint8_t vector);
	void *eoi_ctx;
};

/* Power-on state (SDM "Local APIC State After Power-Up or Reset"): LVTs masked, SVR 0xFF
 * (software-disabled), everything else 0; IA32_APIC_BASE = 0xFEE00000 | EN | BSP (if bsp).
 * x2apic: start in x2APIC mode, as if firmware had switched it (EXTD set, LDR derived from
 * the ID), so that the guest never needs the xAPIC page. Clears the wiring fields too. */
void vlapic_reset(struct vlapic *l, uint32_t apic_id, bool bsp, bool x2apic);
/* The MSRs the model answers: 0x1B, 0x6E0, 0x800-0xBFF. */
bool vlapic_msr_is_ours(uint32_t msr);
/* RDMSR/WRMSR of one of them at TSC `now`. 0, or -1 when the access raises #GP: not a
 * register, a write to a read-only one, a read of EOI or SELF IPI, an x2APIC MSR while not
 * in x2APIC mode, reserved bits set (SDM "Reserved Bit Checking"), a non-zero write to EOI or
 * ESR, an IA32_APIC_BASE write that is an illegal transition or moves the APIC. */
int vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *value);
int vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now);
/* A fixed interrupt arrives (I/O APIC, another CPU): sets IRR, and TMR if level-triggered.
 * Vectors 0-15 are refused with ESR "receive illegal vector"; a disabled APIC (globally, or
 * by SVR: "responds normally only to INIT, NMI, SMI and SIPI") accepts nothing. */
void vlapic_accept(struct vlapic *l, uint8_t vector, bool level);
/* The highest IRR vector whose priority class is above PPR's, or -1. PPR = TPR if TPR's class
 * is at least that of the highest in-service vector, else that class (SDM "Processor
 * Priority Register (PPR)"). */
int vlapic_pending(const struct vlapic *l);
/* The caller injected `vector` (as vlapic_pending offered it): IRR -> ISR. */
void vlapic_ack(struct vlapic *l, uint8_t vector);
/* When the timer next fires, as an absolute TSC; 0 if it is not running. A masked timer runs
 * (and is reported) too: only its interrupt is suppressed, at expiry. */
uint64_t vlapic_timer_deadline(const struct vlapic *l);
/* Call when now >= vlapic_timer_deadline: one-shot stops at 0, periodic reloads (missed
 * periods collapse into one interrupt), TSC-deadline disarms; the LVT timer vector goes to
 * IRR unless masked. Does nothing if the timer is not due. */
void vlapic_timer_expire(struct vlapic *l, uint64_t now);
/* Takes the recorded IPI, if any (see struct vlapic_ipi). */
bool vlapic_take_ipi(struct vlapic *l, struct vlapic_ipi *out);
/* Does an ICR destination (shorthand "none") name this APIC? Physical mode: its x2APIC ID or
 * the broadcast ID; logical: its cluster and one of its bits. Reads only the ID and LDR. */
bool vlapic_names(const struct vlapic *l, uint32_t dest, bool logical);
/* IA32_APIC_BASE says: enabled in x2APIC mode. */
bool vlapic_x2apic_mode(const struct vlapic *l);

#endif
