/*
 * The virtual x2APIC (see vlapic.h). Register numbers are the x2APIC MSR map (SDM Vol. 3A
 * 11.12.1.2, table "Local APIC Register Address Map Supported by x2APIC"): MSR 0x800 + the
 * xAPIC offset / 16. Unlike xAPIC MMIO, the x2APIC interface faults (#GP) on reads of
 * write-only registers, writes of read-only ones, and a non-zero EOI, which is what a guest
 * gets here too. IRR/ISR/TMR are 256-bit sets of eight 32-bit words, as the registers are.
 */
#include <string.h>
#include "vdev/vlapic.h"

#define APIC_BASE_BSP    (1ull << 8)
#define APIC_BASE_EXTD   (1ull << 10)
#define APIC_BASE_EN     (1ull << 11)
#define APIC_BASE_ADDR   0x0000000ffffff000ull   /* 36 physical address bits are offered */
#define SVR_ENABLE       (1u << 8)
#define LVT_MASKED       (1u << 16)
#define TIMER_MODE(l)    (((l)->lvt[LVT_TIMER] >> 17) & 3)
#define TIMER_ONESHOT    0
#define TIMER_PERIODIC   1
#define TIMER_DEADLINE   2
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_SEND_ILLEGAL (1u << 5)

enum {
	REG_ID = 0x02, REG_VERSION = 0x03, REG_TPR = 0x08, REG_PPR = 0x0a, REG_EOI = 0x0b,
	REG_LDR = 0x0d, REG_SVR = 0x0f, REG_ISR = 0x10, REG_TMR = 0x18, REG_IRR = 0x20,
	REG_ESR = 0x28, REG_LVT_CMCI = 0x2f, REG_ICR = 0x30, REG_LVT_TIMER = 0x32,
	REG_LVT_THERMAL = 0x33, REG_LVT_PMI = 0x34, REG_LVT_LINT0 = 0x35, REG_LVT_LINT1 = 0x36,
	REG_LVT_ERROR = 0x37, REG_TIMER_INITIAL = 0x38, REG_TIMER_CURRENT = 0x39,
	REG_TIMER_DIVIDE = 0x3e, REG_SELF_IPI = 0x3f,
};

/* Writable bits of each LVT entry (SDM 11.5.1, figure "Local Vector Table"): vector, delivery
 * mode where it has one, polarity and trigger for LINT0/1, the mask, the timer's mode. */
