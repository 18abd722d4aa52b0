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
};

/* r holds the real CPU's answer for (leaf, subleaf) on input (the caller passes zeros for
 * 0x40000000-0x4fffffff); it is rewritten in place into what the guest sees. */
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
