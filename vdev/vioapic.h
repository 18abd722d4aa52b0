/*
 * A virtual I/O APIC (Intel 82093AA I/O APIC data sheet): 24 input pins, each with a 64-bit
 * redirection entry naming a vector, a delivery mode, a destination, polarity, trigger mode
 * and a mask, reached through the indirect IOREGSEL (offset 0x00) / IOWIN (offset 0x10)
 * window of one 4 KiB MMIO page. Edge pins deliver on a rising input; level pins deliver
 * while the input is high and Remote IRR is clear, and set Remote IRR until the local APIC's
 * EOI for that vector. Pure: deliveries go to a callback the platform sets.
 */
#ifndef BULKHEAD_VDEV_VIOAPIC_H
#define BULKHEAD_VDEV_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VIOAPIC_PINS 24
#define VIOAPIC_DELIVERY_FIXED  0
#define VIOAPIC_DELIVERY_LOWEST 1

struct vioapic {
	uint32_t id;                  /* bits 27:24 of the ID register */
	uint32_t index;               /* IOREGSEL */
	uint64_t redir[VIOAPIC_PINS];
	uint32_t line;                /* input levels, bit n = pin n */
	uint64_t delivered;           /* interrupts sent, for statistics and tests */
	void (*deliver)(void *ctx, uint8_t vector, uint32_t dest, bool level, unsigned mode);
	void *ctx;
};

/* Power-on state: every entry masked, edge, vector 0. */
void vioapic_reset(struct vioapic *io, uint32_t id);
/* MMIO at `offset` in the page, `size` bytes. Only 32-bit accesses to IOREGSEL and IOWIN
 * mean anything (the data sheet's only legal ones); other reads return 0, other writes are
 * ignored. */
void vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned size, uint64_t *value);
void vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned size, uint64_t value);
/* A device's interrupt output on `pin` is now `level` (active high, as ISA IRQs are). */
void vioapic_set_line(struct vioapic *io, unsigned pin, bool level);
/* The local APIC's EOI of `vector`: Remote IRR of level entries with it clears, and a pin
 * still high delivers again. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
