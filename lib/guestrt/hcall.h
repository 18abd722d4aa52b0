/*
 * Hypercalls from a test guest: VMCALL with the number in RAX and up to six arguments in RDI,
 * RSI, RDX, R10, R8, R9 (include/hypercall.h). The ABI preserves every register but RAX, so
 * nothing else is declared clobbered; the fuzz and vmcall guests check that promise.
 */
#ifndef GUEST_HCALL_H
#define GUEST_HCALL_H

#include <stdint.h>
#include "hypercall.h"

static inline int64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t r10 asm("r10") = a3;
	register uint64_t r8 asm("r8") = a4;
	register uint64_t r9 asm("r9") = a5;
	uint64_t rax = nr;
	/* "memory": the hypervisor may read buffers the guest has just written. */
	asm volatile("vmcall"
	             : "+a"(rax)
	             : "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
	             : "memory");
	return (int64_t)rax;
}

static inline int64_t hc_abi_version(void) { return hypercall(HC_ABI_VERSION, 0, 0, 0, 0, 0, 0); }
static inline int64_t hc_yield(void) { return hypercall(HC_YIELD, 0, 0, 0, 0, 0, 0); }
static inline int64_t hc_tsc_hz(void) { return hypercall(HC_TSC_HZ, 0, 0, 0, 0, 0, 0); }
static inline int64_t hc_nop(void) { return hypercall(HC_NOP, 0, 0, 0, 0, 0, 0); }

static inline int64_t hc_console_write(uint64_t gpa, uint64_t len)
{
	return hypercall(HC_CONSOLE_WRITE, gpa, len, 0, 0, 0, 0);
}

static inline int64_t hc_timer_set(uint64_t deadline_tsc, uint64_t vector)
{
	return hypercall(HC_TIMER_SET, deadline_tsc, vector, 0, 0, 0, 0);
}

/* Returns only if the hypervisor ignores the call. */
static inline int64_t hc_exit(uint64_t code) { return hypercall(HC_EXIT, code, 0, 0, 0, 0, 0); }

#endif
