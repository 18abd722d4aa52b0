/*
 * Polled driver for the 16550-compatible UART that carries Bulkhead's serial console.
 * Used by the kernel and, before ExitBootServices, by the loader, so it depends on nothing but
 * port I/O. No interrupts: output waits for the transmitter with a bounded spin, so a missing
 * or wedged UART slows logging down but never hangs the hypervisor.
 */
#ifndef BULKHEAD_UART16550_H
#define BULKHEAD_UART16550_H

#include <stddef.h>
#include <stdint.h>

#define UART_COM1 0x3f8
#define UART_BASE_CLOCK 115200u   /* divisor = 115200 / baud */

struct uart {
	uint16_t port;
	uint8_t present;     /* the scratch register answered when we probed */
};

/* Programs 8N1 at `baud` with FIFOs on. Returns 0, or -1 when nothing answers at `port`
 * (the struct is still usable; writes are then dropped quickly). */
int uart_init(struct uart *u, uint16_t port, uint32_t baud);
void uart_putc(struct uart *u, char c);
/* Writes n bytes, turning "\n" into "\r\n" for terminals. */
void uart_write(struct uart *u, const char *s, size_t n);
/* Returns the next received byte, or -1 when none is waiting. */
int uart_getc(struct uart *u);

#endif
