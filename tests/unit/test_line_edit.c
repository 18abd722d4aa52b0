/*
 * Unit tests for the management shell's line editor (mgmt/line_edit.c): insertion and echo,
 * Backspace/DEL, Ctrl-U, Ctrl-C, the three spellings of Enter, the 200-character limit and its
 * remembered overflow, history recall with both arrow-key encodings, swallowed escape
 * sequences, ignored bytes, and a 1,000,000-byte fuzz with a fixed-seed PRNG. The fuzz replays
 * every echo on a model terminal line and checks after each byte that the screen shows exactly
 * the buffer, so it proves the redraw arithmetic as well as the absence of crashes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mgmt/line_edit.h"

static struct line_edit le;
static char echo_all[1 << 16];
static size_t echo_len;
static unsigned done_count, cancel_count;

static int setup(void **state)
{
	(void)state;
	line_edit_init(&le);
	echo_len = 0;
	echo_all[0] = '\0';
	done_count = cancel_count = 0;
	return 0;
}

/* Feeds n bytes, collecting every echo; returns the event of the last byte. */
static enum line_event feed_n(const char *s, size_t n)
{
	enum line_event ev = LINE_PENDING;
	struct line_echo e;
	for (size_t i = 0; i < n; i++) {
		ev = line_edit_feed(&le, (uint8_t)s[i], &e);
		assert_true(e.len <= LINE_ECHO_MAX);
		assert_true(echo_len + e.len < sizeof echo_all);
		memcpy(echo_all + echo_len, e.bytes, e.len);
		echo_len += e.len;
		echo_all[echo_len] = '\0';
		done_count += ev == LINE_DONE;
		cancel_count += ev == LINE_CANCELLED;
	}
	return ev;
}

static enum line_event feed(const char *s) { return feed_n(s, strlen(s)); }

static void clear_echo(void)
{
	echo_len = 0;
	echo_all[0] = '\0';
}

static void typing_inserts_and_echoes(void **state)
{
	(void)state;
	assert_int_equal(feed("list"), LINE_PENDING);
	assert_string_equal(echo_all, "list");
	assert_int_equal(feed("\r"), LINE_DONE);
	assert_string_equal(echo_all, "list\r\n");
	assert_string_equal(line_edit_text(&le), "list");
	assert_false(line_edit_overflowed(&le));
	/* The next byte starts a new line. */
	clear_echo();
	assert_int_equal(feed("h"), LINE_PENDING);
	assert_string_equal(line_edit_text(&le), "h");
	assert_string_equal(echo_all, "h");
}

static void every_printable_is_inserted(void **state)
{
	(void)state;
	char all[96];
	size_t n = 0;
	for (int c = 0x20; c <= 0x7e; c++)
		all[n++] = (char)c;
	all[n] = '\0';
	feed(all);
	assert_string_equal(line_edit_text(&le), all);
	assert_string_equal(echo_all, all);
}

static void enter_spellings(void **state)
{
	(void)state;
	assert_int_equal(feed("a\n"), LINE_DONE);
	assert_string_equal(line_edit_text(&le), "a");
	assert_int_equal(done_count, 1);
	/* CR LF is one Enter: the LF neither completes a second (empty) line nor echoes. */
	clear_echo();
	assert_int_equal(feed("b\r"), LINE_DONE);
	assert_string_equal(line_edit_text(&le), "b");
	assert_int_equal(feed("\n"), LINE_PENDING);
	assert_int_equal(done_count, 2);
	assert_string_equal(echo_all, "b\r\n");
	/* ... but a LF after anything else is an Enter of its own. */
	assert_int_equal(feed("\r"), LINE_DONE);
	assert_string_equal(line_edit_text(&le), "");
	assert_int_equal(feed("x\n"), LINE_DONE);
	assert_string_equal(line_edit_text(&le), "x");
	/* LF CR is two Enters, and CR CR too. */
	done_count = 0;
	feed("\n\r\r\r");
	assert_int_equal(done_count, 4);
	/* The pairing only spans adjacent bytes. */
	done_count = 0;
	feed("\rq\n");
	assert_int_equal(done_count, 2);
	assert_string_equal(line_edit_text(&le), "q");
}

