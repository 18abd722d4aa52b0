/*
 * An application processor's first instructions, copied by kernel/smp.c to the loader's page
 * below 1 MiB (include/ap_trampoline.h). A start-up IPI starts the AP in real mode with CS =
 * page << 8 and IP = 0 (SDM Vol. 3A 9.4.4). It goes real -> protected -> long mode, the order the
 * SDM prescribes (9.8.5 "Initializing IA-32e Mode"): PAE, CR3, EFER.LME, then paging. EFER.NXE
 * is set with LME because the kernel's tables use NX. The code is position independent: EBX/RBX
 * holds its linear base, which real mode derives from CS; the far-jump targets and the GDT base
 * are filled in by smp.c for the page the loader got. Assembly because no C runs in real mode.
 */
#include "ap_trampoline.h"

	.section .rodata.ap_trampoline, "a"
	.globl ap_trampoline_start, ap_trampoline_end
	.code16
ap_trampoline_start:
	cli
	cld
	xorl	%ebx, %ebx
	movw	%cs, %bx
	movw	%bx, %ds
	shll	$4, %ebx
	lgdtl	AP_TRAMP_GDTR
	movl	%cr0, %eax
	orl	$1, %eax                        /* CR0.PE */
	movl	%eax, %cr0
	ljmpl	*AP_TRAMP_PM_JUMP

	.code32
	.globl ap_trampoline_pm
ap_trampoline_pm:
	movw	$AP_TRAMP_SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr4, %eax
	orl	$(1 << 5), %eax                 /* CR4.PAE */
	movl	%eax, %cr4
	movl	AP_TRAMP_TEMP_CR3(%ebx), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx               /* IA32_EFER */
	rdmsr
	orl	$((1 << 8) | (1 << 11)), %eax   /* LME, NXE */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010000, %eax               /* CR0.PG, CR0.WP */
	movl	%eax, %cr0
	ljmpl	*AP_TRAMP_LM_JUMP(%ebx)

	.code64
	.globl ap_trampoline_lm
ap_trampoline_lm:
	/* Long mode on the temporary tables: the kernel's text is mapped, so jump there. */
	movq	AP_TRAMP_KERNEL_ENTRY(%rbx), %rax
	jmp	*%rax
ap_trampoline_end:
