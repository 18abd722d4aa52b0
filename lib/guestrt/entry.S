/*
 * _start of every test guest. The hypervisor enters here in 64-bit mode with RSP at
 * GUEST_STACK_TOP (16-byte aligned) and RDI = START_INFO_GPA; the stack is kept as given.
 * runtime_start (start.c) never returns; should it, interrupts stay off and the CPU halts.
 */
	.code64
	.text
	.globl _start
_start:
	cld
	xorl	%ebp, %ebp
	call	runtime_start
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
