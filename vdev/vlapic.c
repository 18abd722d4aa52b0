/*
 * Virtual x2APIC (see vlapic.h). Registers follow SDM Vol. 3A, chapter "Advanced Programmable
 * Interrupt Controller (APIC)": their layouts (figure "Local Vector Table (LVT)" and the
 * register figures), the x2APIC MSR map and its reserved-bit checking, the timer (section
 * "APIC Timer" and "TSC-Deadline Mode"), acceptance, TPR/PPR and EOI ("Interrupt, Task, and
 * Processor Priority", "Interrupt Acceptance for Fixed Interrupts", "Signaling Interrupt
 * Servicing Completion"), and the IA32_APIC_BASE state machine ("x2APIC State Transitions").
 * The timer keeps no clock of its own: its count is derived from the TSC the caller passes.
 */
#include "vdev/vlapic.h"

#include <stddef.h>

#define BASE_ADDRESS_MASK   (~0xfffull)
#define BASE_RESERVED       0x2ffull            /* bits 0-7 and 9 */
#define LVT_DELIVERY_STATUS (1u << 12)          /* read-only, always idle here */
#define LVT_REMOTE_IRR      (1u << 14)          /* read-only (LINT0/1), never set here */
#define LVT_READ_ONLY       (LVT_DELIVERY_STATUS | LVT_REMOTE_IRR)
/* Writable bits of each LVT (SDM figure "Local Vector Table (LVT)"): vector 7:0, delivery
 * mode 10:8, pin polarity 13, trigger mode 15, mask 16, timer mode 18:17. */
#define LVT_BITS_TIMER      0x700ffu
#define LVT_BITS_LINT       0x1a7ffu
#define LVT_BITS_ERROR      0x100ffu
#define LVT_BITS_DM         0x107ffu            /* thermal, PMI, CMCI */
/* SVR: vector 7:0, software enable 8, focus processor checking 9; bit 12 (EOI-broadcast
 * suppression) is reserved as the version register does not offer it. */
#define SVR_BITS            0x3ffu
#define SVR_RESET           0xffu
#define DCR_BITS            0x0bu               /* divide value in bits 0, 1 and 3 */
/* x2APIC ICR: vector 7:0, delivery mode 10:8, destination mode 11, level 14, trigger 15,
 * shorthand 19:18, destination 63:32; bits 12-13, 16-17 and 20-31 are reserved. */
#define ICR_RESERVED        0x00000000fff33000ull
#define ICR_LOGICAL         (1ull << 11)
#define ICR_LEVEL_ASSERT    (1ull << 14)
#define ICR_LEVEL_TRIGGER   (1ull << 15)
#define ILLEGAL_VECTORS     16                  /* vectors 0-15 are never delivered */

/* --- vector bitmaps ------------------------------------------------------------------- */

static bool test_vec(const uint32_t map[8], unsigned v)
{
	return (map[v / 32] >> (v % 32)) & 1;
}

static void set_vec(uint32_t map[8], unsigned v)
{
	map[v / 32] |= 1u << (v % 32);
}

static void clear_vec(uint32_t map[8], unsigned v)
{
	map[v / 32] &= ~(1u << (v % 32));
}

static int highest_vec(const uint32_t map[8])
{
	for (int i = 7; i >= 0; i--)
		if (map[i])
			return i * 32 + 31 - __builtin_clz(map[i]);
	return -1;
}

/* --- state ------------------------------------------------------------------------------ */

