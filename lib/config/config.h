/*
 * bulkhead.cfg: the parsed form of the administrator's configuration and the functions that
 * produce, check and print it. The text is INI-style (see README "Configuration"): a
 * [hypervisor] section and one [partition NAME] section per partition. It lives in lib/ because
 * three programs need it: the UEFI loader (what to load, how much to reserve, saved changes on
 * top of the file), the kernel (the config against the CPUs it found, the settings the shell
 * changes) and the management shell (`set` takes exactly the file's spellings and gives the
 * file's error texts). Split by use: parse.c (text into a config, or changes onto one),
 * validate.c (a whole config against the machine), write.c (a config back into text),
 * messages.c (errors and value names). All of it is pure: no allocation, no global state, no
 * floating point, only caller-provided structs. Every check collects every error rather than
 * stopping at the first, so an administrator fixes a broken file in one round trip.
 */
#ifndef BULKHEAD_CONFIG_H
#define BULKHEAD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "param.h"

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };
enum stop_action { STOP_POWEROFF = 0, STOP_HALT, STOP_REBOOT };
enum partition_type { PARTITION_ELF = 0, PARTITION_LINUX, PARTITION_MULTIBOOT };

/* Base I/O ports of the four legacy serial ports, as the names com1..com4 mean them. */
#define CONFIG_COM1_PORT        0x3f8
#define CONFIG_COM2_PORT        0x2f8
#define CONFIG_COM3_PORT        0x3e8
#define CONFIG_COM4_PORT        0x2e8

/* 115200 / baud is the 16550 divisor latch value, so only exact divisors are usable. */
#define CONFIG_BAUD_BASE        115200u

#define CONFIG_ERROR_MESSAGE_MAX 128

struct hv_config {
	uint64_t memory;                /* bytes reserved for the hypervisor itself */
	uint16_t serial_port;           /* 16550 base I/O port */
	uint32_t baud;
	char hostname[CONFIG_HOSTNAME_MAX];
	enum log_level log_level;
	enum stop_action on_stop;
	uint8_t escape;                 /* console escape byte: Ctrl-] (0x1d) unless `escape =` */
	/* The shell's login: an Argon2 encoded hash ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"),
	 * "" for none (the console is open), and seconds without input before a session is
	 * logged out (0: never). */
	char console_password[CONFIG_PASSWORD_HASH_MAX];
	uint32_t idle_logout;
	unsigned memory_line;           /* line of the memory key, 0 if defaulted */
	unsigned password_line;
};

struct partition_config {
	char name[PARTITION_NAME_MAX];
	uint64_t memory;                /* bytes, a multiple of PARTITION_MEM_ALIGN */
	uint64_t cpus;                  /* bit n = CPU n */
	char image[CONFIG_PATH_MAX];    /* relative to the folder holding bulkhead.cfg */
	char initrd[CONFIG_PATH_MAX];   /* "" if none */
	char cmdline[CONFIG_CMDLINE_MAX];
	enum partition_type type;
	bool privileged;
	bool autostart;
	bool share_cpus;                /* may time-share CPUs with other share_cpus partitions */
	/* vCPUs; 0: one per CPU in `cpus` (one for type elf: config_vcpu_count). vCPU i runs on the (i mod n)-th
	 * of the n CPUs listed (config_vcpu_cpu). */
	unsigned vcpus;
	unsigned line, memory_line, cpus_line, image_line;  /* where each was set; 0 if not */
	unsigned share_line, vcpus_line;
};

struct config {
	struct hv_config hv;
	unsigned partition_count;
	struct partition_config partitions[MAX_PARTITIONS];
};

struct config_error {
	unsigned line;                  /* 1-based; 0: not tied to a line */
	char message[CONFIG_ERROR_MESSAGE_MAX];
};

struct config_errors {
	unsigned count;                 /* entries used in list */
	unsigned dropped;               /* further errors found but not kept */
	struct config_error list[CONFIG_MAX_ERRORS];
};

