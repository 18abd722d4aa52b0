/*
 * cpustate guest: CPU state that VMX does not switch by itself must stay with its partition
 * when partitions share a CPU. Two partitions run this image next to each other on CPU 0:
 * cmdline "keeper" puts a fresh secret into every such register each round (CR2, DR0-DR3,
 * DR6, DR7, CR8, IA32_DEBUGCTL, XCR0, PKRU, IA32_SPEC_CTRL, the SYSCALL/SYSENTER/segment-base
 * MSRs, TSC_AUX, the x87 control word, MXCSR and one register of every XSAVE component it can
 * enable), yields, and checks that its own values came back; it also takes real page faults and
 * yields inside the #PF handler before reading CR2, the case a preempted OS meets. cmdline
 * "reader" sets its own values and then, after every yield, checks that it still sees exactly
 * those, and sets them again (so the keeper's must be restored, not merely left alone). A register that leaked, or was lost, fails with the first value seen.
 * Registers the virtual CPU does not offer (CPUID) are named in a NOTE line, never counted as
 * passes. Between writing and checking no C library code runs (it may use vector registers).
 */
#include <string.h>
#include "runtime/guest.h"

#define ROUNDS      400
#define PF_ROUNDS   50

#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE     (1ull << 22)
#define XCR0_X87_SSE 3ull
#define XCR0_AVX     (1ull << 2)
#define XCR0_AVX512  (7ull << 5)
#define XCR0_PKRU    (1ull << 9)
#define XCR0_MPX     (3ull << 3)

enum field {
	F_CR2, F_DR0, F_DR1, F_DR2, F_DR3, F_DR6, F_DR7, F_CR8, F_DEBUGCTL, F_XCR0, F_PKRU,
	F_SPEC_CTRL, F_KERNEL_GS_BASE, F_STAR, F_LSTAR, F_CSTAR, F_SFMASK, F_TSC_AUX,
	F_SYSENTER_CS, F_SYSENTER_ESP, F_SYSENTER_EIP, F_FS_BASE, F_GS_BASE, F_FCW, F_MXCSR,
	F_XMM15, F_YMM15_HI, F_K7, F_ZMM15_HI, F_ZMM31, F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"CR2", "DR0", "DR1", "DR2", "DR3", "DR6", "DR7", "CR8 (TPR)", "IA32_DEBUGCTL", "XCR0",
	"PKRU", "IA32_SPEC_CTRL", "IA32_KERNEL_GS_BASE", "IA32_STAR", "IA32_LSTAR", "IA32_CSTAR",
	"IA32_FMASK", "IA32_TSC_AUX", "IA32_SYSENTER_CS", "IA32_SYSENTER_ESP",
	"IA32_SYSENTER_EIP", "IA32_FS_BASE", "IA32_GS_BASE", "x87 control word", "MXCSR",
	"xmm15 (SSE)", "ymm15 upper half (AVX)", "k7 (AVX-512 opmask)",
	"zmm15 upper half (AVX-512 ZMM_Hi256)", "zmm31 (AVX-512 Hi16_ZMM)",
};

static const uint32_t field_msr[F_COUNT] = {
	[F_DEBUGCTL] = 0x1d9, [F_SPEC_CTRL] = 0x48, [F_KERNEL_GS_BASE] = 0xc0000102,
	[F_STAR] = 0xc0000081, [F_LSTAR] = 0xc0000082, [F_CSTAR] = 0xc0000083,
	[F_SFMASK] = 0xc0000084, [F_TSC_AUX] = 0xc0000103, [F_SYSENTER_CS] = 0x174,
	[F_SYSENTER_ESP] = 0x175, [F_SYSENTER_EIP] = 0x176, [F_FS_BASE] = 0xc0000100,
	[F_GS_BASE] = 0xc0000101,
};

/* Whether a field is written and checked in this run. */
enum use {
	USE_YES,
	USE_NOT_OFFERED,      /* the virtual CPU does not offer it (CPUID) */
	USE_REFUSED,          /* the hypervisor refused the MSR access (#GP) */
	USE_LATER,            /* the reader leaves AVX-512 off until its last check */
};
static enum use use[F_COUNT];
static uint64_t xcr0_offered;
static int ssbd;              /* IA32_SPEC_CTRL.SSBD exists (else IBRS is used) */

