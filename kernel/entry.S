/*
 * Kernel entry: the loader jumps here on the boot page tables with interrupts off and
 * RDI = physical (identity-mapped) address of struct boot_info. Assembly only because C cannot
 * choose its own stack: we switch to the kernel's boot stack (in .bss) and call kernel_main.
 */
	.section .text.entry, "ax"
	.globl kernel_entry
kernel_entry:
	cli
	cld
	leaq	boot_stack_top(%rip), %rsp
	xorl	%ebp, %ebp
	call	kernel_main
1:	hlt
	jmp	1b

	.section .bss
	.balign 16
boot_stack:
	.skip	16384
boot_stack_top:
