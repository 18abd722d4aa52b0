/*
 * Speculation hygiene: which barriers the hypervisor puts between partitions and before VM
 * entry, decided once at boot from what the CPU enumerates (CPUID.(EAX=7,ECX=0):EDX and, where
 * present, IA32_ARCH_CAPABILITIES), following Intel's "CPUID Enumeration and Architectural MSRs"
 * guidance for L1TF, MDS/TAA, MMIO stale data and branch target injection. Pure: unit-tested
 * on the host with the enumerations of real and imaginary CPUs.
 */
#ifndef BULKHEAD_SPEC_POLICY_H
#define BULKHEAD_SPEC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CPUID.(EAX=7,ECX=0):EDX bits. */
#define CPUID7_EDX_MD_CLEAR      (1u << 10)   /* VERW overwrites CPU buffers */
#define CPUID7_EDX_IBRS_IBPB     (1u << 26)   /* IA32_SPEC_CTRL.IBRS and IA32_PRED_CMD.IBPB */
#define CPUID7_EDX_STIBP         (1u << 27)
#define CPUID7_EDX_L1D_FLUSH     (1u << 28)   /* IA32_FLUSH_CMD */
#define CPUID7_EDX_ARCH_CAP      (1u << 29)   /* IA32_ARCH_CAPABILITIES */
#define CPUID7_EDX_SSBD          (1u << 31)
/* CPUID.(EAX=7,ECX=0):EBX. */
#define CPUID7_EBX_RTM           (1u << 11)

/* IA32_ARCH_CAPABILITIES bits. */
#define ARCH_CAP_RDCL_NO         (1ull << 0)  /* not affected by rogue data cache load / L1TF */
#define ARCH_CAP_SKIP_L1DFL_VMENTRY (1ull << 3)  /* no L1D flush needed on VM entry */
#define ARCH_CAP_MDS_NO          (1ull << 5)
#define ARCH_CAP_TAA_NO          (1ull << 8)
#define ARCH_CAP_SBDR_SSDP_NO    (1ull << 13)
#define ARCH_CAP_FBSDP_NO        (1ull << 14)
#define ARCH_CAP_PSDP_NO         (1ull << 15)
#define ARCH_CAP_FB_CLEAR        (1ull << 17) /* VERW clears fill buffers (MMIO stale data) */
#define ARCH_CAP_RFDS_NO         (1ull << 27)
#define ARCH_CAP_RFDS_CLEAR      (1ull << 28) /* VERW clears register files */

struct spec_inputs {
	bool intel;                  /* GenuineIntel: unenumerated CPUs are assumed affected */
	uint32_t cpuid7_ebx, cpuid7_edx;
	uint64_t arch_caps;          /* 0 unless CPUID7_EDX_ARCH_CAP */
};

enum spec_state {
	SPEC_NOT_NEEDED,             /* the CPU says it is not affected */
	SPEC_ON,                     /* needed and in force */
	SPEC_UNAVAILABLE,            /* needed, but the CPU lacks the mechanism (microcode) */
	SPEC_COVERED,                /* needed, and done by another measure in force */
};

struct spec_measure {
	enum spec_state state;
	const char *why;             /* the vulnerability or the enumeration that decided it */
};

struct spec_measures {
	struct spec_measure ibpb;        /* IA32_PRED_CMD.IBPB when a CPU changes partition */
	struct spec_measure l1d_flush;   /* IA32_FLUSH_CMD.L1D_FLUSH before every VM entry */
	struct spec_measure verw;        /* VERW before every VM entry (buffer clearing) */
	bool spec_ctrl;                  /* IA32_SPEC_CTRL exists: guests get it, switched */
};

void spec_policy_decide(const struct spec_inputs *in, struct spec_measures *out);
/* One line for the host summary, e.g. "IBPB on partition switch: on (branch target
 * injection); L1D flush on VM entry: not needed (ARCH_CAPABILITIES.RDCL_NO); ...". */
void spec_policy_describe(const struct spec_measures *m, char *buf, size_t size);
const char *spec_state_name(enum spec_state s);

#endif
