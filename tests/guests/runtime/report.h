/*
 * The standard result lines every test guest prints:
 *   PASS <what>
 *   FAIL <what>: <detail>
 *   DONE <n> passed, <m> failed      (last line of a guest that runs to its end)
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include <stdint.h>

void pass(const char *what_fmt, ...) __attribute__((format(printf, 1, 2)));
void fail(const char *what, const char *detail_fmt, ...) __attribute__((format(printf, 2, 3)));

/* PASS what, or FAIL what: detail. Returns ok. */
int check(int ok, const char *what, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Equality checks with a standard detail ("got ..., want ..."). */
int check_eq(const char *what, uint64_t got, uint64_t want);
int check_hc(const char *what, int64_t got, int64_t want);   /* names HC_E* codes */

/* "HC_EINVAL (-2)" for error codes, the decimal number otherwise; buf holds >= 32 bytes. */
const char *hc_result_name(int64_t result, char *buf);

/* Prints the DONE line; returns the exit code for HC_EXIT (0 when nothing failed). */
int done(void);

#endif
