/*
 * Test-kernel helper: wipes the x87 and SSE state the way careless hypervisor code would
 * (FNINIT, all-ones XMM0-15, default MXCSR). Linked only into build/bulkhead-stresstest.efi,
 * where it runs after VM exits; the vector guest must still see its own registers, because
 * the first of these instructions traps (#NM, CR0.TS=1 after every exit) and the guest's
 * state is saved first (kernel/fpu.c).
 */
	.section .text
	.globl clobber_vector_registers
clobber_vector_registers:
	fninit
	pcmpeqd	%xmm0, %xmm0
	pcmpeqd	%xmm1, %xmm1
	pcmpeqd	%xmm2, %xmm2
	pcmpeqd	%xmm3, %xmm3
	pcmpeqd	%xmm4, %xmm4
	pcmpeqd	%xmm5, %xmm5
	pcmpeqd	%xmm6, %xmm6
	pcmpeqd	%xmm7, %xmm7
	pcmpeqd	%xmm8, %xmm8
	pcmpeqd	%xmm9, %xmm9
	pcmpeqd	%xmm10, %xmm10
	pcmpeqd	%xmm11, %xmm11
	pcmpeqd	%xmm12, %xmm12
	pcmpeqd	%xmm13, %xmm13
	pcmpeqd	%xmm14, %xmm14
	pcmpeqd	%xmm15, %xmm15
	subq	$8, %rsp
	movl	$0x1f80, (%rsp)
	ldmxcsr	(%rsp)
	addq	$8, %rsp
	ret
	.section .note.GNU-stack, "", @progbits
