/*
 * The bulkhead.cfg parser (format: README "Configuration", types: config.h): text into a
 * struct config, or a set of changes onto one. Compiled for the UEFI loader, the freestanding
 * kernel, the management shell and the host unit tests, which is why it keeps to a few string
 * and stdio functions, allocates nothing, keeps no global mutable state and never uses floating
 * point (the kernel is built with -mgeneral-regs-only). The text comes from a file an
 * administrator edits by hand, so nothing in it is trusted: every line is checked for length
 * and control bytes before it is looked at, every value against its field's size, and every
 * problem becomes one error with its line number and a message that says what is wrong and
 * what would be right. Parsing never stops at the first error, so one boot attempt shows
 * everything that needs fixing.
 */
#include "config_text.h"

_Static_assert(CONFIG_HOSTNAME_MAX >= 9, "the default hostname must fit");
_Static_assert(CONFIG_LINE_MAX >= 2, "a line must be able to hold something");

/* ---- values ---------------------------------------------------------------------------- */

enum size_status { SIZE_OK, SIZE_EMPTY, SIZE_NEGATIVE, SIZE_FRACTION, SIZE_BAD, SIZE_OVERFLOW };

/* Digits, optional blanks, optional binary suffix K/M/G/T (+ "B" or "iB"), or "B" alone. */
static enum size_status parse_size(struct span s, uint64_t *out)
{
	s = span_trim(s);
	if (s.n == 0)
		return SIZE_EMPTY;
	if (s.p[0] == '-')
		return SIZE_NEGATIVE;
	if (!is_digit(s.p[0]))
		return SIZE_BAD;
	uint64_t v = 0;
	size_t i = 0;
	bool overflow = false;
	for (; i < s.n && is_digit(s.p[i]); i++) {
		unsigned d = (unsigned)(s.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (i < s.n && (s.p[i] == '.' || s.p[i] == ',') && i + 1 < s.n && is_digit(s.p[i + 1]))
		return SIZE_FRACTION;
	struct span suffix = span_trim(span_of(s.p + i, s.n - i));
	unsigned shift = 0;
	if (suffix.n) {
		int unit = span_choice(span_of(suffix.p, 1), "k|m|g|t");
		struct span rest = span_of(suffix.p + 1, suffix.n - 1);
		if (unit >= 0 && (rest.n == 0 || span_is(rest, "b") || span_is(rest, "ib")))
			shift = 10u * (unsigned)(unit + 1);
		else if (!span_is(suffix, "b"))
			return SIZE_BAD;
	}
	if (overflow || (shift && v > (UINT64_MAX >> shift)))
		return SIZE_OVERFLOW;
	*out = v << shift;
	return SIZE_OK;
}

static const char *size_hint(enum size_status st)
{
	switch (st) {
	case SIZE_NEGATIVE: return "sizes cannot be negative";
	case SIZE_FRACTION: return "no fractions: write e.g. 1536M, not 1.5G";
	case SIZE_OVERFLOW: return "too large";
	default:            return "use a number with K, M or G, e.g. 256M";
	}
}

int config_parse_size(const char *s, uint64_t *out)
{
	if (!s || !out)
		return -1;
	return parse_size(span_of(s, strlen(s)), out) == SIZE_OK ? 0 : -1;
}

enum cpus_status { CPUS_OK, CPUS_EMPTY, CPUS_EMPTY_ELEMENT, CPUS_REVERSED, CPUS_TOO_HIGH, CPUS_GARBAGE };

struct cpus_detail {
	unsigned a, b;          /* the offending CPU or range */
};

/* A CPU number; large ones are clamped rather than overflowed, they are rejected anyway. */
static size_t parse_cpu_number(struct span s, size_t i, unsigned *out)
{
	unsigned v = 0;
	for (; i < s.n && is_digit(s.p[i]); i++)
		v = v > 100000 ? v : v * 10 + (unsigned)(s.p[i] - '0');
	*out = v;
	return i;
}

static size_t skip_blanks(struct span s, size_t i)
{
	while (i < s.n && is_blank(s.p[i]))
		i++;
	return i;
}

/* list := element (',' element)*, element := N | N '-' M, blanks allowed around each part. */
static enum cpus_status parse_cpus(struct span s, uint64_t *mask, struct cpus_detail *d)
{
	uint64_t m = 0;
	size_t i = skip_blanks(s, 0);
	if (i == s.n)
		return CPUS_EMPTY;
	for (;;) {
		unsigned lo, hi;
		i = skip_blanks(s, i);
		if (i == s.n || s.p[i] == ',')
			return CPUS_EMPTY_ELEMENT;
		if (!is_digit(s.p[i]))
			return CPUS_GARBAGE;
		i = parse_cpu_number(s, i, &lo);
		hi = lo;
		i = skip_blanks(s, i);
		if (i < s.n && s.p[i] == '-') {
			i = skip_blanks(s, i + 1);
			if (i == s.n || !is_digit(s.p[i]))
				return CPUS_GARBAGE;
			i = parse_cpu_number(s, i, &hi);
			i = skip_blanks(s, i);
		}
		d->a = lo;
		d->b = hi;
		if (lo > hi)
			return CPUS_REVERSED;
		if (hi >= MAX_CPUS) {
			d->a = lo >= MAX_CPUS ? lo : hi;
			return CPUS_TOO_HIGH;
		}
		for (unsigned c = lo; c <= hi; c++)
			m |= 1ull << c;
		if (i == s.n)
			break;
		if (s.p[i] != ',')
			return CPUS_GARBAGE;
		i++;
	}
	*mask = m;
	return CPUS_OK;
}

int config_parse_cpu_list(const char *s, uint64_t *mask)
{
	struct cpus_detail d;
	if (!s || !mask)
		return -1;
	return parse_cpus(span_of(s, strlen(s)), mask, &d) == CPUS_OK ? 0 : -1;
}

/* Decimal, or hexadecimal after "0x" when allowed; false on anything else or above max. */
static bool parse_number(struct span s, bool allow_hex, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0;
	uint64_t v = 0;
	if (allow_hex && s.n > 2 && s.p[0] == '0' && to_lower(s.p[1]) == 'x') {
		base = 16;
		i = 2;
	}
	if (i == s.n)
		return false;
	for (; i < s.n; i++) {
		int d = hex_value(s.p[i]);
		if (d < 0 || (unsigned)d >= base)
			return false;
		if ((unsigned)d > max || v > (max - (unsigned)d) / base)
			return false;             /* (the first test keeps max - d from wrapping) */
		v = v * base + (unsigned)d;
	}
	*out = v;
	return true;
}

/* Partition names end up in log lines and console commands: keep them plain. */
static bool valid_partition_name(struct span s)
{
	if (s.n == 0 || s.n > PARTITION_NAME_MAX - 1)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!is_alnum(s.p[i]) && s.p[i] != '_' && s.p[i] != '-')
			return false;
	return true;
}

/*
 * File names are looked up in the ESP folder holding bulkhead.cfg. The loader turns them into
 * UEFI paths, so keep to what FAT and that conversion handle unambiguously: printable ASCII,
 * '/' between folders, no way to climb out of the folder.
 */
static const char *path_problem(struct span s)
{
	if (s.p[0] == '/')
		return "it must be relative to the folder of bulkhead.cfg";
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c == ' ' || c == '\t')
			return "file names cannot contain spaces";
		if ((unsigned char)c < 0x21 || (unsigned char)c > 0x7e)
			return "use ASCII letters, digits and punctuation";
		if (strchr("\\\"*:<>?|", c))
			return "\\ \" * : < > ? | are not allowed; use / between folders";
	}
	size_t start = 0;
	for (size_t i = 0; i <= s.n; i++) {
		if (i < s.n && s.p[i] != '/')
			continue;
		struct span part = span_of(s.p + start, i - start);
		if (part.n == 0)
			return "empty folder name";
		if (span_is(part, ".") || span_is(part, ".."))
			return "'.' and '..' are not allowed";
		start = i + 1;
	}
	return NULL;
}

