/*
 * Exception entries of the hostile Multiboot kernel (mbfuzz.c), 32-bit. #GP is what a refused
 * RDMSR/WRMSR raises: count it, drop the error code and resume after the two-byte instruction.
 * Any other exception means the platform did something a PC would not: report and stop.
 */
	.text
	.code32
	.globl gp_entry, other_entry
gp_entry:
	pushal
	call gp_count_up
	popal
	addl $4, %esp                 /* the error code */
	addl $2, (%esp)               /* EIP past RDMSR (0F 32) or WRMSR (0F 30) */
	iretl

other_entry:
	pushl (%esp)                  /* EIP, or an error code: the report says which it saw */
	pushl $0
	call other_exception
1:	cli
	hlt
	jmp 1b
