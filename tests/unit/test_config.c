/*
 * Unit tests of lib/config, the bulkhead.cfg parser, validator and writer, on the host under
 * cmocka with ASan and UBSan. The text handed to config_parse is always copied into a heap
 * buffer of exactly its length (no NUL after it), so any read past the end is caught by ASan
 * rather than silently hitting a terminator. Each test checks concrete results: the number of
 * errors, their lines, a telling part of their message, and the parsed values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/config/config.h"

static struct config cfg;
static struct config_errors errs;

static int parse_n(const char *text, size_t n)
{
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, text, n);
	int r = config_parse(copy, n, &cfg, &errs);
	free(copy);
	/* The documented contract, checked on every call. */
	assert_int_equal(r, (int)(errs.count + errs.dropped));
	assert_true(errs.count <= CONFIG_MAX_ERRORS);
	return r;
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void dump_errors(void)
{
	for (unsigned i = 0; i < errs.count; i++)
		print_message("  error %u: line %u: %s\n", i, errs.list[i].line, errs.list[i].message);
}

static const struct config_error *find_error(unsigned line, const char *needle)
{
	for (unsigned i = 0; i < errs.count; i++)
		if (errs.list[i].line == line && strstr(errs.list[i].message, needle))
			return &errs.list[i];
	return NULL;
}

#define assert_error(line, needle)                                                             \
	do {                                                                                   \
		if (!find_error((line), (needle))) {                                           \
			dump_errors();                                                         \
			fail_msg("no error at line %u containing \"%s\"", (unsigned)(line), (needle)); \
		}                                                                              \
	} while (0)

/* Exactly one error, at `line`, containing `needle`. */
#define assert_one_error(r, line, needle)                                                      \
	do {                                                                                   \
		if ((r) != 1)                                                                  \
			dump_errors();                                                         \
		assert_int_equal((r), 1);                                                      \
		assert_error((line), (needle));                                                \
	} while (0)

#define assert_no_errors(r)                                                                    \
	do {                                                                                   \
		if ((r) != 0)                                                                  \
			dump_errors();                                                         \
		assert_int_equal((r), 0);                                                      \
	} while (0)

#define MIB (1ull << 20)

/* A minimal good partition, to put in front of or around the line under test. */
#define PART_OK "[partition p]\nmemory = 64M\nimage = p.elf\n"

/* ---- valid files and defaults ------------------------------------------------------------ */

static const char full_example[] =
	"# Bulkhead configuration\n"                                   /* 1 */
	"; written by hand\n"                                          /* 2 */
	"[hypervisor]\n"                                               /* 3 */
	"memory    = 128M       # reserved for Bulkhead\n"             /* 4 */
	"serial    = com2\n"                                           /* 5 */
	"baud      = 38400\n"                                          /* 6 */
	"hostname  = lab-01.example\n"                                 /* 7 */
	"log_level = debug\n"                                          /* 8 */
	"on_stop   = reboot\n"                                         /* 9 */
	"\n"                                                           /* 10 */
	"[partition web]        # the web server\n"                    /* 11 */
	"memory     = 256M\n"                                          /* 12 */
	"cpus       = 1-2\n"                                           /* 13 */
	"image      = web.elf\n"                                       /* 14 */
	"cmdline    = \"console=ttyS0 # not a comment\"   # comment\n" /* 15 */
	"type       = elf\n"                                           /* 16 */
	"privileged = yes\n"                                           /* 17 */
	"autostart  = no\n"                                            /* 18 */
	"\n"                                                           /* 19 */
	"[partition db_2]\n"                                           /* 20 */
	"memory     = 1GiB\n"                                          /* 21 */
	"cpus       = 3,5-6\n"                                         /* 22 */
	"image      = guests/vmlinuz\n"                                /* 23 */
	"initrd     = guests/initrd.cpio\n"                            /* 24 */
	"cmdline    = console=ttyS0 quiet root=/dev/ram0\n"            /* 25 */
	"type       = linux\n"                                         /* 26 */
	"privileged = off\n"                                           /* 27 */
	"autostart  = true\n";                                         /* 28 */

static void test_full_example(void **state)
{
	(void)state;
	assert_no_errors(parse(full_example));

	assert_int_equal(cfg.hv.memory, 128 * MIB);
	assert_int_equal(cfg.hv.memory_line, 4);
	assert_int_equal(cfg.hv.serial_port, 0x2f8);
	assert_int_equal(cfg.hv.baud, 38400);
	assert_string_equal(cfg.hv.hostname, "lab-01.example");
	assert_int_equal(cfg.hv.log_level, LOG_DEBUG);
	assert_int_equal(cfg.hv.on_stop, STOP_REBOOT);

	assert_int_equal(cfg.partition_count, 2);
	const struct partition_config *web = &cfg.partitions[0], *db = &cfg.partitions[1];
	assert_string_equal(web->name, "web");
	assert_int_equal(web->line, 11);
	assert_int_equal(web->memory, 256 * MIB);
	assert_int_equal(web->memory_line, 12);
	assert_int_equal(web->cpus, 0x6);
	assert_int_equal(web->cpus_line, 13);
	assert_string_equal(web->image, "web.elf");
	assert_int_equal(web->image_line, 14);
	assert_string_equal(web->initrd, "");
	assert_string_equal(web->cmdline, "console=ttyS0 # not a comment");
	assert_int_equal(web->type, PARTITION_ELF);
	assert_true(web->privileged);
	assert_false(web->autostart);

	assert_string_equal(db->name, "db_2");
	assert_int_equal(db->line, 20);
	assert_int_equal(db->memory, 1024 * MIB);
	assert_int_equal(db->cpus, (1u << 3) | (1u << 5) | (1u << 6));
	assert_string_equal(db->image, "guests/vmlinuz");
	assert_string_equal(db->initrd, "guests/initrd.cpio");
	assert_string_equal(db->cmdline, "console=ttyS0 quiet root=/dev/ram0");
	assert_int_equal(db->type, PARTITION_LINUX);
	assert_false(db->privileged);
	assert_true(db->autostart);

	struct config_limits lim = { .ram_available = 2048 * MIB, .cpu_count = 8 };
	assert_int_equal(config_validate(&cfg, &lim, &errs), 0);
}

static void check_hv_defaults(void)
{
	assert_int_equal(cfg.hv.memory, HV_RESERVE_DEFAULT);
	assert_int_equal(cfg.hv.memory_line, 0);
	assert_int_equal(cfg.hv.serial_port, 0x3f8);
	assert_int_equal(cfg.hv.baud, 115200);
	assert_string_equal(cfg.hv.hostname, "bulkhead");
	assert_int_equal(cfg.hv.log_level, LOG_INFO);
	assert_int_equal(cfg.hv.on_stop, STOP_POWEROFF);
}

static void test_defaults_function(void **state)
{
	(void)state;
	memset(&cfg, 0xa5, sizeof cfg);
	config_defaults(&cfg);
	check_hv_defaults();
	assert_int_equal(cfg.partition_count, 0);
}

static void test_empty_file_is_valid(void **state)
{
	(void)state;
	memset(&cfg, 0xa5, sizeof cfg);
	assert_no_errors(parse(""));
	check_hv_defaults();
	assert_int_equal(cfg.partition_count, 0);

	assert_no_errors(config_parse(NULL, 0, &cfg, &errs));
	assert_int_equal(cfg.partition_count, 0);
}

static void test_comments_only_is_valid(void **state)
{
	(void)state;
	assert_no_errors(parse("# nothing here\n\n   ; still nothing\n\t\n  # indented\n"));
	check_hv_defaults();
	assert_int_equal(cfg.partition_count, 0);
}

static void test_empty_hypervisor_section(void **state)
{
	(void)state;
	assert_no_errors(parse("[hypervisor]\n"));
	check_hv_defaults();
	assert_int_equal(cfg.partition_count, 0);
}

static void test_partition_defaults(void **state)
{
	(void)state;
	assert_no_errors(parse("[partition solo]\nimage = solo.elf\nmemory = 2M\n"));
	assert_int_equal(cfg.partition_count, 1);
	const struct partition_config *p = &cfg.partitions[0];
	assert_string_equal(p->name, "solo");
	assert_int_equal(p->line, 1);
	assert_int_equal(p->memory, 2 * MIB);
	assert_int_equal(p->memory_line, 3);
	assert_int_equal(p->image_line, 2);
	assert_int_equal(p->cpus, 1);                 /* CPU 0 */
	assert_int_equal(p->cpus_line, 0);
	assert_string_equal(p->initrd, "");
	assert_string_equal(p->cmdline, "");
	assert_int_equal(p->type, PARTITION_ELF);
	assert_false(p->privileged);
	assert_true(p->autostart);
	check_hv_defaults();
}

static void test_parse_resets_previous_results(void **state)
{
	(void)state;
	assert_int_equal(parse("[hypervisor]\nbogus = 1\n"), 1);
	assert_no_errors(parse(PART_OK));
	assert_int_equal(errs.count, 0);
	assert_int_equal(errs.dropped, 0);
	assert_int_equal(cfg.partition_count, 1);
	assert_no_errors(parse(""));
	assert_int_equal(cfg.partition_count, 0);
}

static void test_not_nul_terminated(void **state)
{
	(void)state;
	/* Only the first len bytes count: the junk after them must not be looked at. */
	const char buf[] = "[hypervisor]\nmemory = 32MJUNK";
	assert_no_errors(parse_n(buf, strlen(buf) - 4));
	assert_int_equal(cfg.hv.memory, 32 * MIB);
}

static void test_whitespace_and_case(void **state)
{
	(void)state;
	assert_no_errors(parse("  [ Hypervisor ]  \n"
			       "\tLOG_LEVEL=Warn\n"
			       "On_Stop\t=\tHALT\n"
			       "serial=COM4\n"
			       "[  partition \t Mixed-Case_1 ]\n"
			       "Memory=4m\n"
			       "IMAGE =x.elf\n"
			       "Type = LINUX\n"
			       "privileged = YES\n"));
	assert_int_equal(cfg.hv.log_level, LOG_WARN);
	assert_int_equal(cfg.hv.on_stop, STOP_HALT);
	assert_int_equal(cfg.hv.serial_port, 0x2e8);
	assert_string_equal(cfg.partitions[0].name, "Mixed-Case_1");
	assert_int_equal(cfg.partitions[0].memory, 4 * MIB);
	assert_int_equal(cfg.partitions[0].type, PARTITION_LINUX);
	assert_true(cfg.partitions[0].privileged);
}

/* ---- comments, quotes, line endings --------------------------------------------------------- */

static void test_comments(void **state)
{
	(void)state;
	assert_no_errors(parse("# top\n"
			       "[hypervisor] ; after a header\n"
			       "hostname = box # trailing comment\n"
			       "log_level = error\t# after a tab\n"
			       "[partition a] # also here\n"
			       "memory = 64M\n"
			       "image = a.elf\n"
			       "cmdline = x=1 ; y=2\n"       /* ';' inside a value is not a comment */
			       "   ; indented semicolon comment\n"));
	assert_string_equal(cfg.hv.hostname, "box");
	assert_int_equal(cfg.hv.log_level, LOG_ERROR);
	assert_string_equal(cfg.partitions[0].cmdline, "x=1 ; y=2");
}

static void test_hash_without_blank_is_part_of_value(void **state)
{
	(void)state;
	/* "64M#x" is not "64M" plus a comment: the admin has to see that. */
	int r = parse("[hypervisor]\nmemory = 64M#x\n");
	assert_one_error(r, 2, "bad size '64M#x' for memory");
	assert_no_errors(parse(PART_OK "cmdline = a#b\n"));
	assert_string_equal(cfg.partitions[0].cmdline, "a#b");
}

