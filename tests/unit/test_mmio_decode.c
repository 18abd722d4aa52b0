/*
 * Unit tests for vmx/mmio_decode.c. The encodings come from GNU as 2.40 on this host, and the
 * comment on each is what objdump -d prints for those bytes (hand-written byte sequences,
 * for prefix orders as never emits, were also run through objdump). Each is decoded with
 * exactly its bytes, with trailing bytes after it, and with every shorter prefix of it (which
 * must be refused); then refusals, the 15-byte limit, and how reads land in registers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/mmio_decode.h"

#define M64 MMIO_MODE_64
#define M32 MMIO_MODE_32
#define M16 MMIO_MODE_16
#define BYTES(...) .bytes = { __VA_ARGS__ }, .length = sizeof((uint8_t[]){ __VA_ARGS__ })

struct sample {
	const char *text;
	enum mmio_cpu_mode mode;
	uint8_t bytes[15];
	uint8_t length;
	uint8_t size;
	bool write, xchg, imm_src, high;
	uint8_t reg;
	uint64_t imm;
	enum mmio_extend ext;
	uint8_t dest;                   /* 0: same as size */
};

static const struct sample samples[] = {
	/* --- 64-bit mode: MOV r/m, r (89, 88) --- */
	{ "mov %eax,(%rdi)", M64, BYTES(0x89, 0x07), .size = 4, .write = 1, .reg = 0 },
	{ "mov %r9d,0x10(%rsi)", M64, BYTES(0x44, 0x89, 0x4e, 0x10), .size = 4, .write = 1,
	  .reg = 9 },
	{ "mov %rax,(%r8)", M64, BYTES(0x49, 0x89, 0x00), .size = 8, .write = 1, .reg = 0 },
	{ "mov %ecx,0x12345678", M64, BYTES(0x89, 0x0c, 0x25, 0x78, 0x56, 0x34, 0x12), .size = 4,
	  .write = 1, .reg = 1 },
	{ "mov %eax,0x10(%rsp)", M64, BYTES(0x89, 0x44, 0x24, 0x10), .size = 4, .write = 1 },
	{ "mov %r8,0x0(%rip)", M64, BYTES(0x4c, 0x89, 0x05, 0x00, 0x00, 0x00, 0x00), .size = 8,
	  .write = 1, .reg = 8 },
	/* REX.B does not turn mod=00 rm=101 into [r13]: still RIP-relative disp32. */
	{ "mov %eax,0x100(%rip)", M64, BYTES(0x41, 0x89, 0x05, 0x00, 0x01, 0x00, 0x00), .size = 4,
	  .write = 1 },
	{ "mov %ah,(%rdi)", M64, BYTES(0x88, 0x27), .size = 1, .write = 1, .reg = 0, .high = 1 },
	{ "mov %sil,(%rdi)", M64, BYTES(0x40, 0x88, 0x37), .size = 1, .write = 1, .reg = 6 },
	{ "mov %r15b,(%rdi)", M64, BYTES(0x44, 0x88, 0x3f), .size = 1, .write = 1, .reg = 15 },
	{ "mov %ax,(%rdi)", M64, BYTES(0x66, 0x89, 0x07), .size = 2, .write = 1 },
	/* --- 64-bit mode: MOV r, r/m (8B, 8A) --- */
	{ "mov 0x20(%rip),%edx", M64, BYTES(0x8b, 0x15, 0x20, 0x00, 0x00, 0x00), .size = 4,
	  .reg = 2 },
	{ "mov (%r12),%eax", M64, BYTES(0x41, 0x8b, 0x04, 0x24), .size = 4, .reg = 0 },
	{ "mov 0x0(%r13),%eax", M64, BYTES(0x41, 0x8b, 0x45, 0x00), .size = 4, .reg = 0 },
	{ "mov 0x12345678(%rax,%rbx,4),%r15", M64,
	  BYTES(0x4c, 0x8b, 0xbc, 0x98, 0x78, 0x56, 0x34, 0x12), .size = 8, .reg = 15 },
	{ "mov (%rax,%r9,8),%rax", M64, BYTES(0x4a, 0x8b, 0x04, 0xc8), .size = 8, .reg = 0 },
	{ "mov 0x1000(,%rcx,8),%rdx", M64, BYTES(0x48, 0x8b, 0x14, 0xcd, 0x00, 0x10, 0x00, 0x00),
	  .size = 8, .reg = 2 },
	{ "mov (%rdi),%bh", M64, BYTES(0x8a, 0x3f), .size = 1, .reg = 3, .high = 1 },
	{ "mov -0x80(%rbp),%dh", M64, BYTES(0x8a, 0x75, 0x80), .size = 1, .reg = 2, .high = 1 },
	{ "mov (%rdi),%spl", M64, BYTES(0x40, 0x8a, 0x27), .size = 1, .reg = 4 },
	{ "mov (%eax),%ecx", M64, BYTES(0x67, 0x8b, 0x08), .size = 4, .reg = 1 },
	{ "mov 0x8(%esp),%ecx", M64, BYTES(0x67, 0x8b, 0x4c, 0x24, 0x08), .size = 4, .reg = 1 },
	/* --- 64-bit mode: MOV r/m, imm (C7, C6) --- */
	{ "movw $0x1234,(%rdi)", M64, BYTES(0x66, 0xc7, 0x07, 0x34, 0x12), .size = 2, .write = 1,
	  .imm_src = 1, .imm = 0x1234 },
	{ "movl $0xdeadbeef,0x300(%rbx)", M64,
	  BYTES(0xc7, 0x83, 0x00, 0x03, 0x00, 0x00, 0xef, 0xbe, 0xad, 0xde), .size = 4,
	  .write = 1, .imm_src = 1, .imm = 0xdeadbeef },
	{ "movl $0x11223344,0x100(%rip)", M64,
	  BYTES(0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x44, 0x33, 0x22, 0x11), .size = 4,
	  .write = 1, .imm_src = 1, .imm = 0x11223344 },
	{ "movq $0xffffffffffffffff,(%rax)", M64, BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
	  .size = 8, .write = 1, .imm_src = 1, .imm = 0xffffffffffffffffull },
	{ "movq $0x7fffffff,0x8(%rcx)", M64, BYTES(0x48, 0xc7, 0x41, 0x08, 0xff, 0xff, 0xff, 0x7f),
	  .size = 8, .write = 1, .imm_src = 1, .imm = 0x7fffffff },
	{ "movw $0xfffe,0x12345678(%r12)", M64,
	  BYTES(0x66, 0x41, 0xc7, 0x84, 0x24, 0x78, 0x56, 0x34, 0x12, 0xfe, 0xff), .size = 2,
	  .write = 1, .imm_src = 1, .imm = 0xfffe },
	{ "movb $0x5a,(%rdx)", M64, BYTES(0xc6, 0x02, 0x5a), .size = 1, .write = 1, .imm_src = 1,
	  .imm = 0x5a },
	{ "movb $0x7f,-0x1(%rbp,%rcx,1)", M64, BYTES(0xc6, 0x44, 0x0d, 0xff, 0x7f), .size = 1,
	  .write = 1, .imm_src = 1, .imm = 0x7f },
	/* --- 64-bit mode: moffs (A0-A3): 8-byte offset, 4 with 67 --- */
	{ "movabs 0xfec00000,%eax", M64,
	  BYTES(0xa1, 0x00, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00), .size = 4, .reg = 0 },
	{ "movabs 0x1234,%al", M64, BYTES(0xa0, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00),
	  .size = 1 },
	{ "movabs 0x1234,%ax", M64,
	  BYTES(0x66, 0xa1, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), .size = 2 },
	{ "movabs %al,0xfec00020", M64,
	  BYTES(0xa2, 0x20, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00), .size = 1, .write = 1 },
	{ "movabs %rax,0xfec00020", M64,
	  BYTES(0x48, 0xa3, 0x20, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00), .size = 8,
	  .write = 1 },
	{ "addr32 mov 0xfec00000,%eax", M64, BYTES(0x67, 0xa1, 0x00, 0x00, 0xc0, 0xfe), .size = 4 },
	{ "addr32 mov %rax,0xfec00010", M64, BYTES(0x67, 0x48, 0xa3, 0x10, 0x00, 0xc0, 0xfe),
	  .size = 8, .write = 1 },
	/* --- 64-bit mode: MOVZX, MOVSX --- */
	{ "movzbl (%rdi),%eax", M64, BYTES(0x0f, 0xb6, 0x07), .size = 1, .ext = MMIO_EXT_ZERO,
	  .dest = 4 },
	{ "movzwl (%rdi),%eax", M64, BYTES(0x0f, 0xb7, 0x07), .size = 2, .ext = MMIO_EXT_ZERO,
	  .dest = 4 },
	{ "movzbw (%rdi),%ax", M64, BYTES(0x66, 0x0f, 0xb6, 0x07), .size = 1,
	  .ext = MMIO_EXT_ZERO, .dest = 2 },
	{ "movzbl (%rsi),%r10d", M64, BYTES(0x44, 0x0f, 0xb6, 0x16), .size = 1, .reg = 10,
	  .ext = MMIO_EXT_ZERO, .dest = 4 },
	{ "movzwq 0x10(%r11),%r14", M64, BYTES(0x4d, 0x0f, 0xb7, 0x73, 0x10), .size = 2,
	  .reg = 14, .ext = MMIO_EXT_ZERO, .dest = 8 },
	{ "movsbq (%rdi),%rax", M64, BYTES(0x48, 0x0f, 0xbe, 0x07), .size = 1,
	  .ext = MMIO_EXT_SIGN, .dest = 8 },
	{ "movswl (%rdi),%eax", M64, BYTES(0x0f, 0xbf, 0x07), .size = 2, .ext = MMIO_EXT_SIGN,
	  .dest = 4 },
	{ "movsbw (%rdi),%ax", M64, BYTES(0x66, 0x0f, 0xbe, 0x07), .size = 1,
	  .ext = MMIO_EXT_SIGN, .dest = 2 },
	/* %ebp as a MOVSX destination is EBP, not CH: only byte registers have high halves. */
	{ "movsbl (%r9),%ebp", M64, BYTES(0x41, 0x0f, 0xbe, 0x29), .size = 1, .reg = 5,
	  .ext = MMIO_EXT_SIGN, .dest = 4 },
	{ "movswq 0x40(%rdi),%rcx", M64, BYTES(0x48, 0x0f, 0xbf, 0x4f, 0x40), .size = 2,
	  .reg = 1, .ext = MMIO_EXT_SIGN, .dest = 8 },
	{ "movsbq 0x0(%rip),%r12", M64, BYTES(0x4c, 0x0f, 0xbe, 0x25, 0x00, 0x00, 0x00, 0x00),
	  .size = 1, .reg = 12, .ext = MMIO_EXT_SIGN, .dest = 8 },
	/* --- 64-bit mode: XCHG --- */
	{ "xchg %eax,(%rdi)", M64, BYTES(0x87, 0x07), .size = 4, .write = 1, .xchg = 1 },
	{ "lock xchg %eax,(%rdi)", M64, BYTES(0xf0, 0x87, 0x07), .size = 4, .write = 1,
	  .xchg = 1 },
	{ "xchg %r11,0x8(%rbx)", M64, BYTES(0x4c, 0x87, 0x5b, 0x08), .size = 8, .write = 1,
	  .xchg = 1, .reg = 11 },
	{ "xchg %cl,(%rdx)", M64, BYTES(0x86, 0x0a), .size = 1, .write = 1, .xchg = 1, .reg = 1 },
	{ "xchg %bh,(%rdi)", M64, BYTES(0x86, 0x3f), .size = 1, .write = 1, .xchg = 1, .reg = 3,
	  .high = 1 },
	{ "lock xchg %r10b,(%rsi)", M64, BYTES(0xf0, 0x44, 0x86, 0x16), .size = 1, .write = 1,
	  .xchg = 1, .reg = 10 },
	/* --- 64-bit mode: segment overrides and prefix order --- */
	{ "mov %fs:(%rax),%eax", M64, BYTES(0x64, 0x8b, 0x00), .size = 4 },
	{ "mov %gs:0x10,%rdx", M64, BYTES(0x65, 0x48, 0x8b, 0x14, 0x25, 0x10, 0x00, 0x00, 0x00),
	  .size = 8, .reg = 2 },
	{ "ds mov %ax,(%rdi)", M64, BYTES(0x3e, 0x66, 0x89, 0x07), .size = 2, .write = 1 },
	{ "cs mov (%rdi),%ax", M64, BYTES(0x2e, 0x66, 0x8b, 0x07), .size = 2 },
	{ "data16 mov %rax,(%rdi)  (REX.W wins over 66)", M64, BYTES(0x66, 0x48, 0x89, 0x07),
	  .size = 8, .write = 1 },
	/* --- 32-bit mode (objdump -mi386) --- */
	{ "mov %eax,(%edi)", M32, BYTES(0x89, 0x07), .size = 4, .write = 1 },
	{ "mov 0xfec00010,%ecx", M32, BYTES(0x8b, 0x0d, 0x10, 0x00, 0xc0, 0xfe), .size = 4,
	  .reg = 1 },
	{ "mov %ecx,0xfec00010", M32, BYTES(0x89, 0x0d, 0x10, 0x00, 0xc0, 0xfe), .size = 4,
	  .write = 1, .reg = 1 },
	{ "mov 0x0(%ebp),%eax", M32, BYTES(0x8b, 0x45, 0x00), .size = 4 },
	{ "mov 0xfec00000,%eax", M32, BYTES(0xa1, 0x00, 0x00, 0xc0, 0xfe), .size = 4 },
	{ "mov 0xfec00000,%ax", M32, BYTES(0x66, 0xa1, 0x00, 0x00, 0xc0, 0xfe), .size = 2 },
	{ "addr16 mov 0x1234,%eax", M32, BYTES(0x67, 0xa1, 0x34, 0x12), .size = 4 },
	{ "mov 0x10(%bx),%eax", M32, BYTES(0x67, 0x8b, 0x47, 0x10), .size = 4 },
	{ "mov 0x1234,%ecx  (addr16)", M32, BYTES(0x67, 0x8b, 0x0e, 0x34, 0x12), .size = 4,
	  .reg = 1 },
	{ "mov (%bp,%si),%ax", M32, BYTES(0x67, 0x66, 0x8b, 0x02), .size = 2 },
	{ "mov 0x1234(%bx,%di),%eax", M32, BYTES(0x67, 0x8b, 0x81, 0x34, 0x12), .size = 4 },
	{ "movl $0x12345678,0x10(%ebx,%esi,2)", M32,
	  BYTES(0xc7, 0x44, 0x73, 0x10, 0x78, 0x56, 0x34, 0x12), .size = 4, .write = 1,
	  .imm_src = 1, .imm = 0x12345678 },
	{ "movw $0xbeef,(%eax)", M32, BYTES(0x66, 0xc7, 0x00, 0xef, 0xbe), .size = 2, .write = 1,
	  .imm_src = 1, .imm = 0xbeef },
	{ "mov (%esi),%ah", M32, BYTES(0x8a, 0x26), .size = 1, .reg = 0, .high = 1 },
	{ "mov %es:0x10(%eax),%al", M32, BYTES(0x26, 0x8a, 0x40, 0x10), .size = 1 },
	{ "movzbl 0xfec00020,%edx", M32, BYTES(0x0f, 0xb6, 0x15, 0x20, 0x00, 0xc0, 0xfe),
	  .size = 1, .reg = 2, .ext = MMIO_EXT_ZERO, .dest = 4 },
	{ "movswl (%ebx),%ecx", M32, BYTES(0x0f, 0xbf, 0x0b), .size = 2, .reg = 1,
	  .ext = MMIO_EXT_SIGN, .dest = 4 },
	{ "xchg %edx,0x4(%eax)", M32, BYTES(0x87, 0x50, 0x04), .size = 4, .write = 1, .xchg = 1,
	  .reg = 2 },

	/* --- 16-bit mode (objdump -mi8086) --- */
	{ "mov %ax,(%bx)", M16, BYTES(0x89, 0x07), .size = 2, .write = 1 },
	{ "mov %eax,(%bx)", M16, BYTES(0x66, 0x89, 0x07), .size = 4, .write = 1 },
	{ "mov 0x1234,%dx", M16, BYTES(0x8b, 0x16, 0x34, 0x12), .size = 2, .reg = 2 },
	{ "mov 0x0(%bp),%al", M16, BYTES(0x8a, 0x46, 0x00), .size = 1 },
	{ "mov 0x1234(%bx,%si),%ah", M16, BYTES(0x8a, 0xa0, 0x34, 0x12), .size = 1, .high = 1 },
	{ "mov (%esp),%ax", M16, BYTES(0x67, 0x8b, 0x04, 0x24), .size = 2 },
	{ "mov 0x10(%eax,%ecx,4),%ebx", M16, BYTES(0x67, 0x66, 0x8b, 0x5c, 0x88, 0x10), .size = 4,
	  .reg = 3 },
	{ "mov 0x1234,%ax", M16, BYTES(0xa1, 0x34, 0x12), .size = 2 },
	{ "mov 0x1234,%eax", M16, BYTES(0x66, 0xa1, 0x34, 0x12), .size = 4 },
	{ "addr32 mov 0xfec00000,%ax", M16, BYTES(0x67, 0xa1, 0x00, 0x00, 0xc0, 0xfe), .size = 2 },
	{ "movw $0x5678,0x1234", M16, BYTES(0xc7, 0x06, 0x34, 0x12, 0x78, 0x56), .size = 2,
	  .write = 1, .imm_src = 1, .imm = 0x5678 },
	{ "movl $0x12345678,(%si)", M16, BYTES(0x66, 0xc7, 0x04, 0x78, 0x56, 0x34, 0x12),
	  .size = 4, .write = 1, .imm_src = 1, .imm = 0x12345678 },
	{ "movb $0x12,-0x2(%bp)", M16, BYTES(0xc6, 0x46, 0xfe, 0x12), .size = 1, .write = 1,
	  .imm_src = 1, .imm = 0x12 },
	{ "movzbw (%si),%cx", M16, BYTES(0x0f, 0xb6, 0x0c), .size = 1, .reg = 1,
	  .ext = MMIO_EXT_ZERO, .dest = 2 },
	{ "movzbl (%si),%ecx", M16, BYTES(0x66, 0x0f, 0xb6, 0x0c), .size = 1, .reg = 1,
	  .ext = MMIO_EXT_ZERO, .dest = 4 },
	{ "movzwl (%si),%ecx", M16, BYTES(0x66, 0x0f, 0xb7, 0x0c), .size = 2, .reg = 1,
	  .ext = MMIO_EXT_ZERO, .dest = 4 },
	{ "movsbl 0x10(%di),%ecx", M16, BYTES(0x66, 0x0f, 0xbe, 0x4d, 0x10), .size = 1, .reg = 1,
	  .ext = MMIO_EXT_SIGN, .dest = 4 },
};

