/*
 * Control adjustment (see vmx_controls.h). The allowed-0 half of a capability MSR lists the
 * controls the CPU forces on (the "default1" reserved bits among them, SDM Vol. 3D A.2), the
 * allowed-1 half the ones it can do at all (A.3-A.5). A wanted control the CPU cannot do is
 * dropped and reported rather than silently kept, because VM entry would fail on it
 * (SDM Vol. 3C 27.2.1.1) with a far less helpful error. When the two halves contradict each
 * other (must be 1 yet may not be 1) the allowed-1 half wins, which leaves the bit 0: such an
 * MSR value is architecturally impossible, and entry would then report it.
 */
#include "vmx/vmx_controls.h"

uint32_t vmx_adjust_controls(uint32_t wanted, uint64_t cap, uint32_t *missing)
{
	uint32_t must_be_1 = (uint32_t)cap;
	uint32_t may_be_1 = (uint32_t)(cap >> 32);
	if (missing)
		*missing = wanted & ~may_be_1;
	return (wanted | must_be_1) & may_be_1;
}

uint64_t vmx_apply_fixed(uint64_t value, uint64_t fixed0, uint64_t fixed1)
{
	/* A bit that is 1 in FIXED0 is 1 in FIXED1 too on every real CPU, so the order of the
	 * two steps only matters for impossible MSR values. */
	return (value | fixed0) & fixed1;
}
