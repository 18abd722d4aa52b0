/*
 * The virtual 16550A UART each partition sees at I/O port 0x3F8 (National Semiconductor
 * PC16550D data sheet). Every byte written goes into the partition's console ring (the last
 * CONSOLE_RING_SIZE bytes, replayed when the administrator attaches) and to the console
 * multiplexer (kernel/console.c), which decides whether it reaches the serial line; the
 * transmitter is infinitely fast, so THR is always empty again at once. Typed bytes arrive in
 * a receive FIFO. Interrupts follow the data sheet (IIR priorities, THRE interrupt, OUT2
 * gating the interrupt output as on PCs, loopback) so that Linux's 8250 driver finds a
 * 16550A and runs it by interrupt; vuart_irq_line() is that output, which an OS partition's
 * I/O APIC sees on pin 4. ELF partitions keep the simpler contract: with IER bit 0 set, each
 * typed byte raises VUART_RX_VECTOR (COM1's IRQ 4 at the usual PIC base 0x20).
 */
#ifndef BULKHEAD_VUART_H
#define BULKHEAD_VUART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_BASE 0x3f8
#define CONSOLE_RING_SIZE (64 * 1024)
#define VUART_LINE_MAX 160
#define VUART_RX_SIZE 256
#define VUART_RX_VECTOR 0x24

struct vuart {
	const char *owner;                 /* partition name for the console prefix */
	unsigned owner_id;
	uint8_t ier, lcr, mcr, scratch, dll, dlm;
	uint8_t fcr;                       /* FIFO control as last written (bits 0, 6, 7) */
	bool thre_pending;                 /* a THR-empty interrupt waits to be read from IIR */
	char line[VUART_LINE_MAX];
	unsigned line_len;
	char ring[CONSOLE_RING_SIZE];
	uint64_t ring_written;
	uint64_t bytes_out;
	uint8_t rx[VUART_RX_SIZE];
	unsigned rx_head, rx_count;
	uint64_t rx_dropped;
};

void vuart_init(struct vuart *u, const char *owner, unsigned owner_id);
/* A typed byte for this partition. Returns true when the guest asked for receive interrupts
 * (the caller raises VUART_RX_VECTOR). A full FIFO drops the byte and counts it. */
bool vuart_receive(struct vuart *u, uint8_t byte);
/* Handles an access to ports VUART_BASE..VUART_BASE+7; returns false for any other port. */
bool vuart_io(struct vuart *u, uint16_t port, bool is_in, uint32_t *value);
/* The UART's interrupt output: an enabled condition is pending and OUT2 lets it out. */
bool vuart_irq_line(const struct vuart *u);
/* Guest text from other paths (HC_CONSOLE_WRITE) takes the same way as UART output. */
void vuart_write(struct vuart *u, const char *s, uint64_t n);
/* Copies the newest `size` bytes of the console ring, oldest first; returns the count. */
uint64_t vuart_ring_tail(const struct vuart *u, char *out, uint64_t size);

#endif
