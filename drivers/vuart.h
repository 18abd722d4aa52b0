/*
 * The virtual 16550 UART each partition sees at I/O port 0x3F8. Output is collected into lines
 * that go to the serial console prefixed with the partition's name, and into the partition's
 * console ring (the last CONSOLE_RING_SIZE bytes), which the management shell replays.
 * Input is not wired yet: the receiver is always empty.
 */
#ifndef BULKHEAD_VUART_H
#define BULKHEAD_VUART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_BASE 0x3f8
#define CONSOLE_RING_SIZE (64 * 1024)
#define VUART_LINE_MAX 160

struct vuart {
	const char *owner;                 /* partition name for the console prefix */
	uint8_t ier, lcr, mcr, scratch, dll, dlm;
	char line[VUART_LINE_MAX];
	unsigned line_len;
	char ring[CONSOLE_RING_SIZE];
	uint64_t ring_written;
	uint64_t bytes_out;
};

void vuart_init(struct vuart *u, const char *owner);
/* Handles an access to ports VUART_BASE..VUART_BASE+7; returns false for any other port. */
bool vuart_io(struct vuart *u, uint16_t port, bool is_in, uint32_t *value);
/* Guest text from other paths (HC_CONSOLE_WRITE) goes through the same line discipline. */
void vuart_write(struct vuart *u, const char *s, uint64_t n);
void vuart_flush(struct vuart *u);

#endif
