/*
 * Console and log ring (see log.h). Formatting uses newlib's vsnprintf into a bounded line
 * buffer; a line too long for it is cut with a marker, never overrunning anything. Before
 * log_init() there is no console and output only reaches the ring.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "kernel/log.h"
#include "param.h"

static struct uart *console;
static enum log_level console_level = LOG_INFO;
static char ring[LOG_RING_SIZE];
static uint64_t ring_written;            /* total bytes ever written; head = written % size */
static unsigned wire_column;             /* where the terminal's cursor is on its line */

static void track_column(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wire_column = (s[i] == '\n' || s[i] == '\r') ? 0 : wire_column + 1;
}

void log_console_passthrough(char c)
{
	if (!console)
		return;
	uart_putc(console, c);
	track_column(&c, 1);
}

void log_init(struct uart *c, enum log_level level)
{
	console = c;
	console_level = level;
}

void log_write(const char *s, size_t n, int to_console)
{
	for (size_t i = 0; i < n; i++)
		ring[(ring_written + i) % LOG_RING_SIZE] = s[i];
	ring_written += n;
	if (to_console && console) {
		uart_write(console, s, n);
		track_column(s, n);
	}
}

size_t log_ring_copy(char *buf, size_t size)
{
	uint64_t have = ring_written < LOG_RING_SIZE ? ring_written : LOG_RING_SIZE;
	if (have > size)
		have = size;
	uint64_t start = ring_written - have;
	for (uint64_t i = 0; i < have; i++)
		buf[i] = ring[(start + i) % LOG_RING_SIZE];
	return have;
}

static void vemit(const char *prefix, int to_console, const char *fmt, va_list ap)
{
	char line[512];
	size_t p = strlen(prefix);
	memcpy(line, prefix, p);
	int n = vsnprintf(line + p, sizeof line - p, fmt, ap);
	if (n < 0)
		return;
	size_t len = p + (size_t)n;
	if (len >= sizeof line) {
		static const char cut[] = "...[cut]\n";
		memcpy(line + sizeof line - sizeof cut, cut, sizeof cut);
		len = sizeof line - 1;
	}
	/* A log line never lands in the middle of what a partition (say, the shell's prompt)
	 * left on the terminal's current line. */
	if (to_console && console && wire_column)
		uart_write(console, "\n", 1), wire_column = 0;
	log_write(line, len, to_console);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vemit("", 1, fmt, ap);
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
	vemit(prefix[level <= LOG_DEBUG ? level : LOG_DEBUG], level <= console_level, fmt, ap);
	va_end(ap);
	/* klog lines are whole lines; the format carries no newline. */
	log_write("\n", 1, level <= console_level);
}
