/*
 * Unit tests for the virtual x2APIC: every register's reset value and access rules (read-only,
 * write-only, reserved bits and non-registers raise #GP), the IA32_APIC_BASE state machine,
 * acceptance and the TPR/ISR priority rules, EOI (highest in service first, level-triggered
 * ones announced), ESR latching and the error LVT, the timer in all three modes against a
 * fake TSC (divide values, current count, periodic reload, TSC-deadline fire and disarm, mode
 * changes), self-IPIs and the IPIs recorded for the caller.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vdev/vlapic.h"

#define TIMER_VECTOR 0xec
#define ERROR_VECTOR 0xfe

static uint64_t rd(struct vlapic *l, uint32_t msr, uint64_t now)
{
	uint64_t v = 0xdeadbeef;
	assert_int_equal(vlapic_rdmsr(l, msr, now, &v), 0);
	return v;
}

static void wr(struct vlapic *l, uint32_t msr, uint64_t v, uint64_t now)
{
	assert_int_equal(vlapic_wrmsr(l, msr, v, now), 0);
}

static int rd_gp(struct vlapic *l, uint32_t msr)
{
	uint64_t v;
	return vlapic_rdmsr(l, msr, 0, &v);
}

static bool irr_has(const struct vlapic *l, unsigned v)
{
	return (l->irr[v / 32] >> (v % 32)) & 1;
}

static bool isr_has(const struct vlapic *l, unsigned v)
{
	return (l->isr[v / 32] >> (v % 32)) & 1;
}

/* An x2APIC, software-enabled, ID 0x25, timer at 10 TSC ticks per count. */
static void fresh(struct vlapic *l)
{
	vlapic_reset(l, 0x25, true, true);
	l->tsc_per_count = 10;
	wr(l, VLAPIC_SVR, 0x1ff, 0);
}

static void reset_state_in_x2apic_mode(void **state)
{
	(void)state;
	struct vlapic l;
	vlapic_reset(&l, 0x25, true, true);
	assert_int_equal(rd(&l, VLAPIC_MSR_APIC_BASE, 0), 0xfee00000ull | (1 << 11) | (1 << 10) | (1 << 8));
	assert_true(vlapic_x2apic_mode(&l));
	assert_int_equal(rd(&l, VLAPIC_ID, 0), 0x25);
	assert_int_equal(rd(&l, VLAPIC_VERSION, 0), 0x00060014);
	/* Cluster 2 (ID bits 19:4), bit 5 (ID bits 3:0). */
	assert_int_equal(rd(&l, VLAPIC_LDR, 0), (2u << 16) | (1u << 5));
	assert_int_equal(rd(&l, VLAPIC_SVR, 0), 0xff);
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_ICR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_INITIAL, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_DIVIDE, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_MSR_TSC_DEADLINE, 0), 0);
	const uint32_t lvts[] = { VLAPIC_LVT_CMCI, VLAPIC_LVT_TIMER, VLAPIC_LVT_THERMAL,
				  VLAPIC_LVT_PMI, VLAPIC_LVT_LINT0, VLAPIC_LVT_LINT1, VLAPIC_LVT_ERROR };
	for (unsigned i = 0; i < sizeof lvts / sizeof lvts[0]; i++)
		assert_int_equal(rd(&l, lvts[i], 0), 0x10000);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(&l, VLAPIC_ISR0 + i, 0), 0);
		assert_int_equal(rd(&l, VLAPIC_TMR0 + i, 0), 0);
		assert_int_equal(rd(&l, VLAPIC_IRR0 + i, 0), 0);
	}
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	assert_int_equal(vlapic_pending(&l), -1);

	vlapic_reset(&l, 3, false, true);
	assert_int_equal(rd(&l, VLAPIC_MSR_APIC_BASE, 0), 0xfee00000ull | (1 << 11) | (1 << 10));
	assert_int_equal(rd(&l, VLAPIC_LDR, 0), 1u << 3);
}

static void msr_ownership(void **state)
{
	(void)state;
	assert_true(vlapic_msr_is_ours(0x1b));
	assert_true(vlapic_msr_is_ours(0x6e0));
	assert_true(vlapic_msr_is_ours(0x800));
	assert_true(vlapic_msr_is_ours(0x8ff));
	assert_true(vlapic_msr_is_ours(0xbff));
	assert_false(vlapic_msr_is_ours(0x7ff));
	assert_false(vlapic_msr_is_ours(0xc00));
	assert_false(vlapic_msr_is_ours(0x10));
}

static void xapic_mode_has_no_x2apic_msrs(void **state)
{
	(void)state;
	struct vlapic l;
	vlapic_reset(&l, 7, true, false);
	assert_int_equal(rd(&l, VLAPIC_MSR_APIC_BASE, 0), 0xfee00000ull | (1 << 11) | (1 << 8));
	assert_false(vlapic_x2apic_mode(&l));
	assert_int_equal(rd_gp(&l, VLAPIC_ID), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_TPR, 0x20, 0), -1);
	assert_int_equal(rd(&l, VLAPIC_MSR_TSC_DEADLINE, 0), 0);   /* not an x2APIC MSR */
	/* xAPIC -> x2APIC: the logical ID is derived then. */
	wr(&l, VLAPIC_MSR_APIC_BASE, 0xfee00000ull | (1 << 11) | (1 << 10), 0);
	assert_true(vlapic_x2apic_mode(&l));
	assert_int_equal(rd(&l, VLAPIC_ID, 0), 7);
	assert_int_equal(rd(&l, VLAPIC_LDR, 0), 1u << 7);
	assert_int_equal(rd(&l, VLAPIC_MSR_APIC_BASE, 0) & (1 << 8), 1 << 8);  /* BSP kept */
}