static void test_quotes(void **state)
{
	(void)state;
	assert_no_errors(parse("[hypervisor]\n"
			       "hostname = \"quoted\"\n"
			       "[partition q]\n"
			       "memory = \"128M\"\n"
			       "image = \"q.elf\"   # comment after quotes\n"
			       "cmdline = \"  keep  spaces ; and # hashes  \"\n"));
	assert_string_equal(cfg.hv.hostname, "quoted");
	assert_int_equal(cfg.partitions[0].memory, 128 * MIB);
	assert_string_equal(cfg.partitions[0].image, "q.elf");
	assert_string_equal(cfg.partitions[0].cmdline, "  keep  spaces ; and # hashes  ");
}

static void test_quoted_empty_cmdline_allowed(void **state)
{
	(void)state;
	assert_no_errors(parse(PART_OK "cmdline = \"\"\n"));
	assert_string_equal(cfg.partitions[0].cmdline, "");
}

static void test_unterminated_quote(void **state)
{
	(void)state;
	int r = parse(PART_OK "cmdline = \"console=ttyS0\n");
	assert_one_error(r, 4, "unterminated quote in the value of cmdline");
}

static void test_text_after_closing_quote(void **state)
{
	(void)state;
	int r = parse(PART_OK "cmdline = \"a\" b\n");
	assert_one_error(r, 4, "unexpected 'b' after the closing quote of cmdline");
}

static void test_crlf(void **state)
{
	(void)state;
	assert_no_errors(parse("[hypervisor]\r\n"
			       "hostname = crlf\r\n"
			       "\r\n"
			       "# comment\r\n"
			       "[partition w]\r\n"
			       "memory = 8M\r\n"
			       "image = w.elf\r\n"
			       "cmdline = \"q\"\r\n"
			       "autostart = no\r\n"));
	assert_string_equal(cfg.hv.hostname, "crlf");
	assert_string_equal(cfg.partitions[0].image, "w.elf");
	assert_string_equal(cfg.partitions[0].cmdline, "q");
	assert_false(cfg.partitions[0].autostart);
	assert_int_equal(cfg.partitions[0].line, 5);

	/* Line numbers still count LF-terminated lines. */
	int r = parse("[hypervisor]\r\n\r\nbogus = 1\r\n");
	assert_one_error(r, 3, "unknown key 'bogus' in [hypervisor]");
}

static void test_last_line_without_newline(void **state)
{
	(void)state;
	assert_no_errors(parse("[partition e]\nimage = e.elf\nmemory = 6M"));
	assert_int_equal(cfg.partitions[0].memory, 6 * MIB);
	assert_int_equal(cfg.partitions[0].memory_line, 3);
}

static void test_utf8_bom_skipped(void **state)
{
	(void)state;
	assert_no_errors(parse("\xef\xbb\xbf[hypervisor]\nhostname = bom\n"));
	assert_string_equal(cfg.hv.hostname, "bom");
}

/* ---- line-level errors ------------------------------------------------------------------- */

static void test_long_line(void **state)
{
	(void)state;
	char text[1024];
	char comment[CONFIG_LINE_MAX + 8];

	/* CONFIG_LINE_MAX - 1 characters is fine (CRLF or not)... */
	memset(comment, 'x', sizeof comment);
	comment[0] = '#';
	comment[CONFIG_LINE_MAX - 1] = '\0';
	snprintf(text, sizeof text, "%s\n%s\r\n", comment, comment);
	assert_no_errors(parse(text));

	/* ...one more is an error, never a silent truncation. */
	comment[CONFIG_LINE_MAX - 1] = 'x';
	comment[CONFIG_LINE_MAX] = '\0';
	snprintf(text, sizeof text, "[hypervisor]\n%s\nhostname = after\n", comment);
	int r = parse(text);
	assert_one_error(r, 2, "line is too long (256 characters; at most 255)");
	/* Parsing goes on after it. */
	assert_string_equal(cfg.hv.hostname, "after");
}

static void test_long_value_line_not_truncated(void **state)
{
	(void)state;
	char text[1024];
	char cmd[300];
	memset(cmd, 'c', sizeof cmd);
	cmd[290] = '\0';
	snprintf(text, sizeof text, PART_OK "cmdline = %s\n", cmd);
	int r = parse(text);
	assert_one_error(r, 4, "line is too long");
	assert_string_equal(cfg.partitions[0].cmdline, "");
}

static void test_long_header_line_skips_section(void **state)
{
	(void)state;
	char text[1024];
	char name[300];
	memset(name, 'n', sizeof name);
	name[280] = '\0';
	/* The keys under a header that could not be read are not pinned on [partition p]. */
	snprintf(text, sizeof text, PART_OK "[partition %s]\nmemory = 2M\nmemory = 4M\n", name);
	int r = parse(text);
	assert_one_error(r, 4, "line is too long");
	assert_int_equal(cfg.partition_count, 1);
	assert_int_equal(cfg.partitions[0].memory, 64 * MIB);
}

static void test_nul_byte(void **state)
{
	(void)state;
	static const char text[] = "[hypervisor]\nhost\0name = x\nbogus = 1\n";
	int r = parse_n(text, sizeof text - 1);
	assert_int_equal(r, 2);
	assert_error(2, "NUL byte in column 5");
	/* Still going: the next line's mistake is reported too. */
	assert_error(3, "unknown key 'bogus'");
}

static void test_control_characters(void **state)
{
	(void)state;
	int r = parse("[hypervisor]\nhostname = a\x01" "b\n\x1b[31m\nlog_level = info\x7f\n");
	assert_int_equal(r, 3);
	assert_error(2, "control character 0x01 in column 13");
	assert_error(3, "control character 0x1b in column 1");
	assert_error(4, "control character 0x7f");
	assert_string_equal(cfg.hv.hostname, "bulkhead");

	/* Tabs and a lone CR are not errors. */
	assert_no_errors(parse("[hypervisor]\n\thostname\t=\tt\r\n"));
	assert_string_equal(cfg.hv.hostname, "t");
}

static void test_text_too_large(void **state)
{
	(void)state;
	size_t n = CONFIG_TEXT_MAX + 1;
	char *big = malloc(n);
	assert_non_null(big);
	/* Lines of 63 '#' and a newline: a perfectly good (if silly) file... */
	for (size_t i = 0; i < n; i++)
		big[i] = (i % 64 == 63) ? '\n' : '#';
	assert_no_errors(parse_n(big, CONFIG_TEXT_MAX));
	/* ...until it is one byte too large. */
	int r = parse_n(big, n);
	assert_one_error(r, 0, "65537 bytes, more than the limit of 65536");
	free(big);
}

/* ---- sections ----------------------------------------------------------------------------- */

static void test_key_outside_section(void **state)
{
	(void)state;
	int r = parse("# forgot the header\nmemory = 64M\n[hypervisor]\nhostname = ok\n");
	assert_one_error(r, 2, "'memory' is outside any section");
	assert_int_equal(cfg.hv.memory, HV_RESERVE_DEFAULT);
	assert_string_equal(cfg.hv.hostname, "ok");
}

static void test_malformed_section_headers(void **state)
{
	(void)state;
	int r = parse("[hypervisor\n"           /* 1 */
		      "memory = 32M\n"          /* 2: skipped, no second error */
		      "[hypervisor] junk\n"     /* 3 */
		      "[]\n"                    /* 4 */
		      "[hypervisor extra]\n"    /* 5 */
		      "[ ]\n"                   /* 6 */
		      "garbage line\n");        /* 7: skipped too */
	assert_int_equal(r, 5);
	assert_error(1, "missing ']'");
	assert_error(3, "unexpected 'junk' after ']'");
	assert_error(4, "malformed section header '[]'");
	assert_error(5, "[hypervisor] takes no name");
	assert_error(6, "malformed section header '[]'");
	assert_int_equal(cfg.hv.memory, HV_RESERVE_DEFAULT);
}

static void test_unknown_section_keys_skipped(void **state)
{
	(void)state;
	int r = parse("[network]\n"
		      "address = 10.0.0.1\n"
		      "this is not even a key\n"
		      "memory = lots\n"
		      PART_OK);
	assert_one_error(r, 1, "unknown section [network]");
	assert_int_equal(cfg.partition_count, 1);
	assert_string_equal(cfg.partitions[0].name, "p");
}

static void test_hypervisor_twice(void **state)
{
	(void)state;
	int r = parse("[hypervisor]\n"          /* 1 */
		      "memory = 32M\n"
		      PART_OK                   /* 3-5 */
		      "[hypervisor]\n"          /* 6 */
		      "memory = 96M\n"          /* 7: checked, not used */
		      "baud = 7\n");            /* 8: still checked */
	assert_int_equal(r, 2);
	assert_error(6, "[hypervisor] appears twice (first at line 1)");
	assert_error(8, "bad baud rate '7'");
	assert_int_equal(cfg.hv.memory, 32 * MIB);
	assert_int_equal(cfg.hv.memory_line, 2);
}

static void test_bad_partition_names(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"my web", "web.1", "caf\xc3\xa9", "a/b", "x:y",
		"abcdefghijabcdefghijabcdefghijab",     /* 32 characters */
	};
	char text[256];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[partition %s]\nmemory = 64M\nimage = a.elf\n", bad[i]);
		int r = parse(text);
		assert_one_error(r, 1, "bad partition name");
		assert_int_equal(cfg.partition_count, 0);
	}
	assert_no_errors(parse("[partition abcdefghijabcdefghijabcdefghija]\nmemory = 64M\n"
			       "image = a.elf\n"));    /* 31 characters */
	assert_string_equal(cfg.partitions[0].name, "abcdefghijabcdefghijabcdefghija");
}

static void test_bad_partition_name_keys_still_checked(void **state)
{
	(void)state;
	int r = parse("[partition bad name]\nmemory = 3M\nimage = a.elf\nflavour = x\n");
	assert_int_equal(r, 3);
	assert_error(1, "bad partition name 'bad name' (use 1 to 31 letters, digits, '_' or '-')");
	assert_error(2, "not a multiple of 2 MiB");
	assert_error(4, "unknown key 'flavour' in [partition bad name]");
	assert_int_equal(cfg.partition_count, 0);
}

static void test_missing_partition_name(void **state)
{
	(void)state;
	int r = parse("[partition]\nmemory = 64M\nimage = a.elf\n");
	assert_one_error(r, 1, "missing partition name");
	/* Its keys are still checked, and what it lacks is still said. */
	r = parse("[ partition ]\nbogus = 1\n");
	assert_int_equal(r, 4);
	assert_error(1, "missing partition name");
	assert_error(1, "[partition] has no memory size");
	assert_error(1, "[partition] has no image");
	assert_error(2, "unknown key 'bogus' in [partition]");
	assert_int_equal(cfg.partition_count, 0);
}

static void test_duplicate_partition_name(void **state)
{
	(void)state;
	int r = parse("[partition web]\nmemory = 64M\nimage = a.elf\n"
		      "\n"
		      "[partition WEB]\nmemory = 64M\nimage = b.elf\n");
	assert_one_error(r, 5, "duplicate partition name 'WEB' (first at line 1)");
	assert_int_equal(cfg.partition_count, 1);
	assert_string_equal(cfg.partitions[0].image, "a.elf");
}

static void test_too_many_partitions(void **state)
{
	(void)state;
	char text[4096];
	size_t off = 0;
	for (int i = 0; i <= MAX_PARTITIONS; i++)
		off += (size_t)snprintf(text + off, sizeof text - off,
					"[partition p%d]\nmemory = 2M\nimage = p.elf\ncpus = %d\n",
					i, i);
	int r = parse(text);
	assert_one_error(r, 4 * MAX_PARTITIONS + 1, "too many partitions: at most 16");
	assert_int_equal(cfg.partition_count, MAX_PARTITIONS);
	assert_string_equal(cfg.partitions[MAX_PARTITIONS - 1].name, "p15");
}

