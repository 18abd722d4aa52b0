/*
 * `set` and `config`: the settings of the hypervisor and of its partitions, from the console.
 * `set` turns what was typed into one bulkhead.cfg section with one key and hands that text to
 * the hypervisor (HC_MGMT_CONFIG_CHANGE), which parses it with the config's own parser onto its
 * next config and validates the whole as it validated the file at boot: so the values are
 * spelled as in the file and refused with the file's error texts, and a refused change leaves
 * everything as it was. The shell only decides which keys the console may set at all and says
 * when a change takes effect. `config` prints what the hypervisor writes back (lib/config's
 * writer): the effective configuration with pending values marked, or only the changes from the
 * ESP's file.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "lib/config/config.h"
#include "mgmt/shell_internal.h"

/* What each key the console may set takes effect with. Everything else is the file's alone. */
enum when { NOW, NEXT_BOOT, NEXT_START };
struct settable {
	char key[12];
	bool partition;
	enum when when;
};
static const struct settable settable[] = {
	{ "hostname",  false, NOW },
	{ "log_level", false, NOW },
	{ "escape",    false, NOW },
	{ "idle_logout", false, NOW },
	{ "memory",    false, NEXT_BOOT },   /* the hypervisor's reservation, made by the loader */
	{ "memory",    true,  NEXT_START },
	{ "cpus",      true,  NEXT_START },
	{ "vcpus",     true,  NEXT_START },
	{ "cmdline",   true,  NEXT_START },
	{ "autostart", true,  NOW },         /* read at boot, but nothing to rebuild for it */
};
static const struct settable *find_settable(const char *key, bool partition)
{
	for (size_t i = 0; i < sizeof settable / sizeof settable[0]; i++)
		if (settable[i].partition == partition && !strcmp(settable[i].key, key))
			return &settable[i];
	return NULL;
}

