/*
 * Entry of the Multiboot test kernel (mbtest.c): the Multiboot v1 header (magic, flags,
 * checksum; flag 1 asks for memory information, flag 0 for page-aligned modules), then the
 * 32-bit entry point. The loader starts it in 32-bit protected mode with paging off, EAX = the
 * loader magic and EBX = the information structure (Multiboot 0.6.96, 3.2 "Machine state");
 * the stack is our own, as the specification leaves ESP undefined.
 */
	.section .multiboot, "a"
	.balign 4
	.long 0x1badb002                  /* magic */
	.long 0x00000003                  /* page-align modules, memory information */
	.long -(0x1badb002 + 0x00000003)  /* checksum: the three sum to zero */

	.text
	.code32
	.globl _start
_start:
	movl $stack_top, %esp
	pushl %ebx                        /* info */
	pushl %eax                        /* magic */
	call mbtest_main
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 16
	.space 16384
stack_top:
