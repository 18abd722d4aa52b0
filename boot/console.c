/*
 * The loader's console. Progress lines go straight to the UART named in the config (the
 * serial console the administrator watches). Errors go there and also to the firmware's ConOut
 * (the screen), because ConOut is not always mirrored to the serial line and the serial line is
 * not always watched; on emulators whose firmware mirrors ConOut to COM1 an error line can
 * therefore appear twice. After ExitBootServices only the UART is left.
 */
#include <stdarg.h>
#include <stdio.h>
#include "boot/loader.h"
#include "drivers/uart16550.h"

static struct uart boot_uart;
static int conout_usable;

void boot_console_init(uint16_t port, uint32_t baud)
{
	uart_init(&boot_uart, port, baud);
	conout_usable = 1;
}

void boot_console_exit_boot_services(void)
{
	conout_usable = 0;
}

static void emit(int to_conout, const char *fmt, va_list ap)
{
	char line[256];
	int n = vsnprintf(line, sizeof line, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	uart_write(&boot_uart, "boot: ", 6);
	uart_write(&boot_uart, line, (size_t)n);
	uart_write(&boot_uart, "\n", 1);
	if (to_conout && conout_usable && ST && ST->ConOut) {
		CHAR16 wide[sizeof line + 2];
		int i;
		for (i = 0; i < n; i++)
			wide[i] = (CHAR16)(unsigned char)line[i];
		wide[i++] = L'\r';
		wide[i++] = L'\n';
		wide[i] = 0;
		ST->ConOut->OutputString(ST->ConOut, wide);
	}
}

void boot_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(0, fmt, ap);
	va_end(ap);
}

void boot_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(1, fmt, ap);
	va_end(ap);
}