/* ---- the login's values ---------------------------------------------------------------- */

/* Digits at *p (at most 10, no sign) into *out; false if there are none. */
static bool take_digits(struct span s, size_t *at, uint64_t *out)
{
	size_t start = *at;
	uint64_t n = 0;
	while (*at < s.n && is_digit(s.p[*at]) && *at - start < 10)
		n = n * 10 + (uint64_t)(s.p[(*at)++] - '0');
	*out = n;
	return *at > start;
}

static bool take_text(struct span s, size_t *at, const char *lit)
{
	size_t n = strlen(lit);
	if (s.n - *at < n || memcmp(s.p + *at, lit, n) != 0)
		return false;
	*at += n;
	return true;
}

/* Base64 without padding, as Argon2's encoding writes salt and hash; at least one character. */
static bool take_base64(struct span s, size_t *at)
{
	size_t start = *at;
	while (*at < s.n && (is_alnum(s.p[*at]) || s.p[*at] == '+' || s.p[*at] == '/'))
		(*at)++;
	return *at > start;
}

/*
 * The shape of an Argon2 encoded hash, "$argon2id$v=19$m=4096,t=3,p=1$SALT$HASH" (argon2i and
 * argon2d too; v= may be missing, meaning version 1.0): the library that checks the password
 * (lib/argon2, in the shell) decodes it again and is the judge of the numbers. This only
 * tells a plain password or a cut paste from a hash at boot, and finds the memory cost.
 */
