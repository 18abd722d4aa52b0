/*
 * What this CPU's VMX can do, decoded from the capability MSRs (Intel SDM Vol. 3D, appendix A).
 * vmx_caps_decode() is pure (unit-tested on the host with recorded MSR values); vmx_probe()
 * reads the real CPU and settles IA32_FEATURE_CONTROL. The later VMCS setup uses the same
 * struct to adjust the controls it wants against what is allowed.
 */
#ifndef BULKHEAD_VMX_CAPS_H
#define BULKHEAD_VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

struct vmx_msrs {
	uint64_t basic, pinbased, procbased, procbased2, ept_vpid, misc;
	uint64_t true_pinbased, true_procbased;   /* valid when basic bit 55 is set */
};

struct vmx_caps {
	uint32_t vmcs_revision;
	uint32_t vmcs_size;
	bool true_controls;         /* IA32_VMX_TRUE_* MSRs exist (basic bit 55) */
	bool secondary_controls;    /* "activate secondary controls" may be 1 */
	bool ept, ept_4level, ept_wb, ept_2m, ept_1g, invept;
	bool vpid, invvpid;
	bool unrestricted_guest;
	bool preemption_timer;
	unsigned preemption_timer_shift;   /* timer counts down every 2^shift TSC ticks */
};

/* IA32_FEATURE_CONTROL (MSR 3Ah, SDM Vol. 3C, 23.7): bit 0 lock, bit 2 VMX outside SMX. */
enum feature_control_state {
	FC_ENABLED_BY_FIRMWARE,     /* locked with VMX on */
	FC_ENABLED_BY_US,           /* was unlocked: we set enable + lock */
	FC_LOCKED_OFF,              /* locked with VMX off: only the firmware setup can change it */
};

enum vmx_status { VMX_OK, VMX_NO_CPU_SUPPORT, VMX_DISABLED_BY_FIRMWARE };

void vmx_caps_decode(const struct vmx_msrs *m, struct vmx_caps *c);
/* Reads CPUID and the MSRs of the calling CPU. Never touches a VMX MSR when CPUID.1:ECX.VMX
 * is clear (on CPUs without VMX they fault or read as zero). */
enum vmx_status vmx_probe(struct vmx_caps *c, enum feature_control_state *fc);
/* Enables VMX outside SMX in the calling CPU's IA32_FEATURE_CONTROL and locks it, unless the
 * firmware already locked it; says which. */
enum feature_control_state vmx_feature_control_enable(void);
const char *feature_control_state_string(enum feature_control_state s);

#endif