static void apic_base_transitions(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	const uint64_t base = 0xfee00000ull, en = 1 << 11, extd = 1 << 10;
	wr(&l, VLAPIC_TPR, 0x30, 0);
	/* x2APIC -> xAPIC directly, EXTD without EN, reserved bits, a new base: #GP. */
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_MSR_APIC_BASE, base | en, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_MSR_APIC_BASE, base | extd, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_MSR_APIC_BASE, base | en | extd | 1, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_MSR_APIC_BASE, base | en | extd | (1 << 9), 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_MSR_APIC_BASE, 0xfed00000ull | en | extd, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_MSR_APIC_BASE, (1ull << 40) | base | en | extd, 0), -1);
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0x30);             /* nothing changed */
	/* Rewriting the same state is fine; the BSP bit cannot be cleared. */
	wr(&l, VLAPIC_MSR_APIC_BASE, base | en | extd, 0);
	assert_int_equal(rd(&l, VLAPIC_MSR_APIC_BASE, 0), base | en | extd | (1 << 8));
	/* x2APIC -> disabled: registers lost, x2APIC MSRs gone, no timer, nothing pending. */
	vlapic_accept(&l, 0x40, false);
	wr(&l, VLAPIC_MSR_APIC_BASE, base, 0);
	assert_int_equal(rd(&l, VLAPIC_MSR_APIC_BASE, 0), base | (1 << 8));
	assert_int_equal(rd_gp(&l, VLAPIC_TPR), -1);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	/* disabled -> x2APIC: #GP; disabled -> xAPIC -> x2APIC: fine, state as after reset. */
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_MSR_APIC_BASE, base | en | extd, 0), -1);
	wr(&l, VLAPIC_MSR_APIC_BASE, base | en, 0);
	wr(&l, VLAPIC_MSR_APIC_BASE, base | en | extd, 0);
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_SVR, 0), 0xff);
	assert_int_equal(rd(&l, VLAPIC_IRR0 + 2, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_ID, 0), 0x25);
	assert_int_equal(rd(&l, VLAPIC_LDR, 0), (2u << 16) | (1u << 5));
	assert_int_equal(l.tsc_per_count, 10);                     /* the wiring stays */
	/* xAPIC -> disabled is allowed too. */
	struct vlapic x;
	vlapic_reset(&x, 1, false, false);
	wr(&x, VLAPIC_MSR_APIC_BASE, base, 0);
	assert_int_equal(rd(&x, VLAPIC_MSR_APIC_BASE, 0), base);
}

static void read_only_write_only_and_holes(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	const uint32_t ro[] = { VLAPIC_ID, VLAPIC_VERSION, VLAPIC_PPR, VLAPIC_LDR, VLAPIC_ISR0,
				VLAPIC_ISR0 + 7, VLAPIC_TMR0, VLAPIC_TMR0 + 7, VLAPIC_IRR0,
				VLAPIC_IRR0 + 7, VLAPIC_TIMER_CURRENT };
	for (unsigned i = 0; i < sizeof ro / sizeof ro[0]; i++) {
		assert_int_equal(vlapic_wrmsr(&l, ro[i], 0, 0), -1);
		rd(&l, ro[i], 0);
	}
	assert_int_equal(rd_gp(&l, VLAPIC_EOI), -1);
	assert_int_equal(rd_gp(&l, VLAPIC_SELF_IPI), -1);
	/* APR, RRD, DFR, ICR high and the gaps are xAPIC-only or nothing at all. */
	const uint32_t holes[] = { 0x800, 0x801, 0x804, 0x807, 0x809, 0x80c, 0x80e, 0x829, 0x82e,
				   0x831, 0x83a, 0x83d, 0x840, 0x8ff, 0x900, 0xbff };
	for (unsigned i = 0; i < sizeof holes / sizeof holes[0]; i++) {
		assert_int_equal(rd_gp(&l, holes[i]), -1);
		assert_int_equal(vlapic_wrmsr(&l, holes[i], 0, 0), -1);
	}
}

static void reserved_bits_raise_gp(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_TPR, 0x100, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_TPR, 1ull << 32, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_SVR, 0x1ff | (1 << 12), 0), -1);  /* no EOI suppression */
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_SVR, 0x1ff | (1 << 10), 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_EOI, 1, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_ESR, 1, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_LVT_TIMER, 3u << 17, 0), -1);   /* mode 11 */
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_LVT_TIMER, 0x100 | 0x30, 0), -1);   /* no DM */
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_LVT_LINT0, 1u << 17, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_LVT_ERROR, 0x400 | 0xfe, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_LVT_PMI, 1u << 13, 0), -1);   /* no polarity */
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_TIMER_DIVIDE, 4, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_TIMER_DIVIDE, 0x10, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_TIMER_INITIAL, 1ull << 32, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_SELF_IPI, 0x140, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_ICR, (1ull << 32) | (1 << 12) | 0x40, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_ICR, (1ull << 32) | (1 << 16) | 0x40, 0), -1);
	assert_int_equal(vlapic_wrmsr(&l, VLAPIC_ICR, (1ull << 32) | (1u << 20) | 0x40, 0), -1);
	assert_int_equal(l.ipi_pending, false);
	/* Read-only LVT bits (delivery status, remote IRR) are ignored, not refused. */
	wr(&l, VLAPIC_LVT_LINT0, 0x700 | (1 << 12) | (1 << 14), 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, 0), 0x700);
}