/* ---- key = value errors ---------------------------------------------------------------- */

static void test_line_without_equals(void **state)
{
	(void)state;
	int r = parse("[hypervisor]\nmemory 64M\n");
	assert_one_error(r, 2, "expected 'key = value' but found 'memory 64M'");
	assert_int_equal(cfg.hv.memory, HV_RESERVE_DEFAULT);
}

static void test_empty_key(void **state)
{
	(void)state;
	int r = parse("[hypervisor]\n = 64M\n");
	assert_one_error(r, 2, "missing key before '='");
}

static void test_empty_values(void **state)
{
	(void)state;
	int r = parse("[hypervisor]\n"
		      "memory =\n"                 /* 2 */
		      "hostname =    # nothing\n"  /* 3 */
		      "[partition e]\n"            /* 4 */
		      "memory = 2M\n"
		      "image = \"\"\n");           /* 6 */
	assert_int_equal(r, 3);
	assert_error(2, "memory in [hypervisor] has no value");
	assert_error(3, "hostname in [hypervisor] has no value");
	assert_error(6, "image in [partition e] has no value");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	int r = parse("[hypervisor]\nmem = 1\n[partition web]\nmemmory = 256M\nmemory = 256M\n"
		      "image = w.elf\ncpus_list = 0\n");
	assert_int_equal(r, 3);
	assert_error(2, "unknown key 'mem' in [hypervisor]");
	assert_error(4, "unknown key 'memmory' in [partition web]");
	assert_error(7, "unknown key 'cpus_list' in [partition web]");
	/* Partition-only keys are unknown in [hypervisor], and vice versa. */
	r = parse("[hypervisor]\nimage = x.elf\n" PART_OK "baud = 9600\n");
	assert_int_equal(r, 2);
	assert_error(2, "unknown key 'image' in [hypervisor]");
	assert_error(6, "unknown key 'baud' in [partition p]");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	int r = parse("[hypervisor]\nbaud = 9600\n\nBAUD = 19200\n"
		      PART_OK "memory = 128M\n");
	assert_int_equal(r, 2);
	assert_error(4, "baud is set twice in [hypervisor] (first at line 2)");
	assert_error(8, "memory is set twice in [partition p] (first at line 6)");
	assert_int_equal(cfg.hv.baud, 9600);
	assert_int_equal(cfg.partitions[0].memory, 64 * MIB);
	/* The same key in two different sections is fine. */
	assert_no_errors(parse("[hypervisor]\nmemory = 32M\n" PART_OK));
}

/* ---- sizes --------------------------------------------------------------------------------- */

static void test_size_table(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint64_t value;
	} good[] = {
		{ "0", 0 },
		{ "2097152", 2097152 },
		{ "64M", 64 * MIB },
		{ "64MiB", 64 * MIB },
		{ "64MB", 64 * MIB },
		{ "64mib", 64 * MIB },
		{ "64m", 64 * MIB },
		{ "512k", 512 * 1024 },
		{ "512KiB", 512 * 1024 },
		{ "1G", 1ull << 30 },
		{ "1gb", 1ull << 30 },
		{ "2T", 2ull << 40 },
		{ "1 G", 1ull << 30 },
		{ "  256M  ", 256 * MIB },
		{ "4096B", 4096 },
		{ "007M", 7 * MIB },
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215T", 16777215ull << 40 },
		{ "17179869183G", 17179869183ull << 30 },
	};
	static const char *const bad[] = {
		"", "   ", "-1", "-64M", "abc", "lots", "M", "1.5G", "0.5", "1,5G", "64X",
		"64MiBs", "64 M B", "64iB", "0x100", "1e6", "+5", "64M 3", "6 4M",
		"18446744073709551616", "99999999999999999999999", "16777216T", "17179869184G",
		"64M#", "64 KK",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		uint64_t v = 12345;
		if (config_parse_size(good[i].text, &v) != 0)
			fail_msg("'%s' should be a good size", good[i].text);
		if (v != good[i].value)
			fail_msg("'%s' gave %llu", good[i].text, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t v = 12345;
		if (config_parse_size(bad[i], &v) != -1)
			fail_msg("'%s' should be a bad size", bad[i]);
		assert_int_equal(v, 12345);     /* untouched on failure */
	}
	assert_int_equal(config_parse_size(NULL, NULL), -1);
}

static void test_bad_size_messages(void **state)
{
	(void)state;
	int r = parse("[partition p]\nmemory = lots\nimage = p.elf\n");
	assert_one_error(r, 2, "bad size 'lots' for memory (use a number with K, M or G, e.g. 256M)");
	assert_string_equal(errs.list[0].message,
			    "bad size 'lots' for memory (use a number with K, M or G, e.g. 256M)");

	r = parse("[partition p]\nmemory = 1.5G\nimage = p.elf\n");
	assert_one_error(r, 2, "no fractions");
	r = parse("[partition p]\nmemory = -2M\nimage = p.elf\n");
	assert_one_error(r, 2, "cannot be negative");
	r = parse("[partition p]\nmemory = 99999999999T\nimage = p.elf\n");
	assert_one_error(r, 2, "too large");
	r = parse("[hypervisor]\nmemory = 64Q\n");
	assert_one_error(r, 2, "bad size '64Q' for memory");
}

static void test_partition_memory_rules(void **state)
{
	(void)state;
	int r = parse("[partition a]\nmemory = 1M\nimage = a.elf\n"
		      "[partition b]\nmemory = 255M\nimage = b.elf\n"
		      "[partition c]\nmemory = 0\nimage = c.elf\n"
		      "[partition d]\nmemory = 2097152\nimage = d.elf\n");
	assert_int_equal(r, 3);
	assert_error(2, "memory '1M' of [partition a] is less than the minimum of 2 MiB");
	assert_error(5, "memory '255M' of [partition b] is not a multiple of 2 MiB");
	assert_error(8, "less than the minimum");
	assert_int_equal(cfg.partitions[3].memory, 2 * MIB);
	/* A bad memory line is not also reported as a missing one. */
	assert_null(find_error(1, "no memory"));
}

static void test_hypervisor_memory_rules(void **state)
{
	(void)state;
	int r = parse("[hypervisor]\nmemory = 8M\n");
	assert_one_error(r, 2, "hypervisor memory '8M' is less than the minimum of 16 MiB");
	r = parse("[hypervisor]\nmemory = 2G\n");
	assert_one_error(r, 2, "hypervisor memory '2G' is more than the maximum of 1024 MiB");
	r = parse("[hypervisor]\nmemory = 33M\n");
	assert_one_error(r, 2, "hypervisor memory '33M' is not a multiple of 2 MiB");
	assert_int_equal(cfg.hv.memory, HV_RESERVE_DEFAULT);
	assert_int_equal(cfg.hv.memory_line, 0);

	assert_no_errors(parse("[hypervisor]\nmemory = 16M\n"));
	assert_int_equal(cfg.hv.memory, HV_RESERVE_MIN);
	assert_no_errors(parse("[hypervisor]\nmemory = 1G\n"));
	assert_int_equal(cfg.hv.memory, HV_RESERVE_MAX);
	assert_int_equal(cfg.hv.memory_line, 2);
}

/* ---- hypervisor values ---------------------------------------------------------------------- */

static void test_serial(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint16_t port;
	} good[] = {
		{ "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "COM4", 0x2e8 },
		{ "0x3f8", 0x3f8 }, { "0X2F8", 0x2f8 }, { "1016", 0x3f8 }, { "0xfff8", 0xfff8 },
	};
	static const char *const bad[] = {
		"com5", "com0", "ttyS0", "0x0", "0", "0x", "0xfff9", "0x10000", "-1", "3f8", "0x3g8",
	};
	char text[128];
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nserial = %s\n", good[i].text);
		assert_no_errors(parse(text));
		assert_int_equal(cfg.hv.serial_port, good[i].port);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nserial = %s\n", bad[i]);
		int r = parse(text);
		assert_one_error(r, 2, "bad serial port");
		assert_int_equal(cfg.hv.serial_port, 0x3f8);
	}
	int r = parse("[hypervisor]\nserial = com5\n");
	assert_one_error(r, 2, "bad serial port 'com5' (use com1 to com4");
}

static void test_baud(void **state)
{
	(void)state;
	static const uint32_t good[] = { 115200, 57600, 38400, 19200, 9600, 4800, 2400, 1200, 300,
					 50, 1 };
	static const char *const bad[] = { "9601", "0", "230400", "fast", "-9600", "9600bps",
					   "0x2580", "99999999999999999999999" };
	char text[128];
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nbaud = %u\n", good[i]);
		assert_no_errors(parse(text));
		assert_int_equal(cfg.hv.baud, good[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nbaud = %s\n", bad[i]);
		int r = parse(text);
		assert_one_error(r, 2, "must divide 115200 exactly");
		assert_int_equal(cfg.hv.baud, 115200);
	}
}

static void test_hostname(void **state)
{
	(void)state;
	char text[256], name[80];
	memset(name, 'h', sizeof name);
	name[CONFIG_HOSTNAME_MAX - 1] = '\0';           /* 63: the longest allowed */
	snprintf(text, sizeof text, "[hypervisor]\nhostname = %s\n", name);
	assert_no_errors(parse(text));
	assert_string_equal(cfg.hv.hostname, name);

	name[CONFIG_HOSTNAME_MAX - 1] = 'h';
	name[CONFIG_HOSTNAME_MAX] = '\0';               /* 64: one too many */
	snprintf(text, sizeof text, "[hypervisor]\nhostname = %s\n", name);
	int r = parse(text);
	assert_one_error(r, 2, "hostname is too long (64 characters; at most 63)");
	assert_string_equal(cfg.hv.hostname, "bulkhead");

	static const char *const bad[] = { "my_host", "a b", "\"a b\"", "host!", "caf\xc3\xa9" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nhostname = %s\n", bad[i]);
		r = parse(text);
		assert_one_error(r, 2, "bad hostname");
	}
	assert_no_errors(parse("[hypervisor]\nhostname = A-1.b\n"));
	assert_string_equal(cfg.hv.hostname, "A-1.b");
}

static void test_log_level_and_on_stop(void **state)
{
	(void)state;
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	static const char *const actions[] = { "poweroff", "halt", "reboot" };
	char text[128];
	for (int i = 0; i < 4; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nlog_level = %s\n", levels[i]);
		assert_no_errors(parse(text));
		assert_int_equal(cfg.hv.log_level, i);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(text, sizeof text, "[hypervisor]\non_stop = %s\n", actions[i]);
		assert_no_errors(parse(text));
		assert_int_equal(cfg.hv.on_stop, i);
	}
	int r = parse("[hypervisor]\nlog_level = verbose\non_stop = explode\n");
	assert_int_equal(r, 2);
	assert_error(2, "bad log_level 'verbose' (use error, warn, info or debug)");
	assert_error(3, "bad on_stop 'explode' (use poweroff, halt or reboot)");
	assert_int_equal(cfg.hv.log_level, LOG_INFO);
	assert_int_equal(cfg.hv.on_stop, STOP_POWEROFF);
}

static void test_console_escape(void **state)
{
	(void)state;
	assert_no_errors(parse("[hypervisor]\n"));
	assert_int_equal(cfg.hv.escape, 0x1d);                   /* default Ctrl-] */
	assert_no_errors(parse("[hypervisor]\nescape = ctrl-a\n"));
	assert_int_equal(cfg.hv.escape, 0x01);
	assert_no_errors(parse("[hypervisor]\nescape = CTRL-Q\n"));
	assert_int_equal(cfg.hv.escape, 0x11);
	assert_no_errors(parse("[hypervisor]\nescape = ctrl-^\n"));
	assert_int_equal(cfg.hv.escape, 0x1e);
	/* Bytes the shell or the terminal needs are refused, as is anything not ctrl-X. */
	static const char *const bad[] = { "ctrl-c", "ctrl-m", "ctrl-[", "ctrl-u", "ctrl-h",
					   "ctrl-1", "ctrl-", "q", "0x1d", "ctrl-]]" };
	char text[96];
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nescape = %s\n", bad[i]);
		int r = parse(text);
		assert_one_error(r, 2, "bad escape");
		assert_int_equal(cfg.hv.escape, 0x1d);
	}
}

