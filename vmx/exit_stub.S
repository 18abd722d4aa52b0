/*
 * The VM-exit entry point and the VM-entry path: the only VMX code that must be assembly.
 * On a VM exit the CPU loads HOST_RSP, which points at a slot holding the struct vcpu pointer of
 * the guest that just ran (per-CPU exit stack, see vmx/vmx.c); we store the guest's general
 * registers into that vcpu (offsets pinned in kernel/vcpu.h), call vmx_exit_handler(vcpu), which
 * returns the vcpu to run next, and enter it. A VMLAUNCH/VMRESUME that fails as an instruction
 * falls through to vmx_entry_failed(vcpu), which stops that partition and returns the next vcpu.
 * Where the CPU needs them (vmx/spec_policy.c), the L1D flush and VERW run as the last thing
 * before VMRESUME/VMLAUNCH, after every load of hypervisor data but the guest's own registers
 * (Intel's L1TF and "Microarchitectural Data Sampling" guidance: IA32_FLUSH_CMD writes back
 * and invalidates L1D; VERW with a valid data selector overwrites the buffers on MD_CLEAR
 * CPUs). An entry without them pays one compare.
 */
#include "vmx/entry_barriers.h"

#define VCPU_RAX 0
#define VCPU_RBX 8
#define VCPU_RCX 16
#define VCPU_RDX 24
#define VCPU_RSI 32
#define VCPU_RDI 40
#define VCPU_RBP 48
#define VCPU_R8  56
#define VCPU_R9  64
#define VCPU_R10 72
#define VCPU_R11 80
#define VCPU_R12 88
#define VCPU_R13 96
#define VCPU_R14 104
#define VCPU_R15 112
#define VCPU_LAUNCHED 120

	.section .text
	.globl vmx_exit_entry
vmx_exit_entry:
	pushq	%rax                    /* guest RAX; the vcpu pointer is now at 8(%rsp) */
	movq	8(%rsp), %rax
	movq	%rbx, VCPU_RBX(%rax)
	movq	%rcx, VCPU_RCX(%rax)
	movq	%rdx, VCPU_RDX(%rax)
	movq	%rsi, VCPU_RSI(%rax)
	movq	%rdi, VCPU_RDI(%rax)
	movq	%rbp, VCPU_RBP(%rax)
	movq	%r8,  VCPU_R8(%rax)
	movq	%r9,  VCPU_R9(%rax)
	movq	%r10, VCPU_R10(%rax)
	movq	%r11, VCPU_R11(%rax)
	movq	%r12, VCPU_R12(%rax)
	movq	%r13, VCPU_R13(%rax)
	movq	%r14, VCPU_R14(%rax)
	movq	%r15, VCPU_R15(%rax)
	popq	%rbx
	movq	%rbx, VCPU_RAX(%rax)
	movq	%rax, %rdi
	call	vmx_exit_handler        /* RSP is 16-byte aligned here (HOST_RSP = top - 16) */
	/* Falls through: the vcpu to enter next is in %rax. */

/* Enters the vcpu in %rax; RSP must be HOST_RSP (the slot that will hold it). */
enter_rax:
	movq	%rax, (%rsp)            /* the exit stub finds this vcpu here on the next exit */
	cmpb	$0, vmx_entry_barriers(%rip)
	jne	entry_barriers
load_guest:
	movq	VCPU_RBX(%rax), %rbx
	movq	VCPU_RCX(%rax), %rcx
	movq	VCPU_RDX(%rax), %rdx
	movq	VCPU_RSI(%rax), %rsi
	movq	VCPU_RDI(%rax), %rdi
	movq	VCPU_RBP(%rax), %rbp
	movq	VCPU_R8(%rax),  %r8
	movq	VCPU_R9(%rax),  %r9
	movq	VCPU_R10(%rax), %r10
	movq	VCPU_R11(%rax), %r11
	movq	VCPU_R12(%rax), %r12
	movq	VCPU_R13(%rax), %r13
	movq	VCPU_R14(%rax), %r14
	movq	VCPU_R15(%rax), %r15
	cmpq	$0, VCPU_LAUNCHED(%rax)
	movq	VCPU_RAX(%rax), %rax    /* mov leaves the flags of the cmp intact */
	je	1f
	vmresume
	jmp	2f
1:	/* First entry of this VMCS: it is launched from now on (a failed launch stops the
	 * partition, and a restart builds a fresh VMCS). */
	pushq	%rax
	movq	8(%rsp), %rax
	movq	$1, VCPU_LAUNCHED(%rax)
	popq	%rax
	vmlaunch
2:	/* Only reached when the instruction itself failed (SDM 31.3, VMLAUNCH/VMRESUME). */
	movq	(%rsp), %rdi
	call	vmx_entry_failed
	jmp	enter_rax

/* Out of line: the barriers in force, counted per CPU; then back to load the guest. */
entry_barriers:
	testb	$ENTRY_BARRIER_L1D_FLUSH, vmx_entry_barriers(%rip)
	jz	4f
	movl	$ENTRY_BARRIER_FLUSH_MSR, %ecx
	movl	$1, %eax                /* L1D_FLUSH */
	xorl	%edx, %edx
	wrmsr
	movq	(%rsp), %rax
4:	testb	$ENTRY_BARRIER_VERW, vmx_entry_barriers(%rip)
	jz	5f
	verw	vmx_entry_verw_selector(%rip)
5:	incq	%gs:PERCPU_ENTRY_BARRIERS
	jmp	load_guest

/* vmx_start(struct vcpu *first, uint64_t host_rsp): leave the boot stack for good. */
	.globl vmx_start
vmx_start:
	movq	%rsi, %rsp
	movq	%rdi, %rax
	jmp	enter_rax
	.section .note.GNU-stack, "", @progbits
