/*
 * Virtual I/O APIC (see vioapic.h), after the Intel 82093AA data sheet: "Register
 * Description" (IOREGSEL, IOWIN, IOAPICID, IOAPICVER, IOAPICARB, IOREDTBL) and the mask,
 * trigger-mode and Remote IRR rules of the redirection entries. Deliveries are synchronous, so
 * Delivery Status always reads idle.
 */
#include "vdev/vioapic.h"

#define REDIR_LAST      (VIOAPIC_REG_REDIR + 2 * VIOAPIC_PINS - 1)
/* Writable low-half bits: vector, delivery mode, destination mode, polarity, trigger mode,
 * mask; Delivery Status and Remote IRR are read-only and bits 31:17 reserved. */
#define RTE_LOW_WRITABLE 0x1afffull
#define RTE_HIGH_WRITABLE 0xff000000ull          /* destination, entry bits 63:56 */

void vioapic_reset(struct vioapic *io, uint32_t id)
{
	*io = (struct vioapic){ .id = id & 0xf };
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		io->redir[i] = VIOAPIC_RTE_MASKED;
}

/* SMI, NMI, INIT and ExtINT "are treated as edge triggered even if programmed as level"
 * (data sheet, Delivery Mode): only fixed and lowest-priority entries use Remote IRR. */
static bool level_semantics(uint64_t e)
{
	unsigned dm = VIOAPIC_RTE_DELIVERY(e);
	return (e & VIOAPIC_RTE_LEVEL) &&
	       (dm == VIOAPIC_DELIVERY_FIXED || dm == VIOAPIC_DELIVERY_LOWEST);
}

static bool asserted(const struct vioapic *io, unsigned pin)
{
	return (io->line_level >> pin) & 1;
}

static void send(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	bool level = level_semantics(e);
	if (level)
		io->redir[pin] |= VIOAPIC_RTE_REMOTE_IRR;
	io->delivered++;
	if (io->deliver)
		io->deliver(io->ctx, (uint8_t)(e & VIOAPIC_RTE_VECTOR), VIOAPIC_RTE_DEST(e), level,
			    VIOAPIC_RTE_DELIVERY(e));
}

/* A level entry sends while its line is asserted, it is unmasked and no earlier interrupt
 * of it awaits its EOI. */
static void level_check(struct vioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	if (level_semantics(e) && !(e & (VIOAPIC_RTE_MASKED | VIOAPIC_RTE_REMOTE_IRR)) &&
	    asserted(io, pin))
		send(io, pin);
}

void vioapic_set_line(struct vioapic *io, unsigned pin, bool level)
{
	if (pin >= VIOAPIC_PINS)
		return;
	bool was = asserted(io, pin);
	if (level)
		io->line_level |= 1u << pin;
	else
		io->line_level &= ~(1u << pin);
	uint64_t e = io->redir[pin];
	/* "Edge-sensitive interrupts signaled on a masked interrupt pin are ignored (i.e., not
	 * delivered or held pending)"; level changes on a masked pin have no side effects. */
	if (e & VIOAPIC_RTE_MASKED)
		return;
	if (level_semantics(e))
		level_check(io, pin);
	else if (level && !was)
		send(io, pin);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];
		if (!level_semantics(e) || !(e & VIOAPIC_RTE_REMOTE_IRR) ||
		    (e & VIOAPIC_RTE_VECTOR) != vector)
			continue;
		io->redir[pin] &= ~VIOAPIC_RTE_REMOTE_IRR;
		level_check(io, pin);
	}
}

static uint32_t read_register(const struct vioapic *io, uint32_t reg)
{
	switch (reg) {
	case VIOAPIC_REG_ID:
		return io->id << 24;
	case VIOAPIC_REG_VERSION:
		return VIOAPIC_VERSION_VALUE;
	case VIOAPIC_REG_ARB:
		/* The arbitration ID is loaded from the ID register when that is written. */
		return io->id << 24;
	default:
		if (reg >= VIOAPIC_REG_REDIR && reg <= REDIR_LAST) {
			uint64_t e = io->redir[(reg - VIOAPIC_REG_REDIR) / 2];
			return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
		}
		return 0;
	}
}

static void write_register(struct vioapic *io, uint32_t reg, uint32_t v)
{
	if (reg == VIOAPIC_REG_ID) {
		io->id = (v >> 24) & 0xf;
		return;
	}
	if (reg < VIOAPIC_REG_REDIR || reg > REDIR_LAST)
		return;                               /* version, arbitration: read-only */
	unsigned pin = (reg - VIOAPIC_REG_REDIR) / 2;
	uint64_t e = io->redir[pin];
	if (reg & 1) {
		e = (e & 0xffffffffull) | (((uint64_t)v & RTE_HIGH_WRITABLE) << 32);
		io->redir[pin] = e;
		return;
	}
	e = (e & ~RTE_LOW_WRITABLE) | (v & RTE_LOW_WRITABLE);
	/* Remote IRR means nothing for edge entries, and switching an entry to edge is how
	 * software without an EOI register (version 0x11) clears a stuck one. */
	if (!level_semantics(e))
		e &= ~VIOAPIC_RTE_REMOTE_IRR;
	io->redir[pin] = e;
	/* Unmasking a level entry whose line is asserted sends at once; an edge entry waits
	 * for the next rising edge. */
	level_check(io, pin);
}

void vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned size, uint64_t *value)
{
	*value = 0;
	if (offset == VIOAPIC_IOREGSEL && (size == 1 || size == 2 || size == 4))
		*value = io->index;
	else if (offset == VIOAPIC_IOWIN && size == 4)
		*value = read_register(io, io->index);
}

void vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned size, uint64_t value)
{
	if (offset == VIOAPIC_IOREGSEL && (size == 1 || size == 2 || size == 4))
		io->index = (uint32_t)value & 0xff;     /* bits 7:0; the rest are reserved */
	else if (offset == VIOAPIC_IOWIN && size == 4)
		write_register(io, io->index, (uint32_t)value);
}