static void backspace_and_delete(void **state)
{
	(void)state;
	feed("abc");
	clear_echo();
	feed("\x7f");
	assert_string_equal(line_edit_text(&le), "ab");
	assert_string_equal(echo_all, "\b \b");
	feed("\b");
	assert_string_equal(line_edit_text(&le), "a");
	feed("\x7f\x7f\b");           /* past the start: nothing more happens */
	assert_string_equal(line_edit_text(&le), "");
	assert_string_equal(echo_all, "\b \b\b \b\b \b");
	feed("z\r");
	assert_string_equal(line_edit_text(&le), "z");
}

static void ctrl_u_clears_the_line(void **state)
{
	(void)state;
	feed("stop web");
	clear_echo();
	feed("\x15");
	assert_string_equal(line_edit_text(&le), "");
	char expect[64] = "";
	for (int i = 0; i < 8; i++)
		strcat(expect, "\b \b");
	assert_string_equal(echo_all, expect);
	clear_echo();
	feed("\x15");                  /* on an empty line: no echo */
	assert_int_equal(echo_len, 0);
	feed("list\r");
	assert_string_equal(line_edit_text(&le), "list");
}

static void ctrl_c_abandons_the_line(void **state)
{
	(void)state;
	feed("destroy web");
	clear_echo();
	assert_int_equal(feed("\x03"), LINE_CANCELLED);
	assert_string_equal(echo_all, "^C\r\n");
	assert_string_equal(line_edit_text(&le), "");
	assert_null(line_edit_history(&le, 0));      /* an abandoned line is not remembered */
	clear_echo();
	feed("l");
	assert_string_equal(line_edit_text(&le), "l");
	assert_int_equal(feed("\x03"), LINE_CANCELLED);
	assert_int_equal(feed("\x03"), LINE_CANCELLED);  /* on an empty line as well */
	assert_int_equal(cancel_count, 3);
}

static void line_limit_and_overflow(void **state)
{
	(void)state;
	char line[LINE_MAX_CHARS + 11];
	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	/* Exactly the limit is fine. */
	feed_n(line, LINE_MAX_CHARS);
	assert_int_equal(feed("\r"), LINE_DONE);
	assert_int_equal(strlen(line_edit_text(&le)), LINE_MAX_CHARS);
	assert_false(line_edit_overflowed(&le));
	/* Ten more are neither inserted nor echoed, and the line remembers it overflowed. */
	clear_echo();
	feed(line);
	assert_int_equal(strlen(line_edit_text(&le)), LINE_MAX_CHARS);
	assert_int_equal(echo_len, LINE_MAX_CHARS);
	assert_int_equal(feed("\r"), LINE_DONE);
	assert_true(line_edit_overflowed(&le));
	assert_int_equal(strlen(line_edit_text(&le)), LINE_MAX_CHARS);
	/* The next line starts clean. */
	feed("a\r");
	assert_false(line_edit_overflowed(&le));
	/* Backspacing does not forget what was lost... */
	feed(line);
	feed("\x7f\x7f\x7f\x7f\x7f\r");
	assert_true(line_edit_overflowed(&le));
	assert_int_equal(strlen(line_edit_text(&le)), LINE_MAX_CHARS - 5);
	/* ... Ctrl-U and Ctrl-C do, since the line is gone. */
	feed(line);
	feed("\x15" "ab\r");
	assert_false(line_edit_overflowed(&le));
	assert_string_equal(line_edit_text(&le), "ab");
	feed(line);
	feed("\x03" "cd\r");
	assert_false(line_edit_overflowed(&le));
	assert_string_equal(line_edit_text(&le), "cd");
	/* An overflowed line is not put in the history. */
	assert_string_equal(line_edit_history(&le, 0), "cd");
	assert_string_equal(line_edit_history(&le, 1), "ab");
	assert_string_equal(line_edit_history(&le, 2), "a");
	assert_int_equal(strlen(line_edit_history(&le, 3)), LINE_MAX_CHARS);   /* the exact one */
	assert_null(line_edit_history(&le, 4));
}

