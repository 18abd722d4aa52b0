/*
 * I/O instruction exits (every port exits: the I/O bitmaps are all ones). An ELF partition's
 * virtual UART answers at 0x3F8-0x3FF; any other port reads as all ones (what an empty ISA bus
 * returns) and writes are dropped and counted; string I/O stops an ELF partition with a clear
 * reason. An OS partition's ports are those of its virtual PC (vdev/platform.c), and its
 * string I/O (REP OUTSB to the UART is how Linux's 8250 driver may write) is emulated here, a
 * bounded number of elements per exit: REP string instructions restart where they stopped, so
 * a long one simply exits again and the hypervisor never spends long on one guest request.
 * Qualification: SDM Vol. 3C 28.2.1, table "Exit Qualification for I/O Instructions"; the
 * memory operand's linear address is in the guest-linear-address field and the address size
 * in the VM-exit instruction-information field (28.2.5, "Information for VM Exits Due to
 * Instruction Execution").
 */
#include "kernel/partition.h"
#include "vdev/platform.h"
#include "vmx/exit.h"
#include "vmx/guest_walk.h"

#define STRING_IO_BATCH 256                 /* elements per exit at most */
#define RFLAGS_DF (1ull << 10)

static void port_access(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	if (v->lapic) {
		vplatform_io(v, port, size, in, value);
		return;
	}
	if (!vuart_io(&v->partition->uart, port, in, value) && !in)
		v->io_dropped++;
}

static int guest_bytes(void *ctx, uint64_t gpa, void *buf, unsigned n, bool write)
{
	struct partition *p = ctx;
	if (!partition_gpa_range_ok(p, gpa, n))
		return -1;
	uint8_t *ram = partition_gpa_ptr(p, gpa), *b = buf;
	for (unsigned i = 0; i < n; i++) {
		if (write)
			ram[i] = b[i];
		else
			b[i] = ram[i];
	}
	return 0;
}

static int read64(void *ctx, uint64_t gpa, uint64_t *value)
{
	return guest_bytes(ctx, gpa, value, 8, false);
}

/* One element of INS/OUTS at guest-linear `la`, byte by byte, each translated through the
 * guest's paging: an element may straddle two pages. */
static bool string_element(struct vcpu *v, const struct guest_paging *pg, uint64_t la,
			   uint16_t port, unsigned size, bool in)
{
	uint8_t b[4] = { 0, 0, 0, 0 };
	uint64_t gpa[4];
	for (unsigned i = 0; i < size; i++)
		if (guest_virt_to_phys(pg, la + i, read64, v->partition, &gpa[i]) != 0)
			return false;
	uint32_t value = 0;
	if (in) {
		port_access(v, port, size, true, &value);
		for (unsigned i = 0; i < size; i++) {
			b[i] = (uint8_t)(value >> (8 * i));
			if (guest_bytes(v->partition, gpa[i], &b[i], 1, true) != 0)
				return false;
		}
		return true;
	}
	for (unsigned i = 0; i < size; i++) {
		if (guest_bytes(v->partition, gpa[i], &b[i], 1, false) != 0)
			return false;
		value |= (uint32_t)b[i] << (8 * i);
	}
	port_access(v, port, size, false, &value);
	return true;
}

static enum exit_action string_io(struct vcpu *v, uint64_t q, uint16_t port, unsigned size, bool in)
{
	bool rep = (q >> 5) & 1;
	unsigned asize = 16u << (((uint32_t)vmcs_read(VMCS_EXIT_INSTRUCTION_INFO) >> 7) & 7);
	uint64_t amask = asize >= 64 ? ~0ull : (1ull << asize) - 1;
	uint64_t *index = in ? &v->regs.rdi : &v->regs.rsi;
	uint64_t count = rep ? v->regs.rcx & amask : 1;
	int64_t step = (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_DF) ? -(int64_t)size : (int64_t)size;
	struct guest_paging pg = { .cr0 = vmcs_read(VMCS_GUEST_CR0), .cr3 = vmcs_read(VMCS_GUEST_CR3),
				   .cr4 = vmcs_read(VMCS_GUEST_CR4), .efer = vmcs_read(VMCS_GUEST_EFER) };
	/* The linear address of the first element; later ones follow the index register. */
	uint64_t la = vmcs_read(VMCS_GUEST_LINEAR_ADDRESS);
	unsigned done = 0;
	while (count && done < STRING_IO_BATCH) {
		if (!string_element(v, &pg, la, port, size, in)) {
			partition_fault(v->partition, "%s on port %#x with its buffer at guest-linear "
					"%#llx not in its memory", in ? "INS" : "OUTS", port,
					(unsigned long long)la);
			return EXIT_RESCHEDULE;
		}
		la += (uint64_t)step;
		*index = (*index & ~amask) | ((*index + (uint64_t)step) & amask);
		count--;
		done++;
		if (v->partition->state != PARTITION_RUNNING)
			return EXIT_RESCHEDULE;       /* the write powered it off or reset it */
	}
	if (rep)
		v->regs.rcx = (v->regs.rcx & ~amask) | count;
	if (!count)
		vcpu_skip_instruction();          /* else it runs again from where it stopped */
	return EXIT_RESUME;
}

enum exit_action exit_io(struct vcpu *v)
{
	uint64_t q = exit_qualification();
	unsigned size = (unsigned)(q & 7) + 1;          /* 1, 2 or 4 bytes */
	bool in = (q >> 3) & 1, string = (q >> 4) & 1;
	uint16_t port = (uint16_t)(q >> 16);
	if (string) {
		if (v->lapic)
			return string_io(v, q, port, size, in);
		partition_fault(v->partition, "string I/O (%s) on port %#x is not supported",
				in ? "INS" : "OUTS", port);
		return EXIT_RESCHEDULE;
	}
	uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
	uint32_t value = in ? 0xffffffffu : (uint32_t)(v->regs.rax & mask);
	port_access(v, port, size, in, &value);
	if (v->partition->state != PARTITION_RUNNING)
		return EXIT_RESCHEDULE;               /* powered off or reset by this write */
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
