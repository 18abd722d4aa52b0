/*
 * A parsed config back into bulkhead.cfg text (config.h, config_write). The shell's `config`
 * prints the effective configuration with it, and the changes made from the shell are stored
 * as its output against the file's config, so the text must parse back into the same values:
 * every value is written in a spelling the parser takes (sizes in the largest exact binary
 * unit, CPU lists folded into ranges, the serial port by its COM name where it has one, the
 * escape key as ctrl-X, a command line quoted unless it holds a quote itself).
 */
#include "config_text.h"

/* Long enough for any one value: the command line is the longest field. */
#define VALUE_MAX (CONFIG_CMDLINE_MAX + 4)

struct out {
	char *buf;
	size_t size;
	size_t len;                     /* what the whole text needs, even past size */
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->len < o->size) {
		size_t room = o->size - o->len - 1;
		memcpy(o->buf + o->len, s, n < room ? n : room);
		o->buf[o->len + (n < room ? n : room)] = '\0';
	}
	o->len += n;
}

static void size_text(char *v, uint64_t bytes)
{
	struct num n;
	static const char units[] = "TGMK";
	for (unsigned i = 0; i < 4; i++) {
		unsigned shift = 10 * (4 - i);
		if (bytes && !(bytes & ((1ull << shift) - 1))) {
			snprintf(v, VALUE_MAX, "%s%c", num_str(&n, bytes >> shift), units[i]);
			return;
		}
	}
	snprintf(v, VALUE_MAX, "%s", num_str(&n, bytes));
}

static void yes_no(char *v, bool b)
{
	snprintf(v, VALUE_MAX, "%s", b ? "yes" : "no");
}

enum hv_key { HK_MEMORY, HK_SERIAL, HK_BAUD, HK_HOSTNAME, HK_LOG_LEVEL, HK_ON_STOP, HK_ESCAPE,
	      HK_CONSOLE_PASSWORD, HK_IDLE_LOGOUT, HK_COUNT };
enum part_key { PK_TYPE, PK_IMAGE, PK_INITRD, PK_CMDLINE, PK_MEMORY, PK_CPUS, PK_VCPUS,
		PK_SHARE_CPUS, PK_PRIVILEGED, PK_AUTOSTART, PK_COUNT };

static const char hv_key_names[HK_COUNT][20] = {
	"memory", "serial", "baud", "hostname", "log_level", "on_stop", "escape",
	"console_password", "idle_logout",
};
static const char part_key_names[PK_COUNT][20] = {
	"type", "image", "initrd", "cmdline", "memory", "cpus", "vcpus", "share_cpus",
	"privileged", "autostart",
};

/* The value of one [hypervisor] key as the file would spell it. */
static void hv_value(const struct hv_config *hv, enum hv_key k, char *v)
{
	static const uint16_t com[4] = {
		CONFIG_COM1_PORT, CONFIG_COM2_PORT, CONFIG_COM3_PORT, CONFIG_COM4_PORT
	};
	switch (k) {
	case HK_MEMORY:
		size_text(v, hv->memory);
		return;
	case HK_SERIAL:
		for (unsigned i = 0; i < 4; i++) {
			if (hv->serial_port == com[i]) {
				snprintf(v, VALUE_MAX, "com%u", i + 1);
				return;
			}
		}
		snprintf(v, VALUE_MAX, "0x%x", hv->serial_port);
		return;
	case HK_BAUD:
		snprintf(v, VALUE_MAX, "%u", (unsigned)hv->baud);
		return;
	case HK_HOSTNAME:
		snprintf(v, VALUE_MAX, "%s", hv->hostname);
		return;
	case HK_LOG_LEVEL:
		snprintf(v, VALUE_MAX, "%s", config_log_level_name(hv->log_level));
		return;
	case HK_ON_STOP:
		snprintf(v, VALUE_MAX, "%s", config_stop_action_name(hv->on_stop));
		return;
	case HK_ESCAPE:
		/* Ctrl-A..Z are 1..26; Ctrl-\ ] ^ _ are 0x1c..0x1f (the letter minus 0x40). */
		snprintf(v, VALUE_MAX, "ctrl-%c", hv->escape >= 1 && hv->escape <= 26 ?
			 'a' + hv->escape - 1 : hv->escape + 0x40);
		return;
	case HK_CONSOLE_PASSWORD:
		/* The salted hash, as the file has it (never a password); "" when none is set. */
		snprintf(v, VALUE_MAX, "%s", hv->console_password);
		return;
	case HK_IDLE_LOGOUT:
		if (!hv->idle_logout)
			snprintf(v, VALUE_MAX, "never");
		else if (hv->idle_logout % 3600 == 0)
			snprintf(v, VALUE_MAX, "%uh", (unsigned)(hv->idle_logout / 3600));
		else if (hv->idle_logout % 60 == 0)
			snprintf(v, VALUE_MAX, "%um", (unsigned)(hv->idle_logout / 60));
		else
			snprintf(v, VALUE_MAX, "%us", (unsigned)hv->idle_logout);
		return;
	case HK_COUNT:
		break;
	}
	v[0] = '\0';
}

