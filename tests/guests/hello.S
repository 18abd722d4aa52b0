/*
 * The smallest Bulkhead guest: prints a line on its virtual UART (COM1) and halts. The loader
 * carries it as a boot module today; a later version runs it in a partition under VMX.
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
2:	hlt
	jmp	2b

	.section .rodata
message:
	.asciz	"hello from the demo partition\n"
	.section .note.GNU-stack, "", @progbits