/* ---- partition values ------------------------------------------------------------------- */

static void test_booleans(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool value;
	} table[] = {
		{ "yes", true }, { "no", false }, { "true", true }, { "false", false },
		{ "on", true }, { "off", false }, { "1", true }, { "0", false }, { "YES", true },
		{ "False", false },
	};
	char text[160];
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		snprintf(text, sizeof text, PART_OK "privileged = %s\nautostart = %s\n",
			 table[i].text, table[i].text);
		assert_no_errors(parse(text));
		assert_int_equal(cfg.partitions[0].privileged, table[i].value);
		assert_int_equal(cfg.partitions[0].autostart, table[i].value);
	}
	static const char *const bad[] = { "maybe", "y", "2", "yess", "enabled" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, PART_OK "autostart = %s\n", bad[i]);
		int r = parse(text);
		assert_one_error(r, 4, "for autostart (use yes or no)");
		assert_true(cfg.partitions[0].autostart);
	}
}

static void test_type(void **state)
{
	(void)state;
	assert_no_errors(parse(PART_OK "type = linux\n"));
	assert_int_equal(cfg.partitions[0].type, PARTITION_LINUX);
	assert_no_errors(parse(PART_OK "type = ELF\n"));
	assert_int_equal(cfg.partitions[0].type, PARTITION_ELF);
	int r = parse(PART_OK "type = bzimage\n");
	assert_one_error(r, 4, "bad type 'bzimage' (use elf, linux or multiboot)");
}

static void test_cpu_list_table(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint64_t mask;
	} good[] = {
		{ "0", 0x1 }, { "0,2", 0x5 }, { "1-3", 0xe }, { "0-1,4", 0x13 },
		{ "63", 1ull << 63 }, { "0-63", UINT64_MAX }, { " 1 , 2 ", 0x6 }, { "2-2", 0x4 },
		{ "0,0", 0x1 }, { "1 - 3", 0xe }, { "5,1-2", 0x26 }, { "07", 0x80 },
	};
	static const char *const bad[] = {
		"", " ", ",", "0,", ",0", "0,,1", "3-1", "64", "0-64", "100", "a", "1-", "-1",
		"1-2-3", "0x1", "1 2", "1;2", "99999999999999999999", "1-a", "all",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		uint64_t m = 777;
		if (config_parse_cpu_list(good[i].text, &m) != 0)
			fail_msg("'%s' should be a good cpu list", good[i].text);
		if (m != good[i].mask)
			fail_msg("'%s' gave %#llx", good[i].text, (unsigned long long)m);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t m = 777;
		if (config_parse_cpu_list(bad[i], &m) != -1)
			fail_msg("'%s' should be a bad cpu list", bad[i]);
		assert_int_equal(m, 777);
	}
	assert_int_equal(config_parse_cpu_list(NULL, NULL), -1);
}

static void test_cpu_list_messages(void **state)
{
	(void)state;
	int r = parse("[partition a]\nmemory = 2M\nimage = a.elf\ncpus = 0,,2\n"
		      "[partition b]\nmemory = 2M\nimage = b.elf\ncpus = 3-1\n"
		      "[partition c]\nmemory = 2M\nimage = c.elf\ncpus = 2,64\n"
		      "[partition d]\nmemory = 2M\nimage = d.elf\ncpus = first\n");
	assert_int_equal(r, 4);
	assert_error(4, "bad cpu list '0,,2' for cpus (empty element");
	assert_error(8, "bad cpu list '3-1' for cpus (range 3-1 is backwards)");
	assert_error(12, "(CPU 64 is too high; the limit is 63)");
	assert_error(16, "bad cpu list 'first'");
	assert_int_equal(cfg.partitions[0].cpus, 1);          /* the default stays */
	assert_int_equal(cfg.partitions[0].cpus_line, 0);
}

static void test_image_and_initrd_names(void **state)
{
	(void)state;
	char text[512], name[200];

	memset(name, 'f', sizeof name);
	name[CONFIG_PATH_MAX - 1] = '\0';               /* 127: fits */
	snprintf(text, sizeof text, "[partition p]\nmemory = 2M\nimage = %s\n", name);
	assert_no_errors(parse(text));
	assert_string_equal(cfg.partitions[0].image, name);

	name[CONFIG_PATH_MAX - 1] = 'f';
	name[CONFIG_PATH_MAX] = '\0';                   /* 128: too long */
	snprintf(text, sizeof text, "[partition p]\nmemory = 2M\nimage = %s\n", name);
	int r = parse(text);
	assert_one_error(r, 3, "image is too long (128 characters; at most 127)");
	assert_string_equal(cfg.partitions[0].image, "");

	static const struct {
		const char *value, *why;
	} bad[] = {
		{ "\"my guest.elf\"", "cannot contain spaces" },
		{ "/EFI/web.elf", "must be relative" },
		{ "../web.elf", "'..' are not allowed" },
		{ "a/./b.elf", "'..' are not allowed" },
		{ "a//b.elf", "empty folder name" },
		{ "dir/", "empty folder name" },
		{ "EFI\\web.elf", "are not allowed; use /" },
		{ "web?.elf", "are not allowed" },
		{ "caf\xc3\xa9.elf", "ASCII" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[partition p]\nmemory = 2M\nimage = %s\n", bad[i].value);
		r = parse(text);
		assert_one_error(r, 3, bad[i].why);
		assert_error(3, "bad file name");
		snprintf(text, sizeof text, "[partition p]\nmemory = 2M\nimage = p\ntype = linux\n"
			 "initrd = %s\n", bad[i].value);
		r = parse(text);
		assert_one_error(r, 5, "for initrd");
	}
}

static void test_missing_memory_and_image(void **state)
{
	(void)state;
	int r = parse("[partition empty]\n"       /* 1 */
		      "cpus = 1\n"
		      "[partition noimg]\n"       /* 3 */
		      "memory = 64M\n"
		      "[partition nomem]\n"       /* 5 */
		      "image = x.elf\n");
	assert_int_equal(r, 4);
	assert_error(1, "[partition empty] has no memory size; add a line like 'memory = 256M'");
	assert_error(1, "[partition empty] has no image");
	assert_error(3, "[partition noimg] has no image");
	assert_error(5, "[partition nomem] has no memory size");
	/* Sorted by line. */
	assert_int_equal(errs.list[0].line, 1);
	assert_int_equal(errs.list[1].line, 1);
	assert_int_equal(errs.list[2].line, 3);
	assert_int_equal(errs.list[3].line, 5);
}

/* An initrd with type = elf parses (the partition is refused when it starts, alone); with the
 * OS types it names the initrd or module. */
static void test_initrd_with_each_type(void **state)
{
	(void)state;
	assert_no_errors(parse(PART_OK "initrd = p.cpio\n"));
	assert_int_equal(cfg.partitions[0].type, PARTITION_ELF);
	assert_string_equal(cfg.partitions[0].initrd, "p.cpio");
	/* The type may come after the initrd. */
	assert_no_errors(parse(PART_OK "initrd = p.cpio\ntype = linux\n"));
	assert_string_equal(cfg.partitions[0].initrd, "p.cpio");
	assert_no_errors(parse(PART_OK "initrd = mod.bin\ntype = multiboot\n"));
	assert_int_equal(cfg.partitions[0].type, PARTITION_MULTIBOOT);
	/* A bad type line is the one error: no guess about what type was meant. */
	int r = parse(PART_OK "initrd = p.cpio\ntype = linx\n");
	assert_one_error(r, 5, "bad type 'linx'");
}

static void test_cmdline(void **state)
{
	(void)state;
	assert_no_errors(parse(PART_OK "cmdline = console=ttyS0,115200 root=/dev/vda1 ro\n"));
	assert_string_equal(cfg.partitions[0].cmdline, "console=ttyS0,115200 root=/dev/vda1 ro");
	/* The longest a line allows still fits the field: no cut anywhere. */
	char text[512], cmd[300];
	size_t room = CONFIG_LINE_MAX - 1 - strlen("cmdline = ");
	memset(cmd, 'k', room);
	cmd[room] = '\0';
	snprintf(text, sizeof text, PART_OK "cmdline = %s\n", cmd);
	assert_no_errors(parse(text));
	assert_string_equal(cfg.partitions[0].cmdline, cmd);
}

/* ---- many errors ------------------------------------------------------------------------- */

static void test_many_errors_in_one_file(void **state)
{
	(void)state;
	int r = parse("memory = 64M\n"                 /* 1: outside any section */
		      "[hypervisor]\n"                 /* 2 */
		      "memory = 8M\n"                  /* 3: below minimum */
		      "baud = 100000\n"                /* 4: not a divisor */
		      "serial = com9\n"                /* 5 */
		      "[partition web]\n"              /* 6: no image (reported here) */
		      "memmory = 256M\n"               /* 7: unknown key */
		      "memory = 256M\n"                /* 8 */
		      "cpus = 2-1\n"                   /* 9: backwards */
		      "cpus = 0-\n"                    /* 10: twice (reported before its value) */
		      "privileged = perhaps\n"         /* 11 */
		      "[partition web]\n"              /* 12: duplicate name, also no memory */
		      "image = x.elf\n"                /* 13 */
		      "[bogus]\n"                      /* 14 */
		      "anything = at all\n"            /* 15: ignored */
		      "[partition ok]\n"               /* 16 */
		      "memory = 2M\n"                  /* 17 */
		      "image = ok.elf\n"               /* 18 */
		      "autostart = sometimes\n"        /* 19 */
		      "autostart = no\n");             /* 20: twice */
	static const struct {
		unsigned line;
		const char *needle;
	} expect[] = {
		{ 1, "outside any section" },
		{ 3, "less than the minimum of 16 MiB" },
		{ 4, "bad baud rate '100000'" },
		{ 5, "bad serial port 'com9'" },
		{ 6, "[partition web] has no image" },
		{ 7, "unknown key 'memmory' in [partition web]" },
		{ 9, "range 2-1 is backwards" },
		{ 10, "cpus is set twice in [partition web] (first at line 9)" },
		{ 11, "bad value 'perhaps' for privileged" },
		{ 12, "duplicate partition name 'web' (first at line 6)" },
		{ 12, "[partition web] has no memory size" },
		{ 14, "unknown section [bogus]" },
		{ 19, "bad value 'sometimes' for autostart" },
		{ 20, "autostart is set twice in [partition ok] (first at line 19)" },
	};
	size_t n = sizeof expect / sizeof expect[0];
	if ((size_t)r != n)
		dump_errors();
	assert_int_equal(r, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(errs.list[i].line, expect[i].line);
		assert_error(expect[i].line, expect[i].needle);
	}
	for (unsigned i = 1; i < errs.count; i++)
		assert_true(errs.list[i - 1].line <= errs.list[i].line);
}

static void test_error_overflow_counts_dropped(void **state)
{
	(void)state;
	char text[4096];
	size_t off = (size_t)snprintf(text, sizeof text, "[hypervisor]\n");
	for (int i = 0; i < 50; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "bad%d = 1\n", i);
	int r = parse(text);
	assert_int_equal(r, 50);
	assert_int_equal(errs.count, CONFIG_MAX_ERRORS);
	assert_int_equal(errs.dropped, 50 - CONFIG_MAX_ERRORS);
	assert_error(2, "unknown key 'bad0'");
	assert_error(CONFIG_MAX_ERRORS + 1, "unknown key 'bad31'");
	assert_null(find_error(CONFIG_MAX_ERRORS + 2, "bad32"));
}

/* ---- garbage ------------------------------------------------------------------------------ */

static uint32_t rng_state;
static uint32_t rng(void)
{
	/* xorshift32: fixed seed, same bytes on every run. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void check_errors_sane(void)
{
	for (unsigned i = 0; i < errs.count; i++) {
		assert_non_null(memchr(errs.list[i].message, '\0', sizeof errs.list[i].message));
		assert_true(errs.list[i].message[0] != '\0');
	}
	assert_true(cfg.partition_count <= MAX_PARTITIONS);
}

static void test_random_bytes(void **state)
{
	(void)state;
	static char buf[3000];
	rng_state = 0x2545f491;
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + rng() % sizeof buf;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)rng();
		/* Make sure there is something a text file never has. */
		buf[rng() % n] = '\0';
		int r = parse_n(buf, n);
		assert_true(r > 0);
		check_errors_sane();
		struct config_limits lim = { .ram_available = 1ull << 30, .cpu_count = 4 };
		config_validate(&cfg, &lim, &errs);
		check_errors_sane();
	}
}

