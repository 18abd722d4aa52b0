/*
 * CPUID rewriting (see cpuid_policy.h). Leaf layouts are those of the CPUID instruction in
 * SDM Vol. 2A; each hidden feature is hidden because the VMX setup does not enable what it
 * needs (the secondary controls "enable INVPCID", "enable RDTSCP" and "enable user wait and
 * pause" make the instructions #UD when off, SDM Vol. 3C 25.6.2 and 26.3), or because it
 * would hand the guest a host-wide resource (MONITOR/MWAIT, performance counters, RDT,
 * thermal and power management) or host topology. Everything not named here passes through
 * unchanged, so a guest still sees the real CPU's model and instruction-set extensions.
 */
#include "hypercall.h"
#include "vmx/cpuid_policy.h"

#define BIT(n) (1u << (n))

/* Leaf 1 ECX. */
#define L1_ECX_DTES64       BIT(2)      /* debug store: its buffers and MSRs are the host's */
#define L1_ECX_MONITOR      BIT(3)      /* MONITOR/MWAIT: would idle the physical CPU */
#define L1_ECX_DS_CPL       BIT(4)
#define L1_ECX_EST          BIT(7)      /* SpeedStep: frequency control is the host's */
#define L1_ECX_TM2          BIT(8)      /* thermal monitor 2 */
#define L1_ECX_PDCM         BIT(15)     /* IA32_PERF_CAPABILITIES: no PMU is offered */
#define L1_ECX_VMX          BIT(5)      /* no nested VMX */
#define L1_ECX_SMX          BIT(6)      /* GETSEC: never for a guest */
#define L1_ECX_X2APIC       BIT(21)     /* ELF partitions: no virtual x2APIC (OS ones: vdev/) */
#define L1_ECX_TSC_DEADLINE BIT(24)     /* ELF: HC_TIMER_SET instead of a local APIC timer */
#define L1_ECX_HYPERVISOR   BIT(31)     /* "running under a hypervisor": look at 0x40000000 */

/* Leaf 1 EDX: thermal monitoring and the debug store, host-wide like leaf 6. */
#define L1_EDX_DS           BIT(21)
#define L1_EDX_ACPI         BIT(22)     /* thermal monitor and clock control MSRs */
#define L1_EDX_TM           BIT(29)
#define L1_EDX_PBE          BIT(31)
#define L1_ECX_HOST_ONLY    (L1_ECX_DTES64 | L1_ECX_DS_CPL | L1_ECX_EST | L1_ECX_TM2 | L1_ECX_PDCM)
#define L1_EDX_HOST_ONLY    (L1_EDX_DS | L1_EDX_ACPI | L1_EDX_TM | L1_EDX_PBE)

/* Leaf 7 subleaf 0. */
#define L7_EBX_INVPCID      BIT(10)
#define L7_EBX_RDT_M        BIT(12)     /* resource director: monitoring */
#define L7_EBX_RDT_A        BIT(15)     /* resource director: allocation */
#define L7_ECX_WAITPKG      BIT(5)      /* UMONITOR/UMWAIT/TPAUSE */
#define L7_ECX_CET_SS       BIT(7)      /* CR4.CET and the CET MSRs are not offered */
#define L7_ECX_LA57         BIT(16)     /* 5-level paging: guests get 4-level CR4 */
#define L7_ECX_KEYLOCKER    BIT(23)     /* CR4.KL is not offered */
#define L7_ECX_BUS_LOCK_DB  BIT(24)     /* IA32_DEBUGCTL.BUS_LOCK_DETECT is not offered */
#define L7_ECX_PKS          BIT(31)     /* CR4.PKS and IA32_PKRS are not offered */
#define L7_EDX_UINTR        BIT(5)      /* CR4.UINTR and its MSRs are not offered */
#define L7_EDX_CET_IBT      BIT(20)
#define L7_EDX_AMX          (BIT(22) | BIT(24) | BIT(25))   /* AMX-BF16, AMX-TILE, AMX-INT8 */
#define L7_EDX_ARCH_CAP     BIT(29)     /* IA32_ARCH_CAPABILITIES is not emulated (yet) */

