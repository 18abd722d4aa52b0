/*
 * cpuid guest: checks what CPUID tells a Bulkhead partition. VMX is hidden and the hypervisor
 * bit set in leaf 1, the vCPU count in leaf 1 EBX[23:16], the "BulkheadHV" signature and the
 * ABI version, vCPU count and partition id in leaves 0x40000000-1 (the last two must agree
 * with the start-info page), and INVPCID hidden in leaf 7. The vendor string is only printed.
 */
#include <string.h>
#include "runtime/guest.h"

#define LEAF1_ECX_VMX         (1u << 5)
#define LEAF1_ECX_HYPERVISOR  (1u << 31)
#define LEAF7_EBX_INVPCID     (1u << 10)
#define HV_LEAF_BASE          0x40000000u

int guest_main(const struct start_info *si)
{
	struct cpuid_regs l0 = cpuid(0, 0);
	char vendor[13];
	memcpy(vendor, &l0.ebx, 4);
	memcpy(vendor + 4, &l0.edx, 4);
	memcpy(vendor + 8, &l0.ecx, 4);
	vendor[12] = '\0';
	cprintf("cpu vendor '%s', max basic leaf %#x\n", vendor, l0.eax);

	struct cpuid_regs l1 = cpuid(1, 0);
	check((l1.ecx & LEAF1_ECX_HYPERVISOR) != 0, "leaf 1 ECX.hypervisor (bit 31) set",
	      "ecx = %#x", l1.ecx);
	check(!(l1.ecx & LEAF1_ECX_VMX), "leaf 1 ECX.VMX (bit 5) clear", "ecx = %#x", l1.ecx);
	check_eq("leaf 1 EBX[23:16] is start_info.vcpu_count", (l1.ebx >> 16) & 0xff,
	         si->vcpu_count);

	struct cpuid_regs h0 = cpuid(HV_LEAF_BASE, 0);
	check(h0.eax >= HV_LEAF_BASE + 1, "leaf 0x40000000 EAX >= 0x40000001", "eax = %#x", h0.eax);
	char sig[12];
	memcpy(sig, &h0.ebx, 4);
	memcpy(sig + 4, &h0.ecx, 4);
	memcpy(sig + 8, &h0.edx, 4);
	check(memcmp(sig, "BulkheadHV\0\0", 12) == 0,
	      "leaf 0x40000000 signature \"BulkheadHV\\0\\0\"",
	      "ebx %#x ecx %#x edx %#x", h0.ebx, h0.ecx, h0.edx);

	struct cpuid_regs h1 = cpuid(HV_LEAF_BASE + 1, 0);
	check_eq("leaf 0x40000001 EAX is HYPERCALL_ABI_VERSION", h1.eax, HYPERCALL_ABI_VERSION);
	check_eq("leaf 0x40000001 EBX is start_info.vcpu_count", h1.ebx, si->vcpu_count);
	check_eq("leaf 0x40000001 ECX is start_info.partition_id", h1.ecx, si->partition_id);

	if (l0.eax >= 7) {
		struct cpuid_regs l7 = cpuid(7, 0);
		check(!(l7.ebx & LEAF7_EBX_INVPCID), "leaf 7 EBX.INVPCID (bit 10) clear",
		      "ebx = %#x", l7.ebx);
	} else {
		pass("leaf 7 absent (max basic leaf %#x), so INVPCID is hidden", l0.eax);
	}
	return done();
}