static void registers_keep_what_is_written(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	wr(&l, VLAPIC_TPR, 0x5a, 0);
	assert_int_equal(rd(&l, VLAPIC_TPR, 0), 0x5a);
	wr(&l, VLAPIC_SVR, 0x3ff, 0);
	assert_int_equal(rd(&l, VLAPIC_SVR, 0), 0x3ff);
	wr(&l, VLAPIC_LVT_TIMER, (2u << 17) | TIMER_VECTOR, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_TIMER, 0), (2u << 17) | TIMER_VECTOR);
	wr(&l, VLAPIC_LVT_LINT0, 0x700 | (1 << 13) | (1 << 15), 0);           /* ExtINT, low, level */
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, 0), 0xa700);
	wr(&l, VLAPIC_LVT_LINT1, 0x400, 0);                                    /* NMI */
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT1, 0), 0x400);
	wr(&l, VLAPIC_LVT_ERROR, ERROR_VECTOR, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_ERROR, 0), ERROR_VECTOR);
	wr(&l, VLAPIC_LVT_THERMAL, 0x10000 | 0xfa, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_THERMAL, 0), 0x100fa);
	wr(&l, VLAPIC_LVT_PMI, 0x400, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_PMI, 0), 0x400);
	wr(&l, VLAPIC_LVT_CMCI, 0xf9, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_CMCI, 0), 0xf9);
	wr(&l, VLAPIC_TIMER_DIVIDE, 0xb, 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_DIVIDE, 0), 0xb);
	wr(&l, VLAPIC_ICR, (5ull << 32) | (5 << 8) | (1 << 14) | (1 << 15), 0);   /* INIT to 5 */
	assert_int_equal(rd(&l, VLAPIC_ICR, 0), (5ull << 32) | (5 << 8) | (1 << 14) | (1 << 15));
}

static void software_disable_masks_lvts(void **state)
{
	(void)state;
	struct vlapic l;
	vlapic_reset(&l, 0, true, true);
	/* Disabled at reset: LVTs cannot be unmasked, fixed interrupts are not accepted. */
	wr(&l, VLAPIC_LVT_ERROR, ERROR_VECTOR, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_ERROR, 0), 0x10000 | ERROR_VECTOR);
	vlapic_accept(&l, 0x40, false);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, VLAPIC_SVR, 0x1ff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_ERROR, 0), 0x10000 | ERROR_VECTOR);  /* still masked */
	wr(&l, VLAPIC_LVT_ERROR, ERROR_VECTOR, 0);
	wr(&l, VLAPIC_LVT_TIMER, TIMER_VECTOR, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_ERROR, 0), ERROR_VECTOR);
	vlapic_accept(&l, 0x40, false);
	/* Disabling masks every LVT; what is already in IRR stays deliverable. */
	wr(&l, VLAPIC_SVR, 0xff, 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_ERROR, 0), 0x10000 | ERROR_VECTOR);
	assert_int_equal(rd(&l, VLAPIC_LVT_TIMER, 0), 0x10000 | TIMER_VECTOR);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, 0), 0x10000);
	assert_int_equal(vlapic_pending(&l), 0x40);
}

static void priority_rules(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	vlapic_accept(&l, 0x31, false);
	vlapic_accept(&l, 0x45, false);
	assert_true(irr_has(&l, 0x31) && irr_has(&l, 0x45));
	assert_int_equal(rd(&l, VLAPIC_IRR0 + 1, 0), 1u << 0x11);
	assert_int_equal(rd(&l, VLAPIC_IRR0 + 2, 0), 1u << 0x05);
	assert_int_equal(vlapic_pending(&l), 0x45);
	/* TPR class 4 blocks class 4 and below; 3F lets class 4 through. */
	wr(&l, VLAPIC_TPR, 0x40, 0);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, VLAPIC_TPR, 0x3f, 0);
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0x3f);
	assert_int_equal(vlapic_pending(&l), 0x45);
	wr(&l, VLAPIC_TPR, 0, 0);
	/* In service at class 4: PPR is 0x40, class 3 waits, class 5 nests. */
	vlapic_ack(&l, 0x45);
	assert_false(irr_has(&l, 0x45));
	assert_true(isr_has(&l, 0x45));
	assert_int_equal(rd(&l, VLAPIC_ISR0 + 2, 0), 1u << 0x05);
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0x40);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_accept(&l, 0x4f, false);                 /* same class as in service: waits */
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_accept(&l, 0x50, false);
	assert_int_equal(vlapic_pending(&l), 0x50);
	/* TPR above the in-service class wins in PPR, with its low bits; below, the class. */
	wr(&l, VLAPIC_TPR, 0x55, 0);
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0x55);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, VLAPIC_TPR, 0x47, 0);                    /* same class: TPR, low bits too */
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0x47);
	wr(&l, VLAPIC_TPR, 0x25, 0);
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0x40);
	assert_int_equal(vlapic_pending(&l), 0x50);
	/* Acking something not requested does nothing. */
	vlapic_ack(&l, 0x99);
	assert_false(isr_has(&l, 0x99));
}

