/*
 * Virtual I/O APIC, as the Intel 82093AA data sheet describes it: a 4 KiB MMIO page with the
 * index register IOREGSEL at offset 0x00 and the data window IOWIN at 0x10, behind which sit
 * the ID (0x00), version (0x01: 0x00170011, 24 entries, version 0x11, so no EOI register:
 * Linux clears a stuck Remote IRR by switching the entry to edge and back, which this model
 * honours), arbitration ID (0x02) and 24 64-bit redirection entries (0x10-0x3F). Devices drive
 * its input pins (vioapic_set_line); an unmasked edge entry sends its interrupt on a rising
 * edge, a level entry while the line is asserted and Remote IRR is clear, which then stays set
 * until the local APIC reports the vector's EOI (vioapic_eoi). Interrupts leave through the
 * `deliver` callback, as the redirection entry describes them. Pure code: the caller wires it.
 */
#ifndef BULKHEAD_VDEV_VIOAPIC_H
#define BULKHEAD_VDEV_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VIOAPIC_PINS          24
#define VIOAPIC_IOREGSEL      0x00
#define VIOAPIC_IOWIN         0x10
#define VIOAPIC_REG_ID        0x00
#define VIOAPIC_REG_VERSION   0x01
#define VIOAPIC_REG_ARB       0x02
#define VIOAPIC_REG_REDIR     0x10     /* entry n: low half 0x10 + 2n, high half 0x11 + 2n */
#define VIOAPIC_VERSION_VALUE 0x00170011u

/* Redirection entry fields (82093AA, "I/O Redirection Table Registers"). */
#define VIOAPIC_RTE_VECTOR        0xffull
#define VIOAPIC_RTE_DELIVERY(e)   ((unsigned)((e) >> 8) & 7)
#define VIOAPIC_RTE_LOGICAL       (1ull << 11)
#define VIOAPIC_RTE_PENDING       (1ull << 12)   /* delivery status, read-only (always idle) */
#define VIOAPIC_RTE_LOW_ACTIVE    (1ull << 13)
#define VIOAPIC_RTE_REMOTE_IRR    (1ull << 14)   /* read-only */
#define VIOAPIC_RTE_LEVEL         (1ull << 15)
#define VIOAPIC_RTE_MASKED        (1ull << 16)
#define VIOAPIC_RTE_DEST(e)       ((uint32_t)((e) >> 56))
enum {
	VIOAPIC_DELIVERY_FIXED = 0, VIOAPIC_DELIVERY_LOWEST = 1, VIOAPIC_DELIVERY_SMI = 2,
	VIOAPIC_DELIVERY_NMI = 4, VIOAPIC_DELIVERY_INIT = 5, VIOAPIC_DELIVERY_EXTINT = 7,
};

struct vioapic {
	uint32_t id;                      /* 4-bit I/O APIC ID (register 0x00 bits 27:24) */
	uint32_t index;                   /* IOREGSEL */
	uint64_t redir[VIOAPIC_PINS];
	uint32_t line_level;              /* bit n: pin n is asserted */
	uint64_t delivered;               /* interrupts sent, for statistics */
	/* Where interrupts go: vector, destination (entry bits 63:56; physical or logical as
	 * the entry's bit 11 says, which is not passed), trigger mode and delivery mode (the
	 * entry's bits 10:8, VIOAPIC_DELIVERY_*). Set by the caller after vioapic_reset. */
	void (*deliver)(void *ctx, uint8_t vector, uint32_t dest, bool level_triggered,
			unsigned delivery_mode);
	void *ctx;
};

/* Power-on state: every entry masked (all else 0), all lines low, IOREGSEL 0. Clears the
 * callback too. */
void vioapic_reset(struct vioapic *io, uint32_t id);
/* An access at `offset` within the page, `size` 1, 2, 4 or 8 bytes. IOREGSEL (offset 0x00)
 * answers 1-, 2- and 4-byte accesses, IOWIN (0x10) 4-byte ones only, as the data sheet asks
 * for 32-bit accesses to it; anything else reads 0 and writes are ignored, as do registers
 * that do not exist behind IOWIN. */
void vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned size, uint64_t *value);
void vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned size, uint64_t value);
/* Pin `pin` is now asserted (level true) or not. `level` is the device's request: the
 * entry's polarity bit is kept for the guest but not applied, since the ACPI tables tell the
 * guest the polarity each line really has. Pins beyond 23 are ignored. */
void vioapic_set_line(struct vioapic *io, unsigned pin, bool level);
/* The local APIC saw the EOI of a level-triggered `vector`: Remote IRR clears in the level
 * entries with that vector, and those whose line is still asserted send again. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
