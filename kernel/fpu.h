/*
 * Guest extended state (x87, SSE, AVX...) across VM exits, switched lazily. Every VM exit loads
 * CR0.TS=1 (HOST_CR0), so exits that never touch a vector register cost nothing. The first x87/
 * SSE instruction the hypervisor executes after an exit raises #NM; fpu_handle_nm() then saves
 * the state of the vCPU whose registers are live (XSAVE, or FXSAVE without XSAVE), clears TS
 * and lets the instruction run. Before the next VM entry fpu_prepare_entry() puts the entering
 * vCPU's state back if anything else is in the registers, and its XCR0.
 */
#ifndef BULKHEAD_FPU_H
#define BULKHEAD_FPU_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/percpu.h"
#include "kernel/vcpu.h"

/* Records the XCR0 the CPU has now (once per CPU, after VMXON set CR4.OSXSAVE). */
void fpu_cpu_init(struct percpu *cpu);
/* Prepares a fresh vCPU area: the architectural reset state (x87 and SSE defaults, XCR0 = 1). */
void fpu_vcpu_init(struct vcpu *v);
/* #NM handler hook; returns true when the fault was the lazy-switch trap. */
bool fpu_handle_nm(void);
/* Before entry: v's extended state in the registers (if anything else is there) and its XCR0. */
void fpu_prepare_entry(struct percpu *cpu, struct vcpu *v);
/* The guest changed XCR0 (validated by the XSETBV exit handler). */
void fpu_set_xcr0(struct vcpu *v, uint64_t xcr0);
/* The vCPU is going away: forget it if its state is live on this CPU. */
void fpu_forget(struct percpu *cpu, struct vcpu *v);

#endif
