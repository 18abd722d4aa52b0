/*
 * What the shell's commands share across its files (mgmt/commands.c, top.c, json_out.c,
 * settings_cmds.c): buffered
 * output in lines, and the cleaning of text that comes from the hypervisor before it reaches
 * the administrator's terminal. Not an interface outside the shell.
 */
#ifndef MGMT_SHELL_INTERNAL_H
#define MGMT_SHELL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "mgmt/commands.h"

/* One line of output, "\r\n" added (an overlong line is cut, never its line end). */
__attribute__((format(printf, 2, 3)))
void out_line(struct shell *sh, const char *fmt, ...);
void out_str(struct shell *sh, const char *s);
/* NUL-terminates a fixed-size ABI field and replaces anything a terminal might act on. */
void clean(char *s, size_t size);
#define CLEAN(field) clean((field), sizeof(field))
void clean_info(struct mgmt_partition_info *pi);
/* Partition `name` among the first `count` ids (exactly, or without regard to case as the
 * config compares names), its info cleaned, in *pi; false if none has that name. */
bool find_partition(struct shell *sh, int64_t count, const char *name, bool any_case,
		    struct mgmt_partition_info *pi);
/* "elf", "linux" or "multiboot". */
const char *type_of(const struct mgmt_partition_info *pi);

/* `set` and `config` (mgmt/settings_cmds.c): rest is the line after the command's name. */
void shell_set(struct shell *sh, const char *usage, char *rest);
void shell_config(struct shell *sh, const char *usage, char *rest);
/* `save` (revert false) and `config revert`. */
void shell_save(struct shell *sh, bool revert);

/* `top` (mgmt/top.c). */
void shell_top(struct shell *sh);

/* `--json` (mgmt/json_out.c): one object per command, on one line. */
#define SHELL_JSON_VERSION 1
void json_list(struct shell *sh);
void json_info(struct shell *sh, const struct mgmt_partition_info *pi);
void json_host(struct shell *sh, struct mgmt_host_info *h);
void json_stats(struct shell *sh, const struct mgmt_partition_info *pi,
		const struct mgmt_partition_stats *st);

#endif