static bool argon2_shape(struct span s, uint64_t *m_kib)
{
	size_t at = 0;
	uint64_t m, t, par, ver;
	if (!take_text(s, &at, "$argon2"))
		return false;
	if (!take_text(s, &at, "id$") && !take_text(s, &at, "i$") && !take_text(s, &at, "d$"))
		return false;
	if (take_text(s, &at, "v=") && !(take_digits(s, &at, &ver) && take_text(s, &at, "$")))
		return false;
	if (!(take_text(s, &at, "m=") && take_digits(s, &at, &m) && take_text(s, &at, ",t=") &&
	      take_digits(s, &at, &t) && take_text(s, &at, ",p=") && take_digits(s, &at, &par) &&
	      take_text(s, &at, "$") && take_base64(s, &at) && take_text(s, &at, "$") &&
	      take_base64(s, &at) && at == s.n))
		return false;
	if (m == 0 || m > UINT32_MAX || t == 0 || par == 0)
		return false;
	*m_kib = m;
	return true;
}

uint32_t config_argon2_memory_kib(const char *hash)
{
	uint64_t m;
	return argon2_shape(span_of(hash, strlen(hash)), &m) ? (uint32_t)m : 0;
}

/* "600", "90s", "10m", "2h"; "0", "never" or "off": never. */
static bool parse_duration(struct span v, uint32_t *seconds)
{
	if (span_is(v, "never") || span_is(v, "off")) {
		*seconds = 0;
		return true;
	}
	uint64_t unit = 1, n;
	if (v.n && !is_digit(v.p[v.n - 1])) {
		char u = v.p[--v.n];
		unit = u == 's' ? 1 : u == 'm' ? 60 : u == 'h' ? 3600 : 0;
	}
	if (!unit || !parse_number(v, false, CONFIG_IDLE_LOGOUT_MAX / unit, &n))
		return false;
	*seconds = (uint32_t)(n * unit);
	return true;
}

/* ---- the parser ------------------------------------------------------------------------ */

enum section { SEC_NONE, SEC_HV, SEC_PART, SEC_SKIP };

enum key {
	K_HV_MEMORY, K_SERIAL, K_BAUD, K_HOSTNAME, K_LOG_LEVEL, K_ON_STOP,
	K_MEMORY, K_CPUS, K_IMAGE, K_INITRD, K_CMDLINE, K_TYPE, K_PRIVILEGED, K_AUTOSTART,
	K_SHARE_CPUS,
	K_ESCAPE,
	K_VCPUS,
	K_CONSOLE_PASSWORD, K_IDLE_LOGOUT,
	K_COUNT
};

#define KBIT(k) (1u << (k))

/* Names in arrays, not pointers: no relocations in the PIC loader build. */
static const struct {
	char name[20];
	unsigned char section;
} keys[K_COUNT] = {
	[K_HV_MEMORY]  = { "memory",     SEC_HV },
	[K_SERIAL]     = { "serial",     SEC_HV },
	[K_BAUD]       = { "baud",       SEC_HV },
	[K_HOSTNAME]   = { "hostname",   SEC_HV },
	[K_LOG_LEVEL]  = { "log_level",  SEC_HV },
	[K_ON_STOP]    = { "on_stop",    SEC_HV },
	[K_MEMORY]     = { "memory",     SEC_PART },
	[K_CPUS]       = { "cpus",       SEC_PART },
	[K_IMAGE]      = { "image",      SEC_PART },
	[K_INITRD]     = { "initrd",     SEC_PART },
	[K_CMDLINE]    = { "cmdline",    SEC_PART },
	[K_TYPE]       = { "type",       SEC_PART },
	[K_PRIVILEGED] = { "privileged", SEC_PART },
	[K_AUTOSTART]  = { "autostart",  SEC_PART },
	[K_SHARE_CPUS] = { "share_cpus", SEC_PART },
	[K_ESCAPE]     = { "escape",     SEC_HV },
	[K_VCPUS]      = { "vcpus",      SEC_PART },
	[K_CONSOLE_PASSWORD] = { "console_password", SEC_HV },
	[K_IDLE_LOGOUT] = { "idle_logout", SEC_HV },
};

struct parser {
	struct config *cfg;
	struct config_errors *errs;
	enum section sec;
	unsigned section_line;
	char label[64];                 /* "[hypervisor]" or "[partition NAME]", for messages */
	/* Changes onto an existing config (config_parse_changes): sections name what exists, no
	 * key is required, and the lines where values were set stay those of the file. */
	bool changes;
	struct hv_config *hv;           /* where the current section's values go */
	struct partition_config *part;
	uint32_t seen;                  /* keys met in this section (KBIT) */
	uint32_t stored;                /* ... whose value was good */
	unsigned key_line[K_COUNT];
	unsigned hv_line;               /* first [hypervisor], 0 if none yet */
	/*
	 * Sections that are themselves an error (a second [hypervisor], a partition with a bad or
	 * duplicate name, one too many) still have their keys checked, so that one round of fixes
	 * is enough; their values land here and are thrown away.
	 */
	struct hv_config spare_hv;
	struct partition_config spare_part;
};

