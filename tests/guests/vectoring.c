/*
 * vectoring guest: an exit in the middle of event delivery. It points its IDT just past the
 * end of its memory (through phys_window) and executes INT3, so the CPU's read of IDT entry 3
 * meets an EPT violation while it delivers a software exception. The hypervisor must stop the
 * partition naming both the access and the event it interrupted (read from the exit's
 * IDT-vectoring information, the same field that re-injects an event when such an exit can
 * be resumed): "... while delivering vector 3 (software exception)". "raising #BP" is the
 * last line this guest prints unless isolation is broken.
 */
#include "runtime/guest.h"

int guest_main(const struct start_info *si)
{
	uint64_t target = si->memory_size;
	volatile uint8_t *idt = phys_window(target);
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { 0xfff, (uint64_t)idt };
	cprintf("IDT at guest-physical %#lx, outside this partition; raising #BP\n", target);
	asm volatile("lidt %0; int3" : : "m"(idtr) : "memory");
	fail("exception delivery through an IDT outside guest memory",
	     "INT3 returned instead of stopping the partition");
	return done();
}