static void eoi_retires_highest_in_service(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	vlapic_accept(&l, 0x40, false);
	vlapic_ack(&l, 0x40);
	vlapic_accept(&l, 0x60, false);
	vlapic_ack(&l, 0x60);
	vlapic_accept(&l, 0x51, false);
	assert_int_equal(vlapic_pending(&l), -1);        /* 0x60 in service */
	wr(&l, VLAPIC_EOI, 0, 0);
	assert_false(isr_has(&l, 0x60));
	assert_true(isr_has(&l, 0x40));
	assert_int_equal(vlapic_pending(&l), 0x51);
	wr(&l, VLAPIC_EOI, 0, 0);
	assert_false(isr_has(&l, 0x40));
	wr(&l, VLAPIC_EOI, 0, 0);                        /* nothing in service: no effect */
	assert_int_equal(rd(&l, VLAPIC_PPR, 0), 0);
	assert_int_equal(vlapic_pending(&l), 0x51);
}

struct eoi_log { unsigned count; uint8_t last; };

static void log_eoi(void *ctx, uint8_t vector)
{
	struct eoi_log *log = ctx;
	log->count++;
	log->last = vector;
}

static void level_triggered_eoi_is_announced(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	struct eoi_log log = { 0, 0 };
	l.eoi = log_eoi;
	l.eoi_ctx = &log;
	vlapic_accept(&l, 0x70, true);
	assert_int_equal(rd(&l, VLAPIC_TMR0 + 3, 0), 1u << 0x10);
	vlapic_ack(&l, 0x70);
	wr(&l, VLAPIC_EOI, 0, 0);
	assert_int_equal(log.count, 1);
	assert_int_equal(log.last, 0x70);
	/* The same vector edge-triggered clears TMR: its EOI says nothing. */
	vlapic_accept(&l, 0x70, false);
	assert_int_equal(rd(&l, VLAPIC_TMR0 + 3, 0), 0);
	vlapic_ack(&l, 0x70);
	wr(&l, VLAPIC_EOI, 0, 0);
	assert_int_equal(log.count, 1);
	/* No listener: fine. */
	l.eoi = NULL;
	vlapic_accept(&l, 0x71, true);
	vlapic_ack(&l, 0x71);
	wr(&l, VLAPIC_EOI, 0, 0);
	assert_false(isr_has(&l, 0x71));
}

static void illegal_vectors_and_esr(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	vlapic_accept(&l, 0x0f, false);
	assert_int_equal(l.irr[0], 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), 0);       /* not latched yet */
	wr(&l, VLAPIC_ESR, 0, 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), VLAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), VLAPIC_ESR_RECV_ILLEGAL);   /* reads don't clear */
	wr(&l, VLAPIC_ESR, 0, 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), 0);
	assert_int_equal(vlapic_pending(&l), -1);         /* error LVT masked: no interrupt */
	/* Unmasked error LVT: each error raises its vector. */
	wr(&l, VLAPIC_LVT_ERROR, ERROR_VECTOR, 0);
	wr(&l, VLAPIC_SELF_IPI, 3, 0);
	assert_int_equal(vlapic_pending(&l), ERROR_VECTOR);
	assert_false(irr_has(&l, 3));
	wr(&l, VLAPIC_ESR, 0, 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), VLAPIC_ESR_SEND_ILLEGAL);
	/* An error LVT with an illegal vector adds "receive illegal vector" and stops. */
	wr(&l, VLAPIC_LVT_ERROR, 0x05, 0);
	wr(&l, VLAPIC_ESR, 0, 0);
	vlapic_accept(&l, 0x02, true);
	wr(&l, VLAPIC_ESR, 0, 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), VLAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(l.irr[0], 0);
}

/* --- timer --------------------------------------------------------------------------------- */

static void one_shot_counts_down_and_fires_once(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);                                     /* 10 TSC ticks per count, divide by 2 */
	wr(&l, VLAPIC_LVT_TIMER, TIMER_VECTOR, 0);
	wr(&l, VLAPIC_TIMER_INITIAL, 100, 1000);
	assert_int_equal(vlapic_timer_deadline(&l), 1000 + 100 * 20);
	assert_int_equal(rd(&l, VLAPIC_TIMER_INITIAL, 1000), 100);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 1000), 100);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 1019), 100);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 1020), 99);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 1100), 95);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 2999), 1);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 3000), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 9000), 0);
	vlapic_timer_expire(&l, 2999);                 /* not due: nothing */
	assert_false(irr_has(&l, TIMER_VECTOR));
	vlapic_timer_expire(&l, 3005);
	assert_true(irr_has(&l, TIMER_VECTOR));
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 3005), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_INITIAL, 3005), 100);
	vlapic_ack(&l, TIMER_VECTOR);
	vlapic_timer_expire(&l, 9000);                 /* fired once only */
	assert_false(irr_has(&l, TIMER_VECTOR));
	/* Rewriting the initial count restarts; 0 stops. */
	wr(&l, VLAPIC_TIMER_INITIAL, 5, 10000);
	assert_int_equal(vlapic_timer_deadline(&l), 10100);
	wr(&l, VLAPIC_TIMER_INITIAL, 0, 10050);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 10050), 0);
}

