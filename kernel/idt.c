/*
 * The hypervisor's IDT: interrupt gates for the 32 exception vectors, each pointing at its stub
 * in isr.S. Double fault, NMI and machine check run on their own IST stacks (SDM Vol. 3A, 6.14.5)
 * so that even a blown kernel stack still produces a dump. Of the external vectors only the
 * notification (NOTIFY_VECTOR), the idle wake-up timer's (IDLE_WAKE_VECTOR) and the spurious
 * vector (0xFF) are present: the
 * hypervisor takes interrupts only while an idle CPU sleeps (kernel/scheduler.c).
 */
#include <stdint.h>
#include "kernel/exception.h"
#include "kernel/gdt.h"

struct idt_gate {
	uint16_t offset_low, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_high, reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

#define GATE_INTERRUPT_DPL0 0x8e   /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */

extern const uint64_t isr_table[32], isr_notify, isr_wake, isr_spurious;
static struct idt_gate idt[256] __attribute__((aligned(16)));

static unsigned ist_for_vector(unsigned v)
{
	switch (v) {
	case 2:  return IST_NMI;
	case 8:  return IST_DOUBLE_FAULT;
	case 18: return IST_MACHINE_CHECK;
	default: return 0;
	}
}

static void set_gate(unsigned v, uint64_t h)
{
	idt[v] = (struct idt_gate){
		.offset_low = h & 0xffff, .selector = GDT_KERNEL_CODE,
		.ist = (uint8_t)ist_for_vector(v), .type_attr = GATE_INTERRUPT_DPL0,
		.offset_mid = (h >> 16) & 0xffff, .offset_high = h >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		set_gate(v, isr_table[v]);
	set_gate(NOTIFY_VECTOR, isr_notify);
	set_gate(IDLE_WAKE_VECTOR, isr_wake);
	set_gate(0xff, isr_spurious);
	idt_load();
}

/* Every CPU loads the same IDT: its gates are the same everywhere and it is never written
 * after idt_init; what must differ per CPU (the IST stacks) is in each CPU's own TSS. */
void idt_load(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof idt - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));
}
