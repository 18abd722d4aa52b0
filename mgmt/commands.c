/*
 * The management shell's commands (see commands.h). Each command resolves names to partition
 * ids itself (HC_MGMT_PARTITION_COUNT + HC_MGMT_PARTITION_INFO; there is no name lookup in the
 * ABI, and the list is at most MAX_PARTITIONS long), checks what it can before calling the
 * hypervisor so the administrator gets a precise message (a destroyed partition, the shell's
 * own partition), and turns every refusal into one line starting "error: ". Text that comes
 * from the hypervisor is copied and cleaned before it is printed: it is bounded by the ABI's
 * field sizes, not by a trusted NUL, and it must never carry terminal control bytes.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "hypercall.h"
#include "lib/config/config.h"
#include "mgmt/commands.h"
#include "mgmt/shell_internal.h"
#include "mgmt/format.h"
#include "mgmt/login.h"

#define MIB (1ull << 20)
#define NS_PER_MS 1000000ull
#define ARGS_MAX 4                      /* more than any command takes; the rest are counted */
#define LINE_OUT_MAX 512                /* one formatted line; longer ones are cut */
#define DEFAULT_ESCAPE 0x1d
/* The command takes the rest of the line as it was typed (a value may hold blanks). */
#define ARGS_REST (~0u)

/* ---- output ---------------------------------------------------------------------------- */

void shell_flush(struct shell *sh)
{
	if (sh->out_len)
		sh->ops->write(sh->ops->ctx, sh->out, sh->out_len);
	sh->out_len = 0;
}

static void out_bytes(struct shell *sh, const char *s, size_t n)
{
	while (n) {
		if (sh->out_len == sizeof sh->out)
			shell_flush(sh);
		size_t room = sizeof sh->out - sh->out_len;
		size_t take = n < room ? n : room;
		memcpy(sh->out + sh->out_len, s, take);
		sh->out_len += take;
		s += take;
		n -= take;
	}
}

void out_str(struct shell *sh, const char *s) { out_bytes(sh, s, strlen(s)); }

/* One line of output; the line end is added after formatting so that cutting an overlong
 * line can never lose it. */
void out_line(struct shell *sh, const char *fmt, ...)
{
	char line[LINE_OUT_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof line)
		n = (int)sizeof line - 1;
	out_bytes(sh, line, (size_t)n);
	out_bytes(sh, "\r\n", 2);
}

/* ---- text from the hypervisor ------------------------------------------------------------ */

void clean(char *s, size_t size)
{
	s[size - 1] = '\0';
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '.';
}


void clean_info(struct mgmt_partition_info *pi)
{
	CLEAN(pi->name);
	CLEAN(pi->type);
	CLEAN(pi->image);
	CLEAN(pi->reason);
	CLEAN(pi->type_name);
	CLEAN(pi->os_version);
}

/* The type's full name where the hypervisor gave one (type[] stops at 7 characters). */
const char *type_of(const struct mgmt_partition_info *pi)
{
	return pi->type_name[0] ? pi->type_name : pi->type;
}

/* ---- commands table ------------------------------------------------------------------------ */

struct command {
	const char *name;
	const char *usage;
	const char *help;
	unsigned args;                      /* exactly this many after the name, or ARGS_REST */
	void (*run)(struct shell *sh, const struct command *c, char **argv);
	bool json;                          /* takes --json (mgmt/json_out.c) */
};

/* The table is at the end, after the functions it names; help reaches it through this. */
static const struct command *command_table(void);

static void error_code(struct shell *sh, const struct command *c, int64_t rc)
{
	out_line(sh, "error: %s failed (code %lld)", c->name, (long long)rc);
}

static void error_self(struct shell *sh, const char *name)
{
	out_line(sh, "error: '%s' is this management partition; it cannot do that to itself", name);
}

/* What a refusal means for the partition the administrator named. busy says what HC_EBUSY
 * means for this command, NULL if it has no specific meaning there. */
