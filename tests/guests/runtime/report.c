/* PASS/FAIL/DONE lines and the pass and fail counts behind the DONE line. */
#include <stdarg.h>
#include <stdio.h>
#include "lib/guestrt/console.h"
#include "lib/guestrt/hcall.h"
#include "report.h"

static unsigned passed, failed;

void pass(const char *what_fmt, ...)
{
	char what[CONSOLE_LINE_MAX];
	va_list ap;
	va_start(ap, what_fmt);
	vsnprintf(what, sizeof(what), what_fmt, ap);
	va_end(ap);
	passed++;
	cprintf("PASS %s\n", what);
}

static void vfail(const char *what, const char *detail_fmt, va_list ap)
{
	char detail[CONSOLE_LINE_MAX];
	vsnprintf(detail, sizeof(detail), detail_fmt, ap);
	failed++;
	cprintf("FAIL %s: %s\n", what, detail);
}

void fail(const char *what, const char *detail_fmt, ...)
{
	va_list ap;
	va_start(ap, detail_fmt);
	vfail(what, detail_fmt, ap);
	va_end(ap);
}

int check(int ok, const char *what, const char *detail_fmt, ...)
{
	if (ok) {
		pass("%s", what);
	} else {
		va_list ap;
		va_start(ap, detail_fmt);
		vfail(what, detail_fmt, ap);
		va_end(ap);
	}
	return ok;
}

int check_eq(const char *what, uint64_t got, uint64_t want)
{
	return check(got == want, what, "got %#lx, want %#lx", got, want);
}

const char *hc_result_name(int64_t result, char *buf)
{
	const char *name = 0;
	switch (result) {
	case HC_ENOSYS: name = "HC_ENOSYS"; break;
	case HC_EINVAL: name = "HC_EINVAL"; break;
	case HC_EFAULT: name = "HC_EFAULT"; break;
	case HC_EPERM:  name = "HC_EPERM"; break;
	}
	if (name)
		snprintf(buf, 32, "%s (%ld)", name, result);
	else
		snprintf(buf, 32, "%ld", result);
	return buf;
}

int check_hc(const char *what, int64_t got, int64_t want)
{
	char g[32], w[32];
	return check(got == want, what, "got %s, want %s", hc_result_name(got, g),
	             hc_result_name(want, w));
}

int done(void)
{
	cprintf("DONE %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
