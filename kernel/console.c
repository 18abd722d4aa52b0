/*
 * Console multiplexer (see console.h). Input is polled: the scheduler calls
 * console_poll_input() on every VM exit and while idle, so typed bytes reach a partition within
 * one time slice without the hypervisor taking device interrupts.
 */
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/partition.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/x86.h"
#include "vdev/platform.h"

static struct uart *wire;
static uint8_t escape = 0x1d;          /* Ctrl-] */
static int shell = CONSOLE_FOCUS_NONE;
/* Who has the terminal. Read anywhere; a byte for the terminal is written, and the escape key
 * moves it, under the log lock (log_console_passthrough_if, log_console_refocus), so that a
 * partition's output racing the escape on another CPU lands before the switch or not at all. */
static volatile int focus = CONSOLE_FOCUS_NONE;
/* When the last byte came in from the wire, for whichever partition: the shell's idle logout
 * counts from it, so time spent typing into another partition's console is not idle time. */
static uint64_t last_input_tsc;

void console_init(struct uart *w, uint8_t escape_char)
{
	wire = w;
	escape = escape_char;
	last_input_tsc = rdtsc();
}

uint64_t console_last_input_tsc(void) { return __atomic_load_n(&last_input_tsc, __ATOMIC_RELAXED); }

uint8_t console_escape_char(void) { return escape; }
void console_set_escape(uint8_t escape_char) { escape = escape_char; }
int console_focus(void) { return focus; }

void console_set_shell(int id)
{
	shell = id;
	focus = id;
}

static void flush_line(struct vuart *u)
{
	if (!u->line_len)
		return;
	kprintf("[%s] %.*s\n", u->owner, (int)u->line_len, u->line);
	u->line_len = 0;
}

void console_route(struct vuart *u, char c)
{
	if (focus == (int)u->owner_id) {
		/* the focused partition owns the terminal */
		log_console_passthrough_if(&focus, (int)u->owner_id, c);
		return;
	}
	if (focus != CONSOLE_FOCUS_NONE)
		return;                          /* kept in its ring only, replayed on attach */
	/* Nobody has the console: whole lines, prefixed, with unprintable bytes shown as '.'
	 * so a guest cannot send escape sequences to the administrator's terminal. */
	if (c == '\n') {
		flush_line(u);
		return;
	}
	if (c == '\r')
		return;
	u->line[u->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '.';
	if (u->line_len == VUART_LINE_MAX)
		flush_line(u);
}

void console_attach(int id)
{
	struct partition *p = partition_get((unsigned)id);
	if (!p)
		return;
	static char replay[CONSOLE_REPLAY_BYTES];
	uint64_t n = vuart_ring_tail(&p->uart, replay, sizeof replay);
	uart_write(wire, "\n", 1);
	for (uint64_t i = 0; i < n; i++)
		log_console_passthrough(replay[i]);
	focus = id;
	klog(LOG_DEBUG, "console attached to '%s'", p->name);
}

void console_partition_stopped(int id)
{
	struct partition *p = partition_get((unsigned)id);
	if (p)
		flush_line(&p->uart);
	if (id == shell)
		shell = CONSOLE_FOCUS_NONE;
	if (focus == id)
		focus = shell;
}

/* Into the partition's virtual UART, on the CPU that runs it. */
static void deliver_here(struct partition *p, uint8_t byte)
{
	if (p->state != PARTITION_RUNNING)
		return;
	bool taken = partition_lock_devices(p, this_cpu()->apic_id);   /* its vCPUs share the UART */
	bool raise = vuart_receive(&p->uart, byte);
	if (p->vcpus[0].lapic)
		vplatform_uart_changed(p);        /* its I/O APIC routes the UART's interrupt */
	else if (raise)
		vcpu_raise(&p->vcpus[0], VUART_RX_VECTOR);
	partition_unlock_devices(p, taken);
}

/* A partition on another CPU gets the byte through its mailbox and that CPU a kick, sent again
 * (at most every millisecond) while the mailbox is not empty: a kick that lands in hypervisor
 * code goes unnoticed until that CPU's next exit, which a busy guest may never make. */
static void kick_for_mail(struct partition *p)
{
	uint64_t now = rdtsc(), ms = partitions_env()->tsc_hz / 1000;
	if (p->input_kick_tsc && now - p->input_kick_tsc < ms)
		return;
	p->input_kick_tsc = now;
	smp_kick(p->vcpus[0].cpu, 0);
}

static void deliver(struct partition *p, uint8_t byte)
{
	if (p->state != PARTITION_RUNNING)
		return;
	if (p->vcpus[0].cpu == this_cpu()->index) {
		deliver_here(p, byte);
		return;
	}
	uint32_t head = p->input_head;
	if (head - __atomic_load_n(&p->input_tail, __ATOMIC_ACQUIRE) >= PARTITION_INPUT_MAIL)
		return;                              /* full: dropped, like a UART overrun */
	p->input_mail[head % PARTITION_INPUT_MAIL] = byte;
	__atomic_store_n(&p->input_head, head + 1, __ATOMIC_RELEASE);
	p->input_kick_tsc = 0;
	kick_for_mail(p);
}

void console_take_mail(struct partition *p)
{
	uint32_t tail = p->input_tail;
	while (tail != __atomic_load_n(&p->input_head, __ATOMIC_ACQUIRE)) {
		deliver_here(p, p->input_mail[tail % PARTITION_INPUT_MAIL]);
		__atomic_store_n(&p->input_tail, ++tail, __ATOMIC_RELEASE);
	}
}

void console_poll_input(void)
{
	for (int budget = 64; budget > 0; budget--) {
		int c = uart_getc(wire);
		if (c < 0)
			return;
		__atomic_store_n(&last_input_tsc, rdtsc(), __ATOMIC_RELAXED);
		if (c == escape && focus != shell) {
			/* back to the shell, whatever the partition does */
			log_console_refocus(&focus, shell, "\n");
			continue;
		}
		if (focus != CONSOLE_FOCUS_NONE)
			deliver(partition_get((unsigned)focus), (uint8_t)c);
	}
	struct partition *p = focus == CONSOLE_FOCUS_NONE ? NULL : partition_get((unsigned)focus);
	if (p && p->state == PARTITION_RUNNING && p->input_head != p->input_tail)
		kick_for_mail(p);
}