#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

/* Fails naming the encoding and the first field that differs. */
#define CHECK(field, want) do {                                                           \
		if ((uint64_t)(field) != (uint64_t)(want))                                  \
			fail_msg("%s: %s is 0x%llx, expected 0x%llx", s->text, #field,      \
				 (unsigned long long)(field), (unsigned long long)(want));  \
	} while (0)

static void check_sample(const struct sample *s, const struct mmio_insn *in)
{
	CHECK(in->length, s->length);
	CHECK(in->size, s->size);
	CHECK(in->is_write, s->write);
	CHECK(in->is_xchg, s->xchg);
	CHECK(in->src_kind, s->imm_src ? MMIO_OP_IMM : MMIO_OP_REG);
	if (!s->imm_src)
		CHECK(in->reg, s->reg);
	CHECK(in->high_byte, s->high);
	CHECK(in->imm, s->imm);
	CHECK(in->extend, s->ext);
	CHECK(in->dest_size, s->dest ? s->dest : s->size);
}

static void test_encodings(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_SAMPLES; i++) {
		const struct sample *s = &samples[i];
		struct mmio_insn in;
		memset(&in, 0xa5, sizeof(in));
		if (mmio_decode(s->bytes, s->length, s->mode, &in) != 0)
			fail_msg("refused: %s", s->text);
		check_sample(s, &in);
	}
}

