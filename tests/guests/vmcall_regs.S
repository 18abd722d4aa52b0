/*
 * uint64_t vmcall_changed_registers(uint64_t nr): makes hypercall nr with a distinct value in
 * every general-purpose register but RAX and RSP, and returns a mask of the registers that the
 * call changed: bit 0 RBX, 1 RCX, 2 RDX, 3 RSI, 4 RDI, 5 RBP, 6-13 R8-R15. The ABI promises 0.
 */
	.code64
	.text

	.set SEED, 0x5eed000000000000

	.macro load reg, n
	movabsq	$(SEED + \n * 0x0101010101), %\reg
	.endm

	/* Tests the register saved at slot (%rsp + 8*slot) against its value, sets bit n. */
	.macro test_saved slot, n
	movabsq	$(SEED + \n * 0x0101010101), %rcx
	cmpq	%rcx, (8 * \slot)(%rsp)
	je	1f
	orq	$(1 << \n), %rax
1:
	.endm

	.globl vmcall_changed_registers
vmcall_changed_registers:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rdi, %rax
	load	rbx, 0
	load	rcx, 1
	load	rdx, 2
	load	rsi, 3
	load	rdi, 4
	load	rbp, 5
	load	r8, 6
	load	r9, 7
	load	r10, 8
	load	r11, 9
	load	r12, 10
	load	r13, 11
	load	r14, 12
	load	r15, 13
	vmcall
	/* Save everything, then compare at leisure. Slot 0 is R15 ... slot 13 is RBX. */
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
	xorl	%eax, %eax
	test_saved 13, 0
	test_saved 12, 1
	test_saved 11, 2
	test_saved 10, 3
	test_saved 9, 4
	test_saved 8, 5
	test_saved 7, 6
	test_saved 6, 7
	test_saved 5, 8
	test_saved 4, 9
	test_saved 3, 10
	test_saved 2, 11
	test_saved 1, 12
	test_saved 0, 13
	addq	$(14 * 8), %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.section .note.GNU-stack, "", @progbits