static void history_recall_with_arrows(void **state)
{
	(void)state;
	feed("list\r");
	feed("host\r");
	clear_echo();
	feed("\x1b[A");
	assert_string_equal(line_edit_text(&le), "host");
	assert_string_equal(echo_all, "host");
	clear_echo();
	feed("\x1b[A");
	assert_string_equal(line_edit_text(&le), "list");
	assert_string_equal(echo_all, "\b\b\b\blist");
	clear_echo();
	feed("\x1b[A");                /* at the oldest: stays */
	assert_string_equal(line_edit_text(&le), "list");
	assert_int_equal(echo_len, 0);
	clear_echo();
	feed("\x1b[B");
	assert_string_equal(line_edit_text(&le), "host");
	assert_string_equal(echo_all, "\b\b\b\bhost");
	clear_echo();
	feed("\x1b[B");                /* back to the (empty) line being typed */
	assert_string_equal(line_edit_text(&le), "");
	assert_string_equal(echo_all, "\b\b\b\b    \b\b\b\b");
	clear_echo();
	feed("\x1b[B");                /* not browsing: nothing */
	assert_int_equal(echo_len, 0);
	/* A recalled line runs like a typed one. */
	feed("\x1b[A\r");
	assert_string_equal(line_edit_text(&le), "host");
}

static void history_ss3_arrows_and_draft(void **state)
{
	(void)state;
	feed("info web\r");
	feed("info db\r");
	feed("info");                  /* the draft */
	clear_echo();
	feed("\x1bOA");
	assert_string_equal(line_edit_text(&le), "info db");
	assert_string_equal(echo_all, " db");       /* only the differing tail is redrawn */
	clear_echo();
	feed("\x1bOA");
	assert_string_equal(line_edit_text(&le), "info web");
	assert_string_equal(echo_all, "\b\bweb");
	clear_echo();
	feed("\x1bOB\x1bOB");
	assert_string_equal(line_edit_text(&le), "info");
	/* "info web" -> "info db" -> "info": */
	assert_string_equal(echo_all, "\b\b\bdb \b\b\b\b   \b\b\b");
	/* The recalled line can be edited; history itself keeps the original. */
	feed("\x1b[A\x7f\x7f" "x\r");
	assert_string_equal(line_edit_text(&le), "info x");
	assert_string_equal(line_edit_history(&le, 0), "info x");
	assert_string_equal(line_edit_history(&le, 1), "info db");
	assert_string_equal(line_edit_history(&le, 2), "info web");
}

static void history_is_distinct_and_bounded(void **state)
{
	(void)state;
	feed("a\rb\ra\r");
	assert_string_equal(line_edit_history(&le, 0), "a");
	assert_string_equal(line_edit_history(&le, 1), "b");
	assert_null(line_edit_history(&le, 2));
	/* Empty and blank lines are not remembered. */
	feed("\r   \r");
	assert_null(line_edit_history(&le, 2));
	/* Up with nothing to recall does nothing. */
	setup(NULL);
	clear_echo();
	feed("\x1b[A");
	assert_int_equal(echo_len, 0);
	/* Only the newest LINE_HISTORY survive. */
	char line[16];
	for (int i = 0; i < LINE_HISTORY + 5; i++) {
		snprintf(line, sizeof line, "cmd%d\r", i);
		feed(line);
	}
	for (int i = 0; i < LINE_HISTORY; i++) {
		snprintf(line, sizeof line, "cmd%d", LINE_HISTORY + 4 - i);
		assert_string_equal(line_edit_history(&le, (unsigned)i), line);
	}
	assert_null(line_edit_history(&le, LINE_HISTORY));
	/* Up LINE_HISTORY times reaches the oldest kept; once more stays there. */
	for (int i = 0; i < LINE_HISTORY + 3; i++)
		feed("\x1b[A");
	assert_string_equal(line_edit_text(&le), "cmd5");
}