static void error_result(struct shell *sh, const struct command *c, const char *name, int64_t rc,
                         const char *busy)
{
	switch (rc) {
	case HC_ENOENT: out_line(sh, "error: no partition named '%s'", name); return;
	case HC_ENOMEM: out_line(sh, "error: not enough free RAM for '%s'", name); return;
	case HC_ESELF:  error_self(sh, name); return;
	case HC_EBUSY:
		if (busy) {
			out_line(sh, "error: '%s' %s", name, busy);
			return;
		}
		break;
	default:
		break;
	}
	error_code(sh, c, rc);
}

bool find_partition(struct shell *sh, int64_t count, const char *name, bool any_case,
		    struct mgmt_partition_info *pi)
{
	if (strlen(name) >= sizeof pi->name)
		return false;
	for (int64_t id = 0; id < count; id++) {
		if (sh->ops->partition_info(sh->ops->ctx, (uint32_t)id, pi) < 0)
			continue;
		clean_info(pi);
		pi->id = (uint32_t)id;  /* the id asked for is the one every later call uses */
		if ((any_case ? strcasecmp(pi->name, name) : strcmp(pi->name, name)) == 0)
			return true;
	}
	return false;
}

/* Finds the partition called name. Prints the error and returns false if there is none. */
static bool lookup(struct shell *sh, const struct command *c, const char *name,
                   struct mgmt_partition_info *pi)
{
	int64_t count = sh->ops->partition_count(sh->ops->ctx);
	if (count < 0) {
		error_code(sh, c, count);
		return false;
	}
	if (find_partition(sh, count, name, false, pi))
		return true;
	out_line(sh, "error: no partition named '%s'", name);
	return false;
}

/* lookup, plus the checks for commands that change a partition: not destroyed, and not the
 * partition this shell runs in (stopping or reshaping itself would end the shell). */
static bool lookup_target(struct shell *sh, const struct command *c, const char *name,
                          struct mgmt_partition_info *pi)
{
	if (!lookup(sh, c, name, pi))
		return false;
	if (pi->id == sh->self_id) {
		error_self(sh, name);
		return false;
	}
	if (pi->state == MGMT_STATE_DESTROYED) {
		out_line(sh, "error: '%s' has been destroyed", name);
		return false;
	}
	return true;
}

/* ---- the commands ---------------------------------------------------------------------- */

static void cmd_help(struct shell *sh, const struct command *c, char **argv)
{
	(void)c;
	(void)argv;
	out_line(sh, "commands:");
	for (const struct command *k = command_table(); k->name; k++)
		out_line(sh, "  %-24s%s", k->usage, k->help);
}

static void cmd_list(struct shell *sh, const struct command *c, char **argv)
{
	(void)argv;
	int64_t count = sh->ops->partition_count(sh->ops->ctx);
	if (count < 0) {
		error_code(sh, c, count);
		return;
	}
	if (sh->json) {
		json_list(sh);
		return;
	}
	out_line(sh, "ID  NAME          STATE      TYPE   MEM(MiB)  VCPUS  CPUS    CPU%%    UPTIME       EXITS");
	for (int64_t id = 0; id < count; id++) {
		struct mgmt_partition_info pi;
		int64_t rc = sh->ops->partition_info(sh->ops->ctx, (uint32_t)id, &pi);
		if (rc < 0) {
			error_code(sh, c, rc);
			return;
		}
		clean_info(&pi);
		bool running = format_state_is_running(pi.state);
		char cpus[FORMAT_CPU_LIST_MAX], uptime[FORMAT_UPTIME_MAX];
		format_cpu_list(pi.cpus, cpus, sizeof cpus);
		uint64_t tenths = 0;
		if (running) {
			format_uptime(pi.uptime_ns, uptime, sizeof uptime);
			tenths = pi.cpu_recent_permille;      /* the last load window, as in `top` */
		} else {
			snprintf(uptime, sizeof uptime, "-");
		}
		out_line(sh, "%-3u %-13s %-10s %-6s %8llu  %5u  %-6s %5llu.%llu  %-11s %llu",
		         (unsigned)id, pi.name, format_state_name(pi.state), type_of(&pi),
		         (unsigned long long)(pi.memory / MIB), pi.vcpus, cpus,
		         (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10), uptime,
		         (unsigned long long)pi.exits);
	}
}