static void divide_configuration(void **state)
{
	(void)state;
	/* Bits 3,1,0: 000 /2, 001 /4, 010 /8, 011 /16, 100 /32, 101 /64, 110 /128, 111 /1. */
	const struct { uint32_t dcr; uint64_t div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct vlapic l;
		fresh(&l);
		l.tsc_per_count = 3;
		wr(&l, VLAPIC_TIMER_DIVIDE, t[i].dcr, 0);
		wr(&l, VLAPIC_TIMER_INITIAL, 7, 500);
		assert_int_equal(vlapic_timer_deadline(&l), 500 + 7 * 3 * t[i].div);
	}
	/* tsc_per_count 0 counts as 1. */
	struct vlapic l;
	fresh(&l);
	l.tsc_per_count = 0;
	wr(&l, VLAPIC_TIMER_DIVIDE, 0xb, 0);
	wr(&l, VLAPIC_TIMER_INITIAL, 7, 500);
	assert_int_equal(vlapic_timer_deadline(&l), 507);
}

static void divide_change_keeps_the_count(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	l.tsc_per_count = 1;
	wr(&l, VLAPIC_TIMER_DIVIDE, 0xb, 0);           /* 1 tick per count */
	wr(&l, VLAPIC_TIMER_INITIAL, 100, 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 40), 60);
	wr(&l, VLAPIC_TIMER_DIVIDE, 0x3, 40);          /* now 16 ticks per count */
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 40), 60);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 40 + 16 * 10), 50);
	assert_int_equal(vlapic_timer_deadline(&l), 40 + 16 * 60);
}

static void periodic_reloads(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	l.tsc_per_count = 1;
	wr(&l, VLAPIC_TIMER_DIVIDE, 0xb, 0);
	wr(&l, VLAPIC_LVT_TIMER, (1u << 17) | TIMER_VECTOR, 0);
	wr(&l, VLAPIC_TIMER_INITIAL, 10, 100);
	assert_int_equal(vlapic_timer_deadline(&l), 110);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 109), 1);
	/* Counted past zero without anybody looking: the count has reloaded already. */
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 110), 10);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 113), 7);
	vlapic_timer_expire(&l, 110);
	assert_true(irr_has(&l, TIMER_VECTOR));
	assert_int_equal(vlapic_timer_deadline(&l), 120);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 115), 5);
	vlapic_ack(&l, TIMER_VECTOR);
	wr(&l, VLAPIC_EOI, 0, 116);
	/* Late by three periods: one interrupt, and the next deadline stays on the grid. */
	vlapic_timer_expire(&l, 145);
	assert_true(irr_has(&l, TIMER_VECTOR));
	assert_int_equal(vlapic_timer_deadline(&l), 150);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 145), 5);
	/* Masked: it keeps reloading, but raises nothing. */
	vlapic_ack(&l, TIMER_VECTOR);
	wr(&l, VLAPIC_EOI, 0, 146);
	wr(&l, VLAPIC_LVT_TIMER, (1u << 17) | VLAPIC_LVT_MASKED | TIMER_VECTOR, 146);
	assert_int_equal(vlapic_timer_deadline(&l), 150);
	vlapic_timer_expire(&l, 150);
	assert_false(irr_has(&l, TIMER_VECTOR));
	assert_int_equal(vlapic_timer_deadline(&l), 160);
	/* 0 stops it. */
	wr(&l, VLAPIC_TIMER_INITIAL, 0, 151);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
}

/* A hostile kernel's periodic timer of one count: the first interrupt comes when asked, the
 * next ones no sooner than min_period_tsc apart, so its vCPU still runs between them. */
static void periodic_too_short_is_spaced_out(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	l.tsc_per_count = 1;
	l.min_period_tsc = 1000;
	wr(&l, VLAPIC_TIMER_DIVIDE, 0xb, 0);
	wr(&l, VLAPIC_LVT_TIMER, (1u << 17) | TIMER_VECTOR, 0);
	wr(&l, VLAPIC_TIMER_INITIAL, 1, 100);
	assert_int_equal(vlapic_timer_deadline(&l), 101);
	vlapic_timer_expire(&l, 105);
	assert_true(irr_has(&l, TIMER_VECTOR));
	assert_int_equal(vlapic_timer_deadline(&l), 1105);
	vlapic_ack(&l, TIMER_VECTOR);
	wr(&l, VLAPIC_EOI, 0, 106);
	vlapic_timer_expire(&l, 1104);                    /* not due yet */
	assert_false(irr_has(&l, TIMER_VECTOR));
	vlapic_timer_expire(&l, 1110);
	assert_true(irr_has(&l, TIMER_VECTOR));
	assert_int_equal(vlapic_timer_deadline(&l), 2110);
	/* A period longer than the bound keeps its own grid. */
	wr(&l, VLAPIC_TIMER_INITIAL, 5000, 3000);
	vlapic_timer_expire(&l, 8000);
	assert_int_equal(vlapic_timer_deadline(&l), 13000);
}