static void partition_defaults(struct partition_config *pc)
{
	memset(pc, 0, sizeof *pc);
	pc->cpus = 1;                   /* CPU 0 */
	pc->type = PARTITION_ELF;
	pc->privileged = false;
	pc->autostart = true;
	pc->share_cpus = false;
}

static void hv_defaults(struct hv_config *hv)
{
	memset(hv, 0, sizeof *hv);
	hv->memory = HV_RESERVE_DEFAULT;
	hv->serial_port = CONFIG_COM1_PORT;
	hv->baud = CONFIG_BAUD_BASE;
	memcpy(hv->hostname, "bulkhead", sizeof "bulkhead");
	hv->log_level = LOG_INFO;
	hv->on_stop = STOP_POWEROFF;
	hv->escape = 0x1d;                     /* Ctrl-] */
	hv->idle_logout = CONFIG_IDLE_LOGOUT_DEFAULT;
	hv->memory_line = 0;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	hv_defaults(&cfg->hv);
	cfg->partition_count = 0;
}

/* Where a value was set, for the validator's messages; a change keeps the file's line. */
static void note_line(const struct parser *p, unsigned *where, unsigned line)
{
	if (!p->changes)
		*where = line;
}

/* Copies a value into a fixed-size field, or reports that it does not fit. */
static bool copy_field(struct parser *p, unsigned line, enum key k, struct span v, char *dst,
		       size_t size)
{
	if (v.n > size - 1) {
		REPORT(p->errs, line, "%s is too long (%u characters; at most %u)", keys[k].name,
		       (unsigned)v.n, (unsigned)(size - 1));
		return false;
	}
	memcpy(dst, v.p, v.n);
	dst[v.n] = '\0';
	return true;
}

static bool set_size(struct parser *p, unsigned line, enum key k, struct span v, uint64_t *out)
{
	struct clip c;
	enum size_status st = parse_size(v, out);
	if (st != SIZE_OK) {
		REPORT(p->errs, line, "bad size '%s' for %s (%s)", clip(&c, v), keys[k].name,
		       size_hint(st));
		return false;
	}
	return true;
}

static bool set_bool(struct parser *p, unsigned line, enum key k, struct span v, bool *out)
{
	struct clip c;
	int i = span_choice(v, "no|yes|false|true|off|on|0|1");
	if (i < 0) {
		REPORT(p->errs, line, "bad value '%s' for %s (use yes or no)", clip(&c, v),
		       keys[k].name);
		return false;
	}
	*out = (i & 1) != 0;
	return true;
}