static void test_random_config_tokens(void **state)
{
	(void)state;
	/* Plausible pieces in random order reach far deeper into the parser than raw bytes. */
	static const char *const tokens[] = {
		"[hypervisor]", "[partition a]", "[partition b]", "[partition ", "]", "[", "\n",
		"\r\n", " ", "\t", "=", "\"", "#", ";", "memory", "cpus", "image", "initrd",
		"cmdline", "type", "privileged", "autostart", "serial", "baud", "hostname",
		"log_level", "on_stop", "64M", "2M", "1.5G", "0-3", ",", "-", "63", "64", "x.elf",
		"../", "/", "linux", "elf", "yes", "no", "com1", "0x3f8", "9600", "debug", "halt",
		"abcdefghijabcdefghijabcdefghijabcdefghij", "\x01", "\xff",
	};
	static char buf[8192];
	rng_state = 0x9e3779b9;
	int with_errors = 0;
	for (int round = 0; round < 2000; round++) {
		size_t n = 0, want = rng() % 2000;
		while (n < want) {
			const char *t = tokens[rng() % (sizeof tokens / sizeof tokens[0])];
			size_t tn = strlen(t);
			if (n + tn > sizeof buf)
				break;
			memcpy(buf + n, t, tn);
			n += tn;
		}
		int r = parse_n(buf, n);
		with_errors += r > 0;
		check_errors_sane();
		struct config_limits lim = { .ram_available = rng(), .cpu_count = rng() % 70 };
		config_validate(&cfg, &lim, &errs);
		check_errors_sane();
	}
	assert_true(with_errors > 1000);
}

/* ---- validation ---------------------------------------------------------------------------- */

static const char two_partitions[] =
	"[partition web]\n"     /* 1 */
	"memory = 100M\n"       /* 2 */
	"cpus = 0-1\n"          /* 3 */
	"image = web.elf\n"     /* 4 */
	"[partition db]\n"      /* 5 */
	"memory = 200M\n"       /* 6 */
	"cpus = 2-3\n"          /* 7 */
	"image = db.elf\n";     /* 8 */

static void test_validate_clean(void **state)
{
	(void)state;
	assert_no_errors(parse(two_partitions));
	struct config_limits lim = { .ram_available = 300 * MIB, .cpu_count = 4 };
	assert_int_equal(config_validate(&cfg, &lim, &errs), 0);
	assert_int_equal(errs.count, 0);
	/* No partitions at all is fine too. */
	assert_no_errors(parse(""));
	assert_int_equal(config_validate(&cfg, &lim, &errs), 0);
}

static void test_validate_cpu_overlap(void **state)
{
	(void)state;
	assert_no_errors(parse("[partition web]\nmemory = 2M\nimage = w\ncpus = 0-2\n"
			       "[partition db]\nmemory = 2M\nimage = d\ncpus = 2-4\n"
			       "[partition log]\nmemory = 2M\nimage = l\ncpus = 5\n"));
	struct config_limits lim = { .ram_available = 1ull << 30, .cpu_count = 8 };
	assert_int_equal(config_validate(&cfg, &lim, &errs), 1);
	assert_error(8, "CPU 2 is used by both partitions 'web' and 'db'");
	assert_null(strstr(errs.list[0].message, "more"));

	/* More than one shared CPU is said so; defaulted cpus are reported at the section line. */
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\ncpus = 0-3\n"
			       "[partition b]\nmemory = 2M\nimage = b\n"
			       "[partition c]\nmemory = 2M\nimage = c\ncpus = 1-3\n"));
	assert_int_equal(config_validate(&cfg, &lim, &errs), 2);
	assert_error(5, "CPU 0 is used by both partitions 'a' and 'b'");
	assert_error(11, "CPU 1 (and 2 more) is used by both partitions 'a' and 'c'");
}

static void test_validate_cpu_count(void **state)
{
	(void)state;
	assert_no_errors(parse(two_partitions));
	struct config_limits lim = { .ram_available = 1ull << 30, .cpu_count = 3 };
	assert_int_equal(config_validate(&cfg, &lim, &errs), 1);
	assert_error(7, "partition 'db' uses CPU 3, but this machine has only CPUs 0-2");

	lim.cpu_count = 1;
	assert_no_errors(parse(two_partitions));
	assert_int_equal(config_validate(&cfg, &lim, &errs), 2);
	assert_error(3, "partition 'web' uses CPU 1, but this machine has only CPU 0");
	assert_error(7, "partition 'db' uses CPU 2");

	/* Unknown CPU count: no range check at all. */
	lim.cpu_count = 0;
	assert_no_errors(parse("[partition big]\nmemory = 2M\nimage = b\ncpus = 63\n"));
	assert_int_equal(config_validate(&cfg, &lim, &errs), 0);
	lim.cpu_count = 64;
	assert_int_equal(config_validate(&cfg, &lim, &errs), 0);
}

static void test_validate_memory(void **state)
{
	(void)state;
	assert_no_errors(parse("[partition a]\nmemory = 100M\nimage = a\ncpus = 0\n"   /* 1-4 */
			       "[partition b]\nmemory = 100M\nimage = b\ncpus = 1\n"   /* 5-8 */
			       "[partition c]\nmemory = 100M\nimage = c\ncpus = 2\n"));
	struct config_limits lim = { .ram_available = 180 * MIB, .cpu_count = 0 };
	assert_int_equal(config_validate(&cfg, &lim, &errs), 1);
	assert_int_equal(errs.list[0].line, 6);  /* b's memory line: 200 MiB > 180 MiB */
	assert_string_equal(errs.list[0].message,
			    "partitions need 300 MiB in all, but only 180 MiB of RAM is available "
			    "besides the hypervisor's reservation");

	/* Exactly enough is enough. */
	lim.ram_available = 300 * MIB;
	assert_no_errors(parse("[partition a]\nmemory = 100M\nimage = a\ncpus = 0\n"
			       "[partition b]\nmemory = 200M\nimage = b\ncpus = 1\n"));
	assert_int_equal(config_validate(&cfg, &lim, &errs), 0);

	/* Available RAM that is not whole MiB is rounded down in the message. */
	lim.ram_available = 299 * MIB + 12345;
	assert_int_equal(config_validate(&cfg, &lim, &errs), 1);
	assert_error(6, "partitions need 300 MiB in all, but only 299 MiB");

	/* No RAM at all: reported at the first partition. */
	lim.ram_available = 0;
	assert_no_errors(parse(two_partitions));
	assert_int_equal(config_validate(&cfg, &lim, &errs), 1);
	assert_error(2, "partitions need 300 MiB in all, but only 0 MiB");
}

static void test_validate_memory_saturates(void **state)
{
	(void)state;
	/* A hand-built config whose sum would wrap around 2^64. */
	config_defaults(&cfg);
	memset(&errs, 0, sizeof errs);
	cfg.partition_count = 2;
	for (int i = 0; i < 2; i++) {
		cfg.partitions[i].memory = 1ull << 63;
		cfg.partitions[i].cpus = 1ull << i;
		cfg.partitions[i].line = 1 + (unsigned)i;
		snprintf(cfg.partitions[i].name, sizeof cfg.partitions[i].name, "h%d", i);
	}
	struct config_limits lim = { .ram_available = UINT64_MAX - 1, .cpu_count = 0 };
	assert_int_equal(config_validate(&cfg, &lim, &errs), 1);
	assert_error(2, "partitions need 17592186044416 MiB in all");
}

static void test_validate_privileged(void **state)
{
	(void)state;
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\ncpus = 0\nprivileged = yes\n"
			       "[partition b]\nmemory = 2M\nimage = b\ncpus = 1\n"
			       "[partition c]\nmemory = 2M\nimage = c\ncpus = 2\nprivileged = on\n"));
	struct config_limits lim = { .ram_available = 1ull << 30, .cpu_count = 4 };
	assert_int_equal(config_validate(&cfg, &lim, &errs), 1);
	assert_error(10, "partitions 'a' and 'c' are both privileged; only one may be");
	/* One is fine. */
	cfg.partitions[2].privileged = false;
	memset(&errs, 0, sizeof errs);
	assert_int_equal(config_validate(&cfg, &lim, &errs), 0);
}

static void test_validate_without_limits(void **state)
{
	(void)state;
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\n"
			       "[partition b]\nmemory = 2M\nimage = b\nprivileged = 1\n"
			       "[partition c]\nmemory = 2M\nimage = c\nprivileged = 1\ncpus = 60\n"));
	/* Machine checks are skipped; CPU 0 shared by defaults and privileged twice are not. */
	assert_int_equal(config_validate(&cfg, NULL, &errs), 2);
	assert_error(4, "CPU 0 is used by both partitions 'a' and 'b'");
	assert_error(8, "are both privileged");
}

static void test_validate_appends_and_drops(void **state)
{
	(void)state;
	/* Parse errors stay, validate's come after them. */
	int r = parse("[hypervisor]\nbogus = 1\n[partition a]\nmemory = 2M\nimage = a\n"
		      "[partition b]\nmemory = 2M\nimage = b\n");
	assert_int_equal(r, 1);
	assert_int_equal(config_validate(&cfg, NULL, &errs), 1);
	assert_int_equal(errs.count, 2);
	assert_error(2, "unknown key 'bogus'");
	assert_error(6, "CPU 0 is used by both partitions 'a' and 'b'");

	/* With the list full, validate's errors are counted as dropped, and still returned. */
	errs.count = CONFIG_MAX_ERRORS;
	errs.dropped = 5;
	assert_int_equal(config_validate(&cfg, NULL, &errs), 1);
	assert_int_equal(errs.count, CONFIG_MAX_ERRORS);
	assert_int_equal(errs.dropped, 6);
}

/* ---- CPU sharing and this version's CPU limits --------------------------------------------- */

/* config_validate appends; these tests validate one config several times, so each call starts
 * from an empty list and a message can only come from that call. */
static int validate(const struct config_limits *lim)
{
	memset(&errs, 0, sizeof errs);
	int r = config_validate(&cfg, lim, &errs);
	assert_int_equal(r, (int)(errs.count + errs.dropped));
	return r;
}

