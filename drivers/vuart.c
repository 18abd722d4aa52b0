/*
 * Virtual 16550 (see vuart.h). Register behaviour follows the PC16550D data sheet closely
 * enough for polled drivers: LSR always reports an empty transmitter (0x60), DLAB switches
 * offsets 0/1 to the divisor latch, and the scratch register keeps its value. Output bytes
 * that are not printable are shown as '.', so a guest cannot send escape sequences to the
 * administrator's terminal.
 */
#include "drivers/vuart.h"
#include "kernel/log.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80

void vuart_init(struct vuart *u, const char *owner)
{
	*u = (struct vuart){ .owner = owner, .lcr = 0x03 };
}

void vuart_flush(struct vuart *u)
{
	if (!u->line_len)
		return;
	kprintf("[%s] %.*s\n", u->owner, (int)u->line_len, u->line);
	u->line_len = 0;
}

static void put(struct vuart *u, char c)
{
	u->ring[u->ring_written % CONSOLE_RING_SIZE] = c;
	u->ring_written++;
	u->bytes_out++;
	if (c == '\n') {
		vuart_flush(u);
		return;
	}
	if (c == '\r')
		return;
	u->line[u->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '.';
	if (u->line_len == VUART_LINE_MAX)
		vuart_flush(u);
}

void vuart_write(struct vuart *u, const char *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		put(u, s[i]);
}

bool vuart_io(struct vuart *u, uint16_t port, bool is_in, uint32_t *value)
{
	if (port < VUART_BASE || port > VUART_BASE + 7)
		return false;
	unsigned reg = port - VUART_BASE;
	bool dlab = u->lcr & LCR_DLAB;
	if (is_in) {
		uint8_t v = 0xff;
		switch (reg) {
		case RBR_THR: v = dlab ? u->dll : 0; break;     /* nothing received */
		case IER:     v = dlab ? u->dlm : u->ier; break;
		case IIR_FCR: v = 0xc1; break;                  /* FIFOs on, no interrupt pending */
		case LCR:     v = u->lcr; break;
		case MCR:     v = u->mcr; break;
		case LSR:     v = 0x60; break;                  /* THR and transmitter empty */
		case MSR:     v = 0xb0; break;                  /* DCD, DSR, CTS */
		case SCR:     v = u->scratch; break;
		}
		*value = v;
		return true;
	}
	uint8_t v = (uint8_t)*value;
	switch (reg) {
	case RBR_THR: if (dlab) u->dll = v; else put(u, (char)v); break;
	case IER:     if (dlab) u->dlm = v; else u->ier = v & 0x0f; break;
	case IIR_FCR: break;
	case LCR:     u->lcr = v; break;
	case MCR:     u->mcr = v & 0x1f; break;
	case SCR:     u->scratch = v; break;
	default:      break;                                /* LSR/MSR are read-only */
	}
	return true;
}
