/*
 * cpuid guest: checks what CPUID tells a Bulkhead partition. VMX is hidden and the hypervisor
 * bit set in leaf 1, the vCPU count in leaf 1 EBX[23:16], the "BulkheadHV" signature and the
 * ABI version, vCPU count and partition id in leaves 0x40000000-1 (the last two must agree
 * with the start-info page), INVPCID hidden in leaf 7, XSAVES hidden in leaf 0xd. CR4 bits of
 * features the virtual CPU does not offer are refused with #GP and leave CR4 unchanged, while
 * an offered bit can be set and cleared. The vendor string is only printed.
 */
#include <string.h>
#include "runtime/guest.h"

#define LEAF1_ECX_VMX         (1u << 5)
#define LEAF1_ECX_HYPERVISOR  (1u << 31)
#define LEAF7_EBX_INVPCID     (1u << 10)
#define HV_LEAF_BASE          0x40000000u
#define LEAF7_ECX_PKU         (1u << 3)
#define LEAFD1_EAX_XSAVES     (1u << 3)

/* MOV to CR4 that may fault: the #GP handler skips the 3-byte "mov %rax, %cr4" (0f 22 e0). */
static volatile int cr4_faulted;

static void on_gp(struct trap_frame *f)
{
	const volatile uint8_t *ip = (const volatile uint8_t *)f->rip;
	if (ip[0] != 0x0f || ip[1] != 0x22 || ip[2] != 0xe0)
		trap_unexpected(f);
	cr4_faulted = 1;
	f->rip += 3;
}

static int write_cr4_safe(uint64_t value)
{
	cr4_faulted = 0;
	trap_set_handler(13, on_gp);
	asm volatile(".byte 0x0f, 0x22, 0xe0" : : "a"(value) : "memory");   /* mov %rax, %cr4 */
	trap_set_handler(13, 0);
	return cr4_faulted ? -1 : 0;
}

static void cr4_offers(uint32_t l7_ecx)
{
	static const struct { unsigned bit; const char *name; } hidden[] = {
		{ 12, "LA57" }, { 13, "VMXE" }, { 14, "SMXE" }, { 19, "KL" }, { 23, "CET" },
		{ 24, "PKS" }, { 25, "UINTR" }, { 22, "PKE" },
	};
	uint64_t before = read_cr4();
	for (unsigned i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
		if (hidden[i].bit == 22 && (l7_ecx & LEAF7_ECX_PKU))
			continue;                      /* protection keys are offered here */
		int r = write_cr4_safe(before | (1ull << hidden[i].bit));
		uint64_t after = read_cr4();
		if (r == -1 && after == before)
			pass("setting CR4.%s (bit %u), not offered, is refused with #GP",
			     hidden[i].name, hidden[i].bit);
		else
			fail("CR4 bits of features not offered are refused", "CR4.%s (bit %u): %s, "
			     "CR4 %#lx -> %#lx", hidden[i].name, hidden[i].bit,
			     r ? "#GP" : "no fault", before, after);
	}
	/* An offered bit the guest owns: CR4.TSD (bit 2) goes on and off. */
	int on = write_cr4_safe(before | (1ull << 2));
	uint64_t with = read_cr4();
	int off = write_cr4_safe(before);
	check(on == 0 && off == 0 && (with & (1ull << 2)) && read_cr4() == before,
	      "an offered CR4 bit (TSD) can be set and cleared", "set %d clear %d, CR4 %#lx",
	      on, off, with);
}

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

	uint32_t l7_ecx = 0;
	if (l0.eax >= 7) {
		struct cpuid_regs l7 = cpuid(7, 0);
		l7_ecx = l7.ecx;
		check(!(l7.ebx & LEAF7_EBX_INVPCID), "leaf 7 EBX.INVPCID (bit 10) clear",
		      "ebx = %#x", l7.ebx);
	} else {
		pass("leaf 7 absent (max basic leaf %#x), so INVPCID is hidden", l0.eax);
	}
	if (l0.eax >= 0xd) {
		struct cpuid_regs d1 = cpuid(0xd, 1);
		check(!(d1.eax & LEAFD1_EAX_XSAVES), "leaf 0xd.1 EAX.XSAVES (bit 3) clear: the "
		      "instructions are not enabled for partitions", "eax = %#x", d1.eax);
		check(d1.ecx == 0 && d1.edx == 0, "leaf 0xd.1 offers no supervisor state "
		      "components", "ecx %#x edx %#x", d1.ecx, d1.edx);
	}
	cr4_offers(l7_ecx);
	return done();
}
