/*
 * VMX operation on a CPU and the VMCS of a vCPU: turning VMX on (VMXON), the control settings
 * every VMCS shares (computed once against the capability MSRs), building a vCPU's VMCS, and
 * the instruction wrappers (VMPTRLD, VMCLEAR, INVEPT, INVVPID).
 */
#ifndef BULKHEAD_VMX_H
#define BULKHEAD_VMX_H

#include <stdint.h>
#include "kernel/percpu.h"
#include "kernel/vcpu.h"
#include "mm/frame_alloc.h"
#include "vmx/vmx_caps.h"

struct vmx_config {
	uint32_t pin, proc, proc2, exit, entry;          /* adjusted control values */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t msr_bitmap, io_bitmap_a, io_bitmap_b;   /* physical, shared by all vCPUs */
	uint64_t xcr0_supported;                         /* CPUID.(0DH,0):EDX:EAX, 0 without XSAVE */
	uint64_t xcr0_offered;                           /* what guests may enable (xcr0_offer) */
	uint32_t xsave_size;                             /* bytes for all offered components */
	uint64_t cr4_guest_owned;                        /* CR4 bits guests change without exits */
	int rdtscp;
	int vpid;
	int timer_saved;                                 /* exits save the preemption timer count */
	int unrestricted;                                /* "unrestricted guest" can be set */
};

/* How a vCPU begins (the guest-state checks of SDM Vol. 3C 27.3.1 for each). */
enum vcpu_start_mode {
	VCPU_START_LONG,         /* 64-bit mode, paging on (ELF guests, Linux's 64-bit entry) */
	VCPU_START_PROTECTED32,  /* 32-bit protected mode, paging off (Multiboot) */
};

struct vcpu_start {
	enum vcpu_start_mode mode;
	uint64_t rip, rsp, cr3;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t code_selector, data_selector, tss_selector;
	uint64_t tss_base;
	/* An operating system's vCPU ("unrestricted guest", SDM Vol. 3C 26.6): it may turn paging
	 * and protected mode off and on, as Linux's boot code and Multiboot kernels do. */
	bool unrestricted;
};

extern struct vmx_config vmx;

/* Computes the shared controls and bitmaps. Returns 0, or -1 after logging which required
 * feature is missing (then no partition can run). */
int vmx_global_init(const struct vmx_caps *caps, struct frame_alloc *pool);
/* Writes the calling CPU's host state (its GDT, TSS, GS base, exit stack) into the current
 * VMCS, which is v's: once when v is built, again when it first runs on another CPU. */
void vmx_vcpu_bind_host(struct vcpu *v, struct percpu *cpu);
/* VMXON on the calling CPU. Returns 0, or -1 after logging why. */
int vmx_cpu_enable(struct percpu *cpu, const struct vmx_caps *caps, struct frame_alloc *pool);
/* Allocates and fills a vCPU's VMCS (and its virtual-APIC page) for a guest starting as `start`
 * says; leaves it current. */
int vmx_vcpu_setup(struct vcpu *v, struct percpu *cpu, struct frame_alloc *pool, uint64_t eptp,
		   const struct vcpu_start *start);
/* An application processor's start-up IPI arrived after INIT: its current VMCS (v's, of an
 * unrestricted vCPU) gets the state INIT leaves (SDM Vol. 3A 10.1.1, table "IA-32 Processor
 * States Following Power-up, Reset, or INIT"), with CS:IP = (vector << 8):0000 as the
 * start-up IPI sets it (SDM Vol. 3A 9.4.4 "MP Initialization Example"), and no event,
 * window or threshold pending. */
void vmx_vcpu_start_real(struct vcpu *v, uint8_t vector);
/* The CR0 bits a vCPU may not change without an exit: those VMX operation fixes, less PE and
 * PG for an unrestricted guest. */
uint64_t vmx_cr0_mask(bool unrestricted);

void vmx_vmptrld(struct vcpu *v);
void vmx_vmclear(struct vcpu *v);
void vmx_invept_single(uint64_t eptp);
void vmx_invvpid_single(uint16_t vpid);

/* Assembly (vmx/exit_stub.S). */
void vmx_exit_entry(void);
__attribute__((noreturn)) void vmx_start(struct vcpu *first, uint64_t host_rsp);

#endif