static void test_share_cpus_key(void **state)
{
	(void)state;
	assert_no_errors(parse(PART_OK));
	assert_false(cfg.partitions[0].share_cpus);             /* default: no */
	assert_int_equal(cfg.partitions[0].share_line, 0);

	assert_no_errors(parse(PART_OK "share_cpus = yes\n"));
	assert_true(cfg.partitions[0].share_cpus);
	assert_int_equal(cfg.partitions[0].share_line, 4);
	/* Any boolean spelling, any case, a trailing comment. */
	assert_no_errors(parse(PART_OK "Share_CPUs=ON   # time-share CPU 0\n"));
	assert_true(cfg.partitions[0].share_cpus);
	assert_no_errors(parse(PART_OK "share_cpus = 0\n"));
	assert_false(cfg.partitions[0].share_cpus);
	assert_int_equal(cfg.partitions[0].share_line, 4);

	/* Bad value, set twice, empty, and not a [hypervisor] key. */
	int r = parse(PART_OK "share_cpus = sometimes\n");
	assert_one_error(r, 4, "bad value 'sometimes' for share_cpus (use yes or no)");
	assert_false(cfg.partitions[0].share_cpus);
	r = parse(PART_OK "share_cpus = yes\nshare_cpus = no\n");
	assert_one_error(r, 5, "share_cpus is set twice in [partition p] (first at line 4)");
	r = parse(PART_OK "share_cpus =\n");
	assert_one_error(r, 4, "share_cpus in [partition p] has no value");
	r = parse("[hypervisor]\nshare_cpus = yes\n");
	assert_one_error(r, 2, "unknown key 'share_cpus' in [hypervisor]");
}

static void test_validate_share_cpus(void **state)
{
	(void)state;
	struct config_limits lim = { .ram_available = 1ull << 30, .cpu_count = 4 };
	/* Both say yes: no error, explicit or defaulted cpus alike. */
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\nshare_cpus = yes\n"
			       "[partition b]\nmemory = 2M\nimage = b\ncpus = 0\nshare_cpus = yes\n"));
	assert_int_equal(validate(&lim), 0);
	assert_int_equal(validate(NULL), 0);

	/* Only one says yes: still an error, with the hint, at the later partition. */
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\nshare_cpus = yes\n"
			       "[partition b]\nmemory = 2M\nimage = b\n"));
	assert_int_equal(validate(&lim), 1);
	assert_int_equal(errs.list[0].line, 5);
	assert_string_equal(errs.list[0].message,
			    "CPU 0 is used by both partitions 'a' and 'b' (set share_cpus = yes in "
			    "both to time-share it)");
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\nshare_cpus = no\n"
			       "[partition b]\nmemory = 2M\nimage = b\ncpus = 0\nshare_cpus = yes\n"));
	assert_int_equal(validate(&lim), 1);
	assert_error(8, "CPU 0 is used by both partitions 'a' and 'b' (set share_cpus = yes in "
		     "both to time-share it)");

	/* Pairwise: a and b share, c does not and collides with both. */
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\nshare_cpus = yes\n"   /* 1 */
			       "[partition b]\nmemory = 2M\nimage = b\nshare_cpus = yes\n"   /* 5 */
			       "[partition c]\nmemory = 2M\nimage = c\ncpus = 0-1\n"));      /* 9 */
	assert_int_equal(validate(&lim), 2);
	assert_error(12, "CPU 0 is used by both partitions 'a' and 'c'");
	assert_error(12, "CPU 0 is used by both partitions 'b' and 'c'");

	/* Sharing one CPU does not excuse another overlap: "(and N more)" is unchanged. */
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\ncpus = 0-3\n"
			       "[partition b]\nmemory = 2M\nimage = b\ncpus = 1-2\n"));
	assert_int_equal(validate(&lim), 1);
	assert_error(8, "CPU 1 (and 1 more) is used by both partitions 'a' and 'b' (set "
		     "share_cpus");
}

static void test_validate_vcpus(void **state)
{
	(void)state;
	struct config_limits lim = { .ram_available = 1ull << 30, .cpu_count = 16,
				     .runnable_cpus = 0xffff };
	/* An ELF guest runs one vCPU: listing several CPUs for it is refused on a machine. */
	assert_no_errors(parse(two_partitions));
	assert_int_equal(validate(&lim), 2);
	assert_int_equal(errs.list[0].line, 3);
	assert_string_equal(errs.list[0].message,
			    "partition 'web' lists 2 CPUs, but type elf runs one vCPU: list one CPU "
			    "(types linux and multiboot run one vCPU per CPU)");
	assert_error(7, "partition 'db' lists 2 CPUs");
	assert_int_equal(config_vcpu_count(&cfg.partitions[0]), 1);
	/* Without the machine's limits, no such check. */
	lim.runnable_cpus = 0;
	assert_int_equal(validate(&lim), 0);
	assert_int_equal(validate(NULL), 0);
	lim.runnable_cpus = 0xffff;

	/* An OS partition gets one vCPU per CPU listed, on those CPUs in order. */
	assert_no_errors(parse("[partition big]\nmemory = 2M\nimage = b\ntype = linux\n"
			       "cpus = 0,2,4-7\n"));
	assert_int_equal(validate(&lim), 0);
	assert_int_equal(config_vcpu_count(&cfg.partitions[0]), 6);
	assert_int_equal(config_vcpu_cpu(&cfg.partitions[0], 0), 0);
	assert_int_equal(config_vcpu_cpu(&cfg.partitions[0], 1), 2);
	assert_int_equal(config_vcpu_cpu(&cfg.partitions[0], 2), 4);
	assert_int_equal(config_vcpu_cpu(&cfg.partitions[0], 5), 7);

	/* vcpus = fewer leaves CPUs unused; more share the listed CPUs round robin. */
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\ntype = multiboot\n"
			       "cpus = 1-3\nvcpus = 2\n"
			       "[partition b]\nmemory = 2M\nimage = b\ntype = linux\ncpus = 4\n"
			       "vcpus = 3\n"));
	assert_int_equal(validate(&lim), 0);
	assert_int_equal(config_vcpu_count(&cfg.partitions[0]), 2);
	assert_int_equal(config_vcpu_cpu(&cfg.partitions[0], 1), 2);
	assert_int_equal(config_vcpu_count(&cfg.partitions[1]), 3);
	assert_int_equal(config_vcpu_cpu(&cfg.partitions[1], 2), 4);

	/* More CPUs than a partition can have vCPUs, without vcpus = to say fewer. */
	assert_no_errors(parse("[partition wide]\nmemory = 2M\nimage = w\ntype = linux\n"
			       "cpus = 0-8\n"));
	assert_int_equal(validate(&lim), 1);
	assert_error(5, "partition 'wide' lists 9 CPUs, one vCPU each, but a partition has at "
		     "most 8 vCPUs (set vcpus = 8 or fewer)");
	assert_no_errors(parse("[partition wide]\nmemory = 2M\nimage = w\ntype = linux\n"
			       "cpus = 0-8\nvcpus = 8\n"));
	assert_int_equal(validate(&lim), 0);

	/* An ELF partition asking for more than one vCPU, even without machine limits. */
	assert_no_errors(parse("[partition e]\nmemory = 2M\nimage = e\nvcpus = 2\n"));
	assert_int_equal(validate(NULL), 1);
	assert_error(4, "partition 'e' is type elf, which runs one vCPU (vcpus = 1); types linux "
		     "and multiboot run up to 8");

	/* Bad values of the key itself. */
	assert_int_equal(parse("[partition x]\nmemory = 2M\nimage = x\nvcpus = 0\n"), 1);
	assert_error(4, "bad vcpus '0' for [partition x] (a number from 1 to 8)");
	assert_int_equal(parse("[partition x]\nmemory = 2M\nimage = x\nvcpus = 9\n"), 1);
	assert_error(4, "bad vcpus '9' for [partition x] (a number from 1 to 8)");
	assert_int_equal(parse("[partition x]\nmemory = 2M\nimage = x\nvcpus = two\n"), 1);
	assert_error(4, "bad vcpus 'two' for [partition x] (a number from 1 to 8)");
}

static void test_validate_runnable_cpus(void **state)
{
	(void)state;
	struct config_limits lim = { .ram_available = 1ull << 30, .cpu_count = 8,
				     .runnable_cpus = 1 };
	/* This version: the boot CPU only. */
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\ncpus = 2\n"));
	assert_int_equal(validate(&lim), 1);
	assert_int_equal(errs.list[0].line, 4);
	assert_string_equal(errs.list[0].message,
			    "CPU 2 is not up (it did not start): partitions can run only on the boot "
			    "CPU (cpus = 0)");

	/* Several CPUs, some not runnable: both rules, on the cpus line, lowest CPU named. */
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\ncpus = 0,3-4\n"));
	assert_int_equal(validate(&lim), 2);
	assert_error(4, "partition 'a' lists 3 CPUs");
	assert_error(4, "CPU 3 is not up (it did not start): partitions can run only on the "
		     "boot CPU (cpus = 0)");

	/* Other masks are listed in config syntax. */
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\ncpus = 3\n"));
	lim.runnable_cpus = 0x13;       /* 0, 1, 4 */
	assert_int_equal(validate(&lim), 1);
	assert_error(4, "CPU 3 is not up (it did not start): partitions can run on CPUs 0-1,4");
	lim.runnable_cpus = 0x4;
	assert_int_equal(validate(&lim), 1);
	assert_error(4, "CPU 3 is not up (it did not start): partitions can run on CPU 2");
	assert_null(strstr(errs.list[0].message, "CPUs"));
	lim.runnable_cpus = 0xaaull | (1ull << 63);    /* 1, 3, 5, 7, 63 */
	lim.cpu_count = 0;
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\ncpus = 62\n"));
	assert_int_equal(validate(&lim), 1);
	assert_error(4, "CPU 62 is not up (it did not start): partitions can run on CPUs 1,3,5,7,63");
	lim.runnable_cpus = ~0ull;
	assert_int_equal(validate(&lim), 0);

	/* A CPU the machine does not have is reported once, as missing, not as unrunnable. */
	lim.cpu_count = 2;
	lim.runnable_cpus = 1;
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\ncpus = 5\n"));
	assert_int_equal(validate(&lim), 1);
	assert_error(4, "partition 'a' uses CPU 5, but this machine has only CPUs 0-1");

	/* Defaulted cpus (CPU 0) against a mask without CPU 0: the section line. */
	lim.cpu_count = 4;
	lim.runnable_cpus = 0x2;
	assert_no_errors(parse("[partition a]\nmemory = 2M\nimage = a\n"));
	assert_int_equal(validate(&lim), 1);
	assert_error(1, "CPU 0 is not up (it did not start): partitions can run on CPU 1");

	/* The privileged partition stays on the boot CPU, whatever else is up. */
	lim.runnable_cpus = 0x3;
	assert_no_errors(parse("[partition m]\nmemory = 2M\nimage = a\nprivileged = yes\n"
			       "cpus = 1\n"));
	assert_int_equal(validate(&lim), 1);
	assert_error(5, "partition 'm' is privileged: it runs on the boot CPU (cpus = 0)");
	assert_no_errors(parse("[partition m]\nmemory = 2M\nimage = a\nprivileged = yes\n"
			       "cpus = 0\n"));
	assert_int_equal(validate(&lim), 0);
}

static void test_validate_this_version_typical(void **state)
{
	(void)state;
	/* What this version is for: several one-vCPU partitions time-sharing the boot CPU. */
	struct config_limits lim = { .ram_available = 1ull << 30, .cpu_count = 4,
				     .runnable_cpus = 1 };
	assert_no_errors(parse("[partition a]\nmemory = 32M\nimage = a.elf\nshare_cpus = yes\n"
			       "[partition b]\nmemory = 32M\nimage = b.elf\ncpus = 0\n"
			       "share_cpus = yes\n"
			       "[partition c]\nmemory = 32M\nimage = c.elf\nshare_cpus = yes\n"));
	assert_int_equal(validate(&lim), 0);
	assert_int_equal(errs.count, 0);
}

/* ---- formatting and names ------------------------------------------------------------------ */

