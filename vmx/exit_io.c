/*
 * I/O instruction exits (every port exits: the I/O bitmaps are all ones). The partition's
 * virtual UART answers at 0x3F8-0x3FF; any other port reads as all ones (what an empty ISA bus
 * returns) and writes are dropped and counted. String I/O (INS/OUTS) is not emulated: it stops
 * the partition with a clear reason rather than being half-done. Qualification: SDM 28.2.1,
 * table "Exit Qualification for I/O Instructions".
 */
#include "kernel/partition.h"
#include "vmx/exit.h"

enum exit_action exit_io(struct vcpu *v)
{
	uint64_t q = exit_qualification();
	unsigned size = (unsigned)(q & 7) + 1;          /* 1, 2 or 4 bytes */
	bool in = (q >> 3) & 1, string = (q >> 4) & 1;
	uint16_t port = (uint16_t)(q >> 16);
	if (string) {
		partition_fault(v->partition, "string I/O (%s) on port %#x is not supported",
				in ? "INS" : "OUTS", port);
		return EXIT_RESCHEDULE;
	}
	uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
	uint32_t value = in ? 0xffffffffu : (uint32_t)(v->regs.rax & mask);
	if (!vuart_io(&v->partition->uart, port, in, &value) && !in)
		v->io_dropped++;
	if (in) {
		/* 8/16-bit IN merge into AL/AX; 32-bit IN zero-extends into RAX (SDM Vol. 1 3.4.1.1). */
		if (size == 4)
			v->regs.rax = value;
		else
			v->regs.rax = (v->regs.rax & ~mask) | (value & mask);
	}
	vcpu_skip_instruction();
	return EXIT_RESUME;
}
