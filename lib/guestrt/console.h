/*
 * Console output of a test guest: bytes go out through the virtual 16550 at 0x3f8, and the
 * hypervisor prints each finished line as "[partition] text".
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stddef.h>

void console_write(const char *s, size_t len);

/* printf through newlib's vsnprintf; one call prints at most CONSOLE_LINE_MAX - 1 bytes (a
 * longer result is cut and still ends in a newline if the format did). */
#define CONSOLE_LINE_MAX 256
int cprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
