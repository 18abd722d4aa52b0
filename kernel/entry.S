/*
 * Kernel entry: the loader jumps here on the boot page tables with interrupts off and
 * RDI = physical (identity-mapped) address of struct boot_info. Assembly only because C cannot
 * choose its own stack: we switch to the kernel's boot stack (in .bss) and call kernel_main.
 */
#include "ap_trampoline.h"

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

/*
 * An application processor arrives here from kernel/ap_trampoline.S, in long mode on the
 * trampoline's temporary tables, with RBX = the trampoline's (identity-mapped) base. This text
 * is mapped the same in both tables, so it can switch to the kernel's own, then take the stack
 * smp.c gave this CPU and call ap_main(percpu).
 */
	.globl ap_entry
ap_entry:
	movq	AP_TRAMP_KERNEL_CR3(%rbx), %rax
	movq	%rax, %cr3
	movq	AP_TRAMP_STACK(%rbx), %rsp
	movq	AP_TRAMP_PERCPU(%rbx), %rdi
	xorl	%ebp, %ebp
	call	ap_main
2:	cli
	hlt
	jmp	2b

	.section .bss
	.balign 16
boot_stack:
	.skip	16384
boot_stack_top:
