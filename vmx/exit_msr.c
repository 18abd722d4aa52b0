/*
 * RDMSR/WRMSR exits. Only MSRs the policy (vmx/msr_policy.c) does not pass through exit here:
 * emulated ones get their constant or checked value, EFER and DEBUGCTL writes are validated and
 * kept in the VMCS, and everything else is refused with #GP into the guest, as a CPU without that MSR would,
 * plus a log line naming the partition (the first few per partition, so a looping guest cannot
 * flood the console).
 */
#include "kernel/log.h"
#include "kernel/partition.h"
#include "kernel/x86.h"
#include "vdev/platform.h"
#include "vmx/exit.h"
#include "vmx/msr_policy.h"
#include "vmx/vmx.h"

#define MSR_EFER 0xc0000080u
#define MSR_DEBUGCTL 0x1d9u
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define DENIAL_LOG_LIMIT 16
/* The platform of an OS partition (vdev/platform.c) answered already. */
#define MSR_EMULATE_DONE (-1)

static void refuse(struct vcpu *v, const char *what, uint32_t msr, uint64_t value)
{
	static unsigned logged[MAX_PARTITIONS];
	unsigned id = v->partition->id;
	if (id < MAX_PARTITIONS && logged[id]++ < DENIAL_LOG_LIMIT)
		klog(LOG_WARN, "partition '%s': %s of MSR %#x%s refused (#GP)", v->partition->name,
		     what, msr, value == ~0ull ? "" : " with a value");
	vcpu_inject_gp();
}

enum exit_action exit_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t value;
	int own = v->lapic ? vplatform_rdmsr(v, msr, &value) : 0;
	if (own < 0) {
		refuse(v, "read", msr, ~0ull);
		return EXIT_RESUME;
	}
	switch (own ? MSR_EMULATE_DONE : (int)msr_policy(msr, 0)) {
	case MSR_EMULATE_DONE:
		break;
	case MSR_PASSTHROUGH:
		/* Passthrough reads do not exit; EFER's value lives in the VMCS. */
		value = msr == MSR_EFER ? vmcs_read(VMCS_GUEST_EFER) : rdmsr(msr);
		break;
	case MSR_EMULATE:
		if (msr == MSR_DEBUGCTL) {
			value = vmcs_read(VMCS_GUEST_DEBUGCTL);
			break;
		}
		if (!msr_emulated_read(msr, &value)) {
			refuse(v, "read", msr, ~0ull);
			return EXIT_RESUME;
		}
		break;
	default:
		refuse(v, "read", msr, ~0ull);
		return EXIT_RESUME;
	}
	v->regs.rax = (uint32_t)value;
	v->regs.rdx = value >> 32;
	vcpu_skip_instruction();
	return EXIT_RESUME;
}

static bool write_efer(uint64_t value)
{
	uint64_t old = vmcs_read(VMCS_GUEST_EFER);
	/* Writable: SCE, LME, NXE. LMA is the CPU's to set; LME may not change while paging is
	 * on (SDM Vol. 3A 10.8.5), which is always true for ELF guests. */
	if (value & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return false;
	if (((value ^ old) & EFER_LME) && (vmcs_read(VMCS_GUEST_CR0) >> 31) & 1)
		return false;
	vmcs_write(VMCS_GUEST_EFER, (value & ~EFER_LMA) | (old & EFER_LMA));
	return true;
}

enum exit_action exit_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	bool ok = false;
	int own = v->lapic ? vplatform_wrmsr(v, msr, value) : 0;
	if (own) {
		ok = own > 0;
	} else if (msr_policy(msr, 1) == MSR_EMULATE) {
		if (msr == MSR_EFER) {
			ok = write_efer(value);
		} else if (msr == MSR_DEBUGCTL) {
			ok = !(value & ~MSR_DEBUGCTL_OFFERED);
			if (ok)
				vmcs_write(VMCS_GUEST_DEBUGCTL, value);    /* loaded on entry */
		} else {
			ok = msr_emulated_write_ok(msr, value);
		}
	}
	if (!ok) {
		refuse(v, "write", msr, value);
		return EXIT_RESUME;
	}
	vcpu_skip_instruction();
	return EXIT_RESUME;
}
