/*
 * The virtual I/O APIC (see vioapic.h). Register map from the 82093AA data sheet, section
 * "Register Description": 0x00 ID (bits 27:24), 0x01 version (max redirection entry in bits
 * 23:16, version 0x11 in 7:0), 0x02 arbitration ID, 0x10 + 2n / 0x11 + 2n the low and high
 * halves of entry n. Delivery status (bit 12) and Remote IRR (bit 14) are read-only.
 */
#include "vdev/vioapic.h"

#define REG_ID          0x00
#define REG_VERSION     0x01
#define REG_ARB         0x02
#define REG_REDIR       0x10
#define OFF_IOREGSEL    0x00
#define OFF_IOWIN       0x10
#define RTE_REMOTE_IRR  (1ull << 14)
#define RTE_LEVEL       (1ull << 15)
#define RTE_MASKED      (1ull << 16)
#define RTE_POLARITY    (1ull << 13)
#define RTE_READONLY    ((1ull << 12) | RTE_REMOTE_IRR)
#define RTE_WRITABLE    (0xff000000000000ffull | (7ull << 8) | (1ull << 11) | RTE_POLARITY | \
			 RTE_LEVEL | RTE_MASKED)

void vioapic_reset(struct vioapic *io, uint32_t id)
{
	io->id = id & 15;
	io->index = 0;
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
	io->line = 0;
	io->delivered = 0;
}

static void send(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	bool level = e & RTE_LEVEL;
	if (level)
		io->redir[pin] |= RTE_REMOTE_IRR;
	io->delivered++;
	if (io->deliver)
		io->deliver(io->ctx, (uint8_t)(e & 0xff), (uint32_t)(e >> 56), level,
			    (unsigned)(e >> 8) & 7);
}

/* A level pin delivers while asserted, unmasked and not already in service. */
static void level_check(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	if ((e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) && ((io->line >> pin) & 1))
		send(io, pin);
}

static uint32_t read_register(const struct vioapic *io)
{
	unsigned r = io->index & 0xff;
	if (r == REG_ID)
		return io->id << 24;
	if (r == REG_VERSION)
		return ((VIOAPIC_PINS - 1) << 16) | 0x11;
	if (r == REG_ARB)
		return io->id << 24;
	if (r >= REG_REDIR && r < REG_REDIR + 2 * VIOAPIC_PINS) {
		uint64_t e = io->redir[(r - REG_REDIR) / 2];
		return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	return 0;                                  /* reserved registers read as zero */
}

static void write_register(struct vioapic *io, uint32_t value)
{
	unsigned r = io->index & 0xff;
	if (r == REG_ID) {
		io->id = (value >> 24) & 15;
		return;
	}
	if (r < REG_REDIR || r >= REG_REDIR + 2 * VIOAPIC_PINS)
		return;                                /* version, arbitration: read-only */
	unsigned pin = (r - REG_REDIR) / 2;
	uint64_t e = io->redir[pin];
	uint64_t merged = (r & 1) ? (e & 0xffffffffull) | ((uint64_t)value << 32)
				  : (e & ~0xffffffffull) | value;
	io->redir[pin] = (merged & RTE_WRITABLE) | (e & RTE_READONLY);
	if (!(io->redir[pin] & RTE_LEVEL))
		io->redir[pin] &= ~RTE_REMOTE_IRR;     /* only level entries have it */
	level_check(io, pin);                      /* unmasking an asserted level pin */
}

void vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned size, uint64_t *value)
{
	if (size != 4)
		*value = 0;
	else if (offset == OFF_IOREGSEL)
		*value = io->index;
	else if (offset == OFF_IOWIN)
		*value = read_register(io);
	else
		*value = 0;
}

void vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned size, uint64_t value)
{
	if (size != 4)
		return;
	if (offset == OFF_IOREGSEL)
		io->index = (uint32_t)value & 0xff;
	else if (offset == OFF_IOWIN)
		write_register(io, (uint32_t)value);
}

void vioapic_set_line(struct vioapic *io, unsigned pin, bool level)
{
	if (pin >= VIOAPIC_PINS)
		return;
	/* The polarity bit says which input level means "asserted"; `level` is the device's
	 * active-high output, so an active-low entry sees it inverted. */
	bool asserted = level != ((io->redir[pin] & RTE_POLARITY) != 0);
	bool was = (io->line >> pin) & 1;
	if (asserted)
		io->line |= 1u << pin;
	else
		io->line &= ~(1u << pin);
	uint64_t e = io->redir[pin];
	if (e & RTE_LEVEL)
		level_check(io, pin);
	else if (asserted && !was && !(e & RTE_MASKED))
		send(io, pin);                         /* edge: the rising input */
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];
		if ((e & RTE_LEVEL) && (e & RTE_REMOTE_IRR) && (e & 0xff) == vector) {
			io->redir[pin] &= ~RTE_REMOTE_IRR;
			level_check(io, pin);
		}
	}
}
