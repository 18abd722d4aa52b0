/*
 * vector_check(iterations, use_avx, mismatch) for the vector guest; see vector.c for the
 * contract. Loads a distinct 256-bit pattern into each of ymm0-15 (only the low 128 bits,
 * xmm0-15, without AVX), a non-default MXCSR (0x3fa0: round down, PE flag set) and x87
 * control word (0x027f: double precision), and 1, log2(e) and pi into st2, st1, st0. Then it
 * loops, making one exit per iteration (CPUID, VMCALL HC_NOP, OUT 0x80, IN 0x3fd in turn, and
 * an HC_CONSOLE_WRITE after every 100th) and comparing every one of those registers after
 * every exit. No C runs in between: compiled code could not be trusted to leave them alone.
 * Register use across the loop: r12 iteration, r13 iteration count, r14 mismatch record,
 * r15 use_avx, ebp countdown to the next console write; everything else is scratch.
 */
	.code64

	.set HC_CONSOLE_WRITE, 1
	.set HC_NOP, 6
	.set REG_MXCSR, 16
	.set REG_FCW, 17
	.set REG_ST0, 18
	.set REG_CONSOLE, 21
	.set EXIT_CONSOLE, 4
	.set EXIT_NONE, 5
	.set CONSOLE_EVERY, 100
	/* struct vector_mismatch */
	.set M_ITERATION, 0
	.set M_REG, 8
	.set M_KIND, 16
	.set M_GOT, 24
	.set M_WANT, 56

	.section .rodata
	.balign 32
/* Register r, qword q: 0x7ec7RRQQc0deRRQQ with RRQQ = r << 8 | q. */
patterns:
	.set r, 0
	.rept 16
	.set q, 0
	.rept 4
	.quad 0x7ec70000c0de0000 + (((r << 8) | q) << 32) + ((r << 8) | q)
	.set q, q + 1
	.endr
	.set r, r + 1
	.endr
mxcsr_value:
	.long 0x3fa0
	.balign 8
mxcsr_want:
	.quad 0x3fa0
fcw_value:
	.word 0x027f
	.balign 8
fcw_want:
	.quad 0x027f
console_msg:
	.ascii "console write between vector register checks\n"
	.set CONSOLE_LEN, . - console_msg
	.balign 8
console_want:
	.quad CONSOLE_LEN

	.bss
	.balign 32
buf:		.space 32	/* a register as stored now */
x87_ref:	.space 48	/* st0-st2 as loaded, 10 bytes each in 16-byte zero-padded slots */
x87_now:	.space 48
cur_kind:	.space 8	/* the exit just made, for the mismatch record */
console_result:	.space 8
saved_mxcsr:	.space 4
saved_fcw:	.space 4

	.text

/*
 * compare: rsi = got, rdi = want, ecx = number of qwords, edx = register id. Returns eax = 0
 * when equal; otherwise records iteration, register, exit and both values in (%r14) and
 * returns 1. Clobbers rax and r8.
 */
compare:
	xorl	%r8d, %r8d
1:	movq	(%rsi,%r8,8), %rax
	cmpq	(%rdi,%r8,8), %rax
	jne	2f
	incl	%r8d
	cmpl	%ecx, %r8d
	jb	1b
	xorl	%eax, %eax
	ret
2:	movq	%r12, M_ITERATION(%r14)
	movq	%rdx, M_REG(%r14)
	movq	cur_kind(%rip), %rax
	movq	%rax, M_KIND(%r14)
	xorl	%r8d, %r8d
3:	movq	(%rsi,%r8,8), %rax
	movq	%rax, M_GOT(%r14,%r8,8)
	movq	(%rdi,%r8,8), %rax
	movq	%rax, M_WANT(%r14,%r8,8)
	incl	%r8d
	cmpl	%ecx, %r8d
	jb	3b
	movl	$1, %eax
	ret

/* x87_store: rdi = 48-byte area; stores st0, st1, st2 (each zero-padded to 16 bytes) without
 * changing the x87 stack: FLD ST(i) pushes a copy, FSTP pops it again. */
x87_store:
	movq	$0, 8(%rdi)
	movq	$0, 24(%rdi)
	movq	$0, 40(%rdi)
	fld	%st(0)
	fstpt	0(%rdi)
	fld	%st(1)
	fstpt	16(%rdi)
	fld	%st(2)
	fstpt	32(%rdi)
	ret

/* check_all: compares every tracked register with its expected value. eax = 0 if all match,
 * else 1 with the first mismatch recorded. Clobbers rax, rcx, rdx, rsi, rdi, r8. */
