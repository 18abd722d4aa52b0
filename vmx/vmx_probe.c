/*
 * Probing VMX on the running CPU: CPUID first (on a CPU without VMX, such as QEMU's TCG, the
 * VMX MSRs are not to be touched), then IA32_FEATURE_CONTROL, then the capability MSRs for
 * vmx_caps_decode(). When the firmware left IA32_FEATURE_CONTROL unlocked (OVMF does), we
 * enable VMX outside SMX and lock it, as the SDM (Vol. 3C, 23.7) expects system software to.
 */
#include "kernel/x86.h"
#include "vmx/vmx_caps.h"

#define FC_LOCK          (1ull << 0)
#define FC_VMX_OUTSIDE_SMX (1ull << 2)

/* Each CPU has its own IA32_FEATURE_CONTROL (OVMF leaves every AP's at 0, unlocked), so every
 * CPU runs this itself before VMXON. */
enum feature_control_state vmx_feature_control_enable(void)
{
	uint64_t ctl = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(ctl & FC_LOCK)) {
		wrmsr(MSR_IA32_FEATURE_CONTROL, ctl | FC_LOCK | FC_VMX_OUTSIDE_SMX);
		return FC_ENABLED_BY_US;
	}
	return ctl & FC_VMX_OUTSIDE_SMX ? FC_ENABLED_BY_FIRMWARE : FC_LOCKED_OFF;
}

enum vmx_status vmx_probe(struct vmx_caps *c, enum feature_control_state *fc)
{
	*c = (struct vmx_caps){0};
	if (!((cpuid(1, 0).ecx >> 5) & 1))
		return VMX_NO_CPU_SUPPORT;

	*fc = vmx_feature_control_enable();

	struct vmx_msrs m = {0};
	m.basic = rdmsr(MSR_IA32_VMX_BASIC);
	m.pinbased = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	m.procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	m.misc = rdmsr(MSR_IA32_VMX_MISC);
	if ((m.basic >> 55) & 1) {
		m.true_pinbased = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		m.true_procbased = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
	}
	/* The secondary-controls MSR exists only if its activation bit may be set (SDM A.3.3). */
	uint64_t proc = ((m.basic >> 55) & 1) ? m.true_procbased : m.procbased;
	if ((proc >> 63) & 1) {
		m.procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		/* EPT/VPID capability MSR exists if EPT or VPID may be enabled (SDM A.10). */
		if (((m.procbased2 >> 33) & 1) || ((m.procbased2 >> 37) & 1))
			m.ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
	vmx_caps_decode(&m, c);
	return *fc == FC_LOCKED_OFF ? VMX_DISABLED_BY_FIRMWARE : VMX_OK;
}