/* Checks one value and stores it in the current section's target; false if it was bad. */
static bool set_value(struct parser *p, unsigned line, enum key k, struct span v)
{
	struct hv_config *hv = p->hv;
	struct partition_config *pc = p->part;
	struct config_errors *errs = p->errs;
	struct clip c;
	struct num n1;
	uint64_t u;
	int i;

	switch (k) {
	case K_HV_MEMORY:
		if (!set_size(p, line, k, v, &u))
			return false;
		if (u < HV_RESERVE_MIN) {
			REPORT(errs, line, "hypervisor memory '%s' is less than the minimum of %s MiB",
			       clip(&c, v), num_str(&n1, HV_RESERVE_MIN >> 20));
			return false;
		}
		if (u > HV_RESERVE_MAX) {
			REPORT(errs, line, "hypervisor memory '%s' is more than the maximum of %s MiB",
			       clip(&c, v), num_str(&n1, HV_RESERVE_MAX >> 20));
			return false;
		}
		if (u % PARTITION_MEM_ALIGN) {
			REPORT(errs, line, "hypervisor memory '%s' is not a multiple of %s MiB",
			       clip(&c, v), num_str(&n1, PARTITION_MEM_ALIGN >> 20));
			return false;
		}
		hv->memory = u;
		note_line(p, &hv->memory_line, line);
		return true;

	case K_SERIAL:
		i = span_choice(v, "com1|com2|com3|com4");
		if (i >= 0) {
			static const uint16_t com_ports[4] = {
				CONFIG_COM1_PORT, CONFIG_COM2_PORT, CONFIG_COM3_PORT, CONFIG_COM4_PORT
			};
			hv->serial_port = com_ports[i];
			return true;
		}
		/* A 16550 decodes 8 consecutive ports, all of which must exist. */
		if (!parse_number(v, true, 0xfff8, &u) || u == 0) {
			REPORT(errs, line, "bad serial port '%s' (use com1 to com4 or an I/O port "
			       "such as 0x3f8)", clip(&c, v));
			return false;
		}
		hv->serial_port = (uint16_t)u;
		return true;

	case K_BAUD:
		if (!parse_number(v, false, CONFIG_BAUD_BASE, &u) || u == 0 ||
		    CONFIG_BAUD_BASE % u != 0) {
			REPORT(errs, line, "bad baud rate '%s' (it must divide 115200 exactly, e.g. "
			       "115200, 57600, 38400 or 9600)", clip(&c, v));
			return false;
		}
		hv->baud = (uint32_t)u;
		return true;

	case K_HOSTNAME:
		for (size_t j = 0; j < v.n; j++) {
			if (!is_alnum(v.p[j]) && v.p[j] != '.' && v.p[j] != '-') {
				REPORT(errs, line, "bad hostname '%s' (use letters, digits, '.' and '-')",
				       clip(&c, v));
				return false;
			}
		}
		return copy_field(p, line, k, v, hv->hostname, sizeof hv->hostname);

	case K_LOG_LEVEL:
		i = span_choice(v, "error|warn|info|debug");
		if (i < 0) {
			REPORT(errs, line, "bad log_level '%s' (use error, warn, info or debug)",
			       clip(&c, v));
			return false;
		}
		hv->log_level = (enum log_level)i;
		return true;

	case K_ESCAPE:
		/* "ctrl-" and a letter or one of ] \ ^ _. Excluded: the bytes the shell or a
		 * terminal needs (Ctrl-C, -H backspace, -I tab, -J/-M Enter, -U, and Ctrl-[ = ESC,
		 * which starts arrow-key sequences). */
		if (v.n == 6 && span_is((struct span){ v.p, 5 }, "ctrl-")) {
			char x = v.p[5];
			unsigned byte = (x >= 'a' && x <= 'z') ? (unsigned)(x - 'a' + 1) :
					(x >= 'A' && x <= 'Z') ? (unsigned)(x - 'A' + 1) :
					(x == ']' || x == '\\' || x == '^' || x == '_') ? (unsigned)(x - 0x40) : 0;
			if (byte && byte != 0x03 && byte != 0x08 && byte != 0x09 && byte != 0x0a &&
			    byte != 0x0d && byte != 0x15) {
				hv->escape = (uint8_t)byte;
				return true;
			}
		}
		REPORT(errs, line, "bad escape '%s' (use ctrl- and a letter or one of ] \\ ^ _, "
		       "e.g. ctrl-])", clip(&c, v));
		return false;

	case K_CONSOLE_PASSWORD: {
		/* Never quoted back: a mistake here may be the password itself in plain text. */
		uint64_t m;
		if (v.n >= sizeof hv->console_password || !argon2_shape(v, &m)) {
			REPORT(errs, line, "console_password is not an Argon2 hash (make one with "
			       "Debian's argon2 tool: see README \"Login\")");
			return false;
		}
		memcpy(hv->console_password, v.p, v.n);
		hv->console_password[v.n] = '\0';
		note_line(p, &hv->password_line, line);
		return true;
	}

	case K_IDLE_LOGOUT:
		if (!parse_duration(v, &hv->idle_logout)) {
			REPORT(errs, line, "bad idle_logout '%s' (seconds, or a number with s, m or h, "
			       "at most 7 days, e.g. 10m; never: no logout)", clip(&c, v));
			return false;
		}
		return true;

	case K_ON_STOP:
		i = span_choice(v, "poweroff|halt|reboot");
		if (i < 0) {
			REPORT(errs, line, "bad on_stop '%s' (use poweroff, halt or reboot)", clip(&c, v));
			return false;
		}
		hv->on_stop = (enum stop_action)i;
		return true;

	case K_MEMORY:
		if (!set_size(p, line, k, v, &u))
			return false;
		if (u < PARTITION_MEM_MIN) {
			REPORT(errs, line, "memory '%s' of %s is less than the minimum of %s MiB",
			       clip(&c, v), p->label, num_str(&n1, PARTITION_MEM_MIN >> 20));
			return false;
		}
		/* EPT maps partition RAM with 2 MiB pages. */
		if (u % PARTITION_MEM_ALIGN) {
			REPORT(errs, line, "memory '%s' of %s is not a multiple of %s MiB", clip(&c, v),
			       p->label, num_str(&n1, PARTITION_MEM_ALIGN >> 20));
			return false;
		}
		pc->memory = u;
		note_line(p, &pc->memory_line, line);
		return true;

	case K_CPUS: {
		struct cpus_detail d = { 0, 0 };
		char why[48];
		switch (parse_cpus(v, &u, &d)) {
		case CPUS_OK:
			pc->cpus = u;
			note_line(p, &pc->cpus_line, line);
			return true;
		case CPUS_EMPTY_ELEMENT:
			snprintf(why, sizeof why, "empty element between commas");
			break;
		case CPUS_REVERSED:
			snprintf(why, sizeof why, "range %u-%u is backwards", d.a, d.b);
			break;
		case CPUS_TOO_HIGH:
			snprintf(why, sizeof why, "CPU %u is too high; the limit is %u", d.a,
				 MAX_CPUS - 1);
			break;
		default:
			snprintf(why, sizeof why, "use numbers and ranges, e.g. 0-1,4");
			break;
		}
		REPORT(errs, line, "bad cpu list '%s' for cpus (%s)", clip(&c, v), why);
		return false;
	}

	case K_IMAGE:
	case K_INITRD: {
		const char *why = path_problem(v);
		char *dst = k == K_IMAGE ? pc->image : pc->initrd;
		if (why) {
			REPORT(errs, line, "bad file name '%s' for %s (%s)", clip(&c, v), keys[k].name,
			       why);
			return false;
		}
		if (!copy_field(p, line, k, v, dst, CONFIG_PATH_MAX))
			return false;
		if (k == K_IMAGE)
			note_line(p, &pc->image_line, line);
		return true;
	}

	case K_CMDLINE:
		return copy_field(p, line, k, v, pc->cmdline, sizeof pc->cmdline);

	case K_TYPE:
		i = span_choice(v, "elf|linux|multiboot");
		if (i < 0) {
			REPORT(errs, line, "bad type '%s' (use elf, linux or multiboot)", clip(&c, v));
			return false;
		}
		pc->type = (enum partition_type)i;
		return true;

	case K_PRIVILEGED:
		return set_bool(p, line, k, v, &pc->privileged);

	case K_AUTOSTART:
		return set_bool(p, line, k, v, &pc->autostart);

	case K_SHARE_CPUS:
		if (!set_bool(p, line, k, v, &pc->share_cpus))
			return false;
		note_line(p, &pc->share_line, line);
		return true;

	case K_VCPUS:
		if (!parse_number(v, false, CONFIG_VCPUS_MAX, &u) || u == 0) {
			REPORT(errs, line, "bad vcpus '%s' for %s (a number from 1 to %u)", clip(&c, v),
			       p->label, CONFIG_VCPUS_MAX);
			return false;
		}
		pc->vcpus = (unsigned)u;
		note_line(p, &pc->vcpus_line, line);
		return true;

	default:
		return false;
	}
}

