/*
 * MMIO instruction decoding (see mmio_decode.h), following SDM Vol. 2 chapter 2, "Instruction
 * Format": legacy prefixes, then REX (64-bit mode only), then one or two opcode bytes, then
 * ModRM, SIB and displacement for the memory operand, then the immediate. Only lengths and
 * register numbers matter here; the effective address is never computed, since the exit's
 * guest-physical address already says where the access went. An instruction that would be
 * longer than 15 bytes raises #GP on hardware, so the decoder never reads past byte 15.
 */
#include <stddef.h>
#include "vmx/mmio_decode.h"

#define MAX_LENGTH 15

#define REX_W 8
#define REX_R 4

struct cursor {
	const uint8_t *bytes;
	unsigned avail, at;
};

/* Takes the next n bytes as a little-endian value; false if they are not all there. */
static bool take(struct cursor *c, unsigned n, uint64_t *value)
{
	if (n > c->avail - c->at)
		return false;
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)c->bytes[c->at + i] << (8 * i);
	c->at += n;
	if (value)
		*value = v;
	return true;
}

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Two's-complement sign extension of the low `size` bytes, in unsigned arithmetic. */
static uint64_t sign_extend(uint64_t v, unsigned size)
{
	if (size >= 8)
		return v;
	uint64_t sign = 1ull << (8 * size - 1);
	return ((v & mask_of(size)) ^ sign) - sign;
}