static void cmd_info(struct shell *sh, const struct command *c, char **argv)
{
	struct mgmt_partition_info pi;
	if (!lookup(sh, c, argv[0], &pi))
		return;
	if (sh->json) {
		json_info(sh, &pi);
		return;
	}
	char cpus[FORMAT_CPU_LIST_MAX], uptime[FORMAT_UPTIME_MAX];
	format_cpu_list(pi.cpus, cpus, sizeof cpus);
	if (format_state_is_running(pi.state))
		format_uptime(pi.uptime_ns, uptime, sizeof uptime);
	else
		snprintf(uptime, sizeof uptime, "-");
	out_line(sh, "name: %s", pi.name);
	out_line(sh, "id: %u", pi.id);
	out_line(sh, "state: %s", format_state_name(pi.state));
	out_line(sh, "type: %s", type_of(&pi));
	if (pi.os_version[0])
		out_line(sh, "kernel: %s", pi.os_version);
	out_line(sh, "image: %s", pi.image);
	out_line(sh, "memory: %llu MiB", (unsigned long long)(pi.memory / MIB));
	out_line(sh, "cpus: %s", cpus);
	out_line(sh, "vcpus: %u", pi.vcpus);
	for (unsigned i = 0; i < pi.vcpus && i < MGMT_VCPUS_MAX; i++)
		out_line(sh, "vcpu %u: %s CPU %u, cpu time %llu ms%s", i,
			 format_state_is_running(pi.state) ? "on" : "will run on", pi.vcpu_cpus[i],
			 (unsigned long long)(pi.vcpu_cpu_ns[i] / NS_PER_MS),
			 format_state_is_running(pi.state) && pi.vcpu_states[i] == MGMT_VCPU_WAITING
				 ? ", waiting for its start-up IPI" : "");
	out_line(sh, "privileged: %s", pi.privileged ? "yes" : "no");
	out_line(sh, "autostart: %s", pi.autostart ? "yes" : "no");
	out_line(sh, "uptime: %s", uptime);
	out_line(sh, "cpu time: %llu ms", (unsigned long long)(pi.cpu_ns / NS_PER_MS));
	if (format_state_is_running(pi.state)) {
		uint64_t avg = format_cpu_tenths(pi.cpu_ns, pi.uptime_ns);
		out_line(sh, "cpu use: %u.%u%% over the last %u s, %llu.%llu%% since it started",
			 pi.cpu_recent_permille / 10, pi.cpu_recent_permille % 10, MGMT_LOAD_WINDOW_S,
			 (unsigned long long)(avg / 10), (unsigned long long)(avg % 10));
	}
	out_line(sh, "exits: %llu", (unsigned long long)pi.exits);
	if (pi.reason[0])
		out_line(sh, "reason: %s", pi.reason);
}