bool vlapic_x2apic_mode(const struct vlapic *l)
{
	return (l->apic_base & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) ==
	       (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
}

static bool globally_enabled(const struct vlapic *l)
{
	return l->apic_base & VLAPIC_BASE_EN;
}

static bool software_enabled(const struct vlapic *l)
{
	return globally_enabled(l) && (l->svr & VLAPIC_SVR_ENABLE);
}

/* SDM "Logical Destination Mode in x2APIC Mode": cluster ID (ID bits 19:4) in bits 31:16,
 * and one bit for ID bits 3:0 in 15:0. */
static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* The registers' power-on values; the ID, IA32_APIC_BASE and the wiring are the caller's. */
static void reset_registers(struct vlapic *l)
{
	l->tpr = 0;
	l->svr = SVR_RESET;
	l->ldr = 0;
	l->esr = l->esr_pending = 0;
	l->lvt_timer = l->lvt_lint0 = l->lvt_lint1 = l->lvt_error = VLAPIC_LVT_MASKED;
	l->lvt_thermal = l->lvt_pmi = l->lvt_cmci = VLAPIC_LVT_MASKED;
	l->icr = 0;
	l->timer_initial = l->timer_divide = 0;
	l->timer_start_tsc = 0;
	l->timer_start_count = 0;
	l->tsc_deadline = 0;
	for (unsigned i = 0; i < 8; i++)
		l->irr[i] = l->isr[i] = l->tmr[i] = 0;
	l->ipi_pending = false;
}

void vlapic_reset(struct vlapic *l, uint32_t apic_id, bool bsp, bool x2apic)
{
	*l = (struct vlapic){ .id = apic_id };
	reset_registers(l);
	l->apic_base = VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EN | (bsp ? VLAPIC_BASE_BSP : 0);
	if (x2apic) {
		l->apic_base |= VLAPIC_BASE_EXTD;
		l->ldr = x2apic_ldr(apic_id);
	}
}

bool vlapic_msr_is_ours(uint32_t msr)
{
	return msr == VLAPIC_MSR_APIC_BASE || msr == VLAPIC_MSR_TSC_DEADLINE ||
	       (msr >= VLAPIC_MSR_X2APIC_FIRST && msr <= VLAPIC_MSR_X2APIC_LAST);
}

/* --- interrupts --------------------------------------------------------------------------- */

static void signal_error(struct vlapic *l, uint32_t bits);

/* Into IRR; TMR follows the trigger mode (SDM "Interrupt Acceptance for Fixed Interrupts":
 * cleared for edge-triggered, set for level-triggered interrupts). */
void vlapic_accept(struct vlapic *l, uint8_t vector, bool level)
{
	if (!software_enabled(l))
		return;
	if (vector < ILLEGAL_VECTORS) {
		signal_error(l, VLAPIC_ESR_RECV_ILLEGAL);
		return;
	}
	set_vec(l->irr, vector);
	if (level)
		set_vec(l->tmr, vector);
	else
		clear_vec(l->tmr, vector);
}

/* Errors are collected whatever the error LVT says; its interrupt is sent when unmasked
 * (SDM "Error Handling"). An illegal vector in the error LVT itself only adds "receive
 * illegal vector": it cannot be delivered, and must not recurse. */
static void signal_error(struct vlapic *l, uint32_t bits)
{
	l->esr_pending |= bits;
	if (l->lvt_error & VLAPIC_LVT_MASKED)
		return;
	uint8_t vector = (uint8_t)l->lvt_error;
	if (vector < ILLEGAL_VECTORS) {
		l->esr_pending |= VLAPIC_ESR_RECV_ILLEGAL;
		return;
	}
	set_vec(l->irr, vector);
	clear_vec(l->tmr, vector);
}

/* A locally generated interrupt (timer): fixed, edge. */
static void fire_lvt(struct vlapic *l, uint32_t lvt)
{
	if (lvt & VLAPIC_LVT_MASKED)
		return;
	vlapic_accept(l, (uint8_t)lvt, false);
}

static uint32_t ppr(const struct vlapic *l)
{
	int isrv = highest_vec(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	uint32_t tpr = l->tpr & 0xff;
	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

int vlapic_pending(const struct vlapic *l)
{
	if (!globally_enabled(l))
		return -1;
	int v = highest_vec(l->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_ack(struct vlapic *l, uint8_t vector)
{
	if (!test_vec(l->irr, vector))
		return;
	clear_vec(l->irr, vector);
	set_vec(l->isr, vector);
}

/* The highest in-service vector is done; a level-triggered one is announced (to the I/O
 * APIC). An EOI with nothing in service does nothing. */
static void eoi(struct vlapic *l)
{
	int v = highest_vec(l->isr);
	if (v < 0)
		return;
	clear_vec(l->isr, (unsigned)v);
	if (test_vec(l->tmr, (unsigned)v) && l->eoi)
		l->eoi(l->eoi_ctx, (uint8_t)v);
}

/* Does a destination (shorthand "none") name this APIC? Physical: its x2APIC ID, or the
 * broadcast ID; logical: its cluster and one of its bits (SDM "Logical Destination Mode in
 * x2APIC Mode"). */
bool vlapic_names(const struct vlapic *l, uint32_t dest, bool logical)
{
	if (dest == VLAPIC_BROADCAST)
		return true;
	if (!logical)
		return dest == l->id;
	return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff);
}

static void record_ipi(struct vlapic *l, const struct vlapic_ipi *ipi)
{
	if (l->ipi_pending)
		l->ipis_overwritten++;
	l->ipi = *ipi;
	l->ipi_pending = true;
}

/* An ICR write sends an IPI (SDM "Interrupt Command Register (ICR)", "Error Handling"). */
static void send_ipi(struct vlapic *l, uint64_t icr)
{
	struct vlapic_ipi ipi = {
		.dest = (uint32_t)(icr >> 32), .vector = (uint8_t)icr,
		.delivery_mode = (uint8_t)((icr >> 8) & 7), .shorthand = (uint8_t)((icr >> 18) & 3),
		.logical = icr & ICR_LOGICAL, .level_assert = icr & ICR_LEVEL_ASSERT,
		.level_trigger = icr & ICR_LEVEL_TRIGGER,
	};
	switch (ipi.delivery_mode) {
	case VLAPIC_DM_LOWEST:
		/* Not sent in x2APIC mode, even with an illegal vector: only this bit is set. */
		signal_error(l, VLAPIC_ESR_REDIRECTABLE_IPI);
		return;
	case VLAPIC_DM_FIXED:
		if (ipi.vector < ILLEGAL_VECTORS) {
			signal_error(l, VLAPIC_ESR_SEND_ILLEGAL);
			return;
		}
		break;
	case VLAPIC_DM_SMI:
	case VLAPIC_DM_NMI:
	case VLAPIC_DM_INIT:
	case VLAPIC_DM_SIPI:
		break;
	default:
		return;                          /* 011 and 111 are reserved: nothing is sent */
	}
	switch (ipi.shorthand) {
	case VLAPIC_DEST_FIELD:
		ipi.self = vlapic_names(l, ipi.dest, ipi.logical);
		ipi.others = ipi.logical || ipi.dest != l->id;
		break;
	case VLAPIC_DEST_SELF:
		ipi.self = true;
		break;
	case VLAPIC_DEST_ALL:
		ipi.self = ipi.others = true;
		break;
	default:
		ipi.others = true;
		break;
	}
	if (ipi.delivery_mode == VLAPIC_DM_FIXED) {
		if (ipi.self)
			vlapic_accept(l, ipi.vector, false);
		if (ipi.others)
			record_ipi(l, &ipi);
		return;
	}
	record_ipi(l, &ipi);
}

bool vlapic_take_ipi(struct vlapic *l, struct vlapic_ipi *out)
{
	if (!l->ipi_pending)
		return false;
	*out = l->ipi;
	l->ipi_pending = false;
	return true;
}

/* --- timer ------------------------------------------------------------------------------- */

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Divide configuration (SDM figure "Divide Configuration Register"): bits 3,1,0 = 111 divide
 * by 1, otherwise by 2 << value. */
static uint64_t divisor(uint32_t dcr)
{
	unsigned v = ((dcr >> 1) & 4) | (dcr & 3);
	return v == 7 ? 1 : 2u << v;
}

static uint64_t ticks_per_count(const struct vlapic *l, uint32_t dcr)
{
	uint64_t base = l->tsc_per_count ? l->tsc_per_count : 1;
	return mul_sat(base, divisor(dcr));
}

static unsigned timer_mode(const struct vlapic *l)
{
	return VLAPIC_LVT_TIMER_MODE(l->lvt_timer);
}

static uint32_t current_count(const struct vlapic *l, uint64_t now)
{
	if (timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE || !l->timer_start_count)
		return 0;
	uint64_t elapsed = now > l->timer_start_tsc ?
			   (now - l->timer_start_tsc) / ticks_per_count(l, l->timer_divide) : 0;
	if (elapsed < l->timer_start_count)
		return l->timer_start_count - (uint32_t)elapsed;
	if (timer_mode(l) == VLAPIC_TIMER_PERIODIC && l->timer_initial)
		return l->timer_initial - (uint32_t)((elapsed - l->timer_start_count) % l->timer_initial);
	return 0;
}

uint64_t vlapic_timer_deadline(const struct vlapic *l)
{
	if (!globally_enabled(l))
		return 0;
	if (timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE)
		return l->tsc_deadline;
	if (!l->timer_start_count)
		return 0;
	return add_sat(l->timer_start_tsc,
		       mul_sat(l->timer_start_count, ticks_per_count(l, l->timer_divide)));
}

void vlapic_timer_expire(struct vlapic *l, uint64_t now)
{
	uint64_t due = vlapic_timer_deadline(l);
	if (!due || now < due)
		return;
	switch (timer_mode(l)) {
	case VLAPIC_TIMER_TSC_DEADLINE:
		/* "When the timer generates an interrupt, it disarms itself and clears the
		 * IA32_TSC_DEADLINE MSR." */
		l->tsc_deadline = 0;
		break;
	case VLAPIC_TIMER_PERIODIC: {
		/* Reload from the initial count; periods missed while nobody looked collapse
		 * into this one interrupt (IRR holds one per vector anyway). */
		uint64_t period = mul_sat(l->timer_initial, ticks_per_count(l, l->timer_divide));
		if (!period) {                  /* cannot happen: counting implies a count */
			l->timer_start_count = 0;
			break;
		}
		uint64_t periods = (now - due) / period;
		uint64_t start = add_sat(due, mul_sat(periods, period));
		/* Too short a period: the next interrupt comes min_period_tsc from now (as
		 * KVM's lower bound on periodic timers does). */
		uint64_t earliest = add_sat(now, l->min_period_tsc);
		if (add_sat(start, period) < earliest)
			start = earliest - period;
		l->timer_start_tsc = start;
		l->timer_start_count = l->timer_initial;
		break;
	}
	default:
		l->timer_start_count = 0;       /* one-shot: stays at 0 until reprogrammed */
		break;
	}
	fire_lvt(l, l->lvt_timer);
}

/* Starts counting down from `count` (0 stops the timer). */
static void timer_start(struct vlapic *l, uint32_t count, uint64_t now)
{
	l->timer_start_tsc = now;
	l->timer_start_count = count;
}

/* --- registers ---------------------------------------------------------------------------- */

static uint32_t *lvt_reg(struct vlapic *l, uint32_t msr, uint32_t *bits)
{
	switch (msr) {
	case VLAPIC_LVT_TIMER:   *bits = LVT_BITS_TIMER; return &l->lvt_timer;
	case VLAPIC_LVT_THERMAL: *bits = LVT_BITS_DM;    return &l->lvt_thermal;
	case VLAPIC_LVT_PMI:     *bits = LVT_BITS_DM;    return &l->lvt_pmi;
	case VLAPIC_LVT_LINT0:   *bits = LVT_BITS_LINT;  return &l->lvt_lint0;
	case VLAPIC_LVT_LINT1:   *bits = LVT_BITS_LINT;  return &l->lvt_lint1;
	case VLAPIC_LVT_ERROR:   *bits = LVT_BITS_ERROR; return &l->lvt_error;
	case VLAPIC_LVT_CMCI:    *bits = LVT_BITS_DM;    return &l->lvt_cmci;
	default:                 return NULL;
	}
}

static void mask_all_lvts(struct vlapic *l)
{
	l->lvt_timer |= VLAPIC_LVT_MASKED;
	l->lvt_thermal |= VLAPIC_LVT_MASKED;
	l->lvt_pmi |= VLAPIC_LVT_MASKED;
	l->lvt_lint0 |= VLAPIC_LVT_MASKED;
	l->lvt_lint1 |= VLAPIC_LVT_MASKED;
	l->lvt_error |= VLAPIC_LVT_MASKED;
	l->lvt_cmci |= VLAPIC_LVT_MASKED;
}

static int read_x2apic(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *value)
{
	uint32_t bits;
	uint32_t *lvt = lvt_reg(l, msr, &bits);
	if (lvt) {
		*value = *lvt;
		return 0;
	}
	if (msr >= VLAPIC_ISR0 && msr < VLAPIC_ISR0 + 8) {
		*value = l->isr[msr - VLAPIC_ISR0];
		return 0;
	}
	if (msr >= VLAPIC_TMR0 && msr < VLAPIC_TMR0 + 8) {
		*value = l->tmr[msr - VLAPIC_TMR0];
		return 0;
	}
	if (msr >= VLAPIC_IRR0 && msr < VLAPIC_IRR0 + 8) {
		*value = l->irr[msr - VLAPIC_IRR0];
		return 0;
	}
	switch (msr) {
	case VLAPIC_ID:            *value = l->id; return 0;
	case VLAPIC_VERSION:       *value = VLAPIC_VERSION_VALUE; return 0;
	case VLAPIC_TPR:           *value = l->tpr & 0xff; return 0;
	case VLAPIC_PPR:           *value = ppr(l); return 0;
	case VLAPIC_LDR:           *value = l->ldr; return 0;
	case VLAPIC_SVR:           *value = l->svr; return 0;
	case VLAPIC_ESR:           *value = l->esr; return 0;
	case VLAPIC_ICR:           *value = l->icr; return 0;
	case VLAPIC_TIMER_INITIAL: *value = l->timer_initial; return 0;
	case VLAPIC_TIMER_CURRENT: *value = current_count(l, now); return 0;
	case VLAPIC_TIMER_DIVIDE:  *value = l->timer_divide; return 0;
	default:                   return -1;   /* EOI, SELF IPI (write-only) and non-registers */
	}
}

static int write_lvt(struct vlapic *l, uint32_t *lvt, uint32_t bits, uint32_t v, uint64_t now)
{
	if (v & ~(bits | LVT_READ_ONLY))
		return -1;
	v &= bits;
	if (lvt == &l->lvt_timer) {
		unsigned mode = VLAPIC_LVT_TIMER_MODE(v);
		if (mode == 3)
			return -1;                   /* reserved timer mode */
		/* "A write to the LVT Timer Register that changes the timer mode disarms the
		 * local APIC timer": the counter stops and the deadline is cleared; the
		 * initial-count register keeps its value until written again. */
		if (mode != timer_mode(l)) {
			timer_start(l, 0, now);
			l->tsc_deadline = 0;
		}
	}
	/* While software-disabled, "the mask bits for all the LVT entries are set; attempts to
	 * reset these bits will be ignored" (SDM "Local APIC State After It Has Been Software
	 * Disabled"). */
	if (!software_enabled(l))
		v |= VLAPIC_LVT_MASKED;
	*lvt = v;
	return 0;
}

static int write_x2apic(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now)
{
	if (msr == VLAPIC_ICR) {
		if (value & ICR_RESERVED)
			return -1;
		l->icr = value;
		send_ipi(l, value);
		return 0;
	}
	/* "The upper 32 bits of all x2APIC MSRs (except for the ICR) are reserved." */
	if (value >> 32)
		return -1;
	uint32_t v = (uint32_t)value, bits;
	uint32_t *lvt = lvt_reg(l, msr, &bits);
	if (lvt)
		return write_lvt(l, lvt, bits, v, now);
	switch (msr) {
	case VLAPIC_TPR:
		if (v & ~0xffu)
			return -1;
		l->tpr = v;
		return 0;
	case VLAPIC_EOI:
		if (v)
			return -1;                   /* "WRMSR of a non-zero value causes #GP(0)" */
		eoi(l);
		return 0;
	case VLAPIC_SVR:
		if (v & ~SVR_BITS)
			return -1;
		l->svr = v;
		if (!(v & VLAPIC_SVR_ENABLE))
			mask_all_lvts(l);
		return 0;
	case VLAPIC_ESR:
		if (v)
			return -1;
		/* The write latches the errors seen since the previous write; reads return
		 * that until the next write. */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		return 0;
	case VLAPIC_TIMER_INITIAL:
		/* Ignored in TSC-deadline mode; otherwise (re)starts the count, and 0 stops
		 * it, in both one-shot and periodic mode. */
		if (timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE)
			return 0;
		l->timer_initial = v;
		timer_start(l, v, now);
		return 0;
	case VLAPIC_TIMER_DIVIDE:
		if (v & ~DCR_BITS)
			return -1;
		/* A running count continues from where it is, at the new rate. */
		if (l->timer_start_count)
			timer_start(l, current_count(l, now), now);
		l->timer_divide = v;
		return 0;
	case VLAPIC_SELF_IPI:
		if (v & ~0xffu)
			return -1;
		if (v < ILLEGAL_VECTORS)
			signal_error(l, VLAPIC_ESR_SEND_ILLEGAL);
		else
			vlapic_accept(l, (uint8_t)v, false);
		return 0;
	default:
		return -1;       /* read-only (ID, version, PPR, LDR, ISR/TMR/IRR, current count) */
	}
}

/* SDM "x2APIC State Transitions": disabled <-> xAPIC <-> x2APIC, except that x2APIC goes
 * back only to disabled, disabled goes only to xAPIC, and EXTD without EN is invalid. Leaving
 * the enabled state loses every register but the ID ("the APIC may return to the state
 * described in Local APIC State After Power-Up or Reset"); entering x2APIC mode derives the
 * logical ID. The base address is refused if it changes: the platform maps nothing for the
 * xAPIC page and its ACPI tables name 0xFEE00000. BSP is read-only here. */
static int write_apic_base(struct vlapic *l, uint64_t value)
{
	if ((value & BASE_RESERVED) ||
	    (value & BASE_ADDRESS_MASK) != (l->apic_base & BASE_ADDRESS_MASK))
		return -1;
	bool en = value & VLAPIC_BASE_EN, extd = value & VLAPIC_BASE_EXTD;
	bool was_en = globally_enabled(l), was_extd = l->apic_base & VLAPIC_BASE_EXTD;
	if (extd && !en)
		return -1;
	if (was_extd && en && !extd)
		return -1;                           /* x2APIC -> xAPIC */
	if (!was_en && extd)
		return -1;                           /* disabled -> x2APIC */
	if (was_en && !en)
		reset_registers(l);
	if (extd && !was_extd)
		l->ldr = x2apic_ldr(l->id);
	l->apic_base = (l->apic_base & (BASE_ADDRESS_MASK | VLAPIC_BASE_BSP)) |
		       (en ? VLAPIC_BASE_EN : 0) | (extd ? VLAPIC_BASE_EXTD : 0);
	return 0;
}

int vlapic_rdmsr(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *value)
{
	*value = 0;
	if (msr == VLAPIC_MSR_APIC_BASE) {
		*value = l->apic_base;
		return 0;
	}
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		/* "In other timer modes ... the IA32_TSC_DEADLINE MSR reads zero." */
		if (timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE)
			*value = l->tsc_deadline;
		return 0;
	}
	if (msr < VLAPIC_MSR_X2APIC_FIRST || msr > VLAPIC_MSR_X2APIC_LAST || !vlapic_x2apic_mode(l))
		return -1;
	return read_x2apic(l, msr, now, value);
}

int vlapic_wrmsr(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now)
{
	if (msr == VLAPIC_MSR_APIC_BASE)
		return write_apic_base(l, value);
	/* A timer that came due and has not been seen yet fires first: the write must not
	 * lose (or reshape) an interrupt the hardware would have raised already. */
	vlapic_timer_expire(l, now);
	if (msr == VLAPIC_MSR_TSC_DEADLINE) {
		/* Ignored outside TSC-deadline mode; 0 disarms; a deadline already past fires
		 * at the next expiry check (vlapic_timer_deadline returns it). */
		if (timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE && globally_enabled(l))
			l->tsc_deadline = value;
		return 0;
	}
	if (msr < VLAPIC_MSR_X2APIC_FIRST || msr > VLAPIC_MSR_X2APIC_LAST || !vlapic_x2apic_mode(l))
		return -1;
	return write_x2apic(l, msr, value, now);
}
