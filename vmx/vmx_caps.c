/*
 * Decoding the VMX capability MSRs (pure). Bit positions, all from Intel SDM Vol. 3D:
 * IA32_VMX_BASIC (A.1): revision in 30:0, VMCS region size in 44:32, TRUE controls at bit 55.
 * Control MSRs (A.3): the high 32 bits say which controls may be 1. Primary processor-based
 * bit 31 activates the secondary controls; secondary (A.3.3) bit 1 EPT, bit 5 VPID, bit 7
 * unrestricted guest. Pin-based bit 6 is the VMX-preemption timer; IA32_VMX_MISC bits 4:0 give
 * its rate (A.6). IA32_VMX_EPT_VPID_CAP (A.10): bit 6 4-level walk, 14 write-back, 16 2 MiB
 * pages, 17 1 GiB pages, 20 INVEPT, 32 INVVPID.
 */
#include "vmx/vmx_caps.h"

static bool allowed1(uint64_t ctl_msr, unsigned bit) { return (ctl_msr >> (32 + bit)) & 1; }

void vmx_caps_decode(const struct vmx_msrs *m, struct vmx_caps *c)
{
	*c = (struct vmx_caps){0};
	c->vmcs_revision = (uint32_t)(m->basic & 0x7fffffff);
	c->vmcs_size = (uint32_t)((m->basic >> 32) & 0x1fff);
	c->true_controls = (m->basic >> 55) & 1;
	uint64_t pin = c->true_controls ? m->true_pinbased : m->pinbased;
	uint64_t proc = c->true_controls ? m->true_procbased : m->procbased;

	c->preemption_timer = allowed1(pin, 6);
	c->preemption_timer_shift = (unsigned)(m->misc & 0x1f);
	c->secondary_controls = allowed1(proc, 31);
	if (!c->secondary_controls)
		return;       /* EPT, VPID and unrestricted guest all live in the secondary controls */
	c->ept = allowed1(m->procbased2, 1);
	c->vpid = allowed1(m->procbased2, 5);
	c->unrestricted_guest = allowed1(m->procbased2, 7) && c->ept;  /* requires EPT (SDM 26.2.1.1) */
	if (c->ept) {
		c->ept_4level = (m->ept_vpid >> 6) & 1;
		c->ept_wb = (m->ept_vpid >> 14) & 1;
		c->ept_2m = (m->ept_vpid >> 16) & 1;
		c->ept_1g = (m->ept_vpid >> 17) & 1;
		c->invept = (m->ept_vpid >> 20) & 1;
	}
	if (c->vpid)
		c->invvpid = (m->ept_vpid >> 32) & 1;
}

const char *feature_control_state_string(enum feature_control_state s)
{
	switch (s) {
	case FC_ENABLED_BY_FIRMWARE: return "locked, VMX enabled by firmware";
	case FC_ENABLED_BY_US:       return "was unlocked; Bulkhead enabled VMX and locked it";
	case FC_LOCKED_OFF:          return "locked with VMX disabled (enable VT-x in firmware setup)";
	}
	return "unknown";
}
