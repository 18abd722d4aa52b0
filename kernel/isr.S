/*
 * Entry stubs for the 32 architectural exception vectors and two interrupt vectors. Each pushes a zero when the CPU pushes
 * no error code (SDM Vol. 3A, 6.15 lists which do), then its vector, and joins one common path
 * that saves the general registers in struct exception_frame order (kernel/exception.h pins the
 * offsets) and calls exception_dispatch. Assembly because C cannot be an interrupt gate target.
 */
	.section .text
.macro STUB vec, has_error
	.globl isr_\vec
isr_\vec:
	.if \has_error == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	isr_common
.endm

STUB 0,0
STUB 1,0
STUB 2,0
STUB 3,0
STUB 4,0
STUB 5,0
STUB 6,0
STUB 7,0
STUB 8,1
STUB 9,0
STUB 10,1
STUB 11,1
STUB 12,1
STUB 13,1
STUB 14,1
STUB 15,0
STUB 16,0
STUB 17,1
STUB 18,0
STUB 19,0
STUB 20,0
STUB 21,1
STUB 22,0
STUB 23,0
STUB 24,0
STUB 25,0
STUB 26,0
STUB 27,0
STUB 28,0
STUB 29,1
STUB 30,1
STUB 31,0
/* The only external vectors the hypervisor takes, and only while an idle CPU sleeps with
 * interrupts on (kernel/scheduler.c): another CPU's notification, its wake-up timer and the
 * local APIC's spurious vector. */
STUB 238,0
STUB 239,0
STUB 255,0

isr_common:
	cld
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
	movq	%rsp, %rdi          /* 22 quadwords pushed: RSP stays 16-byte aligned */
	call	exception_dispatch
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
	addq	$16, %rsp           /* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
	.endr
	.globl isr_notify, isr_wake, isr_spurious
isr_notify:
	.quad isr_238
isr_wake:
	.quad isr_239
isr_spurious:
	.quad isr_255
	.section .note.GNU-stack, "", @progbits
