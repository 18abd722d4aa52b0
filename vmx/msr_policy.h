/*
 * Which MSRs a partition may touch, and how. RDMSR/WRMSR in a guest either reach the real MSR
 * (passthrough: state the VMCS switches on entry and exit, or per-guest state the hypervisor
 * itself never uses), are answered by the hypervisor (emulate: constants that describe the
 * virtual machine, not the host), or fail with #GP (deny: everything else, which is the safe
 * default for an MSR nobody thought about). The VMX MSR bitmap (Intel SDM Vol. 3C, 25.6.9)
 * that makes the CPU exit is built from the same table, so the two can never disagree. Note
 * that passthrough MSRs not in the VMCS (STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE, TSC_AUX,
 * SPEC_CTRL) keep a guest's values in the physical CPU: vmx/vcpu_switch.c saves and restores
 * them when a CPU changes vCPU.
 */
#ifndef BULKHEAD_MSR_POLICY_H
#define BULKHEAD_MSR_POLICY_H

#include <stdint.h>

/* The values emulated reads return, and the only ones emulated writes accept. */
#define MSR_VALUE_FEATURE_CONTROL  0x1ull           /* locked, VMX off: no nested VMX */
#define MSR_VALUE_APIC_BASE        0xfee00900ull    /* default base, enabled, BSP */
#define MSR_VALUE_MISC_ENABLE      0x1ull           /* fast strings */
#define MSR_VALUE_MTRR_DEF_TYPE    0x806ull         /* MTRRs on, fixed off, default WB */
/* IA32_DEBUGCTL bits a guest may set: BTF (single-step on branches). */
#define MSR_DEBUGCTL_OFFERED       0x2ull

enum msr_action { MSR_DENY = 0, MSR_PASSTHROUGH, MSR_EMULATE };

/* What happens to RDMSR (write == 0) or WRMSR (write != 0) of msr in a guest. */
enum msr_action msr_policy(uint32_t msr, int write);

/* VMX MSR bitmap (SDM 25.6.9): 4 KiB: read-low (MSRs 0-0x1fff) at 0, read-high
 * (0xc0000000-0xc0001fff) at 1024, write-low at 2048, write-high at 3072; bit set = VM exit.
 * Built from msr_policy: every MSR exits unless MSR_PASSTHROUGH. MSRs outside both ranges
 * always exit (SDM 26.1.3), so they need no bits. */
void msr_bitmap_build(uint8_t bitmap[4096]);

/* Constant answers for emulated reads; returns 1 and sets *value when the read is emulated
 * here (EFER and DEBUGCTL are not: the caller owns them), else 0 and *value untouched. */
int msr_emulated_read(uint32_t msr, uint64_t *value);

/* For an emulated write: 1 if it is accepted (and has no effect): the value equals what the
 * read returns, or the MSR is BIOS_SIGN_ID (microcode update signature: ignored). 0 means
 * inject #GP. Not for EFER or DEBUGCTL (the caller keeps those in the VMCS). */
int msr_emulated_write_ok(uint32_t msr, uint64_t value);

#endif
