/*
 * The virtual CPU a partition sees through CPUID. CPUID always causes a VM exit (Intel SDM
 * Vol. 3C, 26.1.2), so the hypervisor executes it on the real CPU and rewrites the answer here
 * before handing it to the guest: features Bulkhead does not virtualize are hidden (so a guest
 * never tries an instruction that would #UD or exit with nowhere to go), the topology is that
 * of the partition rather than of the machine, and the hypervisor range 0x40000000 announces
 * Bulkhead and its hypercall ABI. Also the XCR0 check for XSETBV exits. Pure; unit-tested.
 */
#ifndef BULKHEAD_CPUID_POLICY_H
#define BULKHEAD_CPUID_POLICY_H

#include <stdint.h>

#define CPUID_HV_LEAF_BASE   0x40000000u
#define CPUID_HV_LEAF_INFO   0x40000001u
#define CPUID_HV_RANGE_END   0x4fffffffu    /* 0x40000000-0x4fffffff: hypervisor leaves */

/* "BulkheadHV\0\0" as the three signature registers of leaf 0x40000000, little-endian. */
#define CPUID_HV_SIGNATURE_EBX 0x6b6c7542u  /* "Bulk" */
#define CPUID_HV_SIGNATURE_ECX 0x64616568u  /* "head" */
#define CPUID_HV_SIGNATURE_EDX 0x00005648u  /* "HV\0\0" */

struct cpuid_regs4 { uint32_t eax, ebx, ecx, edx; };

struct cpuid_policy {
	uint32_t vcpu_count;        /* vCPUs of the partition */
	uint32_t vcpu_index;        /* the asking vCPU: its initial APIC ID */
	uint32_t partition_id;
	int rdtscp_allowed;         /* "enable RDTSCP" secondary control is on */
	uint64_t xcr0_offered;      /* xcr0_offer() of the CPU's XCR0 bits */
	uint32_t xsave_size_offered;    /* XSAVE area bytes for all of xcr0_offered */
	/* An operating system's partition (Linux, Multiboot) sees the virtual PC platform of
	 * vdev/: an x2APIC with TSC-deadline timer and always-running timer (ARAT), the TSC and
	 * its frequency in leaves 0x15/0x16 (so it never calibrates against a PIT), and, next to
	 * Bulkhead's own leaves, a KVM-compatible block at CPUID_KVM_LEAF_BASE with no
	 * paravirtual features, the one way stock Linux keeps x2APIC without an IOMMU. */
	int os_platform;
	uint64_t tsc_hz;
	uint32_t host_max_leaf;     /* CPUID.0:EAX of the real CPU */
};

#define CPUID_KVM_LEAF_BASE     0x40000100u
#define CPUID_KVM_LEAF_FEATURES 0x40000101u
/* "KVMKVMKVM\0\0\0": how Linux finds the KVM interface (it scans 0x40000000-0x4000ff00). */
#define CPUID_KVM_SIGNATURE_EBX 0x4b4d564bu
#define CPUID_KVM_SIGNATURE_ECX 0x564b4d56u
#define CPUID_KVM_SIGNATURE_EDX 0x0000004du
/* The basic leaves an OS partition is given, up to the processor frequency leaf. */
#define CPUID_OS_MAX_LEAF       0x16u

/* Leaf 0x15 for a TSC of tsc_hz: the crystal ratio EBX/EAX and the crystal frequency ECX, with
 * the crystal as fast as 32 bits allow (the virtual local APIC timer counts at that rate). */
struct cpuid_regs4 cpuid_tsc_leaf(uint64_t tsc_hz);

/* XCR0 components (SDM Vol. 1, 13.1). */
#define XCR0_X87        (1ull << 0)
#define XCR0_SSE        (1ull << 1)
#define XCR0_AVX        (1ull << 2)
#define XCR0_MPX        (3ull << 3)     /* BNDREGS, BNDCSR */
#define XCR0_AVX512     (7ull << 5)     /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_PKRU       (1ull << 9)
#define XCR0_AMX        (3ull << 17)    /* TILECFG, TILEDATA */

/* The components partitions may enable: of the CPU's (CPUID.(EAX=0DH,ECX=0):EDX:EAX), x87,
 * SSE, AVX, MPX, AVX-512 and PKRU, which kernel/fpu.c switches in one page. AMX (8 KiB of
 * tile data, and XFD to manage) and any component defined later are not offered. */
uint64_t xcr0_offer(uint64_t cpu_supported);

/* r holds the real CPU's answer for (leaf, subleaf) on input; it is rewritten in place into
 * what the guest sees. All of 0x40000000-0x4fffffff is replaced (Bulkhead's leaves, or zeros),
 * whatever the input held there. */
void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, struct cpuid_regs4 *r,
			const struct cpuid_policy *p);

/*
 * Whether a guest's XSETBV to XCR0 may go through (SDM Vol. 1, 13.3): bit 0 (x87) set; no bit
 * outside supported (CPUID.(EAX=0DH,ECX=0):EDX:EAX as the guest sees it); AVX (bit 2) needs
 * SSE (bit 1); the AVX-512 bits 5, 6, 7 all or none, and only with AVX; the MPX bits 3, 4 both
 * or none; the AMX bits 17, 18 both or none. 1 valid, 0 not (the caller injects #GP).
 */
int xcr0_is_valid(uint64_t value, uint64_t supported);

#endif