static void cmd_stats(struct shell *sh, const struct command *c, char **argv)
{
	struct mgmt_partition_info pi;
	if (!lookup(sh, c, argv[0], &pi))
		return;
	struct mgmt_partition_stats st;
	int64_t rc = sh->ops->partition_stats(sh->ops->ctx, pi.id, &st);
	if (rc < 0) {
		error_result(sh, c, argv[0], rc, NULL);
		return;
	}
	if (sh->json) {
		json_stats(sh, &pi, &st);
		return;
	}
	out_line(sh, "exits: %llu", (unsigned long long)st.exits);
	out_line(sh, "cpu time: %llu ms", (unsigned long long)(st.cpu_ns / NS_PER_MS));
	out_line(sh, "io writes dropped: %llu", (unsigned long long)st.io_writes_dropped);
	out_line(sh, "IPIs dropped: %llu", (unsigned long long)st.ipis_dropped);
	if (st.ipis_sent)
		out_line(sh, "IPIs between its vCPUs: %llu", (unsigned long long)st.ipis_sent);
	out_line(sh, "vector-state saves: %llu", (unsigned long long)st.vector_state_saves);
	out_line(sh, "console bytes: %llu", (unsigned long long)st.console_bytes);
	out_line(sh, "exits by reason:");
	for (unsigned r = 0; r < MGMT_EXIT_REASONS; r++) {
		if (!st.exits_by_reason[r])
			continue;
		const char *name = format_exit_reason_name(r);
		if (name)
			out_line(sh, "  %s: %llu", name, (unsigned long long)st.exits_by_reason[r]);
		else
			out_line(sh, "  reason %u: %llu", r, (unsigned long long)st.exits_by_reason[r]);
	}
}

static const char *yes_no(uint32_t features, uint32_t bit) { return features & bit ? "yes" : "no"; }

/* One CPU of `host`: APIC ID, state, load, and what runs there. */
static void host_cpu_line(struct shell *sh, uint32_t i)
{
	struct mgmt_cpu_info ci;
	int64_t rc = sh->ops->cpu_info(sh->ops->ctx, i, &ci);
	if (rc < 0) {
		out_line(sh, "  cpu %-2u (no answer: code %lld)", i, (long long)rc);
		return;
	}
	CLEAN(ci.status);
	CLEAN(ci.runs);
	if (ci.state == MGMT_CPU_DOWN) {
		out_line(sh, "  cpu %-2u apic %-4u down: %s", i, ci.apic_id, ci.status);
		return;
	}
	unsigned load = ci.load_permille > 1000 ? 1000 : ci.load_permille;
	char runs[128];
	if (ci.vcpus)
		snprintf(runs, sizeof runs, "%u vCPU%s: %s", ci.vcpus, ci.vcpus == 1 ? "" : "s", ci.runs);
	else
		snprintf(runs, sizeof runs, "idle: nothing placed here");
	out_line(sh, "  cpu %-2u apic %-4u %-8s load %3u.%u%%  %s", i, ci.apic_id,
	         ci.state == MGMT_CPU_BOOT ? "boot CPU" : "up", load / 10, load % 10, runs);
	if (ci.timer_wakes)
		out_line(sh, "         slept until its guests' next timer %llu times",
		         (unsigned long long)ci.timer_wakes);
}

