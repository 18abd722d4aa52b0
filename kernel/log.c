/*
 * Console and log ring (see log.h). Formatting uses newlib's vsnprintf into a bounded line
 * buffer; a line too long for it is cut with a marker, never overrunning anything. Before
 * log_init() there is no console and output only reaches the ring.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "kernel/x86.h"
#include "param.h"

static struct uart *console;
static enum log_level console_level = LOG_INFO;
static char ring[LOG_RING_SIZE];
static uint64_t ring_written;            /* total bytes ever written; head = written % size */
static unsigned wire_column;             /* where the terminal's cursor is on its line */
/* Every CPU logs and partitions on every CPU write to the console: one lock over the ring, the
 * wire and the column, held for one line at most, so lines from different CPUs never tear.
 * Lines are formatted before it is taken. */
static struct spinlock lock;

static bool lock_log(void) { return spin_lock(&lock, this_cpu_apic_id()); }

static void track_column(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wire_column = (s[i] == '\n' || s[i] == '\r') ? 0 : wire_column + 1;
}

void log_console_passthrough(char c)
{
	if (!console)
		return;
	bool took = lock_log();
	uart_putc(console, c);
	track_column(&c, 1);
	if (took)
		spin_unlock(&lock);
}

void log_console_passthrough_if(const volatile int *focus, int owner, char c)
{
	if (!console)
		return;
	bool took = lock_log();
	if (*focus == owner) {
		uart_putc(console, c);
		track_column(&c, 1);
	}
	if (took)
		spin_unlock(&lock);
}

void log_console_refocus(volatile int *focus, int to, const char *say)
{
	bool took = lock_log();
	*focus = to;
	if (console) {
		uart_write(console, say, strlen(say));
		track_column(say, strlen(say));
	}
	if (took)
		spin_unlock(&lock);
}

void log_init(struct uart *c, enum log_level level)
{
	console = c;
	console_level = level;
}

void log_set_level(enum log_level level)
{
	console_level = level;
}

static void write_locked(const char *s, size_t n, int to_console)
{
	for (size_t i = 0; i < n; i++)
		ring[(ring_written + i) % LOG_RING_SIZE] = s[i];
	ring_written += n;
	if (to_console && console) {
		uart_write(console, s, n);
		track_column(s, n);
	}
}

void log_write(const char *s, size_t n, int to_console)
{
	bool took = lock_log();
	write_locked(s, n, to_console);
	if (took)
		spin_unlock(&lock);
}

size_t log_ring_copy(char *buf, size_t size)
{
	bool took = lock_log();
	uint64_t have = ring_written < LOG_RING_SIZE ? ring_written : LOG_RING_SIZE;
	if (have > size)
		have = size;
	uint64_t start = ring_written - have;
	for (uint64_t i = 0; i < have; i++)
		buf[i] = ring[(start + i) % LOG_RING_SIZE];
	if (took)
		spin_unlock(&lock);
	return have;
}

static void vemit(const char *prefix, int to_console, bool newline, const char *fmt, va_list ap)
{
	char line[512];
	size_t p = strlen(prefix);
	memcpy(line, prefix, p);
	int n = vsnprintf(line + p, sizeof line - p - 1, fmt, ap);
	if (n < 0)
		return;
	size_t len = p + (size_t)n;
	if (len >= sizeof line - 1) {
		static const char cut[] = "...[cut]\n";
		memcpy(line + sizeof line - sizeof cut, cut, sizeof cut);
		len = sizeof line - 1;
	} else if (newline) {
		line[len++] = '\n';
	}
	bool took = lock_log();
	/* A log line never lands in the middle of what a partition (say, the shell's prompt)
	 * left on the terminal's current line. */
	if (to_console && console && wire_column)
		uart_write(console, "\n", 1), wire_column = 0;
	write_locked(line, len, to_console);
	if (took)
		spin_unlock(&lock);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vemit("", 1, false, fmt, ap);
	va_end(ap);
}

void klog(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[LOG_ERROR] = "[hv] error: ", [LOG_WARN] = "[hv] warning: ",
		[LOG_INFO] = "[hv] ", [LOG_DEBUG] = "[hv] debug: ",
	};
	va_list ap;
	va_start(ap, fmt);
	/* klog lines are whole lines; the format carries no newline. */
	vemit(prefix[level <= LOG_DEBUG ? level : LOG_DEBUG], level <= console_level, true, fmt, ap);
	va_end(ap);
}
