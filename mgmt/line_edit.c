/*
 * The shell's line editor (see line_edit.h). Input is a byte stream from a terminal we do not
 * control, so the design goal is that every byte has a defined, bounded effect: escape
 * sequences are tracked by a tiny state machine with a length cap (a flood of parameter bytes
 * cannot swallow the rest of the input), a control byte inside a sequence ends the sequence and
 * is then handled normally (so Enter and Ctrl-C always work), and the echo for one byte has a
 * fixed upper bound. Redrawing uses only backspace, space and printable text, which every
 * terminal on a serial line understands.
 */
#include <string.h>
#include "mgmt/line_edit.h"

#define KEY_CTRL_C 0x03
#define KEY_BS     0x08
#define KEY_CTRL_U 0x15
#define KEY_ESC    0x1b
#define KEY_DEL    0x7f
/* Real sequences carry a handful of parameter bytes ("1;5"); far more means garbage. */
#define CSI_PARAM_MAX 16

void line_edit_init(struct line_edit *le)
{
	memset(le, 0, sizeof *le);
	le->browse = -1;
}

const char *line_edit_text(const struct line_edit *le) { return le->buf; }
bool line_edit_overflowed(const struct line_edit *le) { return le->overflowed; }

const char *line_edit_history(const struct line_edit *le, unsigned i)
{
	return i < le->hist_count ? le->hist[i] : NULL;
}

static void echo_bytes(struct line_echo *e, const char *s, size_t n)
{
	/* The bound in LINE_ECHO_MAX covers every path; the check keeps a future mistake from
	 * becoming an overflow. */
	if (n > sizeof e->bytes - e->len)
		n = sizeof e->bytes - e->len;
	memcpy(e->bytes + e->len, s, n);
	e->len += n;
}

static void echo_repeat(struct line_echo *e, char c, size_t n)
{
	while (n-- && e->len < sizeof e->bytes)
		e->bytes[e->len++] = c;
}

/* Shows text in place of the current line: back up to where the two differ, write the new
 * tail, and blank whatever is left of the old one. */
static void replace_line(struct line_edit *le, const char *text, struct line_echo *e)
{
	size_t new_len = strlen(text);
	size_t same = 0;
	while (same < le->len && same < new_len && le->buf[same] == text[same])
		same++;
	echo_repeat(e, '\b', le->len - same);
	echo_bytes(e, text + same, new_len - same);
	if (le->len > new_len) {
		echo_repeat(e, ' ', le->len - new_len);
		echo_repeat(e, '\b', le->len - new_len);
	}
	memmove(le->buf, text, new_len + 1);
	le->len = new_len;
}

static bool is_blank_line(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

/* Newest first; a line already in the list moves to the front instead of appearing twice. */
static void history_add(struct line_edit *le, const char *line)
{
	unsigned n = le->hist_count;
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(le->hist[i], line) == 0) {
			memmove(le->hist[1], le->hist[0], i * sizeof le->hist[0]);
			memcpy(le->hist[0], line, strlen(line) + 1);
			return;
		}
	}
	if (n == LINE_HISTORY)
		n--;                            /* the oldest falls off */
	memmove(le->hist[1], le->hist[0], n * sizeof le->hist[0]);
	memcpy(le->hist[0], line, strlen(line) + 1);
	le->hist_count = n + 1;
}

static void history_up(struct line_edit *le, struct line_echo *e)
{
	if (le->hist_count == 0 || le->browse + 1 >= (int)le->hist_count)
		return;
	if (le->browse < 0) {
		memcpy(le->draft, le->buf, le->len + 1);
		le->draft_overflowed = le->overflowed;
	}
	le->browse++;
	replace_line(le, le->hist[le->browse], e);
	le->overflowed = false;
}

static void history_down(struct line_edit *le, struct line_echo *e)
{
	if (le->browse < 0)
		return;
	le->browse--;
	if (le->browse < 0) {
		replace_line(le, le->draft, e);
		le->overflowed = le->draft_overflowed;
	} else {
		replace_line(le, le->hist[le->browse], e);
		le->overflowed = false;
	}
}