static void cmd_host(struct shell *sh, const struct command *c, char **argv)
{
	(void)argv;
	struct mgmt_host_info h;
	int64_t rc = sh->ops->host_info(sh->ops->ctx, &h);
	if (rc < 0) {
		error_code(sh, c, rc);
		return;
	}
	CLEAN(h.version);
	CLEAN(h.hostname);
	CLEAN(h.cpu_vendor);
	CLEAN(h.cpu_brand);
	/* CPUID brand strings are often padded with leading spaces. */
	const char *brand = h.cpu_brand;
	while (*brand == ' ')
		brand++;
	size_t brand_len = strlen(brand);
	while (brand_len && brand[brand_len - 1] == ' ')
		brand_len--;
	if (sh->json) {
		memmove(h.cpu_brand, brand, brand_len);
		h.cpu_brand[brand_len] = '\0';
		CLEAN(h.cpu_source);
		json_host(sh, &h);
		return;
	}
	char uptime[FORMAT_UPTIME_MAX];
	format_uptime(h.uptime_ns, uptime, sizeof uptime);
	uint32_t f = h.vmx_features;
	out_line(sh, "version: %s", h.version);
	out_line(sh, "host name: %s", h.hostname);
	out_line(sh, "cpu: %s%s%.*s", h.cpu_vendor, brand_len ? " " : "", (int)brand_len, brand);
	CLEAN(h.cpu_source);
	out_line(sh, "cpus: %u found in %s, %u up; load over the last %u s:", h.cpu_count,
	         h.cpu_source[0] ? h.cpu_source : "?", h.cpus_up, MGMT_LOAD_WINDOW_S);
	for (uint32_t i = 0; i < h.cpu_count && i < 64; i++)
		host_cpu_line(sh, i);
	out_line(sh, "ram: total %llu MiB, partitions %llu MiB, free %llu MiB, hypervisor %llu MiB",
	         (unsigned long long)(h.ram_total / MIB), (unsigned long long)(h.ram_partitions / MIB),
	         (unsigned long long)(h.ram_free / MIB), (unsigned long long)(h.hv_reserved / MIB));
	out_line(sh, "vmx: EPT %s (2 MiB pages %s, 1 GiB pages %s), VPID %s, unrestricted guest %s, "
	         "preemption timer %s", yes_no(f, MGMT_VMX_EPT), yes_no(f, MGMT_VMX_EPT_2M),
	         yes_no(f, MGMT_VMX_EPT_1G), yes_no(f, MGMT_VMX_VPID), yes_no(f, MGMT_VMX_UNRESTRICTED),
	         yes_no(f, MGMT_VMX_PREEMPTION_TIMER));
	out_line(sh, "uptime: %s", uptime);
	out_line(sh, "partitions: %u", h.partition_count);
}

static void cmd_top(struct shell *sh, const struct command *c, char **argv)
{
	(void)c;
	(void)argv;
	shell_top(sh);
}

static void cmd_start(struct shell *sh, const struct command *c, char **argv)
{
	struct mgmt_partition_info pi;
	if (!lookup_target(sh, c, argv[0], &pi))
		return;
	int64_t rc = sh->ops->start(sh->ops->ctx, pi.id);
	if (rc < 0)
		error_result(sh, c, argv[0], rc, "is already running");
	else
		out_line(sh, "started '%s'", argv[0]);
}

static void cmd_stop(struct shell *sh, const struct command *c, char **argv)
{
	struct mgmt_partition_info pi;
	if (!lookup_target(sh, c, argv[0], &pi))
		return;
	int64_t rc = sh->ops->stop(sh->ops->ctx, pi.id);
	if (rc < 0)
		error_result(sh, c, argv[0], rc, "is not running");
	else
		out_line(sh, "stopped '%s'", argv[0]);
}

static void cmd_restart(struct shell *sh, const struct command *c, char **argv)
{
	struct mgmt_partition_info pi;
	if (!lookup_target(sh, c, argv[0], &pi))
		return;
	int64_t rc = sh->ops->restart(sh->ops->ctx, pi.id);
	if (rc < 0)
		error_result(sh, c, argv[0], rc, NULL);
	else
		out_line(sh, "restarted '%s'", argv[0]);
}

static void cmd_destroy(struct shell *sh, const struct command *c, char **argv)
{
	struct mgmt_partition_info pi;
	if (!lookup_target(sh, c, argv[0], &pi))
		return;
	int64_t rc = sh->ops->destroy(sh->ops->ctx, pi.id);
	if (rc < 0)
		error_result(sh, c, argv[0], rc, NULL);
	else
		out_line(sh, "destroyed '%s'", argv[0]);
}

static void cmd_mem(struct shell *sh, const struct command *c, char **argv)
{
	struct mgmt_partition_info pi;
	if (!lookup_target(sh, c, argv[0], &pi))
		return;
	uint64_t bytes;
	if (config_parse_size(argv[1], &bytes) != 0) {
		out_line(sh, "error: bad size '%s' (use a number with K, M or G, e.g. 256M)", argv[1]);
		return;
	}
	if (bytes < PARTITION_MEM_MIN || bytes % PARTITION_MEM_ALIGN) {
		out_line(sh, "error: memory must be a multiple of 2 MiB");
		return;
	}
	int64_t rc = sh->ops->set_memory(sh->ops->ctx, pi.id, bytes);
	if (rc < 0)
		error_result(sh, c, argv[0], rc, "is running: stop it first");
	else
		out_line(sh, "memory of '%s' is now %llu MiB", argv[0], (unsigned long long)(bytes / MIB));
}