/* What follows the instruction (here: more instructions, or junk) changes nothing. */
static void test_trailing_bytes_ignored(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_SAMPLES; i++) {
		const struct sample *s = &samples[i];
		uint8_t buf[15];
		memset(buf, 0x0f, sizeof(buf));
		memcpy(buf, s->bytes, s->length);
		struct mmio_insn in;
		if (mmio_decode(buf, sizeof(buf), s->mode, &in) != 0)
			fail_msg("refused with trailing bytes: %s", s->text);
		check_sample(s, &in);
		/* avail beyond 15 is clamped, not an error. */
		assert_int_equal(mmio_decode(buf, 100, s->mode, &in), 0);
		assert_int_equal(in.length, s->length);
	}
}

/* Every encoding cut short anywhere (prefix, opcode, ModRM, SIB, displacement, immediate,
 * moffs) is refused, and nothing past `avail` is read: each cut is copied to a heap block of
 * exactly that size, so ASan stops the test on any read beyond it. */
static void test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_SAMPLES; i++) {
		const struct sample *s = &samples[i];
		for (unsigned n = 0; n < s->length; n++) {
			uint8_t *cut = malloc(n ? n : 1);
			assert_non_null(cut);
			memcpy(cut, s->bytes, n);
			struct mmio_insn in;
			int rc = mmio_decode(cut, n, s->mode, &in);
			free(cut);
			if (rc != -1)
				fail_msg("accepted %u of %u bytes: %s", n, s->length, s->text);
		}
	}
}

