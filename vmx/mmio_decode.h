/*
 * Decoding the guest instruction behind an EPT violation on an emulated MMIO page. The exit
 * gives the guest-physical address and whether the access was a read or a write, but not the
 * data, the register or, reliably, the instruction length: the VM-exit instruction-length
 * field is defined only for the exits SDM Vol. 3C 28.2.5 lists ("Information for VM Exits Due
 * to Instruction Execution"), and an EPT violation is among them only during delivery of a
 * software interrupt or exception. So the hypervisor fetches the bytes at guest RIP and this
 * module works out the length, the access size, the register or immediate, and how a read
 * lands in the register. Only the MOV family that compilers emit for device registers is
 * accepted (SDM Vol. 2, instructions MOV, MOVZX, MOVSX, XCHG); anything else is refused, and
 * the caller stops the partition rather than guess. Pure: unit-tested on the host.
 */
#ifndef BULKHEAD_MMIO_DECODE_H
#define BULKHEAD_MMIO_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* The default operand and address size of the code segment (SDM Vol. 1 3.6, "Operand-Size
 * and Address-Size Attributes"): 64-bit mode when IA32_EFER.LMA = 1 and CS.L = 1; otherwise
 * (compatibility mode, protected mode, real or virtual-8086 mode) CS.D = 1 gives 32-bit and
 * CS.D = 0 gives 16-bit. Real and virtual-8086 mode are MMIO_MODE_16. */
enum mmio_cpu_mode { MMIO_MODE_64, MMIO_MODE_32, MMIO_MODE_16 };

enum mmio_src_kind { MMIO_OP_REG, MMIO_OP_IMM };
enum mmio_extend { MMIO_EXT_NONE, MMIO_EXT_ZERO, MMIO_EXT_SIGN };

/* Register indices: the ModRM/REX encoding order, also the order of regs[] below. */
enum { MMIO_RAX, MMIO_RCX, MMIO_RDX, MMIO_RBX, MMIO_RSP, MMIO_RBP, MMIO_RSI, MMIO_RDI };

struct mmio_insn {
	uint8_t length;                 /* bytes, prefixes included: the amount to advance RIP */
	uint8_t size;                   /* bytes accessed at the MMIO address: 1, 2, 4 or 8 */
	bool is_write;                  /* stores to the device (also set for XCHG) */
	bool is_xchg;                   /* XCHG: write the register's value, and the old device
					 * value goes to the register (read, write, then
					 * mmio_complete_read) */
	enum mmio_src_kind src_kind;    /* for writes: register or immediate */
	uint8_t reg;                    /* regs[] index of the register operand, 0-15 (not used
					 * for immediates) */
	bool high_byte;                 /* 8-bit AH, CH, DH or BH: bits 15:8 of regs[reg], and
					 * then reg is 0-3 (RAX..RBX) */
	uint64_t imm;                   /* immediate to store, already extended to size */
	enum mmio_extend extend;        /* MOVZX / MOVSX reads */
	uint8_t dest_size;              /* register bytes written by a read; = size except for
					 * MOVZX / MOVSX */
};

/* Decodes the instruction in the first `avail` bytes of `bytes` (at most 15 are looked at: the
 * architectural limit). Returns 0 and fills *out, or -1 if the bytes are not a supported MMIO
 * instruction or stop before its end. Supported: MOV 88/89/8A/8B with a memory operand,
 * MOV C6 /0 and C7 /0 (immediate), MOV A0-A3 (moffs), MOVZX 0F B6/B7, MOVSX 0F BE/BF, XCHG
 * 86/87; prefixes 66, 67, segment overrides (ignored: the exit gives the address), LOCK on
 * XCHG only, and one REX right before the opcode in 64-bit mode. Refused among others:
 * register operands (ModRM mod = 11, no memory access), TEST (84/85: flags not emulated),
 * F2/F3, LOCK on MOV (#UD on hardware), a REX anywhere but right before the opcode. */
int mmio_decode(const uint8_t *bytes, unsigned avail, enum mmio_cpu_mode mode,
		struct mmio_insn *out);

/* Puts the value a read returned (its low `size` bytes are used) into the register, as the
 * processor would: MOVZX/MOVSX extend to dest_size; a 4-byte destination clears bits 63:32
 * (SDM Vol. 1 3.4.1.1, "General-Purpose Registers in 64-Bit Mode"; outside 64-bit mode those
 * bits are undefined, so clearing them is correct there too); 1- and 2-byte destinations keep
 * the rest of the register. regs[16] in MMIO_RAX.. order, R8-R15 after; regs[MMIO_RSP] must
 * hold the guest's RSP (kept in the VMCS, not with the other registers). Does nothing for a
 * plain write. */
void mmio_complete_read(const struct mmio_insn *in, uint64_t regs[16], uint64_t value);

/* The value a write (or XCHG) stores: the register or immediate, truncated to size. */
uint64_t mmio_write_value(const struct mmio_insn *in, const uint64_t regs[16]);

#endif
