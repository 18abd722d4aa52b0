/*
 * The virtual 16550A UART each partition sees at I/O port 0x3F8. Every byte written goes into
 * the partition's console ring (the last CONSOLE_RING_SIZE bytes, replayed when the
 * administrator attaches) and to the console multiplexer (kernel/console.c), which decides
 * whether it reaches the serial line. Typed bytes arrive in a receive buffer deeper than the
 * chip's FIFO, so that a paste is not lost. Registers answer as a PC16550D does, enough for
 * Linux's 8250 driver to find a 16550A and run it on interrupts: FIFO control and the IIR's
 * FIFO bits, interrupt identification by priority (received data, then THR empty), the THR
 * empty interrupt as the data sheet defines it, loopback (MCR bit 4) with the modem lines
 * looped to MSR, and the interrupt output gated by OUT2 as on PCs (vuart_irq_line). ELF
 * partitions, which have no interrupt controller, get VUART_RX_VECTOR raised for typed input
 * when they enabled receive interrupts (vuart_receive's answer).
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
	uint8_t fcr;                       /* FIFO control as last written (bit 0: FIFOs on) */
	uint8_t rbr;                       /* the last byte read: what RBR shows when empty */
	bool thre_pending;                 /* THR-empty interrupt condition (see vuart.c) */
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
/* A typed byte for this partition. Returns true when it was taken and the guest enabled
 * receive interrupts (IER bit 0): an ELF partition's caller then raises VUART_RX_VECTOR; an
 * OS partition's caller follows vuart_irq_line instead. A full buffer drops the byte and
 * counts it, and so does loopback mode, in which the receiver hears only the transmitter. */
bool vuart_receive(struct vuart *u, uint8_t byte);
/* The UART's interrupt request as the I/O APIC sees it on a PC: an enabled interrupt is
 * pending, and MCR OUT2 is set (it gates the INTRPT output; loopback forces it off). */
bool vuart_irq_line(const struct vuart *u);
/* Handles an access to ports VUART_BASE..VUART_BASE+7; returns false for any other port. */
bool vuart_io(struct vuart *u, uint16_t port, bool is_in, uint32_t *value);
/* Guest text from other paths (HC_CONSOLE_WRITE) takes the same way as UART output. */
void vuart_write(struct vuart *u, const char *s, uint64_t n);
/* Copies the newest `size` bytes of the console ring, oldest first; returns the count. */
uint64_t vuart_ring_tail(const struct vuart *u, char *out, uint64_t size);

#endif
