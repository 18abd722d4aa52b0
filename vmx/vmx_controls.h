/*
 * Settling VMX control words and control registers against what the CPU allows. Each VMX
 * control field has a capability MSR saying which bits may be 0 and which may be 1 (Intel SDM
 * Vol. 3D, A.3 pin-based and processor-based, A.4 VM-exit, A.5 VM-entry controls), and CR0/CR4
 * have fixed bits while in VMX operation (A.7, A.8). VM entry fails if any of these is
 * violated (SDM Vol. 3C, 27.2.1 for the controls, 27.2.2 and 27.3.1.1 for host and guest
 * CR0/CR4), so every control word and CR0/CR4 value goes through here first. Pure arithmetic on the MSR values; the callers read the MSRs.
 */
#ifndef BULKHEAD_VMX_CONTROLS_H
#define BULKHEAD_VMX_CONTROLS_H

#include <stdint.h>

/*
 * cap: a VMX control capability MSR: bits 31:0 = allowed-0 settings (1 = must be 1), bits
 * 63:32 = allowed-1 settings (1 = may be 1). Returns (wanted | must_be_1) & may_be_1.
 * *missing (may be NULL) = the wanted bits that may not be 1; the caller decides whether
 * going without one of them is fatal.
 */
uint32_t vmx_adjust_controls(uint32_t wanted, uint64_t cap, uint32_t *missing);

/* CR0/CR4 in VMX operation: bits set in fixed0 (IA32_VMX_CR0_FIXED0 / CR4_FIXED0) must be 1,
 * bits clear in fixed1 (..._FIXED1) must be 0 (SDM A.7, A.8). Returns value adjusted so. */
uint64_t vmx_apply_fixed(uint64_t value, uint64_t fixed0, uint64_t fixed1);

#endif
