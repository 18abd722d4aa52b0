/*
 * The hypervisor's console output and log ring. kprintf() writes text to the serial console
 * and keeps it in a ring of the last LOG_RING_SIZE bytes (read back later by the management
 * shell). klog() adds the "[hv] " prefix and honours the configured log level for the console;
 * the ring keeps every level, so raising the level after the fact loses nothing recent.
 */
#ifndef BULKHEAD_LOG_H
#define BULKHEAD_LOG_H

#include <stddef.h>
#include <stdint.h>
#include "drivers/uart16550.h"
#include "lib/config/config.h"

void log_init(struct uart *console, enum log_level level);
/* The lowest level that still reaches the console (the ring keeps every level). */
void log_set_level(enum log_level level);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raw bytes to the console and the ring (newlib's _write ends here). */
void log_write(const char *s, size_t n, int to_console);
/* A partition's byte for the terminal (console multiplexer): not kept in the log ring, but
 * counted so that the next log line starts on a fresh line. */
void log_console_passthrough(char c);
/* The same for a byte of partition `owner`, written only if *focus is still owner once the
 * lock is held: a partition on another CPU cannot print after the console has left it. */
void log_console_passthrough_if(const volatile int *focus, int owner, char c);
/* Moves the console (*focus = to) and writes say, under the same lock. */
void log_console_refocus(volatile int *focus, int to, const char *say);
/* Copies the oldest-to-newest ring content into buf; returns bytes copied. */
size_t log_ring_copy(char *buf, size_t size);

#endif