struct refusal {
	const char *why;
	enum mmio_cpu_mode mode;
	uint8_t bytes[15];
	uint8_t length;
};

static const struct refusal refusals[] = {
	{ "mov %eax,%eax (mod=11: no memory operand)", M64, BYTES(0x89, 0xc0) },
	{ "mov %rax,%rax", M64, BYTES(0x48, 0x8b, 0xc0) },
	{ "movzbl %al,%eax", M64, BYTES(0x0f, 0xb6, 0xc0) },
	{ "xchg %ecx,%eax", M64, BYTES(0x87, 0xc8) },
	{ "xabort $0x0 (C6 /7)", M64, BYTES(0xc6, 0xf8, 0x00) },
	{ "C7 /1 with a memory operand", M64, BYTES(0xc7, 0x0f, 0x00, 0x00, 0x00, 0x00) },
	{ "lock mov %eax,(%rdi) (#UD)", M64, BYTES(0xf0, 0x89, 0x07) },
	{ "xrelease mov %eax,(%rdi)", M64, BYTES(0xf3, 0x89, 0x07) },
	{ "repnz mov (%rdi),%eax", M64, BYTES(0xf2, 0x8b, 0x07) },
	{ "test %eax,(%rdi) (flags)", M64, BYTES(0x85, 0x07) },
	{ "test %al,(%rdi)", M64, BYTES(0x84, 0x07) },
	{ "movzww (%rdi),%ax (no r16 form in the SDM)", M64, BYTES(0x66, 0x0f, 0xb7, 0x07) },
	{ "movsww (%rdi),%ax", M64, BYTES(0x66, 0x0f, 0xbf, 0x07) },
	{ "movzww (%si),%cx (16-bit mode)", M16, BYTES(0x0f, 0xb7, 0x0c) },
	{ "movsww (%si),%cx (16-bit mode)", M16, BYTES(0x0f, 0xbf, 0x0c) },
	{ "mov %es,(%rdi)", M64, BYTES(0x8c, 0x07) },
	{ "add %eax,(%rdi)", M64, BYTES(0x01, 0x07) },
	{ "ud2", M64, BYTES(0x0f, 0x0b) },
	{ "dec %eax; mov %eax,(%edi) (REX is DEC in 32-bit mode)", M32, BYTES(0x48, 0x89, 0x07) },
	{ "inc %eax; mov (%edi),%eax", M32, BYTES(0x40, 0x8b, 0x07) },
	{ "inc %ax (REX is INC in 16-bit mode)", M16, BYTES(0x40, 0x89, 0x07) },
	/* A REX not right before the opcode: objdump prints it as a lone "rex.W" and then
	 * mov %ax,(%rdi) / ds mov %eax,(%rdi) / mov %rax,(%rdi). */
	{ "rex.W 66 89 07", M64, BYTES(0x48, 0x66, 0x89, 0x07) },
	{ "rex.R 3e 89 07", M64, BYTES(0x44, 0x3e, 0x89, 0x07) },
	{ "rex rex.W 89 07 (two REX)", M64, BYTES(0x40, 0x48, 0x89, 0x07) },
	{ "addr32 rex 3e a0 (objdump drops the addr32)", M64,
	  BYTES(0x67, 0x40, 0x3e, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0) },
	{ "prefixes only", M64, BYTES(0x66, 0x66, 0x67, 0x3e, 0x48) },
	{ "15 prefixes and no opcode", M64,
	  BYTES(0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e, 0x3e,
		0x3e, 0x3e) },
};

