/*
 * What the files of lib/config share and nobody else needs: ASCII character classes (the C
 * library's ctype depends on the locale, and the syntax must mean the same everywhere), spans
 * (pieces of the text, parsed in place, never NUL-terminated), quoting of the administrator's
 * text in messages, and the error list every check appends to. Everything here is inline or
 * declared for the other files of lib/config; the public interface is config.h.
 */
#ifndef BULKHEAD_CONFIG_TEXT_H
#define BULKHEAD_CONFIG_TEXT_H

#include <stdio.h>
#include <string.h>
#include "config.h"

/*
 * Character classes. The C library's ctype answers depend on the locale (and, for bytes above
 * 0x7f, on the signedness of char); the config syntax must mean the same everywhere, so it
 * uses these ASCII-only tests instead.
 */
static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
static inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
/* CR counts as blank so that a CRLF file, or a stray CR, never leaks into a value. */
static inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
static inline char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static inline int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	c = to_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A piece of the (not NUL-terminated) text. Everything is parsed in place through these. */
struct span {
	const char *p;
	size_t n;
};

static inline struct span span_of(const char *p, size_t n)
{
	struct span s = { p, n };
	return s;
}

static inline struct span span_trim(struct span s)
{
	while (s.n && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* Case-insensitive equality with a lower-case literal: keywords are not case-sensitive. */
static inline bool span_is(struct span s, const char *word)
{
	size_t n = strlen(word);
	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (to_lower(s.p[i]) != word[i])
			return false;
	return true;
}

/*
 * Index of s among the '|'-separated lower-case words of `choices`, or -1. One string instead
 * of an array of pointers keeps the tables free of relocations, which matters to the PIC
 * loader build.
 */
static inline int span_choice(struct span s, const char *choices)
{
	int index = 0;
	const char *w = choices;
	for (;;) {
		const char *bar = strchr(w, '|');
		size_t n = bar ? (size_t)(bar - w) : strlen(w);
		if (s.n == n) {
			size_t i = 0;
			while (i < n && to_lower(s.p[i]) == w[i])
				i++;
			if (i == n)
				return index;
		}
		if (!bar)
			return -1;
		w = bar + 1;
		index++;
	}
}

/*
 * Quoting the administrator's text back in a message. Values can be as long as a line, and a
 * message is 128 bytes, so quoted text is clipped to keep room for the explanation after it.
 */
#define CLIP_MAX 40
struct clip {
	char s[CLIP_MAX + 4];
};

static inline const char *clip(struct clip *c, struct span s)
{
	size_t n = s.n > CLIP_MAX ? CLIP_MAX : s.n;
	memcpy(c->s, s.p, n);
	if (s.n > CLIP_MAX) {
		memcpy(c->s + n, "...", 3);
		n += 3;
	}
	c->s[n] = '\0';
	return c->s;
}

/* Decimal text of a 64-bit number. newlib is built without long long printf support, so
 * %llu cannot be used; 64-bit numbers go through this and %s. */
struct num {
	char s[24];
};

static inline const char *num_str(struct num *b, uint64_t v)
{
	char *p = b->s + sizeof b->s;
	*--p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/* The error list (messages.c). A new entry, or NULL (and `dropped` counted) when it is full. */
struct config_error *config_new_error(struct config_errors *errs, unsigned line);
void config_mark_cut(struct config_error *e, int len);
/* Stable sort of list[from..count) by line: errors are found partly out of line order (a
 * section's missing keys are only known at its end), but they are read top to bottom. */
void config_sort_errors(struct config_errors *errs, unsigned from);

/* A macro, not a function, so that no <stdarg.h> is needed: snprintf does the formatting. */
#define REPORT(errs, line, ...)                                                          \
	do {                                                                             \
		struct config_error *e_ = config_new_error((errs), (line));                     \
		if (e_)                                                                  \
			config_mark_cut(e_, snprintf(e_->message, sizeof e_->message, __VA_ARGS__)); \
	} while (0)

#endif