/* Checks that need the whole section: the required keys. */
static void finish_section(struct parser *p)
{
	if (p->sec == SEC_PART && !p->changes) {
		struct partition_config *pc = p->part;
		if (!(p->seen & KBIT(K_MEMORY)))
			REPORT(p->errs, p->section_line,
			       "%s has no memory size; add a line like 'memory = 256M'", p->label);
		if (!(p->seen & KBIT(K_IMAGE)))
			REPORT(p->errs, p->section_line,
			       "%s has no image; add a line like 'image = guest.elf'", p->label);
		/* An initrd on an ELF partition is refused when that partition starts (kernel/
		 * partition.c), not here: one wrong partition must not stop the others. */
		(void)pc;
	}
	p->sec = SEC_NONE;
}

static void enter_section(struct parser *p, enum section sec, unsigned line)
{
	p->sec = sec;
	p->section_line = line;
	p->seen = 0;
	p->stored = 0;
	memset(p->key_line, 0, sizeof p->key_line);
	if (sec == SEC_SKIP)
		p->label[0] = '\0';
}

/* Partition names compare without regard to case, as the file's duplicate check does. */
static bool span_is_name(struct span s, const char *name)
{
	if (strlen(name) != s.n)
		return false;
	for (size_t j = 0; j < s.n; j++)
		if (to_lower(name[j]) != to_lower(s.p[j]))
			return false;
	return true;
}

static bool partition_name_taken(const struct config *cfg, struct span name, unsigned *first_line)
{
	for (unsigned i = 0; i < cfg->partition_count; i++) {
		if (span_is_name(name, cfg->partitions[i].name)) {
			*first_line = cfg->partitions[i].line;
			return true;
		}
	}
	return false;
}

