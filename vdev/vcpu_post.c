/*
 * IPIs and interrupts between the vCPUs of a partition (see vcpu_post.h). Delivery follows
 * SDM Vol. 3A, chapter "Advanced Programmable Interrupt Controller (APIC)": a fixed IPI or
 * I/O APIC interrupt goes into the target's IRR; INIT puts the target into wait-for-SIPI
 * (the state of table "IA-32 Processor States Following Power-up, Reset, or INIT"), an INIT
 * "level de-assert" does nothing on an x2APIC; a start-up IPI starts a waiting processor at
 * vector << 12 and is ignored by one that runs (section "MP Initialization Protocol
 * Algorithm"). NMIs are never given to partitions (vmx/exit_events.c), so NMI and SMI IPIs
 * are dropped with the ones that name nothing in the partition.
 */
#include <string.h>
#include "kernel/fpu.h"
#include "kernel/log.h"
#include "kernel/partition.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "vdev/platform.h"
#include "vdev/vcpu_post.h"
#include "vmx/vcpu_switch.h"

#define DR6_INIT 0xffff0ff0ull

static bool on_this_cpu(const struct vcpu *t)
{
	return t->cpu == this_cpu()->index;
}

/* The target's CPU must look at it: another CPU is notified; on this CPU the scheduler runs
 * when the current exit ends (its next event is now). */
static void wake_owner(struct vcpu *t)
{
	if (on_this_cpu(t))
		this_cpu()->next_event_tsc = 0;
	else
		smp_notify(t->cpu);
}

/* A target that still has something posted has not taken it yet, so a notification for it
 * is on its way already: one per take, however fast a guest sends. */
static void post(struct vcpu *t, uint32_t what)
{
	if (__atomic_fetch_or(&t->posted, what, __ATOMIC_RELEASE) == 0 || on_this_cpu(t))
		wake_owner(t);
}

void vcpu_post_interrupt(struct vcpu *t, uint8_t vector, bool level)
{
	if (on_this_cpu(t)) {
		vlapic_accept(t->lapic, vector, level);
		t->entry_work |= VCPU_WORK_INJECT;
		if (t->state == VCPU_HALTED)
			this_cpu()->next_event_tsc = 0;    /* the scheduler wakes it */
		return;
	}
	uint64_t bit = 1ull << (vector & 63);
	if (level)
		__atomic_or_fetch(&t->posted_level[vector >> 6], bit, __ATOMIC_RELAXED);
	__atomic_or_fetch(&t->posted_vectors[vector >> 6], bit, __ATOMIC_RELEASE);
	post(t, VCPU_POSTED_VECTORS);
}

/* INIT: everything the vCPU had is gone, as on a processor; it waits for a start-up IPI. */
static void init_reset(struct vcpu *v)
{
	vcpu_forget(this_cpu(), v);               /* its registers here are no longer its own */
	fpu_vcpu_init(v);
	memset(&v->regs, 0, sizeof v->regs);
	v->cr2 = 0;
	memset(v->dr, 0, sizeof v->dr);
	v->dr6 = DR6_INIT;
	memset(v->swapped_msrs, 0, sizeof v->swapped_msrs);
	v->timer_deadline = 0;
	v->halted_with_interrupts = false;
	vplatform_lapic_init(v);
	v->state = VCPU_WAIT_SIPI;
	v->entry_work |= VCPU_WORK_STATE;
}

