/*
 * The guest's IDT and the C side of interrupt handling: trap_dispatch (called by isr.S with
 * the saved frame) runs the handler installed for the vector, or reports the vector as
 * unexpected and ends the guest.
 */
#include <stdint.h>
#include "console.h"
#include "cpu.h"
#include "hcall.h"
#include "trap.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

extern const char isr_stubs[];   /* isr.S: stub N at isr_stubs + 16 * N */

static struct idt_gate idt[256] __attribute__((aligned(16)));
static trap_handler_fn handlers[256];

#define GUEST_CODE_SELECTOR 0x08
#define GATE_INTERRUPT_PRESENT 0x8e   /* present, DPL 0, 64-bit interrupt gate (clears IF) */

void trap_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t addr = (uint64_t)(isr_stubs + 16 * v);
		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)addr,
			.selector = GUEST_CODE_SELECTOR,
			.type_attr = GATE_INTERRUPT_PRESENT,
			.offset_mid = (uint16_t)(addr >> 16),
			.offset_high = (uint32_t)(addr >> 32),
		};
	}
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
	if (vector < 256)
		handlers[vector] = fn;
}

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization exception", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26", "reserved 27",
	"#HV hypervisor injection", "#VC VMM communication", "#SX security", "reserved 31",
};

void trap_unexpected(const struct trap_frame *f)
{
	if (f->vector < 32) {
		cprintf("FAIL unexpected exception: %s (vector %lu, error %#lx) at rip %#lx, "
		        "rsp %#lx", exception_names[f->vector], f->vector, f->error, f->rip, f->rsp);
		if (f->vector == 14)
			cprintf(", cr2 %#lx", read_cr2());
		cprintf("\n");
	} else {
		cprintf("FAIL unexpected interrupt: vector %lu at rip %#lx\n", f->vector, f->rip);
	}
	hc_exit(2);
	for (;;)
		asm volatile("cli; hlt");
}

void trap_dispatch(struct trap_frame *f);   /* called from isr.S only */

void trap_dispatch(struct trap_frame *f)
{
	trap_handler_fn fn = handlers[f->vector & 255];
	if (fn)
		fn(f);
	else
		trap_unexpected(f);
}
