/*
 * Lazy extended-state switching (see fpu.h). XSAVE/XRSTOR with an all-ones mask save and restore
 * exactly the components enabled in XCR0 (SDM Vol. 1, 13.7-13.8). Legacy SSE registers are usable
 * whatever XCR0 says (CR4.OSFXSR gates them), so every save and restore runs with XCR0 = the
 * vCPU's value | x87 | SSE; the guest's own XCR0 is loaded just before entry. Components outside
 * a vCPU's XCR0 are never restored for it, but it cannot reach them either. A component whose
 * XSTATE_BV bit is 0 in the area (never saved) is put in its initial state by XRSTOR, so a guest
 * that enables AVX starts from zeroed registers, not from another partition's values. The
 * hypervisor's own code uses only legacy SSE (newlib), which XCR0 does not gate.
 */
#include <string.h>
#include "kernel/fpu.h"
#include "kernel/x86.h"
#include "vmx/vmx.h"

#define CR0_TS (1ull << 3)

static inline void clts(void) { __asm__ volatile("clts"); }

static inline void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

#define XCR0_X87_SSE 3ull

static void load_xcr0(uint64_t value)
{
	if (vmx.xcr0_supported && xgetbv0() != value)
		xsetbv0(value);
}

static void save(struct vcpu *v)
{
	load_xcr0(v->xcr0 | XCR0_X87_SSE);
	if (vmx.xcr0_supported)
		__asm__ volatile("xsave64 (%0)" : : "r"(v->xsave_area), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(v->xsave_area) : "memory");
	v->fpu_saves++;
}

static void restore(struct vcpu *v)
{
	load_xcr0(v->xcr0 | XCR0_X87_SSE);
	if (vmx.xcr0_supported)
		__asm__ volatile("xrstor64 (%0)" : : "r"(v->xsave_area), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(v->xsave_area) : "memory");
	load_xcr0(v->xcr0);
}

void fpu_vcpu_init(struct vcpu *v)
{
	memset(v->xsave_area, 0, vmx.xsave_size);
	uint8_t *a = v->xsave_area;
	*(uint16_t *)(a + 0) = 0x037f;        /* FCW after FNINIT */
	*(uint32_t *)(a + 24) = 0x1f80;       /* MXCSR at reset */
	v->xcr0 = 1;                          /* x87 only, the architectural reset value */
}

bool fpu_handle_nm(void)
{
	if (!(read_cr0() & CR0_TS))
		return false;                     /* a real #NM in hypervisor code: not ours to hide */
	struct percpu *cpu = this_cpu();
	clts();
	if (cpu->fpu_owner) {
		save(cpu->fpu_owner);
		cpu->fpu_owner = NULL;            /* the registers now belong to the hypervisor */
	}
	return true;
}

void fpu_prepare_entry(struct percpu *cpu, struct vcpu *v)
{
	if (cpu->fpu_owner == v)
		return;                           /* still live: nothing touched it since the exit */
	clts();
	if (cpu->fpu_owner)
		save(cpu->fpu_owner);
	restore(v);
	cpu->fpu_owner = v;
}

void fpu_set_xcr0(struct percpu *cpu, struct vcpu *v, uint64_t xcr0)
{
	if (cpu->fpu_owner != v) {
		v->xcr0 = xcr0;                   /* applied by the next restore */
		return;
	}
	/* Live state: save under the old value, reload under the new one, so components the
	 * guest just enabled come up in their initial state. */
	clts();
	save(v);
	v->xcr0 = xcr0;
	restore(v);
}

void fpu_forget(struct percpu *cpu, struct vcpu *v)
{
	if (cpu->fpu_owner == v)
		cpu->fpu_owner = NULL;
}