static void test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		uint8_t buf[16];
		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, r->bytes, r->length);
		struct mmio_insn in;
		if (mmio_decode(buf, r->length, r->mode, &in) != -1)
			fail_msg("accepted: %s", r->why);
		/* With more bytes available too (the ones after are NOPs). */
		if (mmio_decode(buf, sizeof(buf), r->mode, &in) != -1)
			fail_msg("accepted with trailing bytes: %s", r->why);
	}
	struct mmio_insn in;
	assert_int_equal(mmio_decode((const uint8_t *)"", 0, M64, &in), -1);
}

/* 13 DS overrides and mov %eax,(%rdi) make 15 bytes: accepted. 14 make 16, which the processor
 * refuses with #GP: refused, even with all 16 bytes there. */
static void test_fifteen_byte_limit(void **state)
{
	(void)state;
	uint8_t buf[16];
	memset(buf, 0x3e, sizeof(buf));
	buf[13] = 0x89;
	buf[14] = 0x07;
	struct mmio_insn in;
	assert_int_equal(mmio_decode(buf, 15, M64, &in), 0);
	assert_int_equal(in.length, 15);
	buf[13] = 0x3e;
	buf[14] = 0x89;
	buf[15] = 0x07;
	assert_int_equal(mmio_decode(buf, 16, M64, &in), -1);
}

