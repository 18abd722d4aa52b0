/*
 * XSETBV exits (always exit, SDM 25.1.2): the guest picks which extended-state components it
 * uses. Checks follow the instruction's own faults (SDM Vol. 2, XSETBV): #UD without
 * CR4.OSXSAVE, #GP at CPL > 0, for ECX != 0, or for an invalid XCR0 value. A valid value is
 * recorded for the vCPU and loaded by the lazy state switch (kernel/fpu.c).
 */
#include "kernel/fpu.h"
#include "kernel/partition.h"
#include "vmx/cpuid_policy.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"

enum exit_action exit_xsetbv(struct vcpu *v)
{
	/* CR4.OSXSAVE is not in the CR4 guest/host mask, so the real guest CR4 holds the guest's bit. */
	if (!vmx.xcr0_supported || !(vmcs_read(VMCS_GUEST_CR4) & (1ull << 18))) {
		vcpu_inject_ud();
		return EXIT_RESUME;
	}
	uint64_t value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	if (vcpu_cpl() != 0 || (uint32_t)v->regs.rcx != 0 || !xcr0_is_valid(value, vmx.xcr0_supported)) {
		vcpu_inject_gp();
		return EXIT_RESUME;
	}
	fpu_set_xcr0(v, value);
	vcpu_skip_instruction();
	return EXIT_RESUME;
}