static void masked_one_shot_fires_silently(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	wr(&l, VLAPIC_LVT_TIMER, VLAPIC_LVT_MASKED | TIMER_VECTOR, 0);
	wr(&l, VLAPIC_TIMER_INITIAL, 1, 0);
	assert_int_equal(vlapic_timer_deadline(&l), 20);
	vlapic_timer_expire(&l, 20);
	assert_false(irr_has(&l, TIMER_VECTOR));
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	/* An illegal timer vector is refused with an error at expiry. */
	wr(&l, VLAPIC_LVT_TIMER, 0x08, 30);
	wr(&l, VLAPIC_TIMER_INITIAL, 1, 30);
	vlapic_timer_expire(&l, 50);
	assert_int_equal(l.irr[0], 0);
	wr(&l, VLAPIC_ESR, 0, 50);
	assert_int_equal(rd(&l, VLAPIC_ESR, 50), VLAPIC_ESR_RECV_ILLEGAL);
}

static void tsc_deadline_mode(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	/* Outside TSC-deadline mode the MSR reads 0 and writes are ignored. */
	wr(&l, VLAPIC_MSR_TSC_DEADLINE, 5000, 0);
	assert_int_equal(rd(&l, VLAPIC_MSR_TSC_DEADLINE, 0), 0);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	wr(&l, VLAPIC_LVT_TIMER, (2u << 17) | TIMER_VECTOR, 0);
	/* Initial-count writes are ignored there, and the current count reads 0. */
	wr(&l, VLAPIC_TIMER_INITIAL, 50, 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_INITIAL, 0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 10), 0);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	wr(&l, VLAPIC_MSR_TSC_DEADLINE, 5000, 100);
	assert_int_equal(rd(&l, VLAPIC_MSR_TSC_DEADLINE, 100), 5000);
	assert_int_equal(vlapic_timer_deadline(&l), 5000);
	vlapic_timer_expire(&l, 4999);
	assert_false(irr_has(&l, TIMER_VECTOR));
	vlapic_timer_expire(&l, 5000);
	assert_true(irr_has(&l, TIMER_VECTOR));
	assert_int_equal(rd(&l, VLAPIC_MSR_TSC_DEADLINE, 5000), 0);   /* disarmed itself */
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	vlapic_ack(&l, TIMER_VECTOR);
	wr(&l, VLAPIC_EOI, 0, 5001);
	/* 0 disarms. */
	wr(&l, VLAPIC_MSR_TSC_DEADLINE, 8000, 5001);
	wr(&l, VLAPIC_MSR_TSC_DEADLINE, 0, 5002);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	vlapic_timer_expire(&l, 9000);
	assert_false(irr_has(&l, TIMER_VECTOR));
	/* A deadline in the past is due at once. */
	wr(&l, VLAPIC_MSR_TSC_DEADLINE, 100, 9000);
	assert_int_equal(vlapic_timer_deadline(&l), 100);
	vlapic_timer_expire(&l, 9000);
	assert_true(irr_has(&l, TIMER_VECTOR));
}

static void mode_change_disarms(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	wr(&l, VLAPIC_LVT_TIMER, (2u << 17) | TIMER_VECTOR, 0);
	wr(&l, VLAPIC_MSR_TSC_DEADLINE, 5000, 0);
	wr(&l, VLAPIC_LVT_TIMER, TIMER_VECTOR, 10);                       /* -> one-shot */
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	wr(&l, VLAPIC_LVT_TIMER, (2u << 17) | TIMER_VECTOR, 20);          /* back: still disarmed */
	assert_int_equal(rd(&l, VLAPIC_MSR_TSC_DEADLINE, 20), 0);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	/* One-shot -> periodic stops the count too; rewriting the same mode does not. */
	wr(&l, VLAPIC_LVT_TIMER, TIMER_VECTOR, 30);
	wr(&l, VLAPIC_TIMER_INITIAL, 100, 30);
	wr(&l, VLAPIC_LVT_TIMER, VLAPIC_LVT_MASKED | TIMER_VECTOR, 40);
	assert_int_equal(vlapic_timer_deadline(&l), 30 + 2000);
	wr(&l, VLAPIC_LVT_TIMER, (1u << 17) | TIMER_VECTOR, 50);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CURRENT, 50), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_INITIAL, 50), 100);
	vlapic_timer_expire(&l, 100000);
	assert_false(irr_has(&l, TIMER_VECTOR));
}

static void writes_see_a_due_timer_first(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	wr(&l, VLAPIC_LVT_TIMER, TIMER_VECTOR, 0);
	wr(&l, VLAPIC_TIMER_INITIAL, 100, 1000);           /* due at 3000 */
	/* The caller has not run the expiry yet when the guest rearms at 3500: the first
	 * expiry is not lost. */
	wr(&l, VLAPIC_TIMER_INITIAL, 100, 3500);
	assert_true(irr_has(&l, TIMER_VECTOR));
	assert_int_equal(vlapic_timer_deadline(&l), 5500);
}

