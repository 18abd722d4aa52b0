/*
 * 16550 UART, polled. Register layout and the divisor-latch dance follow the classic
 * National Semiconductor PC16550D data sheet: DLAB (LCR bit 7) switches offsets 0/1 between
 * data/IER and the divisor latch.
 */
#include "drivers/uart16550.h"
#include "kernel/x86.h"

enum {
	REG_DATA = 0, REG_IER = 1, REG_FCR = 2, REG_LCR = 3, REG_MCR = 4, REG_LSR = 5, REG_SCR = 7,
	LCR_8N1 = 0x03, LCR_DLAB = 0x80,
	FCR_ENABLE_CLEAR = 0x07,      /* enable FIFOs, clear both */
	MCR_DTR_RTS_OUT2 = 0x0b,
	LSR_DATA_READY = 0x01, LSR_THR_EMPTY = 0x20,
	/* At 9600 baud a byte takes ~1 ms; this bounds a wait to far more than that on any CPU
	 * while still giving up on a port with no UART behind it. */
	TX_SPIN_LIMIT = 1000000,
};

int uart_init(struct uart *u, uint16_t port, uint32_t baud)
{
	u->port = port;
	u->present = 0;
	/* Probe: a real 16550 keeps what is written to its scratch register. */
	outb(port + REG_SCR, 0x5a);
	if (inb(port + REG_SCR) != 0x5a)
		return -1;
	outb(port + REG_SCR, 0xa5);
	if (inb(port + REG_SCR) != 0xa5)
		return -1;
	u->present = 1;

	uint32_t divisor = (baud && baud <= UART_BASE_CLOCK) ? UART_BASE_CLOCK / baud : 1;
	outb(port + REG_IER, 0x00);                  /* polled: no interrupts */
	outb(port + REG_LCR, LCR_DLAB);
	outb(port + REG_DATA, divisor & 0xff);
	outb(port + REG_IER, (divisor >> 8) & 0xff);
	outb(port + REG_LCR, LCR_8N1);
	outb(port + REG_FCR, FCR_ENABLE_CLEAR);
	outb(port + REG_MCR, MCR_DTR_RTS_OUT2);
	return 0;
}

void uart_putc(struct uart *u, char c)
{
	if (!u->present)
		return;
	for (int spin = 0; spin < TX_SPIN_LIMIT; spin++) {
		if (inb(u->port + REG_LSR) & LSR_THR_EMPTY)
			break;
		cpu_relax();
	}
	outb(u->port + REG_DATA, (uint8_t)c);
}

void uart_write(struct uart *u, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(u, '\r');
		uart_putc(u, s[i]);
	}
}

int uart_getc(struct uart *u)
{
	if (!u->present || !(inb(u->port + REG_LSR) & LSR_DATA_READY))
		return -1;
	return inb(u->port + REG_DATA);
}
