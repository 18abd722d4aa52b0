/*
 * The error list of the config checks and the config spelling of each value: how a problem
 * found by parse.c or validate.c becomes "FILE:LINE: message", and the names ("info",
 * "poweroff", "linux") that the parser accepts and the writer and the shell print.
 */
#include "config_text.h"

struct config_error *config_new_error(struct config_errors *errs, unsigned line)
{
	if (errs->count >= CONFIG_MAX_ERRORS) {
		errs->dropped++;
		return NULL;
	}
	struct config_error *e = &errs->list[errs->count++];
	e->line = line;
	e->message[0] = '\0';
	return e;
}

/* A message that did not fit ends in "..." so that the cut is visible, not silent. */
void config_mark_cut(struct config_error *e, int len)
{
	if (len >= (int)sizeof e->message)
		memcpy(e->message + sizeof e->message - 4, "...", 4);
}


/*
 * Errors are found partly out of line order (a section's missing keys are only known at its
 * end), but an administrator reads them top to bottom: stable sort of list[from..count) by line.
 */
void config_sort_errors(struct config_errors *errs, unsigned from)
{
	for (unsigned i = from + 1; i < errs->count; i++) {
		struct config_error e = errs->list[i];
		unsigned j = i;
		while (j > from && errs->list[j - 1].line > e.line) {
			errs->list[j] = errs->list[j - 1];
			j--;
		}
		errs->list[j] = e;
	}
}

/* ---- names and formatting --------------------------------------------------------------- */

int config_format_error(char *buf, size_t size, const char *file, const struct config_error *e)
{
	if (!file)
		file = "bulkhead.cfg";
	if (!e)
		return snprintf(buf, size, "%s: no error", file);
	if (e->line)
		return snprintf(buf, size, "%s:%u: %.*s", file, e->line, (int)sizeof e->message,
				e->message);
	return snprintf(buf, size, "%s: %.*s", file, (int)sizeof e->message, e->message);
}

const char *config_log_level_name(enum log_level l)
{
	switch (l) {
	case LOG_ERROR: return "error";
	case LOG_WARN:  return "warn";
	case LOG_INFO:  return "info";
	case LOG_DEBUG: return "debug";
	}
	return "?";
}

const char *config_stop_action_name(enum stop_action a)
{
	switch (a) {
	case STOP_POWEROFF: return "poweroff";
	case STOP_HALT:     return "halt";
	case STOP_REBOOT:   return "reboot";
	}
	return "?";
}

const char *config_partition_type_name(enum partition_type t)
{
	switch (t) {
	case PARTITION_ELF:   return "elf";
	case PARTITION_LINUX: return "linux";
	case PARTITION_MULTIBOOT: return "multiboot";
	}
	return "?";
}
