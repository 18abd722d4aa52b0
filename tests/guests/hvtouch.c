/*
 * hvtouch guest: writes to guest-physical hv_base, the host-physical address where the
 * hypervisor lives (from the start-info page). It lies outside the partition's RAM, so the
 * EPT must not map it and the write must stop the partition: "touching ..." is the last line
 * this guest prints unless isolation is broken.
 */
#include "runtime/guest.h"

int guest_main(const struct start_info *si)
{
	if (si->hv_base < si->memory_size) {
		fail("setup", "hv_base %#lx lies inside guest memory [0, %#lx)", si->hv_base,
		     si->memory_size);
		return done();
	}
	volatile uint8_t *p = phys_window(si->hv_base);
	cprintf("touching the hypervisor at %#lx\n", si->hv_base);
	*p = 0;
	fail("write to the hypervisor's memory",
	     "writing guest-physical %#lx did not stop the partition", si->hv_base);
	return done();
}