static void cmd_save(struct shell *sh, const struct command *c, char **argv)
{
	(void)c;
	(void)argv;
	shell_save(sh, false);
}

static void cmd_cpus(struct shell *sh, const struct command *c, char **argv)
{
	struct mgmt_partition_info pi;
	if (!lookup_target(sh, c, argv[0], &pi))
		return;
	uint64_t mask;
	if (config_parse_cpu_list(argv[1], &mask) != 0) {
		out_line(sh, "error: bad CPU list '%s'", argv[1]);
		return;
	}
	int64_t rc = sh->ops->set_cpus(sh->ops->ctx, pi.id, mask);
	if (rc == HC_ETAKEN) {
		out_line(sh, "error: a CPU in '%s' belongs to another partition (both need "
			 "share_cpus = yes to time-share it)", argv[1]);
		return;
	}
	if (rc == HC_EINVAL) {
		out_line(sh, "error: '%s' can have one CPU that is up%s", argv[0],
			 pi.privileged ? ", and only CPU 0" : "");
		return;
	}
	if (rc < 0) {
		error_result(sh, c, argv[0], rc, "is running: stop it first");
		return;
	}
	char list[FORMAT_CPU_LIST_MAX];
	format_cpu_list(mask, list, sizeof list);
	out_line(sh, "CPUs of '%s' are now %s", argv[0], list);
}

/* The attach message goes out before HC_MGMT_CONSOLE_ATTACH: afterwards the shell's output
 * no longer reaches the terminal. So the state is checked first, from the lookup, and the
 * hypervisor's own answer still decides. While the other partition has the console the shell
 * stays silent and only asks, every SHELL_FOCUS_POLL_MS, whether the administrator has come
 * back (the escape byte is handled by the hypervisor, never seen here). */
static void cmd_console(struct shell *sh, const struct command *c, char **argv)
{
	struct mgmt_partition_info pi;
	if (!lookup_target(sh, c, argv[0], &pi))
		return;
	if (!format_state_is_running(pi.state)) {
		out_line(sh, "error: '%s' is not running", argv[0]);
		return;
	}
	struct mgmt_host_info h;
	uint32_t escape = DEFAULT_ESCAPE;
	if (sh->ops->host_info(sh->ops->ctx, &h) >= 0 && h.escape_char)
		escape = h.escape_char;
	char key[FORMAT_ESCAPE_MAX];
	format_escape_name(escape, key, sizeof key);
	out_line(sh, "attached to '%s'; press %s to come back", argv[0], key);
	shell_flush(sh);
	int64_t rc = sh->ops->console_attach(sh->ops->ctx, pi.id);
	if (rc < 0) {
		error_result(sh, c, argv[0], rc, "is not running");
		return;
	}
	for (;;) {
		int64_t focus = sh->ops->console_focus(sh->ops->ctx);
		/* An error would repeat forever; give up waiting rather than hang the shell. */
		if (focus < 0 || focus == (int64_t)sh->self_id)
			break;
		/* Typing into the partition counts as activity; if there is none for idle_logout,
		 * the session ends as soon as the console comes back (login_idle_expired keeps it). */
		login_idle_expired(sh);
		sh->ops->sleep_ms(sh->ops->ctx, SHELL_FOCUS_POLL_MS);
	}
	out_line(sh, "back in the shell");
}

/* The hypervisor log ring holds plain "\n" lines; the terminal needs "\r\n". Control bytes
 * other than tab are shown as '.', as the hypervisor does for partition output. */