/* The next word of *p (blank-separated), NUL-terminated in place; NULL at the end. */
static char *next_word(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	char *w = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

static bool partition_running(struct shell *sh, const char *name)
{
	struct mgmt_partition_info pi;
	return find_partition(sh, sh->ops->partition_count(sh->ops->ctx), name, true, &pi) &&
	       (pi.state == MGMT_STATE_RUNNING || pi.state == MGMT_STATE_HALTED);
}

/* Prints text from the hypervisor line by line, cleaned. */
static void out_text(struct shell *sh, char *text)
{
	for (char *line = text; *line;) {
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		clean(line, strlen(line) + 1);
		out_line(sh, "%s", line);
		if (!end)
			break;
		line = end + 1;
	}
}

/* set KEY VALUE | set NAME KEY VALUE (the value is the rest of the line, as in the file). */
void shell_set(struct shell *sh, const char *usage, char *rest)
{
	char *first = next_word(&rest);
	char *second = first ? next_word(&rest) : NULL;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	size_t n_rest = strlen(rest);
	while (n_rest && (rest[n_rest - 1] == ' ' || rest[n_rest - 1] == '\t'))
		rest[--n_rest] = '\0';
	if (!second) {
		out_line(sh, "error: usage: %s", usage);
		return;
	}
	/* "set memory 128M" is the hypervisor's; "set web memory 1G" the partition's. */
	bool partition = find_settable(first, false) == NULL && !config_key_is_file_only(first);
	const char *name = partition ? first : NULL;
	const char *key = partition ? second : first;
	char value[LINE_MAX_CHARS + 1];
	snprintf(value, sizeof value, "%s%s%s", partition ? "" : second,
		 !partition && *rest ? " " : "", rest);
	if (!value[0]) {
		out_line(sh, "error: usage: %s", usage);
		return;
	}
	const struct settable *s = find_settable(key, partition);
	if (!s && config_key_is_file_only(key)) {
		out_line(sh, "error: %s is set in bulkhead.cfg only, not from the shell", key);
		return;
	}
	struct mgmt_config_change *req = &sh->change;
	memset(req, 0, sizeof *req);
	int n = partition ? snprintf(req->text, sizeof req->text, "[partition %s]\n%s = %s\n", name,
				     key, value)
			  : snprintf(req->text, sizeof req->text, "[hypervisor]\n%s = %s\n", key, value);
	if (n < 0 || (size_t)n >= sizeof req->text) {
		out_line(sh, "error: the value is too long");
		return;
	}
	req->len = (uint32_t)n;
	int64_t rc = sh->ops->config_change(sh->ops->ctx, req);
	if (rc < 0) {
		req->errors[sizeof req->errors - 1] = '\0';
		if (!req->error_count || !req->errors[0]) {
			out_line(sh, "error: the hypervisor refused the change (code %lld)", (long long)rc);
			return;
		}
		for (char *line = req->errors; *line;) {
			char *end = strchr(line, '\n');
			if (end)
				*end = '\0';
			clean(line, (size_t)(req->errors + sizeof req->errors - line));
			out_line(sh, "error: %s", line);
			if (!end)
				break;
			line = end + 1;
		}
		return;
	}
	/* Known here only if the key was one of ours (an unknown one was refused above). */
	const char *when = "in force now";
	if (s && s->when == NEXT_BOOT)
		when = "in force at the next boot";
	else if (s && s->when == NEXT_START && partition_running(sh, name))
		when = "pending until its next start (it is running)";
	if (partition)
		out_line(sh, "%s: %s = %s (%s)", name, key, value, when);
	else
		out_line(sh, "%s = %s (%s)", key, value, when);
}

void shell_save(struct shell *sh, bool revert)
{
	int64_t rc = sh->ops->config_save(sh->ops->ctx, revert ? MGMT_SAVE_REVERT : MGMT_SAVE_STORE);
	if (rc == HC_EFIRMWARE) {
		out_line(sh, "error: the firmware did not store the settings (the hypervisor log, "
			 "'log', says why); nothing was saved");
		return;
	}
	if (rc < 0) {
		out_line(sh, "error: the hypervisor refused (code %lld)", (long long)rc);
		return;
	}
	if (revert)
		out_line(sh, "saved changes dropped: the next boot uses bulkhead.cfg as it is (what "
			 "is in force now stays until then)");
	else if (rc == 0)
		out_line(sh, "nothing differs from bulkhead.cfg: no saved changes are kept");
	else
		out_line(sh, "saved %lld bytes of changes (UEFI variable BulkheadSettings): the next "
			 "boot applies them on top of bulkhead.cfg ('config changes' shows them)",
			 (long long)rc);
}

/* config [changes|revert] */
void shell_config(struct shell *sh, const char *usage, char *rest)
{
	char *word = next_word(&rest);
	bool changes = word && !strcmp(word, "changes");
	bool revert = word && !strcmp(word, "revert");
	if ((word && !changes && !revert) || next_word(&rest)) {
		out_line(sh, "error: usage: %s", usage);
		return;
	}
	if (revert) {
		shell_save(sh, true);
		return;
	}
	struct mgmt_config_text *t = &sh->config;
	int64_t rc = sh->ops->config_read(sh->ops->ctx, changes ? MGMT_CONFIG_CHANGES
								 : MGMT_CONFIG_EFFECTIVE, t);
	if (rc < 0) {
		out_line(sh, "error: the hypervisor did not give its configuration (code %lld)",
			 (long long)rc);
		return;
	}
	t->text[sizeof t->text - 1] = '\0';
	if (changes && !t->text[0]) {
		out_line(sh, "no changes from bulkhead.cfg");
		return;
	}
	out_line(sh, "%s", changes ? "# what differs from the ESP's bulkhead.cfg (changes made in "
				     "the shell, saved or not)"
				   : "# the effective configuration (bulkhead.cfg syntax)");
	out_text(sh, t->text);
	if (t->len >= sizeof t->text)
		out_line(sh, "# (cut off: %u bytes in all)", (unsigned)t->len);
}
