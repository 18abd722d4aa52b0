/*
 * Unit tests for the virtual I/O APIC, driven through its MMIO window as a guest would:
 * reset values, the ID/version/arbitration registers, which bits of a redirection entry are
 * writable, the access sizes that answer, edge entries (rising edges only, nothing held while
 * masked), level entries (Remote IRR, EOI, re-delivery while asserted, unmasking an asserted
 * line) and the edge-and-back trick that clears a stuck Remote IRR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "vdev/vioapic.h"

struct sent {
	unsigned count;
	uint8_t vector;
	uint32_t dest;
	bool level;
	unsigned mode;
};

static void record(void *ctx, uint8_t vector, uint32_t dest, bool level, unsigned mode)
{
	struct sent *s = ctx;
	s->count++;
	s->vector = vector;
	s->dest = dest;
	s->level = level;
	s->mode = mode;
}

static void setup(struct vioapic *io, struct sent *s)
{
	vioapic_reset(io, 1);
	*s = (struct sent){ 0 };
	io->deliver = record;
	io->ctx = s;
}

static uint32_t reg_read(struct vioapic *io, uint32_t reg)
{
	uint64_t v;
	vioapic_mmio_write(io, VIOAPIC_IOREGSEL, 4, reg);
	vioapic_mmio_read(io, VIOAPIC_IOWIN, 4, &v);
	assert_true(v <= 0xffffffffull);
	return (uint32_t)v;
}

static void reg_write(struct vioapic *io, uint32_t reg, uint32_t v)
{
	vioapic_mmio_write(io, VIOAPIC_IOREGSEL, 4, reg);
	vioapic_mmio_write(io, VIOAPIC_IOWIN, 4, v);
}

static void entry_write(struct vioapic *io, unsigned pin, uint64_t e)
{
	reg_write(io, VIOAPIC_REG_REDIR + 2 * pin + 1, (uint32_t)(e >> 32));
	reg_write(io, VIOAPIC_REG_REDIR + 2 * pin, (uint32_t)e);
}

static uint64_t entry_read(struct vioapic *io, unsigned pin)
{
	uint64_t high = reg_read(io, VIOAPIC_REG_REDIR + 2 * pin + 1);
	return (high << 32) | reg_read(io, VIOAPIC_REG_REDIR + 2 * pin);
}

#define EDGE(vec)  ((uint64_t)(vec))
#define LEVEL(vec) ((uint64_t)(vec) | VIOAPIC_RTE_LEVEL)

static void reset_values(void **state)
{
	(void)state;
	struct vioapic io;
	struct sent s;
	setup(&io, &s);
	assert_int_equal(reg_read(&io, VIOAPIC_REG_ID), 1u << 24);
	assert_int_equal(reg_read(&io, VIOAPIC_REG_VERSION), 0x00170011);
	assert_int_equal(reg_read(&io, VIOAPIC_REG_ARB), 1u << 24);
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(entry_read(&io, pin), VIOAPIC_RTE_MASKED);
	uint64_t v;
	vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 4, &v);
	assert_int_equal(v, VIOAPIC_REG_REDIR + 2 * 23);       /* the last index selected */
	vioapic_reset(&io, 0x1f);
	assert_int_equal(reg_read(&io, VIOAPIC_REG_ID), 0xfu << 24);   /* a 4-bit ID */
}

static void id_version_arbitration(void **state)
{
	(void)state;
	struct vioapic io;
	struct sent s;
	setup(&io, &s);
	reg_write(&io, VIOAPIC_REG_ID, 0xffffffff);
	assert_int_equal(reg_read(&io, VIOAPIC_REG_ID), 0x0f000000);
	assert_int_equal(reg_read(&io, VIOAPIC_REG_ARB), 0x0f000000);  /* follows the ID */
	reg_write(&io, VIOAPIC_REG_VERSION, 0);
	reg_write(&io, VIOAPIC_REG_ARB, 0);
	assert_int_equal(reg_read(&io, VIOAPIC_REG_VERSION), 0x00170011);
	assert_int_equal(reg_read(&io, VIOAPIC_REG_ARB), 0x0f000000);
	/* Nothing behind other indices. */
	const uint32_t none[] = { 0x03, 0x0f, 0x40, 0x41, 0xff };
	for (unsigned i = 0; i < sizeof none / sizeof none[0]; i++) {
		reg_write(&io, none[i], 0x12345678);
		assert_int_equal(reg_read(&io, none[i]), 0);
	}
}

static void redirection_entry_bits(void **state)
{
	(void)state;
	struct vioapic io;
	struct sent s;
	setup(&io, &s);
	/* Everything written: only vector, delivery mode, destination mode, polarity, trigger,
	 * mask and the destination byte stick; Delivery Status and Remote IRR do not. */
	entry_write(&io, 5, ~0ull);
	assert_int_equal(entry_read(&io, 5), 0xff0000000001afffull);
	entry_write(&io, 5, 0x12345678ull << 32 | VIOAPIC_RTE_MASKED | 0x0831);
	assert_int_equal(entry_read(&io, 5), 0x1200000000010831ull);
	assert_int_equal(entry_read(&io, 4), VIOAPIC_RTE_MASKED);   /* neighbours untouched */
	assert_int_equal(entry_read(&io, 6), VIOAPIC_RTE_MASKED);
	entry_write(&io, 23, 0x0300000000000041ull);
	assert_int_equal(entry_read(&io, 23), 0x0300000000000041ull);
}