static bool is_segment_override(uint64_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/* Steps over the SIB byte and displacement that a ModRM memory operand brings. mod = 11 names
 * a register, not memory: such an instruction cannot have caused the EPT violation. With
 * 32/64-bit addressing (SDM Vol. 2 2.1.5, "Addressing-Mode Encoding of ModR/M and SIB Bytes",
 * Table 2-2) rm = 100 means a SIB follows, mod = 00 with rm = 101 means disp32 alone (RIP- or
 * EIP-relative in 64-bit mode, 2.2.1.6), and a SIB base of 101 with mod = 00 means disp32 and
 * no base. REX.B plays no part in these cases (Table 2-5, "Special Cases of REX Encodings":
 * R12 still needs a SIB, R13 at mod = 00 is still disp32), so only the 3-bit fields are
 * looked at. With 16-bit addressing (Table 2-1) there is no SIB and mod = 00 with rm = 110 is
 * a bare disp16. */
static bool skip_memory_operand(struct cursor *c, uint8_t modrm, unsigned address_size)
{
	unsigned mod = modrm >> 6, rm = modrm & 7, disp;
	if (mod == 3)
		return false;
	if (address_size == 2) {
		disp = mod == 1 ? 1 : (mod == 2 || rm == 6) ? 2 : 0;
	} else {
		disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
		if (rm == 4) {
			uint64_t sib;
			if (!take(c, 1, &sib))
				return false;
			if (mod == 0 && (sib & 7) == 5)
				disp = 4;
		} else if (mod == 0 && rm == 5) {
			disp = 4;
		}
	}
	return take(c, disp, NULL);
}

int mmio_decode(const uint8_t *bytes, unsigned avail, enum mmio_cpu_mode mode,
		struct mmio_insn *out)
{
	struct cursor c = { bytes, avail < MAX_LENGTH ? avail : MAX_LENGTH, 0 };
	bool opsize = false, adsize = false, lock = false, has_rex = false;
	uint8_t rex = 0;
	uint64_t b;

	/* Legacy prefixes in any order, then REX. Outside 64-bit mode 40-4F are INC/DEC and end
	 * the prefixes (refused below as opcodes). A REX must come right before the opcode, and
	 * only one is allowed (SDM Vol. 2 2.2.1, "REX Prefixes"); the SDM says a REX placed
	 * elsewhere is ignored, but what the prefixes before it then do is where disassemblers
	 * part ways (objdump drops them), and no compiler emits it, so it is refused rather than
	 * guessed at. F2/F3 end the prefixes too and are refused: with these opcodes they mean
	 * nothing a compiler emits for device registers (XRELEASE). */
	for (;;) {
		if (!take(&c, 1, &b))
			return -1;
		bool rex_byte = mode == MMIO_MODE_64 && (b & 0xf0) == 0x40;
		bool legacy = b == 0x66 || b == 0x67 || b == 0xf0 || is_segment_override(b);
		if (has_rex && (rex_byte || legacy))
			return -1;
		if (rex_byte) {
			has_rex = true;
			rex = (uint8_t)b;
		} else if (!legacy) {
			break;
		} else if (b == 0x66) {
			opsize = true;
		} else if (b == 0x67) {
			adsize = true;
		} else if (b == 0xf0) {
			lock = true;
		}
	}

	/* SDM Vol. 1 3.6.1, "Operand Size and Address Size in 64-Bit Mode", and Vol. 2 2.2.1.2:
	 * 66 toggles the default (32 in 64- and 32-bit mode, 16 in 16-bit mode); REX.W makes it
	 * 64 whatever 66 says. 67 toggles the address size: 64 -> 32, 32 <-> 16. */
	unsigned full = (rex & REX_W) ? 8 : ((mode == MMIO_MODE_16) != opsize) ? 2 : 4;
	unsigned address = mode == MMIO_MODE_64 ? (adsize ? 4 : 8)
						: ((mode == MMIO_MODE_32) != adsize) ? 4 : 2;

	unsigned op = (unsigned)b;
	if (op == 0x0f) {
		if (!take(&c, 1, &b))
			return -1;
		op = 0x0f00 | (unsigned)b;
	}

	struct mmio_insn in = { 0 };
	in.src_kind = MMIO_OP_REG;
	bool has_modrm = true, byte_reg = false, has_imm = false;
	switch (op) {
	case 0x88: case 0x89:                   /* MOV r/m, r */
		in.is_write = true;
		in.size = op & 1 ? full : 1;
		byte_reg = !(op & 1);
		break;
	case 0x8a: case 0x8b:                   /* MOV r, r/m */
		in.size = op & 1 ? full : 1;
		byte_reg = !(op & 1);
		break;
	case 0x86: case 0x87:                   /* XCHG r/m, r */
		in.is_write = in.is_xchg = true;
		in.size = op & 1 ? full : 1;
		byte_reg = !(op & 1);
		break;
	case 0xc6: case 0xc7:                   /* MOV r/m, imm (ModRM.reg must be 0) */
		in.is_write = true;
		in.src_kind = MMIO_OP_IMM;
		in.size = op & 1 ? full : 1;
		has_imm = true;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:     /* MOV AL/rAX <-> moffs */
		in.is_write = op >= 0xa2;
		in.size = op & 1 ? full : 1;
		in.reg = MMIO_RAX;
		has_modrm = false;
		break;
	case 0x0fb6: case 0x0fb7:               /* MOVZX r, r/m8 / r/m16 */
	case 0x0fbe: case 0x0fbf:               /* MOVSX r, r/m8 / r/m16 */
		in.size = op & 1 ? 2 : 1;
		in.extend = op >= 0x0fbe ? MMIO_EXT_SIGN : MMIO_EXT_ZERO;
		/* The SDM lists no 16-bit destination for the r/m16 forms. */
		if (in.size == 2 && full == 2)
			return -1;
		in.dest_size = (uint8_t)full;
		break;
	default:
		return -1;
	}
	/* LOCK is #UD except on read-modify-write instructions (SDM Vol. 2, "LOCK"); XCHG with
	 * memory locks anyway. */
	if (lock && !in.is_xchg)
		return -1;

	if (has_modrm) {
		uint64_t modrm;
		if (!take(&c, 1, &modrm))
			return -1;
		unsigned reg = ((modrm >> 3) & 7) | ((rex & REX_R) ? 8 : 0);
		if (in.src_kind == MMIO_OP_IMM && ((modrm >> 3) & 7) != 0)
			return -1;
		if (!skip_memory_operand(&c, (uint8_t)modrm, address))
			return -1;
		/* Byte registers 4-7 are AH, CH, DH, BH without a REX prefix and SPL, BPL, SIL,
		 * DIL with one (SDM Vol. 1 3.7.2.1, "Register Operands in 64-Bit Mode"). */
		if (byte_reg && !has_rex && reg >= 4 && reg < 8) {
			in.high_byte = true;
			reg -= 4;
		}
		if (in.src_kind == MMIO_OP_REG)
			in.reg = (uint8_t)reg;
	} else if (!take(&c, address, NULL)) {
		return -1;
	}

	if (has_imm) {
		/* C7 with REX.W takes an imm32 and sign-extends it to 64 bits. */
		unsigned n = in.size == 8 ? 4 : in.size;
		uint64_t imm;
		if (!take(&c, n, &imm))
			return -1;
		in.imm = sign_extend(imm, n) & mask_of(in.size);
	}

	if (in.dest_size == 0)
		in.dest_size = in.size;
	in.length = (uint8_t)c.at;
	*out = in;
	return 0;
}

void mmio_complete_read(const struct mmio_insn *in, uint64_t regs[16], uint64_t value)
{
	if (in->is_write && !in->is_xchg)
		return;
	uint64_t v = value & mask_of(in->size);
	if (in->extend == MMIO_EXT_SIGN)
		v = sign_extend(v, in->size);
	uint64_t *r = &regs[in->reg & 15];
	switch (in->dest_size) {
	case 8:
		*r = v;
		break;
	case 4:
		*r = v & 0xffffffffull;
		break;
	case 2:
		*r = (*r & ~0xffffull) | (v & 0xffff);
		break;
	case 1:
		if (in->high_byte)
			*r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
		else
			*r = (*r & ~0xffull) | (v & 0xff);
		break;
	}
}

uint64_t mmio_write_value(const struct mmio_insn *in, const uint64_t regs[16])
{
	if (in->src_kind == MMIO_OP_IMM)
		return in->imm & mask_of(in->size);
	uint64_t v = regs[in->reg & 15];
	if (in->high_byte)
		v >>= 8;
	return v & mask_of(in->size);
}
