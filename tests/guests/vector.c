/*
 * vector guest: proves that the guest's FPU, SSE and AVX state survives VM exits. With AVX and
 * XSAVE in CPUID it sets CR4.OSXSAVE and XCR0 = x87|SSE|AVX (else it checks SSE only and says
 * so); vector_regs.S then loads known values into ymm0-15 (or xmm0-15), MXCSR, the x87 control
 * word and st0-st2, causes 3,000 exits (CPUID, HC_NOP, OUT 0x80, IN 0x3fd in turn, plus an
 * HC_CONSOLE_WRITE every 100th), and compares every register after every exit, in assembly.
 */
#include <stdio.h>
#include "runtime/guest.h"

#define ITERATIONS        3000
#define LEAF1_ECX_XSAVE   (1u << 26)
#define LEAF1_ECX_OSXSAVE (1u << 27)
#define LEAF1_ECX_AVX     (1u << 28)
#define CR4_OSXSAVE       (1ull << 18)
#define XCR0_X87_SSE_AVX  7ull

/* Filled in by vector_check when a register does not match (layout shared with the .S). */
struct vector_mismatch {
	uint64_t iteration;
	uint64_t reg;         /* 0-15 xmm/ymm, 16 MXCSR, 17 FCW, 18-20 st0-st2, 21 console */
	uint64_t exit_kind;   /* 0 CPUID, 1 HC_NOP, 2 OUT, 3 IN, 4 HC_CONSOLE_WRITE, 5 none */
	uint64_t got[4], want[4];
};

/* 0 when every check passed; 1 with *m filled in otherwise. */
uint64_t vector_check(uint64_t iterations, uint64_t use_avx, struct vector_mismatch *m);

static const char *const exit_names[] = { "CPUID", "VMCALL HC_NOP", "OUT 0x80", "IN 0x3fd",
                                          "HC_CONSOLE_WRITE", "no exit yet" };

static void reg_name(uint64_t reg, int avx, char *buf, size_t size)
{
	static const char *const others[] = { "MXCSR", "x87 control word", "st0", "st1", "st2",
	                                      "HC_CONSOLE_WRITE result" };
	if (reg < 16)
		snprintf(buf, size, "%s%lu", avx ? "ymm" : "xmm", reg);
	else if (reg - 16 < sizeof(others) / sizeof(others[0]))
		snprintf(buf, size, "%s", others[reg - 16]);
	else
		snprintf(buf, size, "register %lu", reg);
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void xsetbv0(uint64_t value)
{
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
	             : "memory");
}

/* Turns AVX on if the CPU offers it; returns whether it did. */
static int enable_avx(void)
{
	struct cpuid_regs l1 = cpuid(1, 0);
	int os_bit = (read_cr4() & CR4_OSXSAVE) != 0;
	check(((l1.ecx & LEAF1_ECX_OSXSAVE) != 0) == os_bit,
	      "CPUID.1:ECX.OSXSAVE matches CR4.OSXSAVE at start", "CR4.OSXSAVE %d, ecx = %#x",
	      os_bit, l1.ecx);
	if (!(l1.ecx & LEAF1_ECX_XSAVE) || !(l1.ecx & LEAF1_ECX_AVX)) {
		cprintf("CPUID shows no %s: checking SSE (xmm0-15), MXCSR and x87 only\n",
		        (l1.ecx & LEAF1_ECX_XSAVE) ? "AVX" : "XSAVE");
		return 0;
	}
	uint32_t xcr0_supported = cpuid(0xd, 0).eax;
	if ((xcr0_supported & XCR0_X87_SSE_AVX) != XCR0_X87_SSE_AVX) {
		cprintf("XCR0 cannot hold x87|SSE|AVX (CPUID 0xd EAX %#x): checking SSE only\n",
		        xcr0_supported);
		return 0;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	xsetbv0(XCR0_X87_SSE_AVX);
	uint32_t ecx = cpuid(1, 0).ecx;
	check((ecx & LEAF1_ECX_OSXSAVE) != 0, "CPUID.1:ECX.OSXSAVE set once CR4.OSXSAVE is",
	      "ecx = %#x", ecx);
	check_eq("XGETBV(0) returns the XCR0 just set", xgetbv0(), XCR0_X87_SSE_AVX);
	cprintf("AVX on: checking ymm0-15, MXCSR, x87 control word and st0-st2\n");
	return 1;
}

int guest_main(const struct start_info *si)
{
	(void)si;
	int avx = enable_avx();
	struct vector_mismatch m = { 0 };
	if (!vector_check(ITERATIONS, (uint64_t)avx, &m)) {
		pass("%s, MXCSR, x87 control word and st0-st2 intact after each of %d exits and %d "
		     "console writes", avx ? "ymm0-15" : "xmm0-15", ITERATIONS, ITERATIONS / 100);
		return done();
	}
	char reg[32];
	reg_name(m.reg, avx, reg, sizeof(reg));
	const char *exit = m.exit_kind < 6 ? exit_names[m.exit_kind] : "?";
	fail("vector state across exits", "%s changed at iteration %lu after %s", reg, m.iteration,
	     exit);
	cprintf("  got  %016lx %016lx %016lx %016lx (qword 0 first)\n", m.got[0], m.got[1],
	        m.got[2], m.got[3]);
	cprintf("  want %016lx %016lx %016lx %016lx\n", m.want[0], m.want[1], m.want[2],
	        m.want[3]);
	return done();
}
