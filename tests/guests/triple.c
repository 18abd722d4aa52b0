/*
 * triple guest: loads an IDT with limit 0 and executes UD2. #UD cannot be delivered, nor the
 * #GP that follows, nor the #DF: a triple fault, which must stop this partition as crashed
 * and nothing else. Nothing after "about to triple-fault" may be printed.
 */
#include "runtime/guest.h"

int guest_main(const struct start_info *si)
{
	(void)si;
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };
	cprintf("about to triple-fault\n");
	asm volatile("lidt %0\n\tud2" : : "m"(empty_idt) : "memory");
	fail("triple fault", "execution went on after UD2 with an empty IDT");
	return done();
}
