/*
 * The guest console: a polled 16550 transmitter at COM1 and cprintf on top of newlib's
 * vsnprintf (no stdio streams, so no heap is needed).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "console.h"
#include "cpu.h"

#define COM1 0x3f8
#define UART_LSR 5
#define LSR_THR_EMPTY 0x20
#define LSR_POLL_LIMIT 1000   /* the virtual UART is always ready; never hang on a bad one */

static void uart_putc(char c)
{
	for (int i = 0; i < LSR_POLL_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
		pause();
	outb(COM1, (uint8_t)c);
}

void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		uart_putc(s[i]);
}

int cprintf(const char *fmt, ...)
{
	char line[CONSOLE_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(line)) {
		size_t fmt_len = strlen(fmt);
		n = (int)sizeof(line) - 1;
		if (fmt_len && fmt[fmt_len - 1] == '\n')
			line[n - 1] = '\n';
	}
	console_write(line, (size_t)n);
	return n;
}
