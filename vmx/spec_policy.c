/*
 * Speculation policy (see spec_policy.h). The rules, per Intel's "CPUID Enumeration and
 * Architectural MSRs" and the per-vulnerability guidance it links to:
 *  - IBPB whenever a CPU starts running a different partition: indirect-branch predictions
 *    trained by one partition must not steer another (branch target injection). eIBRS does
 *    not separate two guests, so this holds on every CPU that has the barrier.
 *  - L1D flush before VM entry on CPUs affected by L1TF (no RDCL_NO), unless the CPU says
 *    entries need none (SKIP_L1DFL_VMENTRY): a guest's non-present PTE can otherwise read
 *    whatever the hypervisor or the previous partition left in L1D.
 *  - VERW before VM entry where CPU buffers can leak (MDS without MDS_NO, TAA with RTM and no
 *    TAA_NO, MMIO stale data where FB_CLEAR says VERW clears fill buffers, RFDS where
 *    RFDS_CLEAR says it clears register files), provided VERW has that effect (MD_CLEAR,
 *    FB_CLEAR or RFDS_CLEAR). The L1D flush also overwrites those buffers on the CPUs that
 *    need it, so VERW is then only needed for RFDS and MMIO stale data.
 * A CPU without IA32_ARCH_CAPABILITIES enumerates nothing: an Intel one is assumed affected by
 * all of these (they all predate the MSR), another vendor's by none.
 */
#include <stdio.h>
#include "vmx/spec_policy.h"

const char *spec_state_name(enum spec_state s)
{
	switch (s) {
	case SPEC_NOT_NEEDED: return "not needed";
	case SPEC_ON: return "on";
	case SPEC_UNAVAILABLE: return "needed but unavailable";
	case SPEC_COVERED: return "covered";
	}
	return "?";
}

static struct spec_measure measure(enum spec_state state, const char *why)
{
	return (struct spec_measure){ state, why };
}

static struct spec_measure decide_l1d(const struct spec_inputs *in, bool caps, uint64_t ac)
{
	if (caps && (ac & ARCH_CAP_RDCL_NO))
		return measure(SPEC_NOT_NEEDED, "ARCH_CAPABILITIES.RDCL_NO");
	if (!caps && !in->intel)
		return measure(SPEC_NOT_NEEDED, "no L1TF outside Intel CPUs");
	if (ac & ARCH_CAP_SKIP_L1DFL_VMENTRY)
		return measure(SPEC_NOT_NEEDED, "ARCH_CAPABILITIES.SKIP_L1DFL_VMENTRY");
	if (in->cpuid7_edx & CPUID7_EDX_L1D_FLUSH)
		return measure(SPEC_ON, "L1TF");
	return measure(SPEC_UNAVAILABLE, "L1TF, but no IA32_FLUSH_CMD: update the microcode");
}

static struct spec_measure decide_verw(const struct spec_inputs *in, bool caps, uint64_t ac,
				       bool l1d_flush_on)
{
	bool assume = !caps && in->intel;
	bool mds = caps ? !(ac & ARCH_CAP_MDS_NO) : assume;
	bool taa = (in->cpuid7_ebx & CPUID7_EBX_RTM) && (caps ? !(ac & ARCH_CAP_TAA_NO) : assume);
	bool mmio = (ac & ARCH_CAP_FB_CLEAR) != 0;
	bool rfds = (ac & ARCH_CAP_RFDS_CLEAR) && !(ac & ARCH_CAP_RFDS_NO);
	if (!mds && !taa && !mmio && !rfds)
		return measure(SPEC_NOT_NEEDED, caps ? "ARCH_CAPABILITIES.MDS_NO and TAA_NO"
						     : "no MDS outside Intel CPUs");
	const char *why = rfds ? "RFDS" : mmio ? "MMIO stale data" : mds ? "MDS" : "TAA";
	if (l1d_flush_on && !rfds && !mmio)
		return measure(SPEC_COVERED, "MDS/TAA: the L1D flush also overwrites the buffers");
	bool works = (in->cpuid7_edx & CPUID7_EDX_MD_CLEAR) ||
		     (ac & (ARCH_CAP_FB_CLEAR | ARCH_CAP_RFDS_CLEAR));
	if (works)
		return measure(SPEC_ON, why);
	return measure(SPEC_UNAVAILABLE, mds ? "MDS, but VERW lacks MD_CLEAR: update the microcode"
					     : "TAA, but VERW lacks MD_CLEAR: update the microcode");
}

void spec_policy_decide(const struct spec_inputs *in, struct spec_measures *out)
{
	bool caps = (in->cpuid7_edx & CPUID7_EDX_ARCH_CAP) != 0;
	uint64_t ac = caps ? in->arch_caps : 0;
	if (in->cpuid7_edx & CPUID7_EDX_IBRS_IBPB)
		out->ibpb = measure(SPEC_ON, "branch target injection");
	else
		out->ibpb = measure(SPEC_UNAVAILABLE, "no IBPB (CPUID.7:EDX[26]): update the microcode");
	out->l1d_flush = decide_l1d(in, caps, ac);
	out->verw = decide_verw(in, caps, ac, out->l1d_flush.state == SPEC_ON);
	out->spec_ctrl = (in->cpuid7_edx &
			  (CPUID7_EDX_IBRS_IBPB | CPUID7_EDX_STIBP | CPUID7_EDX_SSBD)) != 0;
}

void spec_policy_describe(const struct spec_measures *m, char *buf, size_t size)
{
	snprintf(buf, size, "IBPB on partition switch: %s (%s); L1D flush on VM entry: %s (%s); "
		 "VERW on VM entry: %s (%s); IA32_SPEC_CTRL %s",
		 spec_state_name(m->ibpb.state), m->ibpb.why,
		 spec_state_name(m->l1d_flush.state), m->l1d_flush.why,
		 spec_state_name(m->verw.state), m->verw.why,
		 m->spec_ctrl ? "passed to guests, switched per vCPU" : "absent");
}
