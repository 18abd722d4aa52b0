/*
 * Unit tests for the virtual 16550A: reset values, DLAB and the scratch register, IER's
 * writable bits, FIFO control and the IIR's FIFO bits, interrupt identification priorities,
 * the THR-empty interrupt (set on enable and after each write, reset by the IIR read that
 * reports it), the interrupt line and OUT2, loopback (modem lines looped to MSR, bytes to the
 * receiver, no interrupt output), the receive path and its buffer, and the register dialogue
 * of Linux 6.1's 8250 driver (autoconfig, autoconfig_16550a, size_fifo and the THRE tests of
 * serial8250_do_startup) replayed against the model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vdev/vuart.h"

/* What kernel/console.c would have sent to the wire. */
static char routed[512];
static unsigned routed_len;

void console_route(struct vuart *u, char c)
{
	(void)u;
	if (routed_len < sizeof routed)
		routed[routed_len++] = c;
}

enum { THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, EFR = 2, LCR = 3,
       MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static struct vuart *fresh(void)
{
	static struct vuart uart;               /* 64 KiB of console ring: not on the stack */
	vuart_init(&uart, "guest", 1);
	routed_len = 0;
	return &uart;
}

static uint8_t in(struct vuart *u, unsigned reg)
{
	uint32_t v = 0xdeadbeef;
	assert_true(vuart_io(u, VUART_BASE + reg, true, &v));
	assert_true(v <= 0xff);
	return (uint8_t)v;
}

static void out(struct vuart *u, unsigned reg, uint8_t value)
{
	uint32_t v = value;
	assert_true(vuart_io(u, VUART_BASE + reg, false, &v));
}

static void reset_values(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	assert_int_equal(in(u, IER), 0);
	assert_int_equal(in(u, IIR), 0x01);
	assert_int_equal(in(u, LCR), 0x03);
	assert_int_equal(in(u, MCR), 0);
	assert_int_equal(in(u, LSR), 0x60);
	assert_int_equal(in(u, MSR), 0xb0);
	assert_int_equal(in(u, SCR), 0);
	assert_int_equal(in(u, RBR), 0);
	assert_false(vuart_irq_line(u));
	uint32_t v;
	assert_false(vuart_io(u, VUART_BASE - 1, true, &v));
	assert_false(vuart_io(u, VUART_BASE + 8, false, &v));
	assert_false(vuart_io(u, 0x2f8, true, &v));
}

static void transmit_dlab_and_scratch(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	out(u, THR, 'h');
	out(u, THR, 'i');
	assert_int_equal(routed_len, 2);
	assert_memory_equal(routed, "hi", 2);
	char tail[4];
	assert_int_equal(vuart_ring_tail(u, tail, sizeof tail), 2);
	assert_memory_equal(tail, "hi", 2);
	/* With DLAB, offsets 0 and 1 are the divisor latch: nothing is sent, IER is kept. */
	out(u, IER, 0x05);
	out(u, LCR, 0x83);
	out(u, DLL, 0x01);
	out(u, DLM, 0x02);
	assert_int_equal(in(u, DLL), 0x01);
	assert_int_equal(in(u, DLM), 0x02);
	assert_int_equal(routed_len, 2);
	out(u, LCR, 0x03);
	assert_int_equal(in(u, IER), 0x05);
	assert_int_equal(in(u, LCR), 0x03);
	out(u, LCR, 0x83);
	assert_int_equal(in(u, DLL), 0x01);                 /* latch kept */
	out(u, LCR, 0x03);
	out(u, SCR, 0x5a);
	assert_int_equal(in(u, SCR), 0x5a);
	/* IER keeps bits 3:0 only; MCR bits 4:0; LSR and MSR ignore writes. */
	out(u, IER, 0xff);
	assert_int_equal(in(u, IER), 0x0f);
	out(u, MCR, 0xff);
	assert_int_equal(in(u, MCR), 0x1f);
	out(u, MCR, 0);
	out(u, LSR, 0);
	out(u, MSR, 0);
	assert_int_equal(in(u, LSR) & 0x60, 0x60);
	assert_int_equal(in(u, MSR), 0xb0);
}

static void fifo_control(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	out(u, FCR, 0x01);
	assert_int_equal(in(u, IIR), 0xc1);
	out(u, FCR, 0xc7);                                  /* trigger 14, clear both */
	assert_int_equal(in(u, IIR), 0xc1);
	out(u, FCR, 0x21);                                  /* 64-byte FIFO: a 16750 bit */
	assert_int_equal(in(u, IIR) >> 5, 6);               /* not offered */
	out(u, FCR, 0x00);
	assert_int_equal(in(u, IIR), 0x01);
	/* Clearing the receive FIFO drops what was typed. */
	out(u, FCR, 0x01);
	vuart_receive(u, 'a');
	vuart_receive(u, 'b');
	out(u, FCR, 0x01);                                  /* no clear bit: kept */
	assert_int_equal(in(u, LSR) & 1, 1);
	out(u, FCR, 0x03);
	assert_int_equal(in(u, LSR) & 1, 0);
	/* Leaving or entering FIFO mode clears too; bits written with FCR0 = 0 do nothing. */
	vuart_receive(u, 'c');
	out(u, FCR, 0x00);
	assert_int_equal(in(u, LSR) & 1, 0);
	vuart_receive(u, 'd');
	out(u, FCR, 0x02);
	assert_int_equal(in(u, LSR) & 1, 1);
	out(u, FCR, 0x01);
	assert_int_equal(in(u, LSR) & 1, 0);
}

static void thre_interrupt(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	/* Enabling THRI with THR empty sets it; the IIR read that reports it resets it. */
	out(u, IER, 0x02);
	assert_int_equal(in(u, IIR), 0x02);
	assert_int_equal(in(u, IIR), 0x01);
	/* Re-enabling sets it again (serial8250_do_startup's THRE test). */
	out(u, IER, 0x00);
	out(u, IER, 0x02);
	assert_int_equal(in(u, IIR), 0x02);
	/* Writing IER with THRI already on is no new enable. */
	out(u, IER, 0x03);
	assert_int_equal(in(u, IIR), 0x01);
	/* Each THR write empties at once: THRE again. */
	out(u, THR, 'x');
	assert_int_equal(in(u, IIR), 0x02);
	assert_int_equal(in(u, IIR), 0x01);
	/* Disabled, it is not reported, and it is not held for a later enable either
	 * (enabling sets it anyway, THR being empty). */
	out(u, IER, 0x00);
	out(u, THR, 'y');
	assert_int_equal(in(u, IIR), 0x01);
	/* With FIFOs on, the top bits are set. */
	out(u, FCR, 0x01);
	out(u, IER, 0x02);
	assert_int_equal(in(u, IIR), 0xc2);
	assert_int_equal(in(u, IIR), 0xc1);
}

static void interrupt_priorities(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	out(u, IER, 0x03);
	assert_true(vuart_receive(u, 'k'));
	/* Received data outranks THRE, and reporting it leaves THRE pending. */
	assert_int_equal(in(u, IIR), 0x04);
	assert_int_equal(in(u, IIR), 0x04);
	assert_int_equal(in(u, RBR), 'k');
	assert_int_equal(in(u, IIR), 0x02);
	assert_int_equal(in(u, IIR), 0x01);
	/* Without IER bit 0, data waits silently (LSR shows it). */
	out(u, IER, 0x00);
	assert_false(vuart_receive(u, 'l'));
	assert_int_equal(in(u, IIR), 0x01);
	assert_int_equal(in(u, LSR), 0x61);
	out(u, IER, 0x01);
	assert_int_equal(in(u, IIR), 0x04);
}

static void irq_line_needs_out2(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	out(u, IER, 0x01);
	vuart_receive(u, 'z');
	assert_false(vuart_irq_line(u));                    /* OUT2 off */
	out(u, MCR, 0x08);
	assert_true(vuart_irq_line(u));
	out(u, MCR, 0x0b);
	assert_true(vuart_irq_line(u));
	in(u, RBR);
	assert_false(vuart_irq_line(u));                    /* nothing pending */
	/* THRE: up when enabled, down when the IIR read reports it, up after a write. */
	out(u, IER, 0x02);
	assert_true(vuart_irq_line(u));
	in(u, IIR);
	assert_false(vuart_irq_line(u));
	out(u, THR, 'a');
	assert_true(vuart_irq_line(u));
	out(u, IER, 0x00);
	assert_false(vuart_irq_line(u));
	/* Loopback forces OUT2 off: no interrupt reaches the line. */
	out(u, IER, 0x02);
	out(u, MCR, 0x18);
	assert_false(vuart_irq_line(u));
	assert_int_equal(in(u, IIR), 0x02);                 /* still identified */
}

static void loopback(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	/* Linux's check: MCR = LOOP | OUT2 | RTS must read MSR 7:4 = DCD | CTS. */
	out(u, MCR, 0x10 | 0x0a);
	assert_int_equal(in(u, MSR) & 0xf0, 0x90);
	out(u, MCR, 0x11);                                  /* DTR -> DSR */
	assert_int_equal(in(u, MSR), 0x20);
	out(u, MCR, 0x14);                                  /* OUT1 -> RI */
	assert_int_equal(in(u, MSR), 0x40);
	out(u, MCR, 0x1f);
	assert_int_equal(in(u, MSR), 0xf0);
	out(u, MCR, 0x10);
	assert_int_equal(in(u, MSR), 0x00);
	/* What is sent comes back, and is not on the console; typed input is shut out. */
	out(u, THR, 'q');
	assert_int_equal(routed_len, 0);
	assert_false(vuart_receive(u, 'T'));
	assert_int_equal(u->rx_dropped, 1);
	assert_int_equal(in(u, LSR), 0x61);
	assert_int_equal(in(u, RBR), 'q');
	assert_int_equal(in(u, LSR), 0x60);
	/* The receiver holds one byte without FIFOs, sixteen with. */
	out(u, THR, '1');
	out(u, THR, '2');
	assert_int_equal(in(u, RBR), '1');
	assert_int_equal(in(u, LSR) & 1, 0);
	out(u, FCR, 0x07);
	for (int i = 0; i < 40; i++)
		out(u, THR, (uint8_t)i);
	unsigned n = 0;
	while (in(u, LSR) & 1) {
		assert_int_equal(in(u, RBR), n);
		n++;
	}
	assert_int_equal(n, 16);
	/* Back to normal: bytes go out again, MSR shows the (absent) modem. */
	out(u, MCR, 0x0b);
	assert_int_equal(in(u, MSR), 0xb0);
	out(u, THR, 'o');
	assert_int_equal(routed_len, 1);
	assert_int_equal(routed[0], 'o');
}

static void receive_path(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	assert_false(vuart_receive(u, 'a'));                /* taken, no interrupt asked */
	out(u, IER, 0x01);
	assert_true(vuart_receive(u, 'b'));
	assert_int_equal(in(u, LSR), 0x61);
	assert_int_equal(in(u, RBR), 'a');
	assert_int_equal(in(u, RBR), 'b');
	assert_int_equal(in(u, LSR), 0x60);
	assert_int_equal(in(u, RBR), 'b');                  /* RBR keeps the last byte */
	/* The buffer holds VUART_RX_SIZE bytes; more are dropped and counted. */
	for (unsigned i = 0; i < VUART_RX_SIZE; i++)
		assert_true(vuart_receive(u, (uint8_t)i));
	assert_false(vuart_receive(u, 0xee));
	assert_int_equal(u->rx_dropped, 1);
	for (unsigned i = 0; i < VUART_RX_SIZE; i++)
		assert_int_equal(in(u, RBR), (uint8_t)i);
	assert_int_equal(in(u, LSR) & 1, 0);
	/* DLAB hides RBR: reading offset 0 then gives the latch and consumes nothing. */
	vuart_receive(u, 'c');
	out(u, LCR, 0x83);
	in(u, DLL);
	out(u, LCR, 0x03);
	assert_int_equal(in(u, RBR), 'c');
}

/* Linux 6.1 drivers/tty/serial/8250/8250_port.c, autoconfig() and autoconfig_16550a() as
 * they run on a PC's COM1, register by register. */
static void linux_autoconfig_finds_a_16550a(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	/* IER test. */
	uint8_t scratch = in(u, IER);
	out(u, IER, 0);
	uint8_t scratch2 = in(u, IER) & 0x0f;
	out(u, IER, 0x0f);
	uint8_t scratch3 = in(u, IER) & 0x0f;
	out(u, IER, scratch);
	assert_int_equal(scratch2, 0);
	assert_int_equal(scratch3, 0x0f);
	/* Loopback test. */
	uint8_t save_mcr = in(u, MCR), save_lcr = in(u, LCR);
	out(u, MCR, 0x10 | 0x0a);
	uint8_t status1 = in(u, MSR) & 0xf0;
	out(u, MCR, save_mcr);
	assert_int_equal(status1, 0x90);
	/* EFR cleared under LCR 0xBF (on a 16550A that is FCR), then the FIFO bits of IIR. */
	out(u, LCR, 0xbf);
	out(u, EFR, 0);
	out(u, LCR, 0);
	out(u, FCR, 0x01);
	assert_int_equal(in(u, IIR) >> 6, 3);               /* -> autoconfig_16550a */
	/* No EFR behind LCR 0x80 or 0xBF: IIR reads there, and is not 0. */
	out(u, LCR, 0x80);
	assert_int_not_equal(in(u, EFR), 0);
	out(u, LCR, 0xbf);
	assert_int_not_equal(in(u, EFR), 0);
	/* Not a National SuperIO: bank 0xE0 offset 2 does not follow MCR's loop bit. */
	out(u, LCR, 0);
	status1 = in(u, MCR);
	out(u, LCR, 0xe0);
	uint8_t status2 = in(u, 2);
	if (!((status2 ^ status1) & 0x10)) {
		out(u, LCR, 0);
		out(u, MCR, status1 ^ 0x10);
		out(u, LCR, 0xe0);
		status2 = in(u, 2);
		out(u, LCR, 0);
		out(u, MCR, status1);
		assert_int_equal((status2 ^ status1) & 0x10, 0);
	}
	/* Not a TI16750: IIR bit 5 does not follow FCR bit 5. */
	out(u, LCR, 0);
	out(u, FCR, 0x01 | 0x20);
	status1 = in(u, IIR) >> 5;
	out(u, FCR, 0x01);
	out(u, LCR, 0x80);
	out(u, FCR, 0x01 | 0x20);
	status2 = in(u, IIR) >> 5;
	out(u, FCR, 0x01);
	out(u, LCR, 0);
	assert_false(status1 == 6 && status2 == 7);
	/* Not an XScale: IER bit 6 (UUE) does not stick. */
	uint8_t iersave = in(u, IER);
	out(u, IER, iersave & ~0x40);
	assert_int_equal(in(u, IER) & 0x40, 0);
	out(u, IER, iersave | 0x40);
	assert_int_equal(in(u, IER) & 0x40, 0);
	out(u, IER, iersave);
	/* size_fifo(): 256 bytes into the looped receiver, count what comes back. */
	uint8_t old_lcr = in(u, LCR);
	out(u, LCR, 0);
	uint8_t old_fcr = in(u, FCR);                       /* reads IIR, as Linux does */
	uint8_t old_mcr = in(u, MCR);
	out(u, FCR, 0x01 | 0x02 | 0x04);
	out(u, MCR, 0x10);
	out(u, LCR, 0x80);
	uint8_t old_dll = in(u, DLL), old_dlm = in(u, DLM);
	out(u, DLL, 1);
	out(u, DLM, 0);
	out(u, LCR, 0x03);
	for (unsigned i = 0; i < 256; i++)
		out(u, THR, (uint8_t)i);
	unsigned count = 0;
	while ((in(u, LSR) & 0x01) && count < 256) {
		in(u, RBR);
		count++;
	}
	out(u, FCR, old_fcr);
	out(u, MCR, old_mcr);
	out(u, LCR, 0x80);
	out(u, DLL, old_dll);
	out(u, DLM, old_dlm);
	out(u, LCR, old_lcr);
	assert_int_equal(count, 16);                        /* a 16550A, not a U6 (64) */
	/* Reset: MCR restored, FIFOs cleared, RX read, IER 0. */
	out(u, LCR, save_lcr);
	out(u, MCR, save_mcr);
	out(u, FCR, 0x01);
	out(u, FCR, 0x07);
	out(u, FCR, 0x00);
	in(u, RBR);
	out(u, IER, 0);
	assert_int_equal(routed_len, 0);                    /* none of it reached the console */
	assert_int_equal(in(u, LSR), 0x60);
	assert_int_equal(in(u, IIR), 0x01);
}

/* serial8250_do_startup(): the THRE re-assertion test (a UART failing it gets
 * UART_BUG_THRE and a polling timer) and the TX-enable test once OUT2 is on. */
static void linux_startup_thre_tests_pass(void **state)
{
	(void)state;
	struct vuart *u = fresh();
	out(u, FCR, 0x01);
	out(u, FCR, 0x07);
	out(u, FCR, 0x00);
	in(u, LSR);
	in(u, RBR);
	in(u, IIR);
	in(u, MSR);
	assert_int_not_equal(in(u, LSR), 0xff);             /* "LSR safety check" */
	assert_true(in(u, LSR) & 0x20);                     /* wait_for_xmitr(THRE) */
	out(u, IER, 0x02);
	uint8_t iir1 = in(u, IIR);
	out(u, IER, 0);
	out(u, IER, 0x02);
	uint8_t iir = in(u, IIR);
	out(u, IER, 0);
	assert_false(!(iir1 & 0x01) && (iir & 0x01));       /* no UART_BUG_THRE */
	assert_int_equal(iir1 & 0x01, 0);
	out(u, LCR, 0x03);
	out(u, MCR, 0x08 | 0x02 | 0x01);                    /* OUT2, RTS, DTR */
	out(u, IER, 0x02);
	assert_true(vuart_irq_line(u));                     /* the interrupt it expects */
	uint8_t lsr = in(u, LSR);
	iir = in(u, IIR);
	out(u, IER, 0);
	assert_false((lsr & 0x40) && (iir & 0x01));         /* no UART_BUG_TXEN */
	assert_false(vuart_irq_line(u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_values),
		cmocka_unit_test(transmit_dlab_and_scratch),
		cmocka_unit_test(fifo_control),
		cmocka_unit_test(thre_interrupt),
		cmocka_unit_test(interrupt_priorities),
		cmocka_unit_test(irq_line_needs_out2),
		cmocka_unit_test(loopback),
		cmocka_unit_test(receive_path),
		cmocka_unit_test(linux_autoconfig_finds_a_16550a),
		cmocka_unit_test(linux_startup_thre_tests_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
