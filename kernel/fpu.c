/*
 * Lazy extended-state switching (see fpu.h). XSAVE/XRSTOR with an all-ones mask save and restore
 * exactly the components enabled in XCR0 (SDM Vol. 1, 13.7-13.8), so every save and restore
 * runs with XCR0 = every component a guest can have (vmx.xcr0_offered), whatever the vCPU's own
 * XCR0 says; the vCPU's XCR0 is loaded just before entry. Two reasons: PKRU is reachable by
 * RDPKRU/WRPKRU with CR4.PKE alone, without XCR0.PKRU, and a guest that enables a component
 * later must find its own (initially zeroed) registers there, never the previous owner's. A
 * component whose XSTATE_BV bit is 0 in the area (never saved) is put in its initial state by
 * XRSTOR, so a fresh vCPU starts from reset values everywhere. After saving a guest's state
 * the hypervisor loads the default x87 control word and MXCSR, so a guest's unmasked floating-
 * point exceptions can never fire in newlib code. The hypervisor's own code uses only legacy
 * SSE (newlib), which XCR0 does not gate.
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

static void load_xcr0(struct percpu *cpu, uint64_t value)
{
	if (vmx.xcr0_supported && cpu->xcr0 != value) {
		xsetbv0(value);
		cpu->xcr0 = value;
	}
}

static void save(struct percpu *cpu, struct vcpu *v)
{
	load_xcr0(cpu, vmx.xcr0_offered);
	if (vmx.xcr0_supported)
		__asm__ volatile("xsave64 (%0)" : : "r"(v->xsave_area), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(v->xsave_area) : "memory");
	v->fpu_saves++;
}

static void restore(struct percpu *cpu, struct vcpu *v)
{
	load_xcr0(cpu, vmx.xcr0_offered);
	if (vmx.xcr0_supported)
		__asm__ volatile("xrstor64 (%0)" : : "r"(v->xsave_area), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(v->xsave_area) : "memory");
}

/* The control state newlib's code expects: FNINIT's x87 control word, MXCSR's reset value. */
static void load_host_defaults(void)
{
	static const uint32_t mxcsr_default = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr_default));
}

void fpu_cpu_init(struct percpu *cpu)
{
	cpu->xcr0 = vmx.xcr0_supported ? xgetbv0() : 1;
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
		save(cpu, cpu->fpu_owner);
		cpu->fpu_owner->entry_work |= VCPU_WORK_FPU;   /* restore before its next entry */
		cpu->fpu_owner = NULL;            /* the registers now belong to the hypervisor */
		load_host_defaults();
	}
	return true;
}

void fpu_prepare_entry(struct percpu *cpu, struct vcpu *v)
{
	if (cpu->fpu_owner != v) {
		clts();
		if (cpu->fpu_owner)
			save(cpu, cpu->fpu_owner);
		restore(cpu, v);
		cpu->fpu_owner = v;
	}
	load_xcr0(cpu, v->xcr0);
}

void fpu_set_xcr0(struct vcpu *v, uint64_t xcr0)
{
	/* Every offered component is saved and restored whatever XCR0 holds, so the registers of
	 * a newly enabled one already hold this vCPU's own values (or their initial state); the
	 * new value is loaded by the next fpu_prepare_entry. */
	v->xcr0 = xcr0;
	v->entry_work |= VCPU_WORK_FPU;
}

void fpu_forget(struct percpu *cpu, struct vcpu *v)
{
	if (cpu->fpu_owner == v)
		cpu->fpu_owner = NULL;
}
