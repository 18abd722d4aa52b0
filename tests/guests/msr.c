/*
 * msr guest: the three kinds of MSR a Bulkhead partition sees.
 *  - Passed through: each written with a test value, read back, and restored.
 *  - Emulated: IA32_FEATURE_CONTROL reads 1 (locked, VMX off), IA32_APIC_BASE 0xfee00900,
 *    EFER has LME and LMA and takes a write of SCE.
 *  - Denied: VMX capability MSRs, writing the TSC or FEATURE_CONTROL, and an unknown MSR
 *    each raise #GP (caught by rdmsr_safe/wrmsr_safe), without side effects, and the guest
 *    carries on.
 */
#include <stdio.h>
#include "runtime/guest.h"

#define MSR_TSC             0x10u
#define MSR_FEATURE_CONTROL 0x3au
#define MSR_APIC_BASE       0x1bu
#define MSR_SYSENTER_CS     0x174u
#define MSR_SYSENTER_ESP    0x175u
#define MSR_SYSENTER_EIP    0x176u
#define MSR_PAT             0x277u
#define MSR_VMX_BASIC       0x480u
#define MSR_VMX_LAST        0x493u
#define MSR_EFER            0xc0000080u
#define MSR_STAR            0xc0000081u
#define MSR_LSTAR           0xc0000082u
#define MSR_CSTAR           0xc0000083u
#define MSR_SFMASK          0xc0000084u
#define MSR_FS_BASE         0xc0000100u
#define MSR_GS_BASE         0xc0000101u
#define MSR_KERNEL_GS_BASE  0xc0000102u
#define MSR_TSC_AUX         0xc0000103u
#define MSR_UNKNOWN         0x12345678u

#define EFER_SCE ((uint64_t)1 << 0)
#define EFER_LME ((uint64_t)1 << 8)
#define EFER_LMA ((uint64_t)1 << 10)

/* Keeps PAT entries 0-3 (the ones the identity map uses) at their reset values. */
#define PAT_TEST_VALUE 0x0105040600070406ull

static void roundtrip(const char *name, uint32_t msr, uint64_t value)
{
	char what[96];
	uint64_t old, back;
	snprintf(what, sizeof(what), "%s (%#x) write/read round trip", name, msr);
	if (rdmsr_safe(msr, &old)) {
		fail(what, "RDMSR raised #GP");
		return;
	}
	if (wrmsr_safe(msr, value)) {
		fail(what, "WRMSR of %#lx raised #GP", value);
		return;
	}
	int read_fault = rdmsr_safe(msr, &back);
	int restore_fault = wrmsr_safe(msr, old);
	if (read_fault)
		fail(what, "RDMSR after the write raised #GP");
	else if (restore_fault)
		fail(what, "WRMSR restoring %#lx raised #GP", old);
	else
		check(back == value, what, "wrote %#lx, read back %#lx", value, back);
}

static void passthrough(void)
{
	roundtrip("FS_BASE", MSR_FS_BASE, 0x00007f0012345000ull);
	roundtrip("GS_BASE", MSR_GS_BASE, 0x00007f00abcde000ull);
	roundtrip("KERNEL_GS_BASE", MSR_KERNEL_GS_BASE, 0xffff8000deadb000ull);
	roundtrip("STAR", MSR_STAR, 0x0023001000000000ull);
	roundtrip("LSTAR", MSR_LSTAR, 0xffffffff81234560ull);
	roundtrip("CSTAR", MSR_CSTAR, 0xffffffff81234aa0ull);
	roundtrip("SFMASK", MSR_SFMASK, 0x47700ull);
	roundtrip("SYSENTER_CS", MSR_SYSENTER_CS, 0x10ull);
	roundtrip("SYSENTER_ESP", MSR_SYSENTER_ESP, 0xffff800012345670ull);
	roundtrip("SYSENTER_EIP", MSR_SYSENTER_EIP, 0xffffffff8100beefull);
	roundtrip("PAT", MSR_PAT, PAT_TEST_VALUE);

	/* TSC_AUX exists only with RDTSCP (0x80000001 EDX bit 27) or RDPID (7 ECX bit 22). */
	int has_aux = 0;
	if (cpuid(0x80000000u, 0).eax >= 0x80000001u)
		has_aux = (cpuid(0x80000001u, 0).edx >> 27) & 1;
	if (cpuid(0, 0).eax >= 7)
		has_aux |= (cpuid(7, 0).ecx >> 22) & 1;
	if (has_aux)
		roundtrip("TSC_AUX", MSR_TSC_AUX, 0x2a5ull);
	else
		cprintf("TSC_AUX not tested: CPUID shows neither RDTSCP nor RDPID\n");
}