/* Leaf 0xD subleaf 1 EAX. */
#define LD1_EAX_XSAVES      BIT(3)      /* "enable XSAVES/XRSTORS" is off: they would #UD */
#define LD1_EAX_XFD         BIT(4)      /* extended feature disable MSRs are not offered */

/* Leaf 6 EAX: the APIC timer runs in every C-state (the virtual one always does). */
#define L6_EAX_ARAT         BIT(2)

/* Leaf 0x80000001 EDX. */
#define LX1_EDX_RDTSCP      BIT(27)

struct cpuid_regs4 cpuid_tsc_leaf(uint64_t tsc_hz)
{
	uint32_t ratio = tsc_hz ? (uint32_t)((tsc_hz - 1) / 0xffffffffull) + 1 : 1;
	return (struct cpuid_regs4){ 1, ratio, (uint32_t)(tsc_hz / ratio), 0 };
}

/* The leaves only an OS partition has; true when (leaf, subleaf) was one of them. */
static int os_platform_leaf(uint32_t leaf, struct cpuid_regs4 *r, const struct cpuid_policy *p)
{
	uint32_t mhz = (uint32_t)(p->tsc_hz / 1000000);
	switch (leaf) {
	case 0:
		if (r->eax < CPUID_OS_MAX_LEAF)
			r->eax = CPUID_OS_MAX_LEAF;
		return 1;
	case 6:
		*r = (struct cpuid_regs4){ L6_EAX_ARAT, 0, 0, 0 };
		return 1;
	case 0x15:
		*r = cpuid_tsc_leaf(p->tsc_hz);
		return 1;
	case 0x16:      /* base and maximum frequency in MHz, bus (reference) 100 MHz */
		*r = (struct cpuid_regs4){ mhz ? mhz : 1, mhz ? mhz : 1, 100, 0 };
		return 1;
	case CPUID_KVM_LEAF_BASE:
		*r = (struct cpuid_regs4){ CPUID_KVM_LEAF_FEATURES, CPUID_KVM_SIGNATURE_EBX,
					   CPUID_KVM_SIGNATURE_ECX, CPUID_KVM_SIGNATURE_EDX };
		return 1;
	case CPUID_KVM_LEAF_FEATURES:   /* no paravirtual feature (no kvmclock, no PV EOI...) */
		*r = (struct cpuid_regs4){ 0, 0, 0, 0 };
		return 1;
	default:
		/* Basic leaves the real CPU lacks: on Intel they would echo its highest leaf. */
		if (leaf > p->host_max_leaf && leaf <= CPUID_OS_MAX_LEAF) {
			*r = (struct cpuid_regs4){ 0, 0, 0, 0 };
			return 1;
		}
		return 0;
	}
}