check_all:
	movl	$2, %ecx
	testq	%r15, %r15
	jz	1f
	movl	$4, %ecx
1:
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	testq	%r15, %r15
	jz	2f
	vmovdqu	%ymm\n, buf(%rip)
	jmp	3f
2:	movdqu	%xmm\n, buf(%rip)
3:	leaq	buf(%rip), %rsi
	leaq	patterns + 32 * \n(%rip), %rdi
	movl	$\n, %edx
	call	compare
	testl	%eax, %eax
	jnz	9f
	.endr

	movl	$1, %ecx
	movq	$0, buf(%rip)
	stmxcsr	buf(%rip)
	leaq	buf(%rip), %rsi
	leaq	mxcsr_want(%rip), %rdi
	movl	$REG_MXCSR, %edx
	call	compare
	testl	%eax, %eax
	jnz	9f

	movq	$0, buf(%rip)
	fnstcw	buf(%rip)
	leaq	buf(%rip), %rsi
	leaq	fcw_want(%rip), %rdi
	movl	$REG_FCW, %edx
	call	compare
	testl	%eax, %eax
	jnz	9f

	leaq	x87_now(%rip), %rdi
	call	x87_store
	movl	$2, %ecx
	.irp i, 0, 1, 2
	leaq	x87_now + 16 * \i(%rip), %rsi
	leaq	x87_ref + 16 * \i(%rip), %rdi
	movl	$(REG_ST0 + \i), %edx
	call	compare
	testl	%eax, %eax
	jnz	9f
	.endr
9:	ret

	.globl vector_check
vector_check:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rdi, %r13
	movq	%rsi, %r15
	movq	%rdx, %r14
	xorl	%r12d, %r12d
	movq	$EXIT_NONE, cur_kind(%rip)

	/* The caller's MXCSR and x87 control word are restored on the way out (SysV ABI). */
	stmxcsr	saved_mxcsr(%rip)
	fnstcw	saved_fcw(%rip)
	fninit
	fldcw	fcw_value(%rip)
	fld1
	fldl2e
	fldpi
	leaq	x87_ref(%rip), %rdi
	call	x87_store
	ldmxcsr	mxcsr_value(%rip)
	testq	%r15, %r15
	jz	1f
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vmovdqa	patterns + 32 * \n(%rip), %ymm\n
	.endr
	jmp	2f
1:
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqa	patterns + 32 * \n(%rip), %xmm\n
	.endr
2:
	/* Once before any exit: a mismatch here would be this code's own fault. */
	call	check_all
	testl	%eax, %eax
	jnz	.Lout
	movl	$CONSOLE_EVERY, %ebp

.Lloop:
	cmpq	%r13, %r12
	jae	.Lpassed
	movq	%r12, %rax
	andl	$3, %eax
	movq	%rax, cur_kind(%rip)
	cmpl	$1, %eax
	je	.Lvmcall
	cmpl	$2, %eax
	je	.Lout80
	cmpl	$3, %eax
	je	.Lin3fd
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	jmp	.Lcheck
.Lvmcall:
	movl	$HC_NOP, %eax
	vmcall
	jmp	.Lcheck
.Lout80:
	movl	$0x80, %edx
	outb	%al, %dx
	jmp	.Lcheck
.Lin3fd:
	movl	$0x3fd, %edx
	inb	%dx, %al
.Lcheck:
	call	check_all
	testl	%eax, %eax
	jnz	.Lout

	decl	%ebp
	jnz	.Lnext
	movl	$CONSOLE_EVERY, %ebp
	movq	$EXIT_CONSOLE, cur_kind(%rip)
	leaq	console_msg(%rip), %rdi
	movl	$CONSOLE_LEN, %esi
	movl	$HC_CONSOLE_WRITE, %eax
	vmcall
	movq	%rax, console_result(%rip)
	call	check_all
	testl	%eax, %eax
	jnz	.Lout
	leaq	console_result(%rip), %rsi
	leaq	console_want(%rip), %rdi
	movl	$1, %ecx
	movl	$REG_CONSOLE, %edx
	call	compare
	testl	%eax, %eax
	jnz	.Lout
.Lnext:
	incq	%r12
	jmp	.Lloop

.Lpassed:
	xorl	%eax, %eax
.Lout:
	movl	%eax, %ebx
	testq	%r15, %r15
	jz	3f
	vzeroupper
3:	fninit
	fldcw	saved_fcw(%rip)
	ldmxcsr	saved_mxcsr(%rip)
	movl	%ebx, %eax
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.section .note.GNU-stack, "", @progbits