static enum line_event finish(struct line_edit *le, enum line_event ev, struct line_echo *e)
{
	le->buf[le->len] = '\0';
	if (ev == LINE_DONE) {
		echo_bytes(e, "\r\n", 2);
		if (!le->overflowed && !is_blank_line(le->buf))
			history_add(le, le->buf);
	} else {
		echo_bytes(e, "^C\r\n", 4);
	}
	le->finished = true;
	le->browse = -1;
	return ev;
}

/* Returns true when the byte belonged to an escape sequence and is fully handled. */
static bool escape_byte(struct line_edit *le, uint8_t b, struct line_echo *e)
{
	switch (le->esc) {
	case ESC_NONE:
		return false;
	case ESC_START:
		le->esc = ESC_NONE;
		if (b == '[') {
			le->esc = ESC_CSI;
			le->esc_len = 0;
			return true;
		}
		if (b == 'O') {
			le->esc = ESC_SS3;
			return true;
		}
		/* A lone Escape key press: drop it and treat the next byte as ordinary typing. */
		return false;
	case ESC_CSI:
		if (b >= 0x40 && b <= 0x7e) {            /* final byte */
			le->esc = ESC_NONE;
			if (le->esc_len == 0 && b == 'A')
				history_up(le, e);
			else if (le->esc_len == 0 && b == 'B')
				history_down(le, e);
			return true;
		}
		if (b >= 0x20 && b <= 0x3f) {            /* parameter or intermediate byte */
			if (++le->esc_len > CSI_PARAM_MAX)
				le->esc = ESC_NONE;
			return true;
		}
		le->esc = ESC_NONE;                      /* broken sequence: handle b normally */
		return false;
	case ESC_SS3:
		le->esc = ESC_NONE;
		if (b >= 0x20 && b <= 0x7e) {
			if (b == 'A')
				history_up(le, e);
			else if (b == 'B')
				history_down(le, e);
			return true;
		}
		return false;
	}
	return false;
}

enum line_event line_edit_feed(struct line_edit *le, uint8_t b, struct line_echo *e)
{
	e->len = 0;
	if (le->finished) {
		le->finished = false;
		le->len = 0;
		le->buf[0] = '\0';
		le->overflowed = false;
	}
	bool after_cr = le->after_cr;
	le->after_cr = false;
	if (escape_byte(le, b, e))
		return LINE_PENDING;

	switch (b) {
	case '\r':
		le->after_cr = true;
		return finish(le, LINE_DONE, e);
	case '\n':
		if (after_cr)
			return LINE_PENDING;             /* the LF of a CR LF pair */
		return finish(le, LINE_DONE, e);
	case KEY_DEL:
	case KEY_BS:
		if (le->len) {
			le->len--;
			le->buf[le->len] = '\0';
			echo_bytes(e, "\b \b", 3);
		}
		return LINE_PENDING;
	case KEY_CTRL_U:
		for (size_t i = 0; i < le->len; i++)
			echo_bytes(e, "\b \b", 3);
		le->len = 0;
		le->buf[0] = '\0';
		le->overflowed = false;
		return LINE_PENDING;
	case KEY_CTRL_C:
		le->len = 0;
		le->overflowed = false;
		return finish(le, LINE_CANCELLED, e);
	case KEY_ESC:
		le->esc = ESC_START;
		return LINE_PENDING;
	default:
		break;
	}
	if (b < 0x20 || b > 0x7e)
		return LINE_PENDING;                     /* other controls and 8-bit bytes */
	if (le->len == LINE_MAX_CHARS) {
		le->overflowed = true;
		return LINE_PENDING;
	}
	le->buf[le->len++] = (char)b;
	le->buf[le->len] = '\0';
	echo_bytes(e, (const char *)&b, 1);
	return LINE_PENDING;
}