static void test_format_error(void **state)
{
	(void)state;
	struct config_error e = { .line = 12 };
	char buf[200];
	snprintf(e.message, sizeof e.message, "unknown key 'x' in [hypervisor]");
	int n = config_format_error(buf, sizeof buf, "bulkhead.cfg", &e);
	assert_string_equal(buf, "bulkhead.cfg:12: unknown key 'x' in [hypervisor]");
	assert_int_equal(n, (int)strlen(buf));

	e.line = 0;
	config_format_error(buf, sizeof buf, "default.cfg", &e);
	assert_string_equal(buf, "default.cfg: unknown key 'x' in [hypervisor]");

	/* Truncated like snprintf, and says how long it would have been. */
	char small[10];
	n = config_format_error(small, sizeof small, "default.cfg", &e);
	assert_string_equal(small, "default.c");
	assert_int_equal(n, (int)strlen("default.cfg: unknown key 'x' in [hypervisor]"));
	assert_int_equal(config_format_error(NULL, 0, "f", &e), (int)strlen("f: ") + 31);

	/* From a real parse. */
	assert_int_equal(parse("[hypervisor]\nbaud = 7\n"), 1);
	config_format_error(buf, sizeof buf, "bulkhead.cfg", &errs.list[0]);
	assert_string_equal(buf, "bulkhead.cfg:2: bad baud rate '7' (it must divide 115200 "
			    "exactly, e.g. 115200, 57600, 38400 or 9600)");
}

static void test_long_quoted_text_is_clipped(void **state)
{
	(void)state;
	/* An unknown 100-character key: the message keeps its tail and stays a string. */
	char text[256], key[120];
	memset(key, 'k', 100);
	key[100] = '\0';
	snprintf(text, sizeof text, "[partition abcdefghijabcdefghijabcdefghija]\nmemory = 2M\n"
		 "image = a\n%s = 1\n", key);
	int r = parse(text);
	assert_one_error(r, 4, "...' in [partition abcdefghijabcdefghijabcdefghija]");
}

static void test_cut_message_is_marked(void **state)
{
	(void)state;
	/* A bad 50-character name and a 47-character size value: too much for one message. */
	char text[256], name[64], spaces[64];
	memset(name, 'n', 50);
	name[50] = '\0';
	memset(spaces, ' ', 45);
	spaces[45] = '\0';
	snprintf(text, sizeof text, "[partition %s]\nimage = a\nmemory = 3%sM\n", name, spaces);
	int r = parse(text);
	assert_int_equal(r, 2);
	assert_error(1, "bad partition name");
	const struct config_error *e = find_error(3, "is not a multiple");
	if (!e) {
		/* The cut may fall before the explanation; the start must still be there. */
		e = find_error(3, "memory '3 ");
	}
	assert_non_null(e);
	assert_int_equal(strlen(e->message), sizeof e->message - 1);
	assert_string_equal(e->message + sizeof e->message - 4, "...");
}

static void test_enum_names(void **state)
{
	(void)state;
	assert_string_equal(config_log_level_name(LOG_ERROR), "error");
	assert_string_equal(config_log_level_name(LOG_WARN), "warn");
	assert_string_equal(config_log_level_name(LOG_INFO), "info");
	assert_string_equal(config_log_level_name(LOG_DEBUG), "debug");
	assert_string_equal(config_log_level_name((enum log_level)9), "?");
	assert_string_equal(config_stop_action_name(STOP_POWEROFF), "poweroff");
	assert_string_equal(config_stop_action_name(STOP_HALT), "halt");
	assert_string_equal(config_stop_action_name(STOP_REBOOT), "reboot");
	assert_string_equal(config_stop_action_name((enum stop_action)9), "?");
	assert_string_equal(config_partition_type_name(PARTITION_ELF), "elf");
	assert_string_equal(config_partition_type_name(PARTITION_LINUX), "linux");
	assert_string_equal(config_partition_type_name((enum partition_type)9), "?");
}

/* ---- changes onto a config, and a config back into text ------------------------------- */

static const char *const full_text =
	"[hypervisor]\nmemory = 96M\nhostname = rack4-07\nlog_level = warn\nserial = com2\n"
	"baud = 57600\non_stop = halt\nescape = ctrl-b\n"
	"[partition web]\nimage = linux/vmlinuz\ninitrd = linux/initrd.gz\ntype = linux\n"
	"cmdline = \"console=ttyS0 quiet # not a comment\"\nmemory = 1G\ncpus = 1-3,5\n"
	"vcpus = 2\nshare_cpus = yes\nautostart = no\n"
	"[partition mgmt]\nimage = mgmt.elf\nmemory = 16M\nprivileged = yes\n";

/* What config_write prints parses back into the same config, field by field. */
/* ---- the login: console_password and idle_logout ------------------------------------------ */

/* Made with Debian's argon2: printf %s 'correct horse' | argon2 bulkhead-unit-salt -id -t 1 -m 8 -e */
#define HASH_ID "$argon2id$v=19$m=256,t=1,p=1$YnVsa2hlYWQtdW5pdC1zYWx0$jDo1mz+ErWSP1LBXrKldVO8AJ6OCo1yGlPrT7cxvsy8"

static void test_console_password(void **state)
{
	(void)state;
	assert_no_errors(parse("[hypervisor]\n"));
	assert_string_equal(cfg.hv.console_password, "");
	assert_int_equal(cfg.hv.idle_logout, 600);
	assert_no_errors(parse("[hypervisor]\nconsole_password = " HASH_ID "\n"));
	assert_string_equal(cfg.hv.console_password, HASH_ID);
	assert_int_equal(cfg.hv.password_line, 2);
	assert_int_equal(config_argon2_memory_kib(cfg.hv.console_password), 256);
	/* The other two variants, and a hash without its version (Argon2 1.0). */
	assert_no_errors(parse("[hypervisor]\nconsole_password = $argon2i$v=19$m=64,t=2,p=2$c2FsdHNhbHQ$AAAAAAAA\n"));
	assert_no_errors(parse("[hypervisor]\nconsole_password = $argon2d$m=4096,t=3,p=1$c2FsdHNhbHQ$AAAA\n"));
	assert_int_equal(config_argon2_memory_kib(cfg.hv.console_password), 4096);
	/* A plain password, a cut paste, a wrong shape: refused, and never quoted back. */
	static const char *const bad[] = {
		"hunter2", "$argon2id$v=19$m=256,t=1,p=1$YnVsa2hlYWQtdW5pdC1zYWx0",
		"$argon2id$v=19$m=256,t=1,p=1$YnVsa2hlYWQtdW5pdC1zYWx0$", "$argon2x$m=1,t=1,p=1$a$b",
		"$argon2id$v=19$m=0,t=1,p=1$c2FsdA$AAAA", "$argon2id$v=19$t=1,m=8,p=1$c2FsdA$AAAA",
		"$argon2id$v=19$m=256,t=1,p=1$c2F sdA$AAAA", "$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdA$AAAA",
		"$argon2id$v=19$m=256,t=1,p=1$c2FsdA$AAAA$",
	};
	char text[256];
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nconsole_password = %s\n", bad[i]);
		int r = parse(text);
		assert_one_error(r, 2, "console_password is not an Argon2 hash");
		assert_null(strstr(errs.list[0].message, bad[i]));
		assert_int_equal(config_argon2_memory_kib(bad[i]), 0);
	}
	/* Longer than the field holds. */
	char longhash[300];
	snprintf(longhash, sizeof longhash, "[hypervisor]\nconsole_password = $argon2id$v=19$m=8,t=1,p=1$%0200d$AAAA\n", 0);
	assert_one_error(parse(longhash), 2, "console_password is not an Argon2 hash");
}

static void test_idle_logout(void **state)
{
	(void)state;
	static const struct { const char *v; uint32_t s; } good[] = {
		{ "90", 90 }, { "90s", 90 }, { "10m", 600 }, { "2h", 7200 }, { "0", 0 },
		{ "never", 0 }, { "off", 0 }, { "168h", 7 * 24 * 3600 },
	};
	char text[96];
	for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nidle_logout = %s\n", good[i].v);
		assert_no_errors(parse(text));
		assert_int_equal(cfg.hv.idle_logout, good[i].s);
	}
	static const char *const bad[] = { "10x", "m", "-5", "1.5m", "169h", "10 m", "99999999999" };
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "[hypervisor]\nidle_logout = %s\n", bad[i]);
		assert_one_error(parse(text), 2, "bad idle_logout");
		assert_int_equal(cfg.hv.idle_logout, 600);
	}
}

/* The shell checks the hash in the privileged partition, with the memory cost from its heap. */
static void test_console_password_memory(void **state)
{
	(void)state;
	static const char ok[] =
		"[hypervisor]\nconsole_password = $argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$AAAA\n"
		"[partition mgmt]\nmemory = 16M\nimage = mgmt.elf\nprivileged = yes\n";
	assert_no_errors(parse(ok));
	assert_int_equal(config_validate(&cfg, NULL, &errs), 0);
	static const char big[] =
		"[hypervisor]\nconsole_password = $argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$AAAA\n"
		"[partition mgmt]\nmemory = 16M\nimage = mgmt.elf\nprivileged = yes\n";
	assert_no_errors(parse(big));
	memset(&errs, 0, sizeof errs);
	int r = config_validate(&cfg, NULL, &errs);
	assert_one_error(r, 2, "console_password needs 64 MiB to check (m=65536), more than half of 'mgmt' (16 MiB)");
	/* The edge: exactly half is enough, one KiB more is not. */
	static const char half[] =
		"[hypervisor]\nconsole_password = $argon2id$v=19$m=8192,t=3,p=1$c2FsdHNhbHQ$AAAA\n"
		"[partition mgmt]\nmemory = 16M\nimage = mgmt.elf\nprivileged = yes\n";
	assert_no_errors(parse(half));
	memset(&errs, 0, sizeof errs);
	assert_int_equal(config_validate(&cfg, NULL, &errs), 0);
	static const char over[] =
		"[hypervisor]\nconsole_password = $argon2id$v=19$m=8193,t=3,p=1$c2FsdHNhbHQ$AAAA\n"
		"[partition mgmt]\nmemory = 16M\nimage = mgmt.elf\nprivileged = yes\n";
	assert_no_errors(parse(over));
	memset(&errs, 0, sizeof errs);
	assert_one_error(config_validate(&cfg, NULL, &errs), 2, "console_password needs 9 MiB to check (m=8193)");
	/* Without a privileged partition there is no shell to check it: nothing to say. */
	static const char noshell[] =
		"[hypervisor]\nconsole_password = $argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$AAAA\n" PART_OK;
	assert_no_errors(parse(noshell));
	memset(&errs, 0, sizeof errs);
	assert_int_equal(config_validate(&cfg, NULL, &errs), 0);
}

static void test_write_login_keys(void **state)
{
	(void)state;
	static char text[4096];
	assert_no_errors(parse("[hypervisor]\n"));
	config_write(&cfg, NULL, text, sizeof text);
	assert_null(strstr(text, "console_password"));      /* none set: left out, as in the file */
	assert_non_null(strstr(text, "idle_logout = 10m\n"));
	assert_no_errors(parse("[hypervisor]\nconsole_password = " HASH_ID "\nidle_logout = 2h\n"));
	struct config first = cfg;
	config_write(&first, NULL, text, sizeof text);
	assert_non_null(strstr(text, "console_password = " HASH_ID "\n"));
	assert_non_null(strstr(text, "idle_logout = 2h\n"));
	assert_no_errors(parse(text));
	assert_string_equal(cfg.hv.console_password, HASH_ID);
	assert_int_equal(cfg.hv.idle_logout, 7200);
	static const uint32_t spell[] = { 0, 45, 300, 3600, 3601 };
	static const char *const as[] = { "never", "45s", "5m", "1h", "3601s" };
	for (unsigned i = 0; i < 5; i++) {
		first.hv.idle_logout = spell[i];
		config_write(&first, NULL, text, sizeof text);
		char want[40];
		snprintf(want, sizeof want, "idle_logout = %s\n", as[i]);
		assert_non_null(strstr(text, want));
		assert_no_errors(parse(text));
		assert_int_equal(cfg.hv.idle_logout, spell[i]);
	}
}

