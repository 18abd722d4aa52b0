/*
 * The demo guest of the embedded default config: prints two lines on its virtual UART (COM1)
 * and ends its partition with the HC_EXIT hypercall (include/hypercall.h: RAX = 3, RDI = code).
 */
	.code64
	.section .text
	.globl _start
_start:
	leaq	message(%rip), %rsi
	movw	$0x3f8, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	movl	$3, %eax                /* HC_EXIT */
	xorl	%edi, %edi
	vmcall
3:	cli
	hlt
	jmp	3b

	.section .rodata
message:
	.ascii	"hello from the demo partition\n"
	.asciz	"it runs in VMX non-root mode, isolated by EPT; exiting now\n"
	.section .note.GNU-stack, "", @progbits