void vcpu_take_posted(struct vcpu *v)
{
	uint32_t what = __atomic_exchange_n(&v->posted, 0, __ATOMIC_ACQUIRE);
	if (!what)
		return;
	if (what & VCPU_POSTED_INIT)
		init_reset(v);
	if ((what & VCPU_POSTED_SIPI) && v->state == VCPU_WAIT_SIPI) {
		v->sipi_vector = (uint8_t)v->posted_sipi_vector;
		v->state = VCPU_RUNNABLE;
		v->entry_work |= VCPU_WORK_START | VCPU_WORK_STATE;
	}
	if (!(what & VCPU_POSTED_VECTORS))
		return;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t bits = __atomic_exchange_n(&v->posted_vectors[i], 0, __ATOMIC_ACQUIRE);
		if (!bits)
			continue;
		uint64_t level = __atomic_fetch_and(&v->posted_level[i], ~bits, __ATOMIC_RELAXED) & bits;
		for (; bits; bits &= bits - 1) {
			unsigned b = (unsigned)__builtin_ctzll(bits);
			vlapic_accept(v->lapic, (uint8_t)(i * 64 + b), (level >> b) & 1);
		}
	}
	v->entry_work |= VCPU_WORK_INJECT;
}

static const char *ipi_kind(uint8_t mode)
{
	switch (mode) {
	case VLAPIC_DM_FIXED: return "fixed";
	case VLAPIC_DM_SMI:   return "SMI";
	case VLAPIC_DM_NMI:   return "NMI";
	case VLAPIC_DM_INIT:  return "INIT";
	case VLAPIC_DM_SIPI:  return "start-up";
	default:              return "other";
	}
}

static bool names(const struct vlapic_ipi *ipi, const struct vlapic *target)
{
	if (ipi->shorthand == VLAPIC_DEST_ALL || ipi->shorthand == VLAPIC_DEST_OTHERS)
		return true;
	return ipi->shorthand == VLAPIC_DEST_FIELD && vlapic_names(target, ipi->dest, ipi->logical);
}

static void drop(struct vcpu *v, const struct vlapic_ipi *ipi, const char *why)
{
	struct vplatform *pl = &v->partition->platform;
	__atomic_add_fetch(&pl->ipis_dropped, 1, __ATOMIC_RELAXED);
	unsigned n = __atomic_add_fetch(&pl->ipis_logged, 1, __ATOMIC_RELAXED);
	if (n > 4)
		return;
	klog(LOG_WARN, "partition '%s': %s IPI (vector %#x, %s %#x) dropped: %s%s",
	     v->partition->name, ipi_kind(ipi->delivery_mode), ipi->vector,
	     ipi->shorthand ? "shorthand" : ipi->logical ? "logical" : "APIC ID",
	     ipi->shorthand ? ipi->shorthand : ipi->dest, why,
	     n == 4 ? " (no more of these are logged)" : "");
}

void vcpu_route_ipi(struct vcpu *v)
{
	struct vlapic_ipi ipi;
	if (!vlapic_take_ipi(v->lapic, &ipi))
		return;
	uint8_t mode = ipi.delivery_mode;
	if (mode != VLAPIC_DM_FIXED && mode != VLAPIC_DM_INIT && mode != VLAPIC_DM_SIPI) {
		drop(v, &ipi, "NMI and SMI IPIs are not offered to partitions");
		return;
	}
	struct partition *p = v->partition;
	unsigned reached = 0;
	for (unsigned i = 0; ipi.others && i < p->vcpu_count; i++) {
		struct vcpu *t = &p->vcpus[i];
		if (t == v || !names(&ipi, t->lapic))
			continue;
		reached++;
		if (mode == VLAPIC_DM_FIXED) {
			vcpu_post_interrupt(t, ipi.vector, false);
		} else if (mode == VLAPIC_DM_INIT) {
			if (ipi.level_assert || !ipi.level_trigger)   /* not the level de-assert */
				post(t, VCPU_POSTED_INIT);
		} else {
			__atomic_store_n(&t->posted_sipi_vector, ipi.vector, __ATOMIC_RELAXED);
			post(t, VCPU_POSTED_SIPI);
		}
	}
	if (reached) {
		__atomic_add_fetch(&p->platform.ipis_sent, reached, __ATOMIC_RELAXED);
		return;
	}
	drop(v, &ipi, p->vcpu_count > 1 ? "it names no other vCPU of this partition"
				       : "no other vCPU in this partition");
}
