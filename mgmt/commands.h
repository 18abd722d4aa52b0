/*
 * The management shell itself: typed bytes in, console text and management hypercalls out.
 * Every effect on the world goes through struct shell_ops (one function per management
 * hypercall, plus console output and a sleep), so this module is pure: the partition's
 * main.c plugs in the real hypercalls, and the unit tests plug in a fake hypervisor and
 * compare the exact text. The output formats are an interface of their own (the end-to-end
 * serial test matches them), so they are spelled out here next to the code that makes them.
 */
#ifndef MGMT_COMMANDS_H
#define MGMT_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mgmt/line_edit.h"
#include "mgmt_abi.h"

/* Output is collected and handed to ops->write in pieces of at most this many bytes: one
 * console exit per piece, and never more than HC_CONSOLE_WRITE_MAX (include/hypercall.h). */
#define SHELL_OUT_MAX 4096
/* `log` shows the newest this many bytes of the hypervisor log. */
#define SHELL_LOG_BYTES 8192
/* How often `console` asks who has the console while another partition has it. */
#define SHELL_FOCUS_POLL_MS 50

#define SHELL_PROMPT "bulkhead> "
#define SHELL_BANNER "Bulkhead management shell (type 'help')"

/* Each hypercall op returns what the hypercall returned: >= 0 success, a negative HC_E* code
 * otherwise. ctx is passed back unchanged. Buffers are the shell's own memory. */
struct shell_ops {
	void *ctx;
	void (*write)(void *ctx, const char *s, size_t len);
	/* Sleeps about ms milliseconds, or less if a byte is typed (the shell uses it while
	 * another partition has the console, and between `top`'s looks at the keyboard). */
	void (*sleep_ms)(void *ctx, unsigned ms);
	/* A byte typed on the console, or -1 if none is waiting; never waits (`top`). */
	int (*read_key)(void *ctx);
	int64_t (*version)(void *ctx);
	int64_t (*host_info)(void *ctx, struct mgmt_host_info *out);
	int64_t (*cpu_info)(void *ctx, uint32_t cpu, struct mgmt_cpu_info *out);
	int64_t (*partition_count)(void *ctx);
	int64_t (*partition_info)(void *ctx, uint32_t id, struct mgmt_partition_info *out);
	int64_t (*partition_stats)(void *ctx, uint32_t id, struct mgmt_partition_stats *out);
	int64_t (*start)(void *ctx, uint32_t id);
	int64_t (*stop)(void *ctx, uint32_t id);
	int64_t (*restart)(void *ctx, uint32_t id);
	int64_t (*destroy)(void *ctx, uint32_t id);
	int64_t (*set_memory)(void *ctx, uint32_t id, uint64_t bytes);
	int64_t (*set_cpus)(void *ctx, uint32_t id, uint64_t mask);
	int64_t (*console_attach)(void *ctx, uint32_t id);
	int64_t (*console_focus)(void *ctx);
	int64_t (*log_read)(void *ctx, char *buf, size_t size);
	int64_t (*power)(void *ctx, uint32_t action);     /* returns only on failure */
	int64_t (*config_change)(void *ctx, struct mgmt_config_change *req);
	int64_t (*config_read)(void *ctx, uint32_t which, struct mgmt_config_text *out);
	int64_t (*config_save)(void *ctx, uint32_t how);  /* MGMT_SAVE_*: bytes stored */
	int64_t (*login_info)(void *ctx, struct mgmt_login_info *out);
	int64_t (*login_event)(void *ctx, uint32_t event, uint32_t failures);
	/* Milliseconds from an arbitrary start; never goes back. */
	uint64_t (*now_ms)(void *ctx);
};

/* The login's state (mgmt/login.c). */
struct login {
	bool required;                      /* a console_password is set */
	bool in;                            /* commands are taken */
	bool idle_expired;                  /* seen by login_idle_expired; login_tick acts */
	unsigned failures;                  /* wrong passwords in a row */
	uint64_t next_check_ms;             /* when login_idle_expired asks again */
	struct line_edit pw;                /* the password being typed: no echo, no history kept */
	struct mgmt_login_info info;
};

struct shell {
	const struct shell_ops *ops;
	uint32_t self_id;                   /* start_info.partition_id: the shell's own partition */
	struct line_edit le;
	bool json;                          /* the command running was given --json */
	struct login login;
	size_t out_len;
	char out[SHELL_OUT_MAX];
	char log[SHELL_LOG_BYTES];          /* here rather than on the stack: HC_MGMT_LOG_READ
	                                     * needs a buffer in the partition's memory anyway */
	struct mgmt_config_change change;   /* `set`, and `config`: likewise */
	struct mgmt_config_text config;
};

void shell_init(struct shell *sh, const struct shell_ops *ops, uint32_t self_id);

/* The banner (plus a warning if the management ABI is missing or of another version) and the
 * first prompt. Flushes. */
void shell_start(struct shell *sh);

/* One typed byte: echo, and on Enter run the line and print the next prompt. Output stays
 * buffered until shell_flush, so a burst of input becomes one console write (a command that
 * has to show its output before doing something, like `console`, flushes by itself). */
void shell_feed(struct shell *sh, uint8_t byte);

/* Runs one command line (without its line end) and prints its output, not the prompt. */
void shell_execute(struct shell *sh, const char *line);

void shell_flush(struct shell *sh);

/* Called by the input loop when nothing was typed for a while: the idle logout. */
void shell_tick(struct shell *sh);

#endif