static void test_file_only_change(void **state)
{
	(void)state;
	assert_no_errors(parse("[hypervisor]\n" PART_OK));
	struct config base = cfg;
	/* Every key `set` and a saved set may change: none is file-only. */
	static const char *const free_changes[] = {
		"[hypervisor]\nhostname = x\nmemory = 96M\nlog_level = debug\nescape = ctrl-b\nidle_logout = 1m\n",
		"[partition p]\nmemory = 128M\ncpus = 1\ncmdline = quiet\nautostart = no\nvcpus = 1\n",
	};
	for (unsigned i = 0; i < 2; i++) {
		cfg = base;
		assert_int_equal(config_parse_changes(free_changes[i], strlen(free_changes[i]), &cfg, &errs), 0);
		assert_null(config_file_only_change(&base, &cfg));
	}
	static const char *const free_keys[] = { "hostname", "memory", "log_level", "escape",
		"idle_logout", "cpus", "cmdline", "autostart", "vcpus", "nosuch", "" };
	for (unsigned i = 0; i < sizeof free_keys / sizeof free_keys[0]; i++)
		assert_false(config_key_is_file_only(free_keys[i]));
	static const struct { const char *text, *key; } fixed[] = {
		{ "[hypervisor]\nserial = com2\n", "serial" },
		{ "[hypervisor]\nbaud = 9600\n", "baud" },
		{ "[hypervisor]\non_stop = halt\n", "on_stop" },
		{ "[hypervisor]\nconsole_password = " HASH_ID "\n", "console_password" },
		{ "[partition p]\nimage = q.elf\n", "image" },
		{ "[partition p]\ninitrd = rd.img\n", "initrd" },
		{ "[partition p]\ntype = linux\n", "type" },
		{ "[partition p]\nprivileged = yes\n", "privileged" },
		{ "[partition p]\nshare_cpus = yes\n", "share_cpus" },
	};
	for (unsigned i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		cfg = base;
		assert_int_equal(config_parse_changes(fixed[i].text, strlen(fixed[i].text), &cfg, &errs), 0);
		const char *got = config_file_only_change(&base, &cfg);
		assert_non_null(got);
		assert_string_equal(got, fixed[i].key);
		/* ... and the shell knows it by that name. */
		assert_true(config_key_is_file_only(fixed[i].key));
	}
}

static void test_write_round_trip(void **state)
{
	(void)state;
	assert_int_equal(parse(full_text), 0);
	struct config first = cfg;
	static char text[8192];
	int n = config_write(&first, NULL, text, sizeof text);
	assert_true(n > 0 && (size_t)n < sizeof text);
	assert_int_equal((int)strlen(text), n);
	assert_non_null(strstr(text, "memory = 96M\n"));
	assert_non_null(strstr(text, "serial = com2\n"));
	assert_non_null(strstr(text, "escape = ctrl-b\n"));
	assert_non_null(strstr(text, "cmdline = \"console=ttyS0 quiet # not a comment\"\n"));
	assert_non_null(strstr(text, "cpus = 1-3,5\n"));
	assert_non_null(strstr(text, "memory = 1G\n"));
	if (parse(text)) {
		dump_errors();
		fail_msg("the written text does not parse:\n%s", text);
	}
	assert_int_equal(cfg.partition_count, 2);
	assert_true(cfg.hv.memory == first.hv.memory && cfg.hv.serial_port == first.hv.serial_port &&
		    cfg.hv.baud == first.hv.baud && cfg.hv.log_level == first.hv.log_level &&
		    cfg.hv.on_stop == first.hv.on_stop && cfg.hv.escape == first.hv.escape);
	assert_string_equal(cfg.hv.hostname, first.hv.hostname);
	for (unsigned i = 0; i < 2; i++) {
		const struct partition_config *a = &first.partitions[i], *b = &cfg.partitions[i];
		assert_string_equal(a->name, b->name);
		assert_string_equal(a->image, b->image);
		assert_string_equal(a->initrd, b->initrd);
		assert_string_equal(a->cmdline, b->cmdline);
		assert_true(a->memory == b->memory && a->cpus == b->cpus && a->vcpus == b->vcpus &&
			    a->type == b->type && a->share_cpus == b->share_cpus &&
			    a->privileged == b->privileged && a->autostart == b->autostart);
	}
	/* Cut short: the result still says how long the whole text is, and the cut is ended. */
	char small[16];
	assert_int_equal(config_write(&first, NULL, small, sizeof small), n);
	assert_int_equal(strlen(small), sizeof small - 1);
}

/* Changes land on the partition they name, keep the file's lines, add nothing. */
static void test_parse_changes(void **state)
{
	(void)state;
	assert_int_equal(parse(full_text), 0);
	struct config base = cfg;
	static const char changes[] =
		"[hypervisor]\nhostname = lab-2\n[partition WEB]\nmemory = 512M\ncpus = 4\n"
		"cmdline = \"\"\n";
	struct config next = base;
	assert_int_equal(config_parse_changes(changes, sizeof changes - 1, &next, &errs), 0);
	assert_string_equal(next.hv.hostname, "lab-2");
	assert_int_equal(next.partition_count, 2);
	assert_true(next.partitions[0].memory == 512ull << 20);
	assert_true(next.partitions[0].cpus == 1u << 4);
	assert_string_equal(next.partitions[0].cmdline, "");
	assert_int_equal(next.partitions[0].memory_line, base.partitions[0].memory_line);
	assert_int_equal(next.partitions[1].memory, base.partitions[1].memory);
	assert_string_equal(next.partitions[0].image, base.partitions[0].image);

	/* Written as changes against the file, they are the same three keys and one host key,
	 * and they parse back onto the file into the same config. */
	static char text[2048];
	struct config_write_options only = { .only_changes_from = &base };
	config_write(&next, &only, text, sizeof text);
	assert_string_equal(text, "[hypervisor]\nhostname = lab-2\n\n[partition web]\n"
			    "cmdline = \"\"\nmemory = 512M\ncpus = 4\n");
	struct config again = base;
	assert_int_equal(config_parse_changes(text, strlen(text), &again, &errs), 0);
	assert_true(again.partitions[0].memory == next.partitions[0].memory &&
		    again.partitions[0].cpus == next.partitions[0].cpus);

	/* No changes: no text at all. */
	assert_int_equal(config_write(&base, &only, text, sizeof text), 0);
	assert_string_equal(text, "");
}

/* The file's own error texts for bad changes, and a name that is not there. */
static void test_parse_changes_errors(void **state)
{
	(void)state;
	assert_int_equal(parse(full_text), 0);
	struct config next = cfg;
	static const char bad[] =
		"[partition db]\nmemory = 64M\n[partition web]\nmemory = 3M\ncpus = 3-1\n"
		"[hypervisor]\nhostname = bad_name\nmemory = 2M\n";
	assert_int_equal(config_parse_changes(bad, sizeof bad - 1, &next, &errs), 5);
	assert_error(1, "no partition named 'db' (partitions are added in bulkhead.cfg)");
	assert_error(4, "memory '3M' of [partition web] is not a multiple of 2 MiB");
	assert_error(5, "bad cpu list '3-1' for cpus (range 3-1 is backwards)");
	assert_error(7, "bad hostname 'bad_name'");
	assert_error(8, "hypervisor memory '2M' is less than the minimum of 16 MiB");
	/* A change section needs no image or memory. */
	struct config again = cfg;
	static const char one[] = "[partition mgmt]\nautostart = no\n";
	assert_int_equal(config_parse_changes(one, sizeof one - 1, &again, &errs), 0);
	assert_false(again.partitions[1].autostart);
}

/* Pending values are marked with what is in force now, and when they take effect. */
static void test_write_marks_pending(void **state)
{
	(void)state;
	assert_int_equal(parse(full_text), 0);
	struct config now = cfg, next = cfg;
	next.hv.memory = 128ull << 20;
	next.partitions[0].memory = 2ull << 30;
	static char text[8192];
	struct config_write_options mark = { .mark_changes_from = &now };
	config_write(&next, &mark, text, sizeof text);
	assert_non_null(strstr(text, "[hypervisor]\nmemory = 128M    # pending until the next boot "
			       "(in force: 96M)\n"));
	assert_non_null(strstr(text, "memory = 2G    # pending until its next start (in force: 1G)\n"));
	assert_non_null(strstr(text, "\nhostname = rack4-07\n"));
	assert_int_equal(parse(text), 0);   /* the marks are comments */
	assert_true(cfg.hv.memory == 128ull << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_defaults_function),
		cmocka_unit_test(test_empty_file_is_valid),
		cmocka_unit_test(test_comments_only_is_valid),
		cmocka_unit_test(test_empty_hypervisor_section),
		cmocka_unit_test(test_partition_defaults),
		cmocka_unit_test(test_parse_resets_previous_results),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_whitespace_and_case),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_hash_without_blank_is_part_of_value),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_quoted_empty_cmdline_allowed),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_text_after_closing_quote),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_utf8_bom_skipped),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_long_value_line_not_truncated),
		cmocka_unit_test(test_long_header_line_skips_section),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_text_too_large),
		cmocka_unit_test(test_key_outside_section),
		cmocka_unit_test(test_malformed_section_headers),
		cmocka_unit_test(test_unknown_section_keys_skipped),
		cmocka_unit_test(test_hypervisor_twice),
		cmocka_unit_test(test_bad_partition_names),
		cmocka_unit_test(test_bad_partition_name_keys_still_checked),
		cmocka_unit_test(test_missing_partition_name),
		cmocka_unit_test(test_duplicate_partition_name),
		cmocka_unit_test(test_too_many_partitions),
		cmocka_unit_test(test_line_without_equals),
		cmocka_unit_test(test_empty_key),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_size_table),
		cmocka_unit_test(test_bad_size_messages),
		cmocka_unit_test(test_partition_memory_rules),
		cmocka_unit_test(test_hypervisor_memory_rules),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_baud),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_log_level_and_on_stop),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_cpu_list_table),
		cmocka_unit_test(test_cpu_list_messages),
		cmocka_unit_test(test_image_and_initrd_names),
		cmocka_unit_test(test_missing_memory_and_image),
		cmocka_unit_test(test_initrd_with_each_type),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_many_errors_in_one_file),
		cmocka_unit_test(test_error_overflow_counts_dropped),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_random_config_tokens),
		cmocka_unit_test(test_validate_clean),
		cmocka_unit_test(test_validate_cpu_overlap),
		cmocka_unit_test(test_validate_cpu_count),
		cmocka_unit_test(test_validate_memory),
		cmocka_unit_test(test_validate_memory_saturates),
		cmocka_unit_test(test_validate_privileged),
		cmocka_unit_test(test_validate_without_limits),
		cmocka_unit_test(test_validate_appends_and_drops),
		cmocka_unit_test(test_share_cpus_key),
		cmocka_unit_test(test_validate_share_cpus),
		cmocka_unit_test(test_validate_vcpus),
		cmocka_unit_test(test_validate_runnable_cpus),
		cmocka_unit_test(test_validate_this_version_typical),
		cmocka_unit_test(test_format_error),
		cmocka_unit_test(test_long_quoted_text_is_clipped),
		cmocka_unit_test(test_cut_message_is_marked),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_console_escape),
		cmocka_unit_test(test_console_password),
		cmocka_unit_test(test_idle_logout),
		cmocka_unit_test(test_console_password_memory),
		cmocka_unit_test(test_write_login_keys),
		cmocka_unit_test(test_file_only_change),
		cmocka_unit_test(test_write_round_trip),
		cmocka_unit_test(test_parse_changes),
		cmocka_unit_test(test_parse_changes_errors),
		cmocka_unit_test(test_write_marks_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