static struct mmio_insn decode(enum mmio_cpu_mode mode, const uint8_t *bytes, unsigned n)
{
	struct mmio_insn in;
	assert_int_equal(mmio_decode(bytes, n, mode, &in), 0);
	return in;
}
#define DECODE(mode, ...) decode(mode, (const uint8_t[]){ __VA_ARGS__ }, \
				 sizeof((uint8_t[]){ __VA_ARGS__ }))

static void fill(uint64_t regs[16])
{
	for (unsigned i = 0; i < 16; i++)
		regs[i] = 0xa5a5a5a5a5a5a5a5ull ^ (0x0101010101010101ull * i);
}

static void test_read_widths(void **state)
{
	(void)state;
	uint64_t regs[16], before[16];
	fill(regs);
	memcpy(before, regs, sizeof(regs));

	/* mov (%rdi),%edx: a 32-bit destination clears bits 63:32. */
	struct mmio_insn in = DECODE(M64, 0x8b, 0x17);
	mmio_complete_read(&in, regs, 0xaabbccdd12345678ull);   /* only the low 4 bytes count */
	assert_int_equal(regs[MMIO_RDX], 0x12345678);
	/* mov (%rdi),%r15: all 64 bits. */
	in = DECODE(M64, 0x4c, 0x8b, 0x3f);
	mmio_complete_read(&in, regs, 0x0123456789abcdefull);
	assert_int_equal(regs[15], 0x0123456789abcdefull);
	/* mov (%rdi),%ax: 16 bits merge. */
	in = DECODE(M64, 0x66, 0x8b, 0x07);
	mmio_complete_read(&in, regs, 0xffffbeef);
	assert_int_equal(regs[MMIO_RAX], (before[MMIO_RAX] & ~0xffffull) | 0xbeef);
	/* mov (%rdi),%cl: 8 bits merge. */
	in = DECODE(M64, 0x8a, 0x0f);
	mmio_complete_read(&in, regs, 0x1234);
	assert_int_equal(regs[MMIO_RCX], (before[MMIO_RCX] & ~0xffull) | 0x34);
	/* mov (%rdi),%bh: bits 15:8 of RBX. */
	in = DECODE(M64, 0x8a, 0x3f);
	mmio_complete_read(&in, regs, 0x5a);
	assert_int_equal(regs[MMIO_RBX], (before[MMIO_RBX] & ~0xff00ull) | 0x5a00);
	/* mov (%rdi),%spl (REX): the low byte of RSP, not AH. */
	uint64_t rax = regs[MMIO_RAX];
	in = DECODE(M64, 0x40, 0x8a, 0x27);
	mmio_complete_read(&in, regs, 0x77);
	assert_int_equal(regs[MMIO_RSP], (before[MMIO_RSP] & ~0xffull) | 0x77);
	assert_int_equal(regs[MMIO_RAX], rax);
	/* 32-bit mode mov 0xfec00010,%ecx: the upper half is undefined there; cleared. */
	in = DECODE(M32, 0x8b, 0x0d, 0x10, 0x00, 0xc0, 0xfe);
	mmio_complete_read(&in, regs, 0xcafef00d);
	assert_int_equal(regs[MMIO_RCX], 0xcafef00d);

	/* Registers not named are untouched. */
	for (unsigned i = 8; i < 15; i++)
		assert_int_equal(regs[i], before[i]);
	assert_int_equal(regs[MMIO_RSI], before[MMIO_RSI]);
	assert_int_equal(regs[MMIO_RDI], before[MMIO_RDI]);
}