static void emulated(void)
{
	uint64_t v;
	if (rdmsr_safe(MSR_FEATURE_CONTROL, &v))
		fail("IA32_FEATURE_CONTROL reads 1", "RDMSR raised #GP");
	else
		check_eq("IA32_FEATURE_CONTROL reads 1 (locked, VMX off)", v, 1);

	if (rdmsr_safe(MSR_APIC_BASE, &v))
		fail("IA32_APIC_BASE reads 0xfee00900", "RDMSR raised #GP");
	else
		check_eq("IA32_APIC_BASE reads 0xfee00900", v, 0xfee00900ull);

	uint64_t efer;
	if (rdmsr_safe(MSR_EFER, &efer)) {
		fail("EFER readable", "RDMSR raised #GP");
		return;
	}
	check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "EFER has LME and LMA set",
	      "efer = %#lx", efer);
	uint64_t back;
	if (wrmsr_safe(MSR_EFER, efer ^ EFER_SCE)) {
		fail("EFER write of SCE", "WRMSR raised #GP");
	} else {
		int fault = rdmsr_safe(MSR_EFER, &back);
		wrmsr_safe(MSR_EFER, efer);
		check(!fault && back == (efer ^ EFER_SCE), "EFER write of SCE reads back",
		      "wrote %#lx, read %#lx%s", efer ^ EFER_SCE, back, fault ? " (#GP)" : "");
	}
}

static void expect_rd_gp(const char *what, uint32_t msr)
{
	uint64_t v;
	int fault = rdmsr_safe(msr, &v);
	check(fault, what, "RDMSR %#x returned %#lx instead of raising #GP", msr, v);
}

static void expect_wr_gp(const char *what, uint32_t msr, uint64_t value)
{
	check(wrmsr_safe(msr, value), what, "WRMSR %#x of %#lx did not raise #GP", msr, value);
}

static void denied(void)
{
	expect_rd_gp("RDMSR IA32_VMX_BASIC (0x480) raises #GP", MSR_VMX_BASIC);
	expect_rd_gp("RDMSR 0x493 (end of the VMX MSRs) raises #GP", MSR_VMX_LAST);
	expect_wr_gp("WRMSR IA32_VMX_BASIC (0x480) raises #GP", MSR_VMX_BASIC, 0);

	/* Writing 0 to the TSC would send it back to zero if it got through. */
	uint64_t before = rdtsc();
	expect_wr_gp("WRMSR IA32_TSC (0x10) raises #GP", MSR_TSC, 0);
	uint64_t after = rdtsc();
	check(after > before, "TSC unchanged by the refused write", "TSC went from %#lx to %#lx",
	      before, after);

	expect_wr_gp("WRMSR IA32_FEATURE_CONTROL (0x3a) raises #GP", MSR_FEATURE_CONTROL, 0);
	uint64_t fc;
	if (rdmsr_safe(MSR_FEATURE_CONTROL, &fc))
		fail("IA32_FEATURE_CONTROL still 1 after the refused write", "RDMSR raised #GP");
	else
		check_eq("IA32_FEATURE_CONTROL still 1 after the refused write", fc, 1);

	expect_rd_gp("RDMSR of unknown MSR 0x12345678 raises #GP", MSR_UNKNOWN);
	expect_wr_gp("WRMSR of unknown MSR 0x12345678 raises #GP", MSR_UNKNOWN, 1);
	pass("guest survived every refused MSR access");
}

int guest_main(const struct start_info *si)
{
	(void)si;
	passthrough();
	emulated();
	denied();
	return done();
}