void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, struct cpuid_regs4 *r,
			const struct cpuid_policy *p)
{
	if (p->os_platform && os_platform_leaf(leaf, r, p))
		return;
	switch (leaf) {
	case 1:
		r->ecx &= ~(L1_ECX_MONITOR | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_X2APIC |
			    L1_ECX_TSC_DEADLINE | L1_ECX_HOST_ONLY);
		r->edx &= ~L1_EDX_HOST_ONLY;
		r->ecx |= L1_ECX_HYPERVISOR;
		if (p->os_platform)
			r->ecx |= L1_ECX_X2APIC | L1_ECX_TSC_DEADLINE;
		/* EBX[31:24] initial APIC ID, [23:16] logical processors per package: the
		 * partition's, not the host's. Brand index and CLFLUSH size (15:0) stay. */
		r->ebx = (r->ebx & 0xffffu) | ((p->vcpu_index & 0xffu) << 24) |
			 ((p->vcpu_count & 0xffu) << 16);
		return;

	case 4:     /* cache parameters encode the host's core counts */
	case 5:     /* MONITOR/MWAIT, hidden in leaf 1 */
	case 6:     /* thermal and power management */
	case 0xa:   /* architectural performance monitoring: counters are not virtualized */
		*r = (struct cpuid_regs4){ 0, 0, 0, 0 };
		return;

	case 7:
		if (subleaf == 0) {
			r->ebx &= ~(L7_EBX_INVPCID | L7_EBX_RDT_M | L7_EBX_RDT_A);
			r->ecx &= ~(L7_ECX_WAITPKG | L7_ECX_CET_SS | L7_ECX_LA57 | L7_ECX_KEYLOCKER |
				    L7_ECX_BUS_LOCK_DB | L7_ECX_PKS);
			r->edx &= ~(L7_EDX_UINTR | L7_EDX_CET_IBT | L7_EDX_AMX | L7_EDX_ARCH_CAP);
		}
		return;

	case 0xd:
		/* Only the offered components exist; the supervisor ones (IA32_XSS) not at all. */
		if (subleaf == 0) {
			r->eax &= (uint32_t)p->xcr0_offered;
			r->edx &= (uint32_t)(p->xcr0_offered >> 32);
			r->ecx = p->xsave_size_offered;
		} else if (subleaf == 1) {
			r->eax &= ~(LD1_EAX_XSAVES | LD1_EAX_XFD);
			r->ecx = r->edx = 0;
		} else if (subleaf >= 64 || !((p->xcr0_offered >> subleaf) & 1)) {
			*r = (struct cpuid_regs4){ 0, 0, 0, 0 };
		}
		return;

	case 0x1d:  /* AMX tile information */
	case 0x1e:  /* AMX TMUL information */
		*r = (struct cpuid_regs4){ 0, 0, 0, 0 };
		return;

	case 0xb:
	case 0x1f:
		/* Extended topology: answer every subleaf with level type 0 ("invalid", ECX[15:8])
		 * and the level number echoed in ECX[7:0], so guests fall back to leaf 1. */
		*r = (struct cpuid_regs4){ 0, 0, subleaf & 0xffu, 0 };
		return;

	case CPUID_HV_LEAF_BASE:
		*r = (struct cpuid_regs4){ CPUID_HV_LEAF_INFO, CPUID_HV_SIGNATURE_EBX,
					   CPUID_HV_SIGNATURE_ECX, CPUID_HV_SIGNATURE_EDX };
		return;

	case CPUID_HV_LEAF_INFO:
		*r = (struct cpuid_regs4){ HYPERCALL_ABI_VERSION, p->vcpu_count, p->partition_id, 0 };
		return;

	case 0x80000001u:
		if (!p->rdtscp_allowed)
			r->edx &= ~LX1_EDX_RDTSCP;
		return;

	default:
		/* The rest of the hypervisor range is Bulkhead's and empty. Intel never defines
		 * leaves there (SDM Vol. 2A, CPUID), so zeros are the only honest answer. */
		if (leaf >= CPUID_HV_LEAF_BASE && leaf <= CPUID_HV_RANGE_END)
			*r = (struct cpuid_regs4){ 0, 0, 0, 0 };
		return;
	}
}

uint64_t xcr0_offer(uint64_t cpu_supported)
{
	return cpu_supported & (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_MPX | XCR0_AVX512 | XCR0_PKRU);
}

/* Features whose state is split over several XCR0 bits must be enabled as a unit. */
static int all_or_none(uint64_t value, uint64_t group)
{
	uint64_t v = value & group;
	return v == 0 || v == group;
}

int xcr0_is_valid(uint64_t value, uint64_t supported)
{
	if (!(value & XCR0_X87))
		return 0;
	if (value & ~supported)
		return 0;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return 0;
	if (!all_or_none(value, XCR0_AVX512) || !all_or_none(value, XCR0_MPX) ||
	    !all_or_none(value, XCR0_AMX))
		return 0;
	if ((value & XCR0_AVX512) && !(value & XCR0_AVX))
		return 0;
	return 1;
}
