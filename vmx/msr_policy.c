/*
 * MSR policy (see msr_policy.h). The passthrough set is what a 64-bit guest kernel writes on
 * its hot paths (segment bases, SYSCALL/SYSENTER targets, PAT, TSC_AUX) and what the VMCS
 * already switches (FS/GS base in the guest-state area, SDM Vol. 3C 25.4.1; PAT and EFER
 * through the "load IA32_PAT/EFER" controls, 25.7.1 and 25.8.1), so exiting on them would cost
 * time and protect nothing. EFER writes exit anyway: LME/LMA/NXE changes must be checked and
 * mirrored into the VMCS and the "IA-32e mode guest" entry control. TSC writes are denied so
 * that a partition cannot move the host's time base. The speculation controls are the guest's
 * own: IA32_SPEC_CTRL passes through (vmx/vcpu_switch.c switches it per vCPU), and the two
 * write-only command MSRs IA32_PRED_CMD (IBPB) and IA32_FLUSH_CMD (L1D flush) only act on the
 * CPU that runs the guest; where the CPU lacks them the guest gets the CPU's own #GP.
 * IA32_DEBUGCTL is emulated on the VMCS copy that "load/save debug controls" switch; only BTF
 * is offered (LBR would record branches into MSRs nothing switches). The emulated reads
 * describe a plain machine with no nested VMX, no machine-check banks and write-back memory
 * everywhere.
 */
#include <string.h>
#include "vmx/msr_policy.h"

/* MSR numbers (SDM Vol. 4, chapter 2). Private to this file: kernel/x86.h and others spell
 * some of the same names their own way. */
#define MSR_IA32_TSC               0x00000010u
#define MSR_IA32_APIC_BASE         0x0000001bu
#define MSR_IA32_FEATURE_CONTROL   0x0000003au
#define MSR_IA32_SPEC_CTRL         0x00000048u
#define MSR_IA32_PRED_CMD          0x00000049u
#define MSR_IA32_FLUSH_CMD         0x0000010bu
#define MSR_IA32_BIOS_SIGN_ID      0x0000008bu
#define MSR_IA32_MTRRCAP           0x000000feu
#define MSR_IA32_SYSENTER_CS       0x00000174u
#define MSR_IA32_SYSENTER_ESP      0x00000175u
#define MSR_IA32_SYSENTER_EIP      0x00000176u
#define MSR_IA32_MCG_CAP           0x00000179u
#define MSR_IA32_MCG_STATUS        0x0000017au
#define MSR_IA32_MISC_ENABLE       0x000001a0u
#define MSR_IA32_DEBUGCTL          0x000001d9u
#define MSR_IA32_PAT               0x00000277u
#define MSR_IA32_MTRR_DEF_TYPE     0x000002ffu
#define MSR_IA32_EFER              0xc0000080u
#define MSR_IA32_STAR              0xc0000081u
#define MSR_IA32_LSTAR             0xc0000082u
#define MSR_IA32_CSTAR             0xc0000083u
#define MSR_IA32_FMASK             0xc0000084u
#define MSR_IA32_FS_BASE           0xc0000100u
#define MSR_IA32_GS_BASE           0xc0000101u
#define MSR_IA32_KERNEL_GS_BASE    0xc0000102u
#define MSR_IA32_TSC_AUX           0xc0000103u

#define LOW_END      0x00002000u         /* MSRs 0-0x1fff */
#define HIGH_BASE    0xc0000000u         /* MSRs 0xc0000000-0xc0001fff */
#define HIGH_END     0xc0002000u