/* s is a trimmed line starting with '['. */
static void parse_header(struct parser *p, unsigned line, struct span s)
{
	struct config_errors *errs = p->errs;
	struct clip c;

	finish_section(p);
	/* Until the header proves good, whatever follows belongs to no usable section. */
	enter_section(p, SEC_SKIP, line);

	const char *close = memchr(s.p, ']', s.n);
	if (!close) {
		REPORT(errs, line, "malformed section header '%s': missing ']'", clip(&c, s));
		return;
	}
	struct span after = span_trim(span_of(close + 1, (size_t)(s.p + s.n - close - 1)));
	if (after.n && after.p[0] != '#' && after.p[0] != ';') {
		REPORT(errs, line, "malformed section header: unexpected '%s' after ']'",
		       clip(&c, after));
		return;
	}
	struct span inner = span_trim(span_of(s.p + 1, (size_t)(close - s.p - 1)));
	size_t w = 0;
	while (w < inner.n && !is_blank(inner.p[w]))
		w++;
	struct span word = span_of(inner.p, w);
	struct span arg = span_trim(span_of(inner.p + w, inner.n - w));

	if (inner.n == 0) {
		REPORT(errs, line, "malformed section header '[]': use [hypervisor] or "
		       "[partition NAME]");
		return;
	}

	if (span_is(word, "hypervisor")) {
		if (arg.n) {
			REPORT(errs, line, "malformed section header: [hypervisor] takes no name "
			       "(found '%s')", clip(&c, arg));
			return;
		}
		enter_section(p, SEC_HV, line);
		snprintf(p->label, sizeof p->label, "[hypervisor]");
		if (p->hv_line) {
			REPORT(errs, line, "[hypervisor] appears twice (first at line %u); merge them",
			       p->hv_line);
			hv_defaults(&p->spare_hv);
			p->hv = &p->spare_hv;
		} else {
			p->hv_line = line;
			p->hv = &p->cfg->hv;
		}
		return;
	}

	if (span_is(word, "partition") && p->changes) {
		/* A change names a partition the file has; partitions are added in the file. */
		struct config *cfg = p->cfg;
		unsigned found = cfg->partition_count;
		for (unsigned i = 0; i < cfg->partition_count; i++)
			if (span_is_name(arg, cfg->partitions[i].name))
				found = i;
		if (found == cfg->partition_count) {
			REPORT(errs, line, "no partition named '%s' (partitions are added in "
			       "bulkhead.cfg)", clip(&c, arg));
			return;
		}
		enter_section(p, SEC_PART, line);
		p->part = &cfg->partitions[found];
		snprintf(p->label, sizeof p->label, "[partition %s]", p->part->name);
		return;
	}

	if (span_is(word, "partition")) {
		struct config *cfg = p->cfg;
		unsigned first = 0;
		bool good = false;
		if (arg.n == 0)
			REPORT(errs, line, "missing partition name: write [partition NAME]");
		else if (!valid_partition_name(arg))
			REPORT(errs, line, "bad partition name '%s' (use 1 to %u letters, digits, '_' "
			       "or '-')", clip(&c, arg), PARTITION_NAME_MAX - 1);
		else if (partition_name_taken(cfg, arg, &first))
			REPORT(errs, line, "duplicate partition name '%s' (first at line %u)",
			       clip(&c, arg), first);
		else if (cfg->partition_count >= MAX_PARTITIONS)
			REPORT(errs, line, "too many partitions: at most %u are supported",
			       (unsigned)MAX_PARTITIONS);
		else
			good = true;

		enter_section(p, SEC_PART, line);
		p->part = good ? &cfg->partitions[cfg->partition_count++] : &p->spare_part;
		partition_defaults(p->part);
		size_t n = arg.n < PARTITION_NAME_MAX - 1 ? arg.n : PARTITION_NAME_MAX - 1;
		memcpy(p->part->name, arg.p, n);
		p->part->name[n] = '\0';
		p->part->line = line;
		if (arg.n)
			snprintf(p->label, sizeof p->label, "[partition %s]", clip(&c, arg));
		else
			snprintf(p->label, sizeof p->label, "[partition]");
		return;
	}

	REPORT(errs, line, "unknown section [%s]; its keys are ignored (use [hypervisor] or "
	       "[partition NAME])", clip(&c, inner));
}

/* rest: the trimmed text after '='. Takes off quotes or a trailing comment. */
static bool extract_value(struct parser *p, unsigned line, enum key k, struct span rest,
			  struct span *v, bool *quoted)
{
	struct clip c;
	*quoted = false;
	if (rest.n && rest.p[0] == '"') {
		const char *close = memchr(rest.p + 1, '"', rest.n - 1);
		if (!close) {
			REPORT(p->errs, line, "unterminated quote in the value of %s", keys[k].name);
			return false;
		}
		struct span after = span_trim(span_of(close + 1, (size_t)(rest.p + rest.n - close - 1)));
		if (after.n && after.p[0] != '#') {
			REPORT(p->errs, line, "unexpected '%s' after the closing quote of %s",
			       clip(&c, after), keys[k].name);
			return false;
		}
		*v = span_of(rest.p + 1, (size_t)(close - rest.p - 1));
		*quoted = true;
		return true;
	}
	/* Unquoted, a '#' starts a comment when it begins the value or follows a blank. */
	size_t n = rest.n;
	for (size_t i = 0; i < rest.n; i++) {
		if (rest.p[i] == '#' && (i == 0 || is_blank(rest.p[i - 1]))) {
			n = i;
			break;
		}
	}
	*v = span_trim(span_of(rest.p, n));
	return true;
}

static int find_key(enum section sec, struct span name)
{
	for (int k = 0; k < K_COUNT; k++)
		if (keys[k].section == sec && span_is(name, keys[k].name))
			return k;
	return -1;
}

