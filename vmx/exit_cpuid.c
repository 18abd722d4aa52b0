/*
 * CPUID exits: the real CPU's answer, rewritten by the partition CPUID policy
 * (vmx/cpuid_policy.c) into a coherent virtual CPU: VMX hidden, the hypervisor bit set, and
 * Bulkhead's own leaves at 0x40000000.
 */
#include "kernel/partition.h"
#include "kernel/x86.h"
#include "vmx/cpuid_policy.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"

/* Four answers depend on the guest's own state rather than the host's: CPUID.1:ECX.OSXSAVE
 * and CPUID.(7,0):ECX.OSPKE mirror the guest's CR4.OSXSAVE and CR4.PKE, CPUID.(0DH,0):EBX is
 * the XSAVE area size for the guest's XCR0 (SDM Vol. 1 13.2), computed from each enabled
 * component's offset and size, and CPUID.(0DH,1):EBX the size of the compacted format
 * (XSAVEC) for the guest's XCR0, IA32_XSS being 0 (no XSAVES offered): the enabled components
 * back to back after the header, each aligned to 64 bytes where its CPUID.(0DH,i):ECX[1] says
 * so (SDM Vol. 1 13.4.3, "Compacted Form of the XSAVE Area"). The CPU's own answers are for
 * whatever XCR0 the host has loaded at the exit. */
static uint32_t xsave_size(uint64_t xcr0, bool compacted)
{
	uint32_t size = 576;                              /* legacy area + XSAVE header */
	for (unsigned i = 2; i < 64; i++) {
		if (!((xcr0 >> i) & 1))
			continue;
		struct cpuid_regs c = cpuid(0xd, i);
		if (!compacted) {
			if (c.ebx + c.eax > size)
				size = c.ebx + c.eax;
			continue;
		}
		if (c.ecx & 2)
			size = (size + 63) & ~63u;
		size += c.eax;
	}
	return size;
}

static void guest_view_of_cr4(const struct vcpu *v, uint32_t leaf, uint32_t subleaf,
			      struct cpuid_regs4 *r)
{
	if (leaf == 1) {
		r->ecx &= ~(1u << 27);
		if (vmcs_read(VMCS_GUEST_CR4) & (1ull << 18))
			r->ecx |= 1u << 27;
	} else if (leaf == 7 && subleaf == 0) {
		r->ecx &= ~(1u << 4);
		if (vmcs_read(VMCS_GUEST_CR4) & (1ull << 22))
			r->ecx |= 1u << 4;
	} else if (leaf == 0xd && subleaf <= 1 && vmx.xcr0_supported) {
		r->ebx = xsave_size(v->xcr0, subleaf == 1);
	}
}

enum exit_action exit_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->regs.rax, subleaf = (uint32_t)v->regs.rcx;
	struct cpuid_regs4 *r = &v->cpuid_answer;
	/* The real answer even in the hypervisor range (a host hypervisor's, when nested): the
	 * policy replaces all of 0x40000000-0x4fffffff. */
	struct cpuid_regs real = cpuid(leaf, subleaf);
	*r = (struct cpuid_regs4){ real.eax, real.ebx, real.ecx, real.edx };
	/* Leaf and subleaf are read again rather than kept across CPUID, which takes four
	 * registers. The guest-state bits come before the policy, which never touches them
	 * (leaves 1, 7 and 0xd), so that nothing but v is live across the call. */
	__asm__ volatile("" : : : "memory");
	leaf = (uint32_t)v->regs.rax;
	subleaf = (uint32_t)v->regs.rcx;
	if (leaf < 32 && ((1u << 1 | 1u << 7 | 1u << 0xd) >> leaf) & 1)
		guest_view_of_cr4(v, leaf, subleaf, r);
	cpuid_policy_apply(leaf, subleaf, r, &v->cpuid);
	v->regs.rax = r->eax;
	v->regs.rbx = r->ebx;
	v->regs.rcx = r->ecx;
	v->regs.rdx = r->edx;
	vcpu_skip_instruction();
	return EXIT_RESUME;
}