static void test_read_extensions(void **state)
{
	(void)state;
	uint64_t regs[16];
	fill(regs);
	uint64_t rax = regs[MMIO_RAX];

	struct mmio_insn in = DECODE(M64, 0x0f, 0xb6, 0x07);            /* movzbl (%rdi),%eax */
	mmio_complete_read(&in, regs, 0xff80);
	assert_int_equal(regs[MMIO_RAX], 0x80);
	in = DECODE(M64, 0x48, 0x0f, 0xbe, 0x07);                       /* movsbq (%rdi),%rax */
	mmio_complete_read(&in, regs, 0x80);
	assert_int_equal(regs[MMIO_RAX], 0xffffffffffffff80ull);
	in = DECODE(M64, 0x48, 0x0f, 0xbe, 0x07);
	mmio_complete_read(&in, regs, 0x7f);
	assert_int_equal(regs[MMIO_RAX], 0x7f);
	in = DECODE(M64, 0x0f, 0xbf, 0x07);                             /* movswl (%rdi),%eax */
	mmio_complete_read(&in, regs, 0x8000);
	assert_int_equal(regs[MMIO_RAX], 0xffff8000ull);                /* then zero-extended */
	in = DECODE(M64, 0x4d, 0x0f, 0xb7, 0x73, 0x10);                 /* movzwq 0x10(%r11),%r14 */
	mmio_complete_read(&in, regs, 0xffffffff9876ull);
	assert_int_equal(regs[14], 0x9876);
	in = DECODE(M64, 0x48, 0x0f, 0xbf, 0x4f, 0x40);                 /* movswq 0x40(%rdi),%rcx */
	mmio_complete_read(&in, regs, 0xfffe);
	assert_int_equal(regs[MMIO_RCX], 0xfffffffffffffffeull);

	/* movsbw (%rdi),%ax: sign-extends to 16 bits and merges those. */
	regs[MMIO_RAX] = rax;
	in = DECODE(M64, 0x66, 0x0f, 0xbe, 0x07);
	mmio_complete_read(&in, regs, 0x80);
	assert_int_equal(regs[MMIO_RAX], (rax & ~0xffffull) | 0xff80);
	/* movzbw (%rdi),%ax */
	regs[MMIO_RAX] = rax;
	in = DECODE(M64, 0x66, 0x0f, 0xb6, 0x07);
	mmio_complete_read(&in, regs, 0xfe);
	assert_int_equal(regs[MMIO_RAX], (rax & ~0xffffull) | 0x00fe);
	/* 16-bit mode movsbl 0x10(%di),%ecx */
	in = DECODE(M16, 0x66, 0x0f, 0xbe, 0x4d, 0x10);
	mmio_complete_read(&in, regs, 0x81);
	assert_int_equal(regs[MMIO_RCX], 0xffffff81ull);
}