struct state { uint64_t v[F_COUNT]; };

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void xsetbv0(uint64_t v)
{
	asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

#define DR_ACCESS(n) \
	static uint64_t read_dr##n(void) { uint64_t v; asm volatile("mov %%dr" #n ", %0" : "=r"(v)); return v; } \
	static void write_dr##n(uint64_t v) { asm volatile("mov %0, %%dr" #n : : "r"(v) : "memory"); }
DR_ACCESS(0)
DR_ACCESS(1)
DR_ACCESS(2)
DR_ACCESS(3)
DR_ACCESS(6)
DR_ACCESS(7)
#undef DR_ACCESS

static void write_cr2(uint64_t v) { asm volatile("mov %0, %%cr2" : : "r"(v) : "memory"); }
static uint64_t read_cr8(void) { uint64_t v; asm volatile("mov %%cr8, %0" : "=r"(v)); return v; }
static void write_cr8(uint64_t v) { asm volatile("mov %0, %%cr8" : : "r"(v) : "memory"); }

static uint32_t rdpkru(void)
{
	uint32_t eax, edx;
	asm volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static void wrpkru(uint32_t v) { asm volatile("wrpkru" : : "a"(v), "c"(0), "d"(0) : "memory"); }

/* Vector registers go through memory: this C code is built without vector registers. */
static uint64_t vec_buf[8] __attribute__((aligned(64)));

static void write_vector_state(const struct state *s)
{
	uint16_t fcw = (uint16_t)s->v[F_FCW];
	uint32_t mxcsr = (uint32_t)s->v[F_MXCSR];
	asm volatile("fldcw %0" : : "m"(fcw));
	asm volatile("ldmxcsr %0" : : "m"(mxcsr));
	if (use[F_YMM15_HI] == USE_YES) {
		vec_buf[0] = s->v[F_XMM15];
		vec_buf[1] = ~s->v[F_XMM15];
		vec_buf[2] = s->v[F_YMM15_HI];
		vec_buf[3] = ~s->v[F_YMM15_HI];
		asm volatile("vmovdqu %0, %%ymm15" : : "m"(vec_buf) : "memory");
	} else {
		vec_buf[0] = s->v[F_XMM15];
		vec_buf[1] = ~s->v[F_XMM15];
		asm volatile("movdqu %0, %%xmm15" : : "m"(vec_buf) : "memory");
	}
	if (use[F_K7] == USE_YES) {
		uint16_t k = (uint16_t)s->v[F_K7];
		asm volatile("kmovw %0, %%k7" : : "m"(k));
		for (int i = 0; i < 8; i++)
			vec_buf[i] = s->v[F_ZMM31] + (uint64_t)i;
		asm volatile("vmovdqu64 %0, %%zmm31" : : "m"(vec_buf) : "memory");
		/* zmm15: the low half was loaded through ymm15 above; VEX writes zeroed bits
		 * 511:256, so set them through an EVEX insert of the upper 256 bits. */
		vec_buf[0] = s->v[F_ZMM15_HI];
		vec_buf[1] = ~s->v[F_ZMM15_HI];
		vec_buf[2] = s->v[F_ZMM15_HI] + 1;
		vec_buf[3] = ~s->v[F_ZMM15_HI] + 1;
		asm volatile("vinserti64x4 $1, %0, %%zmm15, %%zmm15" : : "m"(vec_buf) : "memory");
	}
}

static void read_vector_state(struct state *s)
{
	uint16_t fcw;
	uint32_t mxcsr;
	asm volatile("fnstcw %0" : "=m"(fcw));
	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	s->v[F_FCW] = fcw;
	s->v[F_MXCSR] = mxcsr;
	if (use[F_YMM15_HI] == USE_YES) {
		asm volatile("vmovdqu %%ymm15, %0" : "=m"(vec_buf) : : "memory");
		s->v[F_XMM15] = vec_buf[0];
		s->v[F_YMM15_HI] = vec_buf[2];
	} else {
		asm volatile("movdqu %%xmm15, %0" : "=m"(vec_buf) : : "memory");
		s->v[F_XMM15] = vec_buf[0];
	}
	if (use[F_K7] == USE_YES) {
		uint16_t k;
		asm volatile("kmovw %%k7, %0" : "=m"(k));
		s->v[F_K7] = k;
		asm volatile("vmovdqu64 %%zmm31, %0" : "=m"(vec_buf) : : "memory");
		s->v[F_ZMM31] = vec_buf[0];
		asm volatile("vextracti64x4 $1, %%zmm15, %0" : "=m"(vec_buf) : : "memory");
		s->v[F_ZMM15_HI] = vec_buf[0];
	}
}

/* Writes every offered field; an MSR write the hypervisor refuses (#GP) clears the field's
 * offer, so it is reported rather than checked. */
static void write_state(const struct state *s)
{
	write_cr2(s->v[F_CR2]);
	write_dr0(s->v[F_DR0]);
	write_dr1(s->v[F_DR1]);
	write_dr2(s->v[F_DR2]);
	write_dr3(s->v[F_DR3]);
	write_dr6(s->v[F_DR6]);
	write_dr7(s->v[F_DR7]);
	write_cr8(s->v[F_CR8]);
	if (use[F_XCR0] == USE_YES)
		xsetbv0(s->v[F_XCR0]);
	if (use[F_PKRU] == USE_YES)
		wrpkru((uint32_t)s->v[F_PKRU]);
	for (int f = 0; f < F_COUNT; f++)
		if (field_msr[f] && use[f] == USE_YES && wrmsr_safe(field_msr[f], s->v[f]) != 0)
			use[f] = USE_REFUSED;
	write_vector_state(s);
}

static void read_state(struct state *s)
{
	s->v[F_CR2] = read_cr2();
	s->v[F_DR0] = read_dr0();
	s->v[F_DR1] = read_dr1();
	s->v[F_DR2] = read_dr2();
	s->v[F_DR3] = read_dr3();
	s->v[F_DR6] = read_dr6();
	s->v[F_DR7] = read_dr7();
	s->v[F_CR8] = read_cr8();
	if (use[F_XCR0] == USE_YES)
		s->v[F_XCR0] = xgetbv0();
	if (use[F_PKRU] == USE_YES)
		s->v[F_PKRU] = rdpkru();
	for (int f = 0; f < F_COUNT; f++)
		if (field_msr[f] && use[f] == USE_YES && rdmsr_safe(field_msr[f], &s->v[f]) != 0)
			use[f] = USE_REFUSED;
	read_vector_state(s);
}

/* A distinct, valid value for field f in round r: the keeper's secrets change every round. */
static uint64_t secret(int f, unsigned r)
{
	uint64_t tag = 0x00005ec7e7000000ull | ((uint64_t)f << 16) | (r & 0xffff);
	switch (f) {
	case F_DR6:       return 0xffff0ff0ull | (1 + r % 15);      /* B0-B3 */
	case F_DR7:       return 0x455ull | ((r & 1) << 9);          /* L0-L3 (+GE): never hit */
	case F_CR8:       return 1 + r % 15;
	case F_DEBUGCTL:  return 2;                                  /* BTF */
	case F_XCR0:      return xcr0_offered;
	case F_PKRU:      return 0x5ec70000u | (r & 0xffff);
	case F_SPEC_CTRL: return ssbd ? 4 : 1;                       /* SSBD, else IBRS */
	case F_SFMASK:    return 0x47700u | (r & 0xff);
	case F_TSC_AUX:   return 0x5ec70000u | (r & 0xffff);
	case F_SYSENTER_CS: return 0x5ec0u | (r & 0xf) << 3;
	case F_FCW:       return (r & 1) ? 0x027f : 0x067f;          /* precision/rounding */
	case F_MXCSR:     return (r & 1) ? 0x3f80 : 0x5f80;          /* rounding mode */
	case F_K7:        return 0x5ec7 ^ (r & 0xff);
	default:          return tag;
	}
}

/* The reader's own values: the architectural reset values where there are some. Its XCR0 is
 * x87|SSE|AVX only, so the keeper's (everything offered: AVX-512, PKRU, MPX) differs from it;
 * the reader still uses PKRU (CR4.PKE is set), which must be switched although its XCR0
 * omits it. */
static uint64_t own_value(int f)
{
	switch (f) {
	case F_DR6:   return 0xffff0ff0ull;
	case F_DR7:   return 0x400ull;
	case F_CR8: case F_DEBUGCTL: case F_PKRU: case F_SPEC_CTRL: case F_SYSENTER_CS:
		return 0;
	case F_XCR0:  return xcr0_offered & (XCR0_X87_SSE | XCR0_AVX);
	case F_FCW:   return 0x037f;
	case F_MXCSR: return 0x1f80;
	case F_K7:    return 0x0ead;
	default:      return 0x0ead0000ull | ((uint64_t)f << 8);
	}
}

static void probe_offers(void)
{
	struct cpuid_regs l1 = cpuid(1, 0), l7 = cpuid(7, 0);
	for (int f = 0; f < F_COUNT; f++)
		use[f] = USE_YES;
	int xsave = (l1.ecx >> 26) & 1;
	if (xsave) {
		struct cpuid_regs d = cpuid(0xd, 0);
		xcr0_offered = ((uint64_t)d.edx << 32 | d.eax) & (XCR0_X87_SSE | XCR0_AVX |
								   XCR0_MPX | XCR0_AVX512 |
								   XCR0_PKRU);
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv0(xcr0_offered);
	}
	/* Without a component beyond x87|SSE|AVX the two roles' XCR0 would be equal. */
	if (!xsave || !(xcr0_offered & ~(XCR0_X87_SSE | XCR0_AVX)))
		use[F_XCR0] = USE_NOT_OFFERED;
	if (!(xcr0_offered & XCR0_AVX))
		use[F_YMM15_HI] = USE_NOT_OFFERED;
	if ((xcr0_offered & XCR0_AVX512) != XCR0_AVX512)
		use[F_K7] = use[F_ZMM15_HI] = use[F_ZMM31] = USE_NOT_OFFERED;
	if (!((l7.ecx >> 3) & 1))
		use[F_PKRU] = USE_NOT_OFFERED;
	else
		write_cr4(read_cr4() | CR4_PKE);
	/* IA32_SPEC_CTRL exists with IBRS/IBPB (CPUID.7:EDX[26]) or SSBD (EDX[31]). */
	ssbd = (l7.edx >> 31) & 1;
	if (!ssbd && !((l7.edx >> 26) & 1))
		use[F_SPEC_CTRL] = USE_NOT_OFFERED;
	if (!((cpuid(0x80000001, 0).edx >> 27) & 1))
		use[F_TSC_AUX] = USE_NOT_OFFERED;
}

static void note_unused(void)
{
	for (int f = 0; f < F_COUNT; f++)
		if (use[f] == USE_NOT_OFFERED)
			cprintf("NOTE %s: not offered by this virtual CPU, not tested\n", field_names[f]);
		else if (use[f] == USE_REFUSED)
			cprintf("NOTE %s: the MSR access was refused (#GP), not tested\n", field_names[f]);
}

struct tally { unsigned checked, bad; uint64_t first_got, first_want; unsigned first_round; };
static struct tally tally[F_COUNT];

static void compare(const struct state *got, const struct state *want, unsigned round)
{
	for (int f = 0; f < F_COUNT; f++) {
		if (use[f] != USE_YES)
			continue;
		struct tally *t = &tally[f];
		t->checked++;
		if (got->v[f] != want->v[f] && t->bad++ == 0) {
			t->first_got = got->v[f];
			t->first_want = want->v[f];
			t->first_round = round;
		}
	}
}

static void report(const char *role)
{
	for (int f = 0; f < F_COUNT; f++) {
		const struct tally *t = &tally[f];
		if (use[f] != USE_YES || !t->checked)
			continue;
		if (!t->bad)
			pass("%s: %s kept its own value across %u switches", role, field_names[f],
			     t->checked);
		else
			fail(role, "%s changed in %u of %u rounds; first in round %u: got %#lx, "
			     "want %#lx", field_names[f], t->bad, t->checked, t->first_round,
			     t->first_got, t->first_want);
	}
}

/* A real page fault whose handler yields before it reads CR2. */
static volatile uint64_t pf_cr2_before, pf_cr2_after, pf_count;

static void on_page_fault(struct trap_frame *f)
{
	pf_cr2_before = read_cr2();
	hc_yield();
	pf_cr2_after = read_cr2();
	pf_count++;
	f->rip += 3;                     /* the faulting "mov (%rax), %rax" */
}

static void page_faults_keep_cr2(void)
{
	trap_set_handler(14, on_page_fault);
	unsigned bad = 0;
	uint64_t got = 0, want = 0;
	for (unsigned i = 0; i < PF_ROUNDS; i++) {
		/* Above the identity map (PML4 slot 254 is empty): not present in our tables. */
		uint64_t addr = 0x00007f0000000000ull + (uint64_t)i * 0x1008;
		uint64_t rax = addr;
		asm volatile(".byte 0x48, 0x8b, 0x00" : "+a"(rax) : : "memory");  /* mov (%rax),%rax */
		if ((pf_cr2_before != addr || pf_cr2_after != addr) && bad++ == 0) {
			got = pf_cr2_before != addr ? pf_cr2_before : pf_cr2_after;
			want = addr;
		}
	}
	trap_set_handler(14, 0);
	check_eq("keeper: every touch of an unmapped address raised #PF", pf_count, PF_ROUNDS);
	check(bad == 0, "keeper: CR2 in the #PF handler is still the faulting address after a "
	      "yield to other partitions", "%u of %u wrong, first got %#lx, want %#lx", bad,
	      PF_ROUNDS, got, want);
}

static void keeper(void)
{
	struct state mine, seen;
	for (unsigned r = 1; r <= ROUNDS; r++) {
		for (int f = 0; f < F_COUNT; f++)
			mine.v[f] = secret(f, r);
		write_state(&mine);
		hc_yield();
		read_state(&seen);
		compare(&seen, &mine, r);
	}
	report("keeper");
	page_faults_keep_cr2();
}

/* AVX-512 state the reader never enabled: once it turns it on, it must find the initial
 * state (zeros), never the keeper's values that sat in those registers. */
static void avx512_starts_clean(void)
{
	xsetbv0(xcr0_offered);
	use[F_K7] = use[F_ZMM15_HI] = use[F_ZMM31] = USE_YES;
	struct state s;
	read_vector_state(&s);
	check_eq("reader: k7 is in its initial state when the reader first enables AVX-512",
		 s.v[F_K7], 0);
	check_eq("reader: zmm15's upper half is in its initial state when first enabled",
		 s.v[F_ZMM15_HI], 0);
	check_eq("reader: zmm31 is in its initial state when first enabled", s.v[F_ZMM31], 0);
}

static void reader(void)
{
	struct state mine, seen;
	if (use[F_K7] == USE_YES)
		use[F_K7] = use[F_ZMM15_HI] = use[F_ZMM31] = USE_LATER;
	for (int f = 0; f < F_COUNT; f++)
		mine.v[f] = own_value(f);
	write_state(&mine);
	for (unsigned r = 1; r <= ROUNDS + PF_ROUNDS; r++) {
		hc_yield();
		read_state(&seen);
		compare(&seen, &mine, r);
		write_state(&mine);              /* so the keeper's values have to come back too */
	}
	report("reader");
	if (use[F_K7] == USE_LATER)
		avx512_starts_clean();
}

int guest_main(const struct start_info *si)
{
	const char *role = (const char *)si->cmdline_gpa;
	probe_offers();
	if (strcmp(role, "keeper") == 0) {
		cprintf("keeping secrets in every unswitched register for %d rounds\n", ROUNDS);
		keeper();
	} else if (strcmp(role, "reader") == 0) {
		cprintf("reading every unswitched register for %d rounds\n", ROUNDS + PF_ROUNDS);
		reader();
	} else {
		fail("role", "cmdline must be 'keeper' or 'reader', not '%s'", role);
	}
	note_unused();
	return done();
}
