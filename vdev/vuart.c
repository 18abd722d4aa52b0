/*
 * Virtual 16550A (see vuart.h), after the National PC16550D data sheet: "Register
 * Addressing", "Interrupt Identification Register" (priorities and how each interrupt is
 * reset), "FIFO Control Register" and the loopback description under "Modem Control
 * Register". The transmitter is infinitely fast: LSR always shows THR and the transmitter
 * empty (0x60), and a byte written to THR has left before the next access. So the THR-empty
 * interrupt, which the data sheet sets when THR empties and resets on an IIR read that reports
 * it or on a THR write, is set again by every THR write, and set when IER enables it (THR is
 * empty then, and Linux's 8250 driver checks that enabling re-asserts it). Received-data
 * interrupts report IIR 0x04 whatever the FIFO trigger level (no character timeouts); line
 * status and modem status interrupts never occur (no errors, no modem lines).
 */
#include "vdev/vuart.h"
#include "kernel/console.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB        0x80
#define IER_RDI         0x01            /* received data available */
#define IER_THRI        0x02            /* THR empty */
#define IIR_NONE        0x01            /* bit 0 set: no interrupt pending */
#define IIR_RDI         0x04
#define IIR_THRI        0x02
#define IIR_FIFOS_ON    0xc0
#define FCR_ENABLE      0x01
#define FCR_CLEAR_RX    0x02
#define FCR_KEPT        0xc9            /* enable, DMA mode, RX trigger level */
#define MCR_OUT2        0x08
#define MCR_LOOP        0x10
#define LSR_DR          0x01
#define LSR_THRE_TEMT   0x60
#define MSR_NOT_LOOPED  0xb0            /* DCD, DSR and CTS asserted, no ring */
#define RX_FIFO_DEPTH   16              /* what loopback can hold: the chip's own FIFO */

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

static bool loopback(const struct vuart *u)
{
	return u->mcr & MCR_LOOP;
}

static bool rx_push(struct vuart *u, uint8_t byte, unsigned limit)
{
	if (u->rx_count >= limit) {
		u->rx_dropped++;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % VUART_RX_SIZE] = byte;
	u->rx_count++;
	return true;
}

bool vuart_receive(struct vuart *u, uint8_t byte)
{
	/* In loopback "the receiver serial input is disconnected". */
	if (loopback(u)) {
		u->rx_dropped++;
		return false;
	}
	return rx_push(u, byte, VUART_RX_SIZE) && (u->ier & IER_RDI);
}

void vuart_write(struct vuart *u, const char *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		put(u, s[i]);
}

/* The pending interrupt of highest priority, as IIR bits 3:0. */
static uint8_t interrupt_id(const struct vuart *u)
{
	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return IIR_THRI;
	return IIR_NONE;
}

bool vuart_irq_line(const struct vuart *u)
{
	/* On a PC, OUT2 enables the buffer between INTRPT and the IRQ line; in loopback the
	 * modem control outputs are "forced to their inactive state", OUT2 included. */
	return interrupt_id(u) != IIR_NONE && (u->mcr & MCR_OUT2) && !loopback(u);
}

/* In loopback the modem status inputs are the MCR outputs: CTS = RTS, DSR = DTR, RI = OUT1,
 * DCD = OUT2. */
static uint8_t modem_status(const struct vuart *u)
{
	if (!loopback(u))
		return MSR_NOT_LOOPED;
	uint8_t m = u->mcr;
	return (uint8_t)(((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) |
			 ((m & 0x08) << 4));
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = u->rx_count = 0;
}

/* "FCR0 must be 1 when other FCR bits are written to or they will not be programmed", and
 * changing between FIFO and non-FIFO mode clears the FIFOs. Bit 1 clears the receive FIFO
 * (typed input not yet read goes with it); the transmit FIFO is always empty. */
static void write_fcr(struct vuart *u, uint8_t v)
{
	bool was_on = u->fcr & FCR_ENABLE;
	if (!(v & FCR_ENABLE)) {
		if (was_on)
			rx_clear(u);
		u->fcr = 0;
		return;
	}
	if (!was_on || (v & FCR_CLEAR_RX))
		rx_clear(u);
	u->fcr = v & FCR_KEPT;
}

static void write_thr(struct vuart *u, uint8_t v)
{
	if (loopback(u))
		/* The transmitter feeds the receiver, which holds what its FIFO holds (one
		 * byte without FIFOs); Linux's size_fifo() counts on that. */
		rx_push(u, v, (u->fcr & FCR_ENABLE) ? RX_FIFO_DEPTH : 1);
	else
		put(u, (char)v);
	u->thre_pending = true;          /* written, gone, and THR empty again */
}

static void write_ier(struct vuart *u, uint8_t v)
{
	uint8_t ier = v & 0x0f;
	if ((ier & IER_THRI) && !(u->ier & IER_THRI))
		u->thre_pending = true;      /* enabled while THR is empty */
	u->ier = ier;
}

static uint8_t read_iir(struct vuart *u)
{
	uint8_t id = interrupt_id(u);
	if (id == IIR_THRI)
		u->thre_pending = false;     /* reading IIR resets THRE when it is the source */
	return id | ((u->fcr & FCR_ENABLE) ? IIR_FIFOS_ON : 0);
}

static uint8_t read_rbr(struct vuart *u)
{
	if (u->rx_count) {
		u->rbr = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % VUART_RX_SIZE;
		u->rx_count--;
	}
	return u->rbr;
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
		case RBR_THR: v = dlab ? u->dll : read_rbr(u); break;
		case IER:     v = dlab ? u->dlm : u->ier; break;
		case IIR_FCR: v = read_iir(u); break;
		case LCR:     v = u->lcr; break;
		case MCR:     v = u->mcr; break;
		case LSR:     v = LSR_THRE_TEMT | (u->rx_count ? LSR_DR : 0); break;
		case MSR:     v = modem_status(u); break;
		case SCR:     v = u->scratch; break;
		}
		*value = v;
		return true;
	}
	uint8_t v = (uint8_t)*value;
	switch (reg) {
	case RBR_THR: if (dlab) u->dll = v; else write_thr(u, v); break;
	case IER:     if (dlab) u->dlm = v; else write_ier(u, v); break;
	case IIR_FCR: write_fcr(u, v); break;
	case LCR:     u->lcr = v; break;
	case MCR:     u->mcr = v & 0x1f; break;
	case SCR:     u->scratch = v; break;
	default:      break;                                /* LSR/MSR are read-only */
	}
	return true;
}
