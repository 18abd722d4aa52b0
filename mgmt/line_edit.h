/*
 * Line editing for the management shell: a pure state machine fed one typed byte at a time.
 * For each byte it says what to echo (the caller batches echoes into console writes) and
 * whether a line is now complete or abandoned. Editing happens at the end of the line only
 * (printable ASCII appends, Backspace/DEL delete, Ctrl-U clears, Ctrl-C abandons), which is
 * all a serial console needs and keeps the echo free of cursor arithmetic. Up/Down recall the
 * last LINE_HISTORY distinct lines; every other escape sequence is swallowed whole so arrow
 * keys and function keys never turn into stray letters. Bytes come from whatever is on the
 * other end of a serial line, so every input is legal: nothing here can fail, allocate, or
 * hold more than LINE_MAX_CHARS characters.
 */
#ifndef MGMT_LINE_EDIT_H
#define MGMT_LINE_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINE_MAX_CHARS 200
#define LINE_HISTORY   16
/* The most one byte can echo: erasing a full line ("\b" and " " and "\b" per character when a
 * recalled line is much shorter) plus a full replacement. */
#define LINE_ECHO_MAX  (3 * LINE_MAX_CHARS + 8)

enum line_event {
	LINE_PENDING = 0,   /* keep feeding */
	LINE_DONE,          /* Enter: the line is in line_edit_text(), overflow in line_edit_overflowed() */
	LINE_CANCELLED,     /* Ctrl-C: the line was abandoned */
};

struct line_echo {
	size_t len;
	char bytes[LINE_ECHO_MAX];
};

enum line_esc_state { ESC_NONE = 0, ESC_START, ESC_CSI, ESC_SS3 };

struct line_edit {
	char buf[LINE_MAX_CHARS + 1];       /* the line being edited, NUL-terminated */
	size_t len;
	bool overflowed;                    /* a character was refused since the line began */
	bool finished;                      /* last event was DONE/CANCELLED: start anew next byte */
	bool after_cr;                      /* the previous byte was CR: a LF now is its pair */
	enum line_esc_state esc;
	unsigned esc_len;                   /* parameter bytes seen in a CSI sequence */
	/* History: hist[0] is the newest. browse is -1 while editing a fresh line, else the
	 * index shown; draft keeps the fresh line so Down past the newest entry brings it back. */
	char hist[LINE_HISTORY][LINE_MAX_CHARS + 1];
	unsigned hist_count;
	int browse;
	char draft[LINE_MAX_CHARS + 1];
	bool draft_overflowed;
};

void line_edit_init(struct line_edit *le);

/* Feeds one byte. echo is overwritten with what to send to the terminal (possibly nothing). */
enum line_event line_edit_feed(struct line_edit *le, uint8_t byte, struct line_echo *echo);

/* After LINE_DONE, until the next feed: the finished line and whether characters were lost. */
const char *line_edit_text(const struct line_edit *le);
bool line_edit_overflowed(const struct line_edit *le);

/* History entry i (0 = newest), or NULL past the end: for tests and a future `history`. */
const char *line_edit_history(const struct line_edit *le, unsigned i);

#endif
