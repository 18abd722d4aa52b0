/*
 * Virtual 16550A (see vuart.h). From the PC16550D data sheet: LSR always reports an empty
 * transmitter (THRE and TEMT, 0x60) and bit 0 whether input waits; DLAB switches offsets 0/1
 * to the divisor latch; the scratch register keeps its value. IIR ("Interrupt Identification
 * Register", table 4) reports the highest-priority enabled condition: received data (0x4)
 * above THR empty (0x2); bits 7:6 are 11 while the FIFOs are on. The THR-empty interrupt is
 * set when THR empties (here: after every write, and when the interrupt gets enabled with THR
 * empty) and cleared by reading IIR while it is the reported source, or by writing THR.
 * In loopback (MCR bit 4) the transmitter feeds the receiver and the modem inputs mirror the
 * modem outputs (DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD), which Linux's probe checks.
 */
#include "vdev/vuart.h"
#include "kernel/console.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80
#define IER_RDI  0x01
#define IER_THRI 0x02
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define FCR_FIFO 0x01
#define FCR_CLEAR_RX 0x02
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA  0x04

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

static uint8_t iir(const struct vuart *u)
{
	uint8_t fifo = (u->fcr & FCR_FIFO) ? 0xc0 : 0;
	if ((u->ier & IER_RDI) && u->rx_count)
		return fifo | IIR_RDA;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return fifo | IIR_THRE;
	return fifo | IIR_NONE;
}

bool vuart_irq_line(const struct vuart *u)
{
	return (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP) && !(iir(u) & IIR_NONE);
}

static void loop_back(struct vuart *u, uint8_t byte)
{
	if (u->rx_count == VUART_RX_SIZE) {
		u->rx_dropped++;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % VUART_RX_SIZE] = byte;
	u->rx_count++;
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
		case IIR_FCR:
			v = iir(u);
			if ((v & 0x0f) == IIR_THRE)
				u->thre_pending = false;   /* reading it as the source clears it */
			break;
		case LCR:     v = u->lcr; break;
		case MCR:     v = u->mcr; break;
		case LSR:     v = 0x60 | (u->rx_count ? 1 : 0); break;  /* THR empty, data ready */
		case MSR:
			if (u->mcr & MCR_LOOP)
				v = (uint8_t)((u->mcr & 0x01) << 5 | (u->mcr & 0x02) << 3 |
					      (u->mcr & 0x04) << 4 | (u->mcr & 0x08) << 4);
			else
				v = 0xb0;                  /* DCD, DSR, CTS */
			break;
		case SCR:     v = u->scratch; break;
		}
		*value = v;
		return true;
	}
	uint8_t v = (uint8_t)*value;
	switch (reg) {
	case RBR_THR:
		if (dlab) {
			u->dll = v;
			break;
		}
		if (u->mcr & MCR_LOOP)
			loop_back(u, v);
		else
			put(u, (char)v);
		u->thre_pending = true;            /* sent at once: THR is empty again */
		break;
	case IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thre_pending = true;        /* enabled with THR empty: interrupt now */
		u->ier = v & 0x0f;
		break;
	case IIR_FCR:
		u->fcr = v & 0xc1;
		if (v & FCR_CLEAR_RX)
			u->rx_count = u->rx_head = 0;
		break;
	case LCR:     u->lcr = v; break;
	case MCR:     u->mcr = v & 0x1f; break;
	case SCR:     u->scratch = v; break;
	default:      break;                                /* LSR/MSR are read-only */
	}
	return true;
}
