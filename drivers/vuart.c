/*
 * Virtual 16550 (see vuart.h). Register behaviour follows the PC16550D data sheet closely
 * enough for polled drivers: LSR always reports an empty transmitter (0x60), DLAB switches
 * offsets 0/1 to the divisor latch, and the scratch register keeps its value; LSR bit 0 says
 * whether typed input is waiting.
 */
#include "drivers/vuart.h"
#include "kernel/console.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80

void vuart_init(struct vuart *u, const char *owner, unsigned owner_id)
{
	*u = (struct vuart){ .owner = owner, .owner_id = owner_id, .lcr = 0x03 };
}

static void put(struct vuart *u, char c)
{
	u->ring[u->ring_written % CONSOLE_RING_SIZE] = c;
	u->ring_written++;
	u->bytes_out++;
	console_route(u, c);
}

uint64_t vuart_ring_tail(const struct vuart *u, char *out, uint64_t size)
{
	uint64_t have = u->ring_written < CONSOLE_RING_SIZE ? u->ring_written : CONSOLE_RING_SIZE;
	if (have > size)
		have = size;
	for (uint64_t i = 0; i < have; i++)
		out[i] = u->ring[(u->ring_written - have + i) % CONSOLE_RING_SIZE];
	return have;
}

bool vuart_receive(struct vuart *u, uint8_t byte)
{
	if (u->rx_count == VUART_RX_SIZE) {
		u->rx_dropped++;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % VUART_RX_SIZE] = byte;
	u->rx_count++;
	return u->ier & 1;
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
		case RBR_THR:
			if (dlab) {
				v = u->dll;
			} else if (u->rx_count) {
				v = u->rx[u->rx_head];
				u->rx_head = (u->rx_head + 1) % VUART_RX_SIZE;
				u->rx_count--;
			} else {
				v = 0;
			}
			break;
		case IER:     v = dlab ? u->dlm : u->ier; break;
		case IIR_FCR: v = 0xc1; break;                  /* FIFOs on, no interrupt pending */
		case LCR:     v = u->lcr; break;
		case MCR:     v = u->mcr; break;
		case LSR:     v = 0x60 | (u->rx_count ? 1 : 0); break;  /* THR empty, data ready */
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