static void other_escape_sequences_are_swallowed(void **state)
{
	(void)state;
	feed("ab");
	clear_echo();
	/* Right, Left, Ctrl-Left, Ctrl-Up, Delete, Home, F1 (both encodings), F5, a bracketed
	 * paste marker, Shift-Tab. */
	feed("\x1b[C\x1b[D\x1b[1;5D\x1b[1;5A\x1b[3~\x1b[H\x1bOP\x1b[11~\x1b[15~\x1b[200~\x1b[Z");
	assert_string_equal(line_edit_text(&le), "ab");
	assert_int_equal(echo_len, 0);
	/* A lone Escape press: dropped, and the next key is ordinary typing. */
	feed("\x1b" "c");
	assert_string_equal(line_edit_text(&le), "abc");
	/* Escape Escape [ A: the second Escape starts the sequence. */
	feed("\r");
	feed("\x1b\x1b[A");
	assert_string_equal(line_edit_text(&le), "abc");
	/* A control byte breaks a sequence and then acts normally: Enter still works. */
	feed("\x15" "x\x1b[\r");
	assert_string_equal(line_edit_text(&le), "x");
	feed("y\x1bO\x03");
	assert_int_equal(cancel_count, 1);
	/* A sequence with an absurd number of parameter bytes ends after the cap. */
	feed("\x1b[1111111111111111111111ab\r");   /* 22 digits, cap 16 */
	assert_string_equal(line_edit_text(&le), "11111ab");
}

static void ignored_bytes(void **state)
{
	(void)state;
	feed("a");
	clear_echo();
	for (int c = 0; c < 0x20; c++) {
		if (c == '\r' || c == '\n' || c == 0x03 || c == 0x08 || c == 0x15 || c == 0x1b)
			continue;
		char b = (char)c;
		assert_int_equal(feed_n(&b, 1), LINE_PENDING);
	}
	for (int c = 0x80; c <= 0xff; c++) {
		char b = (char)c;
		assert_int_equal(feed_n(&b, 1), LINE_PENDING);
	}
	assert_string_equal(line_edit_text(&le), "a");
	assert_int_equal(echo_len, 0);
	assert_int_equal(done_count + cancel_count, 0);
}

/* ---- fuzz ------------------------------------------------------------------------------- */

/* What a terminal shows on the current line: printable bytes overwrite and advance, BS moves
 * left (not past column 0), CR goes to column 0, LF starts a new empty line. */
struct screen {
	char cells[LINE_MAX_CHARS * 4];
	size_t cursor, extent;
};