static void disabled_apic_has_no_timer(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	wr(&l, VLAPIC_LVT_TIMER, (2u << 17) | TIMER_VECTOR, 0);
	wr(&l, VLAPIC_MSR_TSC_DEADLINE, 5000, 0);
	wr(&l, VLAPIC_MSR_APIC_BASE, 0xfee00000ull, 0);
	assert_int_equal(vlapic_timer_deadline(&l), 0);
	assert_int_equal(rd(&l, VLAPIC_MSR_TSC_DEADLINE, 0), 0);
	wr(&l, VLAPIC_MSR_TSC_DEADLINE, 6000, 0);                /* ignored */
	assert_int_equal(vlapic_timer_deadline(&l), 0);
}

/* --- IPIs --------------------------------------------------------------------------------- */

static uint64_t icr(uint32_t dest, unsigned shorthand, unsigned dm, bool logical, uint8_t vector)
{
	return ((uint64_t)dest << 32) | ((uint64_t)shorthand << 18) | ((uint64_t)logical << 11) |
	       ((uint64_t)dm << 8) | vector;
}

static void self_ipi_register(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	wr(&l, VLAPIC_SELF_IPI, 0x40, 0);
	assert_true(irr_has(&l, 0x40));
	assert_int_equal(l.tmr[2], 0);
	assert_false(l.ipi_pending);
	wr(&l, VLAPIC_SELF_IPI, 0x05, 0);
	assert_int_equal(l.irr[0], 0);
	wr(&l, VLAPIC_ESR, 0, 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), VLAPIC_ESR_SEND_ILLEGAL);
}

static void icr_to_self(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	struct vlapic_ipi ipi;
	wr(&l, VLAPIC_ICR, icr(0, VLAPIC_DEST_SELF, VLAPIC_DM_FIXED, false, 0x41), 0);
	assert_true(irr_has(&l, 0x41));
	assert_false(vlapic_take_ipi(&l, &ipi));
	wr(&l, VLAPIC_ICR, icr(0x25, VLAPIC_DEST_FIELD, VLAPIC_DM_FIXED, false, 0x42), 0);
	assert_true(irr_has(&l, 0x42));
	assert_false(vlapic_take_ipi(&l, &ipi));
	/* Logical, own cluster and bit: accepted here, and recorded (others may share it). */
	wr(&l, VLAPIC_ICR, icr((2u << 16) | (1u << 5) | 1, VLAPIC_DEST_FIELD, VLAPIC_DM_FIXED,
			       true, 0x43), 0);
	assert_true(irr_has(&l, 0x43));
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_true(ipi.self && ipi.others && ipi.logical);
	/* Logical, own cluster, other bit: not for us. */
	wr(&l, VLAPIC_ICR, icr((2u << 16) | 1, VLAPIC_DEST_FIELD, VLAPIC_DM_FIXED, true, 0x44), 0);
	assert_false(irr_has(&l, 0x44));
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_false(ipi.self);
	/* A logical destination may always name others, even one equal to our x2APIC ID. */
	vlapic_reset(&l, 0x10001, false, true);
	wr(&l, VLAPIC_SVR, 0x1ff, 0);
	wr(&l, VLAPIC_ICR, icr(0x10001, VLAPIC_DEST_FIELD, VLAPIC_DM_FIXED, true, 0x45), 0);
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_true(ipi.others);
}

static void icr_to_others_is_recorded(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	struct vlapic_ipi ipi;
	wr(&l, VLAPIC_ICR, icr(3, VLAPIC_DEST_FIELD, VLAPIC_DM_FIXED, false, 0x50), 0);
	assert_false(irr_has(&l, 0x50));
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_int_equal(ipi.dest, 3);
	assert_int_equal(ipi.vector, 0x50);
	assert_int_equal(ipi.delivery_mode, VLAPIC_DM_FIXED);
	assert_int_equal(ipi.shorthand, VLAPIC_DEST_FIELD);
	assert_false(ipi.self);
	assert_true(ipi.others);
	assert_false(vlapic_take_ipi(&l, &ipi));               /* taken once */

	wr(&l, VLAPIC_ICR, icr(0, VLAPIC_DEST_OTHERS, VLAPIC_DM_FIXED, false, 0x51), 0);
	assert_false(irr_has(&l, 0x51));
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_true(!ipi.self && ipi.others && ipi.shorthand == VLAPIC_DEST_OTHERS);

	wr(&l, VLAPIC_ICR, icr(0, VLAPIC_DEST_ALL, VLAPIC_DM_FIXED, false, 0x52), 0);
	assert_true(irr_has(&l, 0x52));
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_true(ipi.self && ipi.others);

	wr(&l, VLAPIC_ICR, icr(VLAPIC_BROADCAST, VLAPIC_DEST_FIELD, VLAPIC_DM_FIXED, false, 0x53), 0);
	assert_true(irr_has(&l, 0x53));
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_true(ipi.self && ipi.others);

	/* An unread record is overwritten, and counted. */
	wr(&l, VLAPIC_ICR, icr(3, VLAPIC_DEST_FIELD, VLAPIC_DM_FIXED, false, 0x54), 0);
	wr(&l, VLAPIC_ICR, icr(4, VLAPIC_DEST_FIELD, VLAPIC_DM_FIXED, false, 0x55), 0);
	assert_int_equal(l.ipis_overwritten, 1);
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_int_equal(ipi.dest, 4);
}