static void access_sizes(void **state)
{
	(void)state;
	struct vioapic io;
	struct sent s;
	setup(&io, &s);
	uint64_t v;
	/* IOREGSEL answers byte, word and dword accesses, and keeps 8 bits. */
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 1, 0x01);
	vioapic_mmio_read(&io, VIOAPIC_IOWIN, 4, &v);
	assert_int_equal(v, 0x00170011);
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 2, 0x1ff);
	vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 1, &v);
	assert_int_equal(v, 0xff);
	/* IOWIN only as a dword; 8-byte and odd places read 0 and ignore writes. */
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 4, VIOAPIC_REG_VERSION);
	vioapic_mmio_read(&io, VIOAPIC_IOWIN, 8, &v);
	assert_int_equal(v, 0);
	vioapic_mmio_read(&io, VIOAPIC_IOWIN, 1, &v);
	assert_int_equal(v, 0);
	vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 8, &v);
	assert_int_equal(v, 0);
	vioapic_mmio_read(&io, 0x04, 4, &v);
	assert_int_equal(v, 0);
	vioapic_mmio_read(&io, 0x14, 4, &v);
	assert_int_equal(v, 0);
	vioapic_mmio_read(&io, 0xffc, 4, &v);
	assert_int_equal(v, 0);
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 4, VIOAPIC_REG_REDIR + 8);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, 2, 0x30);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN, 8, 0x30);
	vioapic_mmio_write(&io, VIOAPIC_IOWIN + 1, 1, 0x30);
	vioapic_mmio_write(&io, 0x04, 4, 0x30);
	vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 8, 0x00);          /* ignored: index stays */
	vioapic_mmio_read(&io, VIOAPIC_IOREGSEL, 4, &v);
	assert_int_equal(v, VIOAPIC_REG_REDIR + 8);
	assert_int_equal(entry_read(&io, 4), VIOAPIC_RTE_MASKED);
}

static void edge_entries(void **state)
{
	(void)state;
	struct vioapic io;
	struct sent s;
	setup(&io, &s);
	/* Masked: a rising edge is lost, not held. */
	vioapic_set_line(&io, 4, true);
	vioapic_set_line(&io, 4, false);
	assert_int_equal(s.count, 0);
	/* Unmasking while the line is high sends nothing: only an edge does. */
	vioapic_set_line(&io, 4, true);
	entry_write(&io, 4, 0x0200000000000000ull | EDGE(0x34));
	assert_int_equal(s.count, 0);
	vioapic_set_line(&io, 4, true);                   /* still high: no edge */
	assert_int_equal(s.count, 0);
	vioapic_set_line(&io, 4, false);
	assert_int_equal(s.count, 0);
	vioapic_set_line(&io, 4, true);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.vector, 0x34);
	assert_int_equal(s.dest, 2);
	assert_false(s.level);
	assert_int_equal(s.mode, VIOAPIC_DELIVERY_FIXED);
	assert_int_equal(entry_read(&io, 4) & VIOAPIC_RTE_REMOTE_IRR, 0);
	vioapic_set_line(&io, 4, false);
	vioapic_set_line(&io, 4, true);
	assert_int_equal(s.count, 2);
	/* EOIs mean nothing to edge entries. */
	vioapic_eoi(&io, 0x34);
	assert_int_equal(s.count, 2);
	assert_int_equal(io.delivered, 2);
	/* Other pins are independent; pins past 23 do not exist. */
	vioapic_set_line(&io, 5, true);
	vioapic_set_line(&io, 24, true);
	vioapic_set_line(&io, 1000, true);
	assert_int_equal(s.count, 2);
	assert_int_equal(io.line_level, (1u << 4) | (1u << 5));
}