/* s is a trimmed, non-empty line that is neither a comment nor a header. */
static void parse_assignment(struct parser *p, unsigned line, struct span s)
{
	struct config_errors *errs = p->errs;
	struct clip c;

	if (p->sec == SEC_SKIP)
		return;
	const char *eq = memchr(s.p, '=', s.n);
	if (!eq) {
		REPORT(errs, line, "expected 'key = value' but found '%s'", clip(&c, s));
		return;
	}
	struct span key = span_trim(span_of(s.p, (size_t)(eq - s.p)));
	struct span rest = span_trim(span_of(eq + 1, (size_t)(s.p + s.n - eq - 1)));
	if (key.n == 0) {
		REPORT(errs, line, "missing key before '='");
		return;
	}
	if (p->sec == SEC_NONE) {
		REPORT(errs, line, "'%s' is outside any section; put it under [hypervisor] or "
		       "[partition NAME]", clip(&c, key));
		return;
	}
	int k = find_key(p->sec, key);
	if (k < 0) {
		REPORT(errs, line, "unknown key '%s' in %s", clip(&c, key), p->label);
		return;
	}
	if (p->seen & KBIT(k)) {
		REPORT(errs, line, "%s is set twice in %s (first at line %u)", keys[k].name,
		       p->label, p->key_line[k]);
		return;
	}
	p->seen |= KBIT(k);
	p->key_line[k] = line;

	struct span v;
	bool quoted;
	if (!extract_value(p, line, (enum key)k, rest, &v, &quoted))
		return;
	/* An explicitly quoted empty command line is a fine way to say "none". */
	if (v.n == 0 && !(quoted && k == K_CMDLINE)) {
		REPORT(errs, line, "%s in %s has no value", keys[k].name, p->label);
		return;
	}
	if (set_value(p, line, (enum key)k, v))
		p->stored |= KBIT(k);
}

/* raw: one line without its '\n' (a CR before it is still there). */
static void parse_line(struct parser *p, unsigned line, struct span raw)
{
	bool bad = false;
	size_t len = raw.n;
	if (len && raw.p[len - 1] == '\r')
		len--;                  /* CRLF: the CR is the line end, not content */

	for (size_t i = 0; i < raw.n; i++) {
		unsigned char ch = (unsigned char)raw.p[i];
		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
			if (ch == 0)
				REPORT(p->errs, line, "NUL byte in column %u: bulkhead.cfg must be "
				       "plain text", (unsigned)(i + 1));
			else
				REPORT(p->errs, line, "control character 0x%02x in column %u (only "
				       "tabs are allowed)", ch, (unsigned)(i + 1));
			bad = true;
			break;
		}
	}
	/* Never cut a long line short: the cut-off part could change its meaning. */
	if (!bad && len > CONFIG_LINE_MAX - 1) {
		REPORT(p->errs, line, "line is too long (%u characters; at most %u)", (unsigned)len,
		       (unsigned)(CONFIG_LINE_MAX - 1));
		bad = true;
	}

	struct span s = span_trim(raw);
	if (bad) {
		/* A broken header still ends the section before it; skip what follows it rather
		 * than pin its keys on the wrong section. */
		if (s.n && s.p[0] == '[') {
			finish_section(p);
			enter_section(p, SEC_SKIP, line);
		}
		return;
	}
	if (s.n == 0 || s.p[0] == '#' || s.p[0] == ';')
		return;
	if (s.p[0] == '[')
		parse_header(p, line, s);
	else
		parse_assignment(p, line, s);
}

static int error_total(const struct config_errors *errs)
{
	return (int)(errs->count + errs->dropped);
}

static int parse_text(const char *text, size_t len, struct config *cfg, struct config_errors *errs,
		      bool changes)
{
	/* ~1 KiB on the stack (mostly the spare partition); fine for a 16 KiB kernel stack. */
	struct parser p;

	memset(errs, 0, sizeof *errs);
	if (!changes)
		config_defaults(cfg);
	memset(&p, 0, sizeof p);
	p.changes = changes;
	p.cfg = cfg;
	p.errs = errs;
	p.sec = SEC_NONE;
	p.hv = &cfg->hv;

	if (!text)
		len = 0;
	/* Past the limit the file is most likely not a config at all, and the reader may have
	 * cut it off: line errors would only mislead, so this is the one error. */
	if (len > CONFIG_TEXT_MAX) {
		struct num n1;
		REPORT(errs, 0, "the file is %s bytes, more than the limit of %u; is it the right file?",
		       num_str(&n1, len), (unsigned)CONFIG_TEXT_MAX);
		return error_total(errs);
	}

	size_t pos = 0;
	/* Editors on some systems start UTF-8 files with a byte order mark. */
	if (len >= 3 && (unsigned char)text[0] == 0xef && (unsigned char)text[1] == 0xbb &&
	    (unsigned char)text[2] == 0xbf)
		pos = 3;

	unsigned line = 0;
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl ? 1 : 0);
		parse_line(&p, ++line, span_of(start, n));
	}
	finish_section(&p);
	config_sort_errors(errs, 0);
	return error_total(errs);
}

int config_parse(const char *text, size_t len, struct config *cfg, struct config_errors *errs)
{
	return parse_text(text, len, cfg, errs, false);
}

int config_parse_changes(const char *text, size_t len, struct config *cfg,
			 struct config_errors *errs)
{
	return parse_text(text, len, cfg, errs, true);
}