static const uint32_t lvt_writable[7] = {
	[LVT_CMCI] = 0x107ff, [LVT_TIMER] = 0x700ff, [LVT_THERMAL] = 0x107ff, [LVT_PMI] = 0x107ff,
	[LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff, [LVT_ERROR] = 0x100ff,
};

static void set_bit(uint32_t set[8], unsigned v) { set[v >> 5] |= 1u << (v & 31); }
static void clear_bit(uint32_t set[8], unsigned v) { set[v >> 5] &= ~(1u << (v & 31)); }

static int highest(const uint32_t set[8])
{
	for (int i = 7; i >= 0; i--)
		if (set[i])
			return i * 32 + 31 - __builtin_clz(set[i]);
	return -1;
}

static bool x2apic_mode(const struct vlapic *l)
{
	return (l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

static void reset_registers(struct vlapic *l)
{
	l->tpr = 0;
	l->svr = 0xff;
	l->esr = l->esr_pending = 0;
	for (unsigned i = 0; i < 7; i++)
		l->lvt[i] = LVT_MASKED;
	l->timer_initial = 0;
	l->timer_divide = 0;
	l->timer_start = 0;
	l->tsc_deadline = 0;
	memset(l->irr, 0, sizeof l->irr);
	memset(l->isr, 0, sizeof l->isr);
	memset(l->tmr, 0, sizeof l->tmr);
	l->ipi = (struct vlapic_ipi){ 0, 0, false };
}

void vlapic_reset(struct vlapic *l, uint32_t apic_id, bool bsp)
{
	uint64_t per = l->tsc_per_count;
	memset(l, 0, sizeof *l);
	l->id = apic_id;
	/* Enabled, and in x2APIC mode as firmware leaves it on x2APIC-capable servers: the guest
	 * never needs the xAPIC page, which is not offered. */
	l->apic_base = VLAPIC_BASE_ADDRESS | APIC_BASE_EN | APIC_BASE_EXTD | (bsp ? APIC_BASE_BSP : 0);
	l->tsc_per_count = per ? per : 1;
	reset_registers(l);
}

bool vlapic_enabled(const struct vlapic *l)
{
	return (l->apic_base & APIC_BASE_EN) && (l->svr & SVR_ENABLE);
}

bool vlapic_msr_is_ours(uint32_t msr)
{
	return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

static unsigned ppr_class(const struct vlapic *l)
{
	int in_service = highest(l->isr);
	unsigned isr_class = in_service < 0 ? 0 : (unsigned)in_service >> 4;
	unsigned tpr_class = (l->tpr >> 4) & 15;
	return tpr_class > isr_class ? tpr_class : isr_class;
}

static uint32_t ppr(const struct vlapic *l)
{
	unsigned c = ppr_class(l);
	return (l->tpr >> 4) >= c ? l->tpr & 0xff : c << 4;
}

int vlapic_pending(const struct vlapic *l)
{
	if (!(l->apic_base & APIC_BASE_EN))
		return -1;
	int v = highest(l->irr);
	if (v < 0 || ((unsigned)v >> 4) <= ppr_class(l))
		return -1;
	return v;
}

void vlapic_accept(struct vlapic *l, uint8_t vector, bool level)
{
	if (!(l->apic_base & APIC_BASE_EN))
		return;                           /* a disabled APIC takes nothing */
	if (vector < 16) {
		l->esr_pending |= ESR_RECV_ILLEGAL;   /* vectors 0-15 are reserved (SDM 11.5.2) */
		return;
	}
	set_bit(l->irr, vector);
	if (level)
		set_bit(l->tmr, vector);
	else
		clear_bit(l->tmr, vector);
}

void vlapic_ack(struct vlapic *l, uint8_t vector)
{
	clear_bit(l->irr, vector);
	set_bit(l->isr, vector);
}

/* The divide configuration register's bits 0, 1 and 3 (SDM 11.5.4, figure "Divide
 * Configuration Register"): 111b divides by 1, n by 2^(n+1). */
static uint64_t divisor(const struct vlapic *l)
{
	unsigned d = (l->timer_divide & 3) | ((l->timer_divide >> 1) & 4);
	return d == 7 ? 1 : 2ull << d;
}

static uint64_t count_ticks(const struct vlapic *l)
{
	return divisor(l) * l->tsc_per_count;
}

static uint64_t period(const struct vlapic *l)
{
	return (uint64_t)l->timer_initial * count_ticks(l);
}

uint64_t vlapic_timer_deadline(const struct vlapic *l)
{
	if (!(l->apic_base & APIC_BASE_EN))
		return 0;
	if (TIMER_MODE(l) == TIMER_DEADLINE)
		return l->tsc_deadline;
	if (TIMER_MODE(l) > TIMER_PERIODIC || !l->timer_initial)
		return 0;
	return l->timer_start + period(l);
}

static void raise_timer(struct vlapic *l)
{
	if (l->lvt[LVT_TIMER] & LVT_MASKED)
		return;
	l->timer_fired++;
	vlapic_accept(l, (uint8_t)(l->lvt[LVT_TIMER] & 0xff), false);
}

void vlapic_timer_expire(struct vlapic *l, uint64_t now)
{
	uint64_t due = vlapic_timer_deadline(l);
	if (!due || now < due)
		return;
	if (TIMER_MODE(l) == TIMER_DEADLINE) {
		l->tsc_deadline = 0;              /* a deadline fires once (SDM 11.5.4.1) */
	} else if (TIMER_MODE(l) == TIMER_PERIODIC) {
		/* Missed periods collapse into one interrupt; the next is in the future. */
		uint64_t p = period(l);
		l->timer_start += (now - l->timer_start) / p * p;
	} else {
		l->timer_initial = 0;             /* one-shot: the current count stays at 0 */
	}
	raise_timer(l);
}

static uint32_t current_count(const struct vlapic *l, uint64_t now)
{
	if (TIMER_MODE(l) > TIMER_PERIODIC || !l->timer_initial || now < l->timer_start)
		return TIMER_MODE(l) > TIMER_PERIODIC || !l->timer_initial ? 0 : l->timer_initial;
	uint64_t elapsed = now - l->timer_start, p = period(l);
	if (TIMER_MODE(l) == TIMER_PERIODIC)
		elapsed %= p;
	else if (elapsed >= p)
		return 0;
	return l->timer_initial - (uint32_t)(elapsed / count_ticks(l));
}

static void eoi(struct vlapic *l)
{
	int v = highest(l->isr);
	if (v >= 0)
		clear_bit(l->isr, (unsigned)v);   /* level-triggered EOIs are the I/O APIC's affair */
}

/* ICR in x2APIC mode (SDM 11.12.9): destination in bits 63:32, physical or logical, or a
 * shorthand. Fixed interrupts for this APIC are accepted here; the rest is kept for the
 * hypervisor to route. */
static void send_ipi(struct vlapic *l, uint64_t icr)
{
	uint32_t low = (uint32_t)icr, dest = (uint32_t)(icr >> 32);
	unsigned vector = low & 0xff, mode = (low >> 8) & 7, shorthand = (low >> 18) & 3;
	bool logical = (low >> 11) & 1;
	bool to_self = shorthand == 1 || shorthand == 2 ||
		       (shorthand == 0 && !logical && (dest == l->id || dest == 0xffffffffu)) ||
		       (shorthand == 0 && logical && (dest >> 16) == (l->id >> 4) &&
			(dest & (1u << (l->id & 15))));
	bool to_others = shorthand >= 2 || (shorthand == 0 && dest != l->id);
	if (to_self && mode == 0) {
		if (vector < 16)
			l->esr_pending |= ESR_SEND_ILLEGAL;
		else
			vlapic_accept(l, (uint8_t)vector, false);
	}
	if (to_others || (to_self && mode != 0))
		l->ipi = (struct vlapic_ipi){ dest, low, true };
}

int vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *value)
{
	if (msr == MSR_APIC_BASE) {
		*value = l->apic_base;
		return 0;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*value = TIMER_MODE(l) == TIMER_DEADLINE ? l->tsc_deadline : 0;
		return 0;
	}
	if (!x2apic_mode(l))
		return -1;
	unsigned reg = msr - MSR_X2APIC_FIRST;
	switch (reg) {
	case REG_ID:            *value = l->id; return 0;
	case REG_VERSION:       *value = 0x14 | (6u << 16); return 0;   /* 7 LVT entries */
	case REG_TPR:           *value = l->tpr; return 0;
	case REG_PPR:           *value = ppr(l); return 0;
	case REG_LDR:           *value = ((l->id >> 4) << 16) | (1u << (l->id & 15)); return 0;
	case REG_SVR:           *value = l->svr; return 0;
	case REG_ESR:           *value = l->esr; return 0;
	case REG_ICR:           *value = ((uint64_t)l->ipi.dest << 32) | l->ipi.icr_low; return 0;
	case REG_LVT_CMCI:      *value = l->lvt[LVT_CMCI]; return 0;
	case REG_LVT_TIMER:     *value = l->lvt[LVT_TIMER]; return 0;
	case REG_LVT_THERMAL:   *value = l->lvt[LVT_THERMAL]; return 0;
	case REG_LVT_PMI:       *value = l->lvt[LVT_PMI]; return 0;
	case REG_LVT_LINT0:     *value = l->lvt[LVT_LINT0]; return 0;
	case REG_LVT_LINT1:     *value = l->lvt[LVT_LINT1]; return 0;
	case REG_LVT_ERROR:     *value = l->lvt[LVT_ERROR]; return 0;
	case REG_TIMER_INITIAL: *value = l->timer_initial; return 0;
	case REG_TIMER_CURRENT: *value = current_count(l, now); return 0;
	case REG_TIMER_DIVIDE:  *value = l->timer_divide; return 0;
	default:
		if (reg >= REG_ISR && reg < REG_ISR + 8) { *value = l->isr[reg - REG_ISR]; return 0; }
		if (reg >= REG_TMR && reg < REG_TMR + 8) { *value = l->tmr[reg - REG_TMR]; return 0; }
		if (reg >= REG_IRR && reg < REG_IRR + 8) { *value = l->irr[reg - REG_IRR]; return 0; }
		return -1;                        /* EOI, SELF IPI and reserved registers */
	}
}

static int write_apic_base(struct vlapic *l, uint64_t value)
{
	/* Reserved bits, and the transitions SDM 11.12.5 (figure "Local x2APIC State
	 * Transitions") forbids: EXTD without EN, and x2APIC straight back to xAPIC. */
	if (value & ~(APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP))
		return -1;
	bool en = value & APIC_BASE_EN, extd = value & APIC_BASE_EXTD;
	if (extd && !en)
		return -1;
	if (x2apic_mode(l) && en && !extd)
		return -1;
	if ((value & APIC_BASE_BSP) != (l->apic_base & APIC_BASE_BSP))
		return -1;                        /* BSP is the hardware's to say */
	if (!en)
		reset_registers(l);               /* disabling loses the APIC's state */
	l->apic_base = value;
	return 0;
}

static void write_lvt_timer(struct vlapic *l, uint32_t value, uint64_t now)
{
	unsigned old_mode = TIMER_MODE(l);
	l->lvt[LVT_TIMER] = value & lvt_writable[LVT_TIMER];
	if (!(l->svr & SVR_ENABLE))
		l->lvt[LVT_TIMER] |= LVT_MASKED;
	if (TIMER_MODE(l) != old_mode) {
		/* A mode change disarms the timer (SDM 11.5.4.1). */
		l->tsc_deadline = 0;
		l->timer_initial = 0;
		l->timer_start = now;
	}
}

int vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now)
{
	if (msr == MSR_APIC_BASE)
		return write_apic_base(l, value);
	if (msr == MSR_TSC_DEADLINE) {
		if (TIMER_MODE(l) == TIMER_DEADLINE)
			l->tsc_deadline = value;      /* 0 disarms; a past value fires at once */
		return 0;                         /* outside deadline mode the write is ignored */
	}
	if (!x2apic_mode(l))
		return -1;
	unsigned reg = msr - MSR_X2APIC_FIRST;
	if (reg != REG_ICR && (value >> 32))
		return -1;                        /* only the ICR is 64 bits wide */
	uint32_t v = (uint32_t)value;
	switch (reg) {
	case REG_TPR:
		l->tpr = v & 0xff;
		return 0;
	case REG_EOI:
		if (v)
			return -1;                    /* x2APIC: a non-zero EOI is #GP */
		eoi(l);
		return 0;
	case REG_SVR:
		l->svr = v & 0x1ff;               /* vector, software enable */
		if (!(l->svr & SVR_ENABLE))
			for (unsigned i = 0; i < 7; i++)
				l->lvt[i] |= LVT_MASKED;
		return 0;
	case REG_ESR:
		if (v)
			return -1;
		l->esr = l->esr_pending;          /* a write latches what is pending */
		l->esr_pending = 0;
		return 0;
	case REG_ICR:
		send_ipi(l, value);
		return 0;
	case REG_LVT_TIMER:
		write_lvt_timer(l, v, now);
		return 0;
	case REG_LVT_CMCI: case REG_LVT_THERMAL: case REG_LVT_PMI: case REG_LVT_LINT0:
	case REG_LVT_LINT1: case REG_LVT_ERROR: {
		unsigned i = reg == REG_LVT_CMCI ? LVT_CMCI : LVT_THERMAL + (reg - REG_LVT_THERMAL);
		l->lvt[i] = v & lvt_writable[i];
		if (!(l->svr & SVR_ENABLE))
			l->lvt[i] |= LVT_MASKED;      /* software-disabled: LVTs stay masked */
		return 0;
	}
	case REG_TIMER_INITIAL:
		if (TIMER_MODE(l) <= TIMER_PERIODIC) {
			l->timer_initial = v;         /* 0 stops the timer */
			l->timer_start = now;
		}
		return 0;
	case REG_TIMER_DIVIDE:
		/* Takes effect from now: the counting so far is kept as elapsed time. */
		l->timer_divide = v & 0xb;
		return 0;
	case REG_SELF_IPI:
		if (v & ~0xffu)
			return -1;
		if (v < 16)
			l->esr_pending |= ESR_SEND_ILLEGAL;
		else
			vlapic_accept(l, (uint8_t)v, false);
		return 0;
	default:
		return -1;                        /* read-only and reserved registers */
	}
}