static void test_write_values(void **state)
{
	(void)state;
	uint64_t regs[16];
	fill(regs);
	regs[MMIO_RAX] = 0x1122334455667788ull;
	regs[MMIO_RBX] = 0xabcd;
	regs[9] = 0xffffffff87654321ull;

	struct mmio_insn in = DECODE(M64, 0x89, 0x07);                  /* mov %eax,(%rdi) */
	assert_int_equal(mmio_write_value(&in, regs), 0x55667788);
	in = DECODE(M64, 0x48, 0x89, 0x07);                             /* mov %rax,(%rdi) */
	assert_int_equal(mmio_write_value(&in, regs), 0x1122334455667788ull);
	in = DECODE(M64, 0x66, 0x89, 0x07);                             /* mov %ax,(%rdi) */
	assert_int_equal(mmio_write_value(&in, regs), 0x7788);
	in = DECODE(M64, 0x88, 0x27);                                   /* mov %ah,(%rdi) */
	assert_int_equal(mmio_write_value(&in, regs), 0x77);
	in = DECODE(M64, 0x88, 0x3f);                                   /* mov %bh,(%rdi) */
	assert_int_equal(mmio_write_value(&in, regs), 0xab);
	in = DECODE(M64, 0x40, 0x88, 0x3f);                             /* mov %dil,(%rdi) */
	assert_int_equal(mmio_write_value(&in, regs), regs[MMIO_RDI] & 0xff);
	in = DECODE(M64, 0x44, 0x89, 0x4e, 0x10);                       /* mov %r9d,0x10(%rsi) */
	assert_int_equal(mmio_write_value(&in, regs), 0x87654321);
	in = DECODE(M64, 0xa2, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0);           /* movabs %al,0xfec00000 */
	assert_int_equal(mmio_write_value(&in, regs), 0x88);
	in = DECODE(M64, 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff);     /* movq $-1,(%rax) */
	assert_int_equal(mmio_write_value(&in, regs), 0xffffffffffffffffull);
	in = DECODE(M64, 0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80);     /* movq $-0x80000000 */
	assert_int_equal(mmio_write_value(&in, regs), 0xffffffff80000000ull);
	in = DECODE(M64, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80);           /* movl $0x80000000 */
	assert_int_equal(mmio_write_value(&in, regs), 0x80000000ull);
	in = DECODE(M64, 0xc6, 0x02, 0x5a);                             /* movb $0x5a,(%rdx) */
	assert_int_equal(mmio_write_value(&in, regs), 0x5a);

	/* A write leaves the registers alone even if mmio_complete_read is called. */
	uint64_t copy[16];
	memcpy(copy, regs, sizeof(regs));
	in = DECODE(M64, 0x89, 0x07);
	mmio_complete_read(&in, regs, 0);
	assert_memory_equal(copy, regs, sizeof(regs));
}

/* XCHG as the exit handler runs it: store the register, load the device's old value into it. */
static void test_xchg(void **state)
{
	(void)state;
	uint64_t regs[16];
	fill(regs);
	regs[MMIO_RAX] = 0xffffffff00000300ull;
	struct mmio_insn in = DECODE(M64, 0x87, 0x07);                  /* xchg %eax,(%rdi) */
	uint64_t device = 0x12;
	uint64_t old = device;
	device = mmio_write_value(&in, regs);
	mmio_complete_read(&in, regs, old);
	assert_int_equal(device, 0x300);
	assert_int_equal(regs[MMIO_RAX], 0x12);

	regs[MMIO_RBX] = 0x1234;
	in = DECODE(M64, 0x86, 0x3f);                                   /* xchg %bh,(%rdi) */
	assert_int_equal(mmio_write_value(&in, regs), 0x12);
	mmio_complete_read(&in, regs, 0xee);
	assert_int_equal(regs[MMIO_RBX], 0xee34);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_trailing_bytes_ignored),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_fifteen_byte_limit),
		cmocka_unit_test(test_read_widths),
		cmocka_unit_test(test_read_extensions),
		cmocka_unit_test(test_write_values),
		cmocka_unit_test(test_xchg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