/* The value of one [partition] key; "" for a key the file would leave out. */
static void part_value(const struct partition_config *pc, enum part_key k, char *v)
{
	v[0] = '\0';
	switch (k) {
	case PK_TYPE:
		snprintf(v, VALUE_MAX, "%s", config_partition_type_name(pc->type));
		return;
	case PK_IMAGE:
		snprintf(v, VALUE_MAX, "%s", pc->image);
		return;
	case PK_INITRD:
		snprintf(v, VALUE_MAX, "%s", pc->initrd);
		return;
	case PK_CMDLINE:
		/* Quoted, so that an empty one and one with '#' or edge blanks read back alike;
		 * the parser's quotes cannot hold a quote, so such a line goes bare. */
		snprintf(v, VALUE_MAX, strchr(pc->cmdline, '"') ? "%s" : "\"%s\"", pc->cmdline);
		return;
	case PK_MEMORY:
		size_text(v, pc->memory);
		return;
	case PK_CPUS:
		config_format_cpu_list(v, VALUE_MAX, pc->cpus);
		return;
	case PK_VCPUS:
		if (pc->vcpus)
			snprintf(v, VALUE_MAX, "%u", pc->vcpus);
		return;
	case PK_SHARE_CPUS:
		yes_no(v, pc->share_cpus);
		return;
	case PK_PRIVILEGED:
		yes_no(v, pc->privileged);
		return;
	case PK_AUTOSTART:
		yes_no(v, pc->autostart);
		return;
	case PK_COUNT:
		break;
	}
}

/* One `key = value` line. now: the value in force when it differs (mark it pending); when. */
static void put_key(struct out *o, const char *key, const char *v, const char *now,
		    const char *when)
{
	put(o, key);
	put(o, " = ");
	put(o, v);
	if (now) {
		put(o, "    # pending until ");
		put(o, when);
		put(o, " (in force: ");
		put(o, now[0] ? now : "none");
		put(o, ")");
	}
	put(o, "\n");
}

static void write_hv(struct out *o, const struct config *cfg, const struct config_write_options *opt)
{
	const struct config *only = opt ? opt->only_changes_from : NULL;
	const struct config *mark = opt ? opt->mark_changes_from : NULL;
	char v[VALUE_MAX], base[VALUE_MAX], now[VALUE_MAX];
	bool header = false;

	for (int k = 0; k < HK_COUNT; k++) {
		hv_value(&cfg->hv, (enum hv_key)k, v);
		if (only) {
			hv_value(&only->hv, (enum hv_key)k, base);
			if (!strcmp(v, base))
				continue;
		}
		if (!v[0])
			continue;               /* no console_password: the file leaves it out */
		if (!header) {
			put(o, "[hypervisor]\n");
			header = true;
		}
		bool pending = false;
		if (mark) {
			hv_value(&mark->hv, (enum hv_key)k, now);
			pending = strcmp(v, now) != 0;
		}
		put_key(o, hv_key_names[k], v, pending ? now : NULL, "the next boot");
	}
}

static const struct partition_config *same_partition(const struct config *c, unsigned i,
						     const char *name)
{
	if (!c || i >= c->partition_count || strcmp(c->partitions[i].name, name))
		return NULL;
	return &c->partitions[i];
}

static void write_partition(struct out *o, const struct config *cfg, unsigned i,
			    const struct config_write_options *opt)
{
	const struct partition_config *pc = &cfg->partitions[i];
	const struct partition_config *only = opt ? same_partition(opt->only_changes_from, i, pc->name) : NULL;
	const struct partition_config *mark = opt ? same_partition(opt->mark_changes_from, i, pc->name) : NULL;
	char v[VALUE_MAX], base[VALUE_MAX], now[VALUE_MAX];
	bool header = false;

	if (opt && opt->only_changes_from && !only)
		return;                 /* not in the other config: nothing it could change */
	for (int k = 0; k < PK_COUNT; k++) {
		part_value(pc, (enum part_key)k, v);
		if (only) {
			part_value(only, (enum part_key)k, base);
			if (!strcmp(v, base))
				continue;
		}
		bool pending = false;
		if (mark) {
			part_value(mark, (enum part_key)k, now);
			pending = strcmp(v, now) != 0;
		}
		/* A key the file leaves out (no initrd, vcpus from the CPU list) has no spelling
		 * as a value, so it is not written. */
		if (!v[0])
			continue;
		if (!header) {
			put(o, o->len ? "\n[partition " : "[partition ");
			put(o, pc->name);
			put(o, "]\n");
			header = true;
		}
		put_key(o, part_key_names[k], v, pending ? now : NULL, "its next start");
	}
}

int config_write(const struct config *cfg, const struct config_write_options *opt, char *buf,
		 size_t size)
{
	struct out o = { buf, size, 0 };
	if (size)
		buf[0] = '\0';
	write_hv(&o, cfg, opt);
	unsigned n = cfg->partition_count < MAX_PARTITIONS ? cfg->partition_count : MAX_PARTITIONS;
	for (unsigned i = 0; i < n; i++)
		write_partition(&o, cfg, i, opt);
	return (int)(o.len > 0x7fffffff ? 0x7fffffff : o.len);
}