enum msr_action msr_policy(uint32_t msr, int write)
{
	switch (msr) {
	case MSR_IA32_FS_BASE:
	case MSR_IA32_GS_BASE:
	case MSR_IA32_KERNEL_GS_BASE:
	case MSR_IA32_STAR:
	case MSR_IA32_LSTAR:
	case MSR_IA32_CSTAR:
	case MSR_IA32_FMASK:
	case MSR_IA32_TSC_AUX:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_IA32_PAT:
	case MSR_IA32_SPEC_CTRL:
		return MSR_PASSTHROUGH;

	case MSR_IA32_PRED_CMD:
	case MSR_IA32_FLUSH_CMD:
		return write ? MSR_PASSTHROUGH : MSR_DENY;    /* write-only commands */

	case MSR_IA32_DEBUGCTL:
		return MSR_EMULATE;                           /* on the VMCS field */

	case MSR_IA32_TSC:
		/* Reads see the offset TSC (SDM 26.3, "use TSC offsetting"), as RDTSC does. */
		return write ? MSR_DENY : MSR_PASSTHROUGH;

	case MSR_IA32_EFER:
		return write ? MSR_EMULATE : MSR_PASSTHROUGH;

	case MSR_IA32_MISC_ENABLE:
	case MSR_IA32_MTRR_DEF_TYPE:
	case MSR_IA32_APIC_BASE:
	case MSR_IA32_BIOS_SIGN_ID:
		return MSR_EMULATE;

	/* Read-only views: writing them is a #GP on real hardware too (locked or RO MSRs). */
	case MSR_IA32_FEATURE_CONTROL:
	case MSR_IA32_MTRRCAP:
	case MSR_IA32_MCG_CAP:
	case MSR_IA32_MCG_STATUS:
		return write ? MSR_DENY : MSR_EMULATE;

	default:
		/* Including every VMX capability MSR (0x480-0x493): a guest must not see the
		 * host's VMX, and CPUID already says there is none. */
		return MSR_DENY;
	}
}

static void allow(uint8_t *quarter, uint32_t index)
{
	quarter[index / 8] &= (uint8_t)~(1u << (index % 8));
}

void msr_bitmap_build(uint8_t bitmap[4096])
{
	/* Exit on everything first, then open exactly the passthrough MSRs, so an MSR missing
	 * from the policy table fails safe. */
	memset(bitmap, 0xff, 4096);
	for (uint32_t i = 0; i < LOW_END; i++) {
		if (msr_policy(i, 0) == MSR_PASSTHROUGH)
			allow(bitmap + 0, i);
		if (msr_policy(i, 1) == MSR_PASSTHROUGH)
			allow(bitmap + 2048, i);
	}
	for (uint32_t msr = HIGH_BASE; msr < HIGH_END; msr++) {
		if (msr_policy(msr, 0) == MSR_PASSTHROUGH)
			allow(bitmap + 1024, msr - HIGH_BASE);
		if (msr_policy(msr, 1) == MSR_PASSTHROUGH)
			allow(bitmap + 3072, msr - HIGH_BASE);
	}
}

int msr_emulated_read(uint32_t msr, uint64_t *value)
{
	uint64_t v;
	switch (msr) {
	case MSR_IA32_FEATURE_CONTROL: v = MSR_VALUE_FEATURE_CONTROL; break;
	case MSR_IA32_APIC_BASE:       v = MSR_VALUE_APIC_BASE; break;
	case MSR_IA32_MISC_ENABLE:     v = MSR_VALUE_MISC_ENABLE; break;
	case MSR_IA32_MTRRCAP:         v = 0; break;    /* no fixed or variable MTRRs, no WC */
	case MSR_IA32_MTRR_DEF_TYPE:   v = MSR_VALUE_MTRR_DEF_TYPE; break;
	case MSR_IA32_MCG_CAP:         v = 0; break;    /* no machine-check banks */
	case MSR_IA32_MCG_STATUS:      v = 0; break;
	case MSR_IA32_BIOS_SIGN_ID:    v = 0; break;    /* no microcode revision to report */
	default:
		return 0;
	}
	*value = v;
	return 1;
}

int msr_emulated_write_ok(uint32_t msr, uint64_t value)
{
	uint64_t current;
	if (msr_policy(msr, 1) != MSR_EMULATE || msr == MSR_IA32_EFER || msr == MSR_IA32_DEBUGCTL)
		return 0;
	/* Linux writes 0 here before CPUID to read back the microcode revision. */
	if (msr == MSR_IA32_BIOS_SIGN_ID)
		return 1;
	return msr_emulated_read(msr, &current) && value == current;
}