static void level_entries(void **state)
{
	(void)state;
	struct vioapic io;
	struct sent s;
	setup(&io, &s);
	entry_write(&io, 9, LEVEL(0x59) | VIOAPIC_RTE_LOW_ACTIVE | (1ull << 8));   /* lowest */
	vioapic_set_line(&io, 9, true);
	assert_int_equal(s.count, 1);
	assert_true(s.level);
	assert_int_equal(s.vector, 0x59);
	assert_int_equal(s.mode, VIOAPIC_DELIVERY_LOWEST);
	assert_true(entry_read(&io, 9) & VIOAPIC_RTE_REMOTE_IRR);
	/* Still asserted, still awaiting its EOI: nothing more. */
	vioapic_set_line(&io, 9, true);
	assert_int_equal(s.count, 1);
	vioapic_eoi(&io, 0x58);                            /* another vector */
	assert_int_equal(s.count, 1);
	assert_true(entry_read(&io, 9) & VIOAPIC_RTE_REMOTE_IRR);
	/* EOI with the line still high: sent again. */
	vioapic_eoi(&io, 0x59);
	assert_int_equal(s.count, 2);
	assert_true(entry_read(&io, 9) & VIOAPIC_RTE_REMOTE_IRR);
	/* Line dropped, then EOI: Remote IRR clears, nothing is sent. */
	vioapic_set_line(&io, 9, false);
	vioapic_eoi(&io, 0x59);
	assert_int_equal(s.count, 2);
	assert_int_equal(entry_read(&io, 9) & VIOAPIC_RTE_REMOTE_IRR, 0);
	/* Writing the entry cannot set or clear Remote IRR while it stays level. */
	vioapic_set_line(&io, 9, true);
	assert_int_equal(s.count, 3);
	entry_write(&io, 9, LEVEL(0x59));
	assert_true(entry_read(&io, 9) & VIOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(s.count, 3);
}

static void level_unmask_while_asserted(void **state)
{
	(void)state;
	struct vioapic io;
	struct sent s;
	setup(&io, &s);
	entry_write(&io, 10, LEVEL(0x60) | VIOAPIC_RTE_MASKED);
	vioapic_set_line(&io, 10, true);
	assert_int_equal(s.count, 0);
	assert_int_equal(entry_read(&io, 10) & VIOAPIC_RTE_REMOTE_IRR, 0);
	entry_write(&io, 10, LEVEL(0x60));
	assert_int_equal(s.count, 1);
	/* Masking after delivery changes nothing for that interrupt; EOI while masked clears
	 * Remote IRR without sending; unmasking then sends (the line is still high). */
	entry_write(&io, 10, LEVEL(0x60) | VIOAPIC_RTE_MASKED);
	vioapic_eoi(&io, 0x60);
	assert_int_equal(s.count, 1);
	assert_int_equal(entry_read(&io, 10) & VIOAPIC_RTE_REMOTE_IRR, 0);
	entry_write(&io, 10, LEVEL(0x60));
	assert_int_equal(s.count, 2);
	/* A line that went low while masked is not sent on unmask. */
	entry_write(&io, 10, LEVEL(0x60) | VIOAPIC_RTE_MASKED);
	vioapic_eoi(&io, 0x60);
	vioapic_set_line(&io, 10, false);
	entry_write(&io, 10, LEVEL(0x60));
	assert_int_equal(s.count, 2);
}

static void edge_and_back_clears_remote_irr(void **state)
{
	(void)state;
	struct vioapic io;
	struct sent s;
	setup(&io, &s);
	entry_write(&io, 11, LEVEL(0x61));
	vioapic_set_line(&io, 11, true);
	assert_int_equal(s.count, 1);
	/* What Linux does for I/O APICs without an EOI register: mask, edge, then restore. */
	entry_write(&io, 11, EDGE(0x61) | VIOAPIC_RTE_MASKED);
	assert_int_equal(entry_read(&io, 11) & VIOAPIC_RTE_REMOTE_IRR, 0);
	entry_write(&io, 11, LEVEL(0x61));
	assert_int_equal(s.count, 2);                      /* still asserted: sent again */
	/* The version 0x20 EOI register at 0x40 does not exist here. */
	vioapic_mmio_write(&io, 0x40, 4, 0x61);
	assert_true(entry_read(&io, 11) & VIOAPIC_RTE_REMOTE_IRR);
}

static void nmi_entries_are_edge(void **state)
{
	(void)state;
	struct vioapic io;
	struct sent s;
	setup(&io, &s);
	entry_write(&io, 2, LEVEL(0) | (4ull << 8));       /* NMI, programmed level */
	vioapic_set_line(&io, 2, true);
	assert_int_equal(s.count, 1);
	assert_false(s.level);
	assert_int_equal(s.mode, VIOAPIC_DELIVERY_NMI);
	assert_int_equal(entry_read(&io, 2) & VIOAPIC_RTE_REMOTE_IRR, 0);
	vioapic_set_line(&io, 2, true);
	assert_int_equal(s.count, 1);
	vioapic_set_line(&io, 2, false);
	vioapic_set_line(&io, 2, true);
	assert_int_equal(s.count, 2);
	/* Without a callback, interrupts are only counted. */
	io.deliver = NULL;
	vioapic_set_line(&io, 2, false);
	vioapic_set_line(&io, 2, true);
	assert_int_equal(io.delivered, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_values),
		cmocka_unit_test(id_version_arbitration),
		cmocka_unit_test(redirection_entry_bits),
		cmocka_unit_test(access_sizes),
		cmocka_unit_test(edge_entries),
		cmocka_unit_test(level_entries),
		cmocka_unit_test(level_unmask_while_asserted),
		cmocka_unit_test(edge_and_back_clears_remote_irr),
		cmocka_unit_test(nmi_entries_are_edge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