struct config_limits {
	uint64_t ram_available;         /* bytes all partitions together may have */
	unsigned cpu_count;             /* 0 = unknown, skip CPU range check */
	/* CPUs that partitions can run on (bit n = CPU n: the CPUs that came up); 0 = unknown:
	 * skip this check, which depends on the boot rather than on the file. */
	uint64_t runnable_cpus;
};

/* A partition's vCPU count, and the physical CPU its vCPU i runs on. */
unsigned config_vcpu_count(const struct partition_config *pc);
unsigned config_vcpu_cpu(const struct partition_config *pc, unsigned i);

/* Fills cfg with the built-in defaults and no partitions. */
void config_defaults(struct config *cfg);

/* Parses text (len bytes, need not be NUL-terminated; embedded NULs are an error). Collects EVERY
 * error (keeps going line by line), returns the number of errors found (errs->count + dropped).
 * errs is reset first. cfg is only meaningful when the result is 0. */
int config_parse(const char *text, size_t len, struct config *cfg, struct config_errors *errs);

/* Applies changes written in the same syntax onto cfg, which holds a parsed config: a
 * [partition NAME] section must name one of its partitions (none is added), no key is
 * required, and where values were set (the *_line fields) stays as the file had it. Errors as
 * for config_parse, with lines of the changes' text. cfg is changed as the lines are read, so
 * parse onto a copy and keep it only when the result is 0. */
int config_parse_changes(const char *text, size_t len, struct config *cfg,
			 struct config_errors *errs);

/* Cross-checks a parsed config against the machine; appends errors; returns errors added.
 * lim may be NULL to check only what does not depend on the machine. */
int config_validate(const struct config *cfg, const struct config_limits *lim, struct config_errors *errs);

/* The first key that only bulkhead.cfg may set (serial, baud, on_stop, console_password,
 * image, initrd, type, privileged, share_cpus) whose value differs between a and b, which hold
 * the same partitions; NULL if none. The shell's `set` and a saved set may change everything
 * else; the kernel refuses a change, and the loader a saved set, that changes one of these. */
const char *config_file_only_change(const struct config *a, const struct config *b);
/* Whether key names one of those keys (the shell refuses `set` of it by name, with the file's
 * reason, rather than as an unknown key). */
bool config_key_is_file_only(const char *key);

/* The memory cost of an Argon2 encoded hash in KiB (its m= parameter), or 0 if hash is not
 * one (config_parse refuses those). */
uint32_t config_argon2_memory_kib(const char *hash);

/* "64M", "1GiB", "2097152"... into bytes. 0 ok, -1 bad (*out untouched). */
int config_parse_size(const char *s, uint64_t *out);

/* "0", "0,2", "1-3", "0-1,4" into a mask (bit n = CPU n). 0 ok, -1 bad (*mask untouched). */
int config_parse_cpu_list(const char *s, uint64_t *mask);

/* A mask in config syntax ("0-1,4"), ranges folded, cut off where buf ends; "" for 0. */
void config_format_cpu_list(char *buf, size_t size, uint64_t mask);
unsigned config_cpu_count_of(uint64_t mask);
unsigned config_lowest_cpu(uint64_t mask);        /* mask must not be 0 */

/*
 * A config as bulkhead.cfg text, one `key = value` per line in the file's spellings, into buf
 * (always NUL-terminated when size > 0). Returns the length the whole text needs (like
 * snprintf), so a result >= size means it was cut. With only_changes_from, only the values
 * that differ from that config are written, and only the sections holding them: the changes
 * that config_parse_changes turns back into cfg. With mark_changes_from, every value that
 * differs from it gets a comment that says it is pending and what is in force now.
 */
struct config_write_options {
	const struct config *only_changes_from;
	const struct config *mark_changes_from;
};
int config_write(const struct config *cfg, const struct config_write_options *opt, char *buf,
		 size_t size);

/* "FILE:LINE: message" (or "FILE: message" for line 0) into buf; returns snprintf's result. */
int config_format_error(char *buf, size_t size, const char *file, const struct config_error *e);

/* The config spelling of each enum value ("info", "poweroff", "linux"); "?" if out of range. */
const char *config_log_level_name(enum log_level l);
const char *config_stop_action_name(enum stop_action a);
const char *config_partition_type_name(enum partition_type t);

#endif
