/*
 * Linked only into the stress-test kernel (build/bulkhead-stresstest.efi), which runs the
 * partitions of tests/configs/stress.cfg while the hypervisor itself misbehaves the ways real
 * hardware and careless code would:
 *  - on every other VM exit it wipes the x87/SSE registers (the lazy save in kernel/fpu.c must
 *    keep guest state intact);
 *  - the PIT drives I/O APIC pin 2 (where the PIT's IRQ 0 arrives) in NMI delivery mode, so
 *    NMIs land wherever the CPU happens to be, mostly in guests: NMI exiting must take them
 *    to the hypervisor, never to the guest that runs;
 *  - on every 64th exit it sends itself an NMI through the local APIC, which arrives in
 *    hypervisor code: it must be counted and survived;
 *  - the local APIC timer fires a host interrupt (vector 0xf0) every 40,000 ticks: each one
 *    exits and must get its EOI, or the APIC never delivers the next.
 * The end-of-run summary's counters show what was handled; the guests must see none of it.
 */
#include <stdint.h>
#include "drivers/lapic.h"
#include "kernel/exception.h"
#include "kernel/log.h"
#include "kernel/vcpu.h"
#include "kernel/x86.h"

void clobber_vector_registers(void);

#define IOAPIC_BASE      0xfec00000ull
#define IOAPIC_REDIR(n)  (0x10 + 2 * (n))
#define PIT_PIN          2               /* ISA IRQ 0 arrives at I/O APIC pin 2 */
#define DELIVERY_NMI     (4u << 8)
#define LAPIC_LVT_TIMER  0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV  0x3e0
#define TIMER_PERIODIC   (1u << 17)
#define HOST_VECTOR      0xf0
#define PIT_COUNT        2000            /* about 600 Hz of emulated time */

static void ioapic_write(unsigned reg, uint32_t value)
{
	volatile uint32_t *ioapic = (volatile uint32_t *)IOAPIC_BASE;
	ioapic[0] = reg;                     /* IOREGSEL */
	ioapic[4] = value;                   /* IOWIN at +0x10 */
}

static void on_exit(struct vcpu *v)
{
	static uint64_t exits;
	(void)v;
	exits++;
	if (exits % 2 == 0)
		clobber_vector_registers();
	if (exits % 64 == 0)
		lapic_self_nmi();
}

void selftest_after_summary(void)
{
	/* PIT channel 0, mode 2 (rate generator), into the I/O APIC as NMIs. */
	ioapic_write(IOAPIC_REDIR(PIT_PIN) + 1, lapic_id() << 24);
	ioapic_write(IOAPIC_REDIR(PIT_PIN), DELIVERY_NMI);
	outb(0x43, 0x34);
	outb(0x40, PIT_COUNT & 0xff);
	outb(0x40, PIT_COUNT >> 8);
	/* Local APIC timer: periodic, divide by 1. */
	lapic_write(LAPIC_TIMER_DIV, 0xb);
	lapic_write(LAPIC_LVT_TIMER, TIMER_PERIODIC | HOST_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, 40000);
	selftest_exit_hook = on_exit;
	kprintf("[hv] selftest: NMIs from the PIT through I/O APIC pin 2, a self-NMI every 64th "
		"exit, LAPIC timer vector %#x, vector registers wiped every other exit\n", HOST_VECTOR);
}