static void cmd_log(struct shell *sh, const struct command *c, char **argv)
{
	(void)argv;
	int64_t n = sh->ops->log_read(sh->ops->ctx, sh->log, sizeof sh->log);
	if (n < 0) {
		error_code(sh, c, n);
		return;
	}
	if ((uint64_t)n > sizeof sh->log)
		n = (int64_t)sizeof sh->log;
	char last = '\n';
	for (int64_t i = 0; i < n; i++) {
		char ch = sh->log[i];
		if (ch == '\n')
			out_bytes(sh, "\r\n", 2);
		else if (ch == '\r')
			continue;
		else if (ch == '\t' || (ch >= 0x20 && ch <= 0x7e))
			out_bytes(sh, &ch, 1);
		else
			out_bytes(sh, ".", 1);
		last = ch;
	}
	if (last != '\n')
		out_bytes(sh, "\r\n", 2);        /* so the prompt starts on a line of its own */
}

static void power(struct shell *sh, const struct command *c, const char *msg, uint32_t action)
{
	out_line(sh, "%s", msg);
	shell_flush(sh);
	int64_t rc = sh->ops->power(sh->ops->ctx, action);
	error_code(sh, c, rc);               /* only reached when the hypervisor refused */
}

static void cmd_poweroff(struct shell *sh, const struct command *c, char **argv)
{
	(void)argv;
	power(sh, c, "powering off", MGMT_POWER_OFF);
}

static void cmd_reboot(struct shell *sh, const struct command *c, char **argv)
{
	(void)argv;
	power(sh, c, "rebooting", MGMT_POWER_REBOOT);
}

static void cmd_logout(struct shell *sh, const struct command *c, char **argv)
{
	(void)c;
	(void)argv;
	login_logout(sh);
}

static const struct command commands[] = {
	{ "help",     "help",           "show this list", 0, cmd_help, false },
	{ "list",     "list [--json]",  "all partitions: state, memory, CPUs, load", 0, cmd_list, true },
	{ "info",     "info NAME [--json]", "configuration and state of a partition", 1, cmd_info, true },
	{ "stats",    "stats NAME [--json]", "VM-exit counters of a partition", 1, cmd_stats, true },
	{ "host",     "host [--json]",  "the machine and the hypervisor", 0, cmd_host, true },
	{ "top",      "top",            "live CPU use, exits/s and memory (any key quits)", 0, cmd_top, false },
	{ "start",    "start NAME",     "start a stopped or crashed partition", 1, cmd_start, false },
	{ "stop",     "stop NAME",      "stop a partition (its RAM is freed)", 1, cmd_stop, false },
	{ "restart",  "restart NAME",   "stop (if running) and start a partition", 1, cmd_restart, false },
	{ "destroy",  "destroy NAME",   "stop a partition for good", 1, cmd_destroy, false },
	{ "mem",      "mem NAME SIZE",  "set the memory of a stopped partition", 2, cmd_mem, false },
	{ "cpus",     "cpus NAME LIST", "set the CPUs of a stopped partition", 2, cmd_cpus, false },
	{ "set",      "set [NAME] KEY VALUE", "change a setting of the host or of partition NAME",
	  ARGS_REST, NULL, false },
	{ "config",   "config [changes|revert]", "the configuration; what changed; drop what is saved",
	  ARGS_REST, NULL, false },
	{ "save",     "save",           "keep the changes made here across reboots", 0, cmd_save, false },
	{ "console",  "console NAME",   "give the console to a partition", 1, cmd_console, false },
	{ "log",      "log",            "the newest hypervisor log lines", 0, cmd_log, false },
	{ "logout",   "logout",         "end this session (with console_password set)", 0, cmd_logout, false },
	{ "poweroff", "poweroff",       "power the machine off", 0, cmd_poweroff, false },
	{ "reboot",   "reboot",         "reboot the machine", 0, cmd_reboot, false },
	{ NULL, NULL, NULL, 0, NULL, false },
};