static void icr_nmi_init_sipi_are_recorded(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	struct vlapic_ipi ipi;
	/* NMI to itself (Linux's NMI backtrace does this): the caller injects it. */
	wr(&l, VLAPIC_ICR, icr(0x25, VLAPIC_DEST_FIELD, VLAPIC_DM_NMI, false, 2), 0);
	assert_int_equal(l.irr[0], 0);
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_int_equal(ipi.delivery_mode, VLAPIC_DM_NMI);
	assert_true(ipi.self);
	assert_false(ipi.others);
	wr(&l, VLAPIC_ESR, 0, 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), 0);        /* vector 2 is no error for NMI */
	/* INIT assert, level, then SIPI with the start page. */
	wr(&l, VLAPIC_ICR, icr(1, VLAPIC_DEST_FIELD, VLAPIC_DM_INIT, false, 0) | (1 << 14) | (1 << 15), 0);
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_int_equal(ipi.delivery_mode, VLAPIC_DM_INIT);
	assert_true(ipi.level_assert && ipi.level_trigger);
	assert_int_equal(ipi.dest, 1);
	wr(&l, VLAPIC_ICR, icr(1, VLAPIC_DEST_FIELD, VLAPIC_DM_SIPI, false, 0x9d), 0);
	assert_true(vlapic_take_ipi(&l, &ipi));
	assert_int_equal(ipi.delivery_mode, VLAPIC_DM_SIPI);
	assert_int_equal(ipi.vector, 0x9d);
	assert_false(ipi.self);
}

static void icr_errors(void **state)
{
	(void)state;
	struct vlapic l;
	fresh(&l);
	struct vlapic_ipi ipi;
	/* Lowest priority is not sent in x2APIC mode: "redirectable IPI", even with an
	 * illegal vector; a fixed illegal vector: "send illegal vector". */
	wr(&l, VLAPIC_ICR, icr(0, VLAPIC_DEST_SELF, VLAPIC_DM_LOWEST, false, 0x60), 0);
	assert_false(irr_has(&l, 0x60));
	assert_false(vlapic_take_ipi(&l, &ipi));
	wr(&l, VLAPIC_ESR, 0, 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), VLAPIC_ESR_REDIRECTABLE_IPI);
	wr(&l, VLAPIC_ICR, icr(0, VLAPIC_DEST_SELF, VLAPIC_DM_LOWEST, false, 0x01), 0);
	wr(&l, VLAPIC_ESR, 0, 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), VLAPIC_ESR_REDIRECTABLE_IPI);
	wr(&l, VLAPIC_ICR, icr(0, VLAPIC_DEST_SELF, VLAPIC_DM_FIXED, false, 0x0e), 0);
	assert_int_equal(l.irr[0], 0);
	wr(&l, VLAPIC_ESR, 0, 0);
	assert_int_equal(rd(&l, VLAPIC_ESR, 0), VLAPIC_ESR_SEND_ILLEGAL);
	/* Reserved delivery modes send nothing. */
	wr(&l, VLAPIC_ICR, icr(0, VLAPIC_DEST_SELF, 3, false, 0x61), 0);
	wr(&l, VLAPIC_ICR, icr(0, VLAPIC_DEST_SELF, 7, false, 0x62), 0);
	assert_false(irr_has(&l, 0x61) || irr_has(&l, 0x62));
	assert_false(vlapic_take_ipi(&l, &ipi));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_state_in_x2apic_mode),
		cmocka_unit_test(msr_ownership),
		cmocka_unit_test(xapic_mode_has_no_x2apic_msrs),
		cmocka_unit_test(apic_base_transitions),
		cmocka_unit_test(read_only_write_only_and_holes),
		cmocka_unit_test(reserved_bits_raise_gp),
		cmocka_unit_test(registers_keep_what_is_written),
		cmocka_unit_test(software_disable_masks_lvts),
		cmocka_unit_test(priority_rules),
		cmocka_unit_test(eoi_retires_highest_in_service),
		cmocka_unit_test(level_triggered_eoi_is_announced),
		cmocka_unit_test(illegal_vectors_and_esr),
		cmocka_unit_test(one_shot_counts_down_and_fires_once),
		cmocka_unit_test(divide_configuration),
		cmocka_unit_test(divide_change_keeps_the_count),
		cmocka_unit_test(periodic_reloads),
		cmocka_unit_test(periodic_too_short_is_spaced_out),
		cmocka_unit_test(masked_one_shot_fires_silently),
		cmocka_unit_test(tsc_deadline_mode),
		cmocka_unit_test(mode_change_disarms),
		cmocka_unit_test(writes_see_a_due_timer_first),
		cmocka_unit_test(disabled_apic_has_no_timer),
		cmocka_unit_test(self_ipi_register),
		cmocka_unit_test(icr_to_self),
		cmocka_unit_test(icr_to_others_is_recorded),
		cmocka_unit_test(icr_nmi_init_sipi_are_recorded),
		cmocka_unit_test(icr_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
