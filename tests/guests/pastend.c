/*
 * pastend guest: reads the first guest-physical byte beyond its RAM (address memory_size),
 * mapped through phys_window because the identity map stops there. The hypervisor must stop
 * the partition on the EPT violation, so "touching ..." is the last line this guest prints
 * unless isolation is broken.
 */
#include "runtime/guest.h"

int guest_main(const struct start_info *si)
{
	uint64_t target = si->memory_size;
	volatile uint8_t *p = phys_window(target);
	cprintf("touching guest-physical %#lx\n", target);
	uint8_t value = *p;
	fail("read past the end of guest memory",
	     "reading %#lx returned %#x instead of stopping the partition", target, value);
	return done();
}