static void screen_apply(struct screen *s, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		if (c == '\b') {
			if (s->cursor)
				s->cursor--;
		} else if (c == '\r') {
			s->cursor = 0;
		} else if (c == '\n') {
			s->cursor = s->extent = 0;
		} else {
			assert_true(c >= 0x20 && c <= 0x7e);     /* echo never carries other bytes */
			assert_true(s->cursor < sizeof s->cells);
			s->cells[s->cursor++] = c;
			if (s->cursor > s->extent)
				s->extent = s->cursor;
		}
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64*: fixed seed, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Mostly uniform bytes, but often the ones with meaning, so escape sequences, history and
 * the line limit are reached far more often than chance alone would. */
static uint8_t fuzz_byte(void)
{
	static const uint8_t special[] = { 0x1b, '[', 'O', 'A', 'B', 'C', '1', ';', '~', '\r',
	                                   '\n', 0x7f, 0x08, 0x15, 0x03, ' ', 'x' };
	uint64_t r = rng();
	unsigned pick = (unsigned)(r >> 56);
	if (pick < 96)
		return special[(r >> 8) % sizeof special];
	if (pick < 200)
		return (uint8_t)(0x20 + (r >> 16) % 95);     /* printable: lines fill up */
	return (uint8_t)(r >> 24);
}

static void fuzz_one_million_bytes(void **state)
{
	(void)state;
	struct screen scr = { .cursor = 0, .extent = 0 };
	struct line_echo e;
	unsigned events[3] = { 0, 0, 0 };
	unsigned max_hist = 0, overflows = 0;
	for (unsigned i = 0; i < 1000000; i++) {
		enum line_event ev = line_edit_feed(&le, fuzz_byte(), &e);
		assert_true(ev == LINE_PENDING || ev == LINE_DONE || ev == LINE_CANCELLED);
		events[ev]++;
		assert_true(e.len <= LINE_ECHO_MAX);
		screen_apply(&scr, e.bytes, e.len);
		const char *t = line_edit_text(&le);
		size_t len = strlen(t);
		assert_true(len <= LINE_MAX_CHARS);
		for (size_t k = 0; k < len; k++)
			assert_true(t[k] >= 0x20 && t[k] <= 0x7e);
		if (ev == LINE_PENDING) {
			/* The screen shows the buffer, cursor at its end, only blanks after it. */
			assert_int_equal(scr.cursor, len);
			assert_memory_equal(scr.cells, t, len);
			for (size_t k = len; k < scr.extent; k++)
				assert_int_equal(scr.cells[k], ' ');
		} else {
			assert_int_equal(scr.cursor, 0);           /* ended with CR LF */
			assert_int_equal(scr.extent, 0);
			overflows += ev == LINE_DONE && line_edit_overflowed(&le);
		}
		if ((i & 1023) == 0) {
			unsigned n = 0;
			while (line_edit_history(&le, n)) {
				const char *h = line_edit_history(&le, n);
				assert_true(strlen(h) >= 1 && strlen(h) <= LINE_MAX_CHARS);
				for (unsigned m = 0; m < n; m++)
					assert_string_not_equal(line_edit_history(&le, m), h);
				n++;
			}
			assert_true(n <= LINE_HISTORY);
			if (n > max_hist)
				max_hist = n;
		}
	}
	/* The generator really exercised the interesting paths. */
	assert_true(events[LINE_DONE] > 1000);
	assert_true(events[LINE_CANCELLED] > 1000);
	assert_int_equal(max_hist, LINE_HISTORY);
	print_message("fuzz: %u lines, %u cancelled, %u overflowed\n", events[LINE_DONE],
	              events[LINE_CANCELLED], overflows);
}

/* Long printable runs between rare Enters: the overflow path under fuzzing. */
static void fuzz_long_lines(void **state)
{
	(void)state;
	struct screen scr = { .cursor = 0, .extent = 0 };
	struct line_echo e;
	unsigned overflows = 0;
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t r = rng();
		uint8_t b = (r >> 56) < 2 ? '\r' : (r >> 56) < 6 ? 0x1b : (r >> 56) < 8 ? 'A'
		          : (uint8_t)(0x20 + (r >> 8) % 95);
		enum line_event ev = line_edit_feed(&le, b, &e);
		screen_apply(&scr, e.bytes, e.len);
		if (ev == LINE_DONE)
			overflows += line_edit_overflowed(&le);
		else {
			assert_int_equal(scr.cursor, strlen(line_edit_text(&le)));
			assert_memory_equal(scr.cells, line_edit_text(&le), scr.cursor);
		}
	}
	assert_true(overflows > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(typing_inserts_and_echoes, setup),
		cmocka_unit_test_setup(every_printable_is_inserted, setup),
		cmocka_unit_test_setup(enter_spellings, setup),
		cmocka_unit_test_setup(backspace_and_delete, setup),
		cmocka_unit_test_setup(ctrl_u_clears_the_line, setup),
		cmocka_unit_test_setup(ctrl_c_abandons_the_line, setup),
		cmocka_unit_test_setup(line_limit_and_overflow, setup),
		cmocka_unit_test_setup(history_recall_with_arrows, setup),
		cmocka_unit_test_setup(history_ss3_arrows_and_draft, setup),
		cmocka_unit_test_setup(history_is_distinct_and_bounded, setup),
		cmocka_unit_test_setup(other_escape_sequences_are_swallowed, setup),
		cmocka_unit_test_setup(ignored_bytes, setup),
		cmocka_unit_test_setup(fuzz_one_million_bytes, setup),
		cmocka_unit_test_setup(fuzz_long_lines, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