static const struct command *command_table(void) { return commands; }

/* ---- lines and bytes ------------------------------------------------------------------- */

void shell_execute(struct shell *sh, const char *line)
{
	char buf[LINE_MAX_CHARS + 1];
	size_t len = strlen(line);
	if (len > LINE_MAX_CHARS) {
		out_line(sh, "error: line too long (at most %d characters)", LINE_MAX_CHARS);
		return;
	}
	memcpy(buf, line, len + 1);
	char *argv[ARGS_MAX + 1];
	unsigned argc = 0;
	for (char *p = buf;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (argc <= ARGS_MAX)
			argv[argc] = p;
		argc++;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (argc == 0)
		return;
	/* --json anywhere after the name, once; the words that remain are the arguments. */
	bool json = false;
	unsigned kept = 1;
	for (unsigned i = 1; i < argc && i <= ARGS_MAX; i++) {
		if (strcmp(argv[i], "--json") == 0 && !json)
			json = true;
		else
			argv[kept++] = argv[i];
	}
	if (argc <= ARGS_MAX + 1)
		argc = kept;
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(c->name, argv[0]) != 0)
			continue;
		if (c->args == ARGS_REST) {
			/* From the typed line, not the words: blanks inside a value stay. */
			memcpy(buf, line, len + 1);
			char *rest = buf;
			while (*rest == ' ' || *rest == '\t')
				rest++;
			rest += strlen(c->name);
			if (!strcmp(c->name, "set"))
				shell_set(sh, c->usage, rest);
			else
				shell_config(sh, c->usage, rest);
			return;
		}
		if (json && !c->json) {
			out_line(sh, "error: '%s' has no --json output (list, info, stats and host have)",
				 c->name);
			return;
		}
		if (argc - 1 != c->args) {
			out_line(sh, "error: usage: %s", c->usage);
			return;
		}
		sh->json = json;
		c->run(sh, c, argv + 1);
		sh->json = false;
		return;
	}
	out_line(sh, "error: unknown command '%s' (type 'help')", argv[0]);
}

void shell_init(struct shell *sh, const struct shell_ops *ops, uint32_t self_id)
{
	memset(sh, 0, sizeof *sh);
	sh->ops = ops;
	sh->self_id = self_id;
	line_edit_init(&sh->le);
}

void shell_start(struct shell *sh)
{
	out_line(sh, SHELL_BANNER);
	int64_t v = sh->ops->version(sh->ops->ctx);
	if (v < 0)
		out_line(sh, "warning: management hypercalls refused (code %lld); is this partition "
		         "privileged?", (long long)v);
	else if (v != MGMT_ABI_VERSION)
		out_line(sh, "warning: the hypervisor speaks management ABI version %lld, this shell %d",
		         (long long)v, MGMT_ABI_VERSION);
	login_start(sh);
	out_str(sh, login_open(sh) ? SHELL_PROMPT : LOGIN_PROMPT);
	shell_flush(sh);
}

void shell_feed(struct shell *sh, uint8_t byte)
{
	if (!login_open(sh)) {
		login_feed(sh, byte);
		return;
	}
	struct line_echo echo;
	enum line_event ev = line_edit_feed(&sh->le, byte, &echo);
	out_bytes(sh, echo.bytes, echo.len);
	if (ev == LINE_DONE) {
		if (line_edit_overflowed(&sh->le))
			out_line(sh, "error: line too long (at most %d characters)", LINE_MAX_CHARS);
		else
			shell_execute(sh, line_edit_text(&sh->le));
	}
	if (ev == LINE_PENDING)
		return;
	if (sh->login.idle_expired)
		login_tick(sh);              /* it ran out while `console` or `top` had the terminal */
	else
		out_str(sh, login_open(sh) ? SHELL_PROMPT : LOGIN_PROMPT);
}

void shell_tick(struct shell *sh) { login_tick(sh); }
