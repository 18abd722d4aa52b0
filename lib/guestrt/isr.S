/*
 * The 256 interrupt and exception entry stubs and their common path. Stub N starts at
 * isr_stubs + 16 * N (trap.c builds the IDT from that). It pushes a zero in place of the error
 * code for vectors where the CPU pushes none, then N, and jumps to isr_common. isr_common saves
 * every general-purpose register, so the C dispatcher gets a struct trap_frame (trap.h) that it
 * may change before IRETQ resumes whatever the frame then says.
 */
	.code64
	.text

	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
0:
	/* Exceptions that push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX. */
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || \
	    (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	/* Pads to 16 bytes; a longer stub is an "attempt to move .org backwards" error. */
	.org	0b + 16, 0xcc
	.set vec, vec + 1
	.endr

/*
 * The CPU aligned RSP to 16 before pushing its 5 (or 6 with the stub's 0) words; with the
 * vector and 15 registers that makes 22 words, so RSP is 16-byte aligned at the call as the
 * SysV ABI wants.
 */
isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
