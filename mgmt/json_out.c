/*
 * `--json` output of list, info, host and stats (see shell_internal.h): one JSON object on one
 * line, for scripts and fleet tools. Every object starts with "schema" (which command made it)
 * and "version" (SHELL_JSON_VERSION, raised when a field changes meaning or goes; new fields
 * may appear without it); README, "Scripting the shell", documents each field. Numbers are
 * plain integers except percentages, which have one decimal like the text output. Strings
 * have already been cleaned of control characters (clean()); quotes and backslashes are
 * escaped here, and anything below 0x20 as \u00XX all the same (RFC 8259, section 7).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "mgmt/format.h"
#include "mgmt/shell_internal.h"

#define MIB (1024ull * 1024)

struct json {
	struct shell *sh;
	bool first;                   /* no member written yet in the current object or array */
};

static void raw(struct json *j, const char *s) { out_str(j->sh, s); }

static void string(struct json *j, const char *s)
{
	raw(j, "\"");
	for (; *s; s++) {
		char buf[8];
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			snprintf(buf, sizeof buf, "\\%c", c);
		else if (c < 0x20)
			snprintf(buf, sizeof buf, "\\u%04x", c);
		else
			snprintf(buf, sizeof buf, "%c", c);
		raw(j, buf);
	}
	raw(j, "\"");
}

static void key(struct json *j, const char *k)
{
	if (!j->first)
		raw(j, ",");
	j->first = false;
	if (k) {
		string(j, k);
		raw(j, ":");
	}
}

static void str(struct json *j, const char *k, const char *v)
{
	key(j, k);
	string(j, v);
}

static void num(struct json *j, const char *k, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	key(j, k);
	raw(j, buf);
}

static void tenths(struct json *j, const char *k, uint64_t t)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%llu.%llu", (unsigned long long)(t / 10), (unsigned long long)(t % 10));
	key(j, k);
	raw(j, buf);
}

static void obj_open(struct json *j, const char *k, const char *bracket)
{
	key(j, k);
	raw(j, bracket);
	j->first = true;
}

static void obj_close(struct json *j, const char *bracket)
{
	raw(j, bracket);
	j->first = false;
}

static void begin(struct json *j, struct shell *sh, const char *schema)
{
	j->sh = sh;
	j->first = true;
	raw(j, "{");
	str(j, "schema", schema);
	num(j, "version", SHELL_JSON_VERSION);
}

static void end(struct json *j)
{
	raw(j, "}\r\n");
}

static const char *vcpu_state_name(uint32_t s)
{
	switch (s) {
	case MGMT_VCPU_RUNNING: return "running";
	case MGMT_VCPU_HALTED:  return "halted";
	case MGMT_VCPU_WAITING: return "waiting-for-sipi";
	default:                return "stopped";
	}
}

/* The fields `list` and `info` share. */
static void partition_fields(struct json *j, const struct mgmt_partition_info *pi)
{
	bool running = format_state_is_running(pi->state);
	char cpus[FORMAT_CPU_LIST_MAX];
	format_cpu_list(pi->cpus, cpus, sizeof cpus);
	num(j, "id", pi->id);
	str(j, "name", pi->name);
	str(j, "state", format_state_name(pi->state));
	str(j, "type", type_of(pi));
	num(j, "memory_mib", pi->memory / MIB);
	num(j, "vcpus", pi->vcpus);
	str(j, "cpus", cpus);
	tenths(j, "cpu_percent", running ? pi->cpu_recent_permille : 0);
	num(j, "exits_per_s", running ? pi->exits_recent_per_s : 0);
	num(j, "uptime_s", running ? pi->uptime_ns / 1000000000ull : 0);
	num(j, "cpu_time_ms", pi->cpu_ns / 1000000ull);
	num(j, "exits", pi->exits);
}

void json_list(struct shell *sh)
{
	struct json j;
	begin(&j, sh, "bulkhead/list");
	obj_open(&j, "partitions", "[");
	int64_t count = sh->ops->partition_count(sh->ops->ctx);
	for (int64_t id = 0; id < count; id++) {
		struct mgmt_partition_info pi;
		if (sh->ops->partition_info(sh->ops->ctx, (uint32_t)id, &pi) < 0)
			continue;
		clean_info(&pi);
		obj_open(&j, NULL, "{");
		partition_fields(&j, &pi);
		obj_close(&j, "}");
	}
	obj_close(&j, "]");
	end(&j);
}

void json_info(struct shell *sh, const struct mgmt_partition_info *pi)
{
	struct json j;
	begin(&j, sh, "bulkhead/info");
	partition_fields(&j, pi);
	str(&j, "image", pi->image);
	str(&j, "kernel", pi->os_version);
	num(&j, "privileged", pi->privileged ? 1 : 0);
	num(&j, "autostart", pi->autostart ? 1 : 0);
	str(&j, "reason", pi->reason);
	obj_open(&j, "vcpu", "[");
	for (unsigned i = 0; i < pi->vcpus && i < MGMT_VCPUS_MAX; i++) {
		obj_open(&j, NULL, "{");
		num(&j, "index", i);
		num(&j, "cpu", pi->vcpu_cpus[i]);
		str(&j, "state", format_state_is_running(pi->state) ? vcpu_state_name(pi->vcpu_states[i])
								    : "stopped");
		num(&j, "cpu_time_ms", pi->vcpu_cpu_ns[i] / 1000000ull);
		obj_close(&j, "}");
	}
	obj_close(&j, "]");
	end(&j);
}

void json_host(struct shell *sh, struct mgmt_host_info *h)
{
	struct json j;
	begin(&j, sh, "bulkhead/host");
	str(&j, "bulkhead_version", h->version);
	str(&j, "hostname", h->hostname);
	str(&j, "cpu_vendor", h->cpu_vendor);
	str(&j, "cpu_brand", h->cpu_brand);
	str(&j, "cpu_source", h->cpu_source);
	num(&j, "cpus_found", h->cpu_count);
	num(&j, "cpus_up", h->cpus_up);
	num(&j, "load_window_s", MGMT_LOAD_WINDOW_S);
	obj_open(&j, "cpu", "[");
	for (uint32_t i = 0; i < h->cpu_count && i < 64; i++) {
		struct mgmt_cpu_info ci;
		if (sh->ops->cpu_info(sh->ops->ctx, i, &ci) < 0)
			continue;
		CLEAN(ci.status);
		CLEAN(ci.runs);
		obj_open(&j, NULL, "{");
		num(&j, "index", i);
		num(&j, "apic_id", ci.apic_id);
		str(&j, "state", ci.state == MGMT_CPU_BOOT ? "boot" : ci.state == MGMT_CPU_UP ? "up"
											 : "down");
		str(&j, "status", ci.status);
		tenths(&j, "load_percent", ci.load_permille > 1000 ? 1000 : ci.load_permille);
		num(&j, "vcpus", ci.vcpus);
		str(&j, "runs", ci.runs);
		obj_close(&j, "}");
	}
	obj_close(&j, "]");
	num(&j, "ram_total_mib", h->ram_total / MIB);
	num(&j, "ram_partitions_mib", h->ram_partitions / MIB);
	num(&j, "ram_free_mib", h->ram_free / MIB);
	num(&j, "hypervisor_mib", h->hv_reserved / MIB);
	num(&j, "tsc_hz", h->tsc_hz);
	num(&j, "uptime_s", h->uptime_ns / 1000000000ull);
	num(&j, "partitions", h->partition_count);
	end(&j);
}

void json_stats(struct shell *sh, const struct mgmt_partition_info *pi,
		const struct mgmt_partition_stats *st)
{
	struct json j;
	begin(&j, sh, "bulkhead/stats");
	str(&j, "name", pi->name);
	num(&j, "exits", st->exits);
	num(&j, "cpu_time_ms", st->cpu_ns / 1000000ull);
	num(&j, "io_writes_dropped", st->io_writes_dropped);
	num(&j, "ipis_dropped", st->ipis_dropped);
	num(&j, "ipis_sent", st->ipis_sent);
	num(&j, "vector_state_saves", st->vector_state_saves);
	num(&j, "console_bytes", st->console_bytes);
	obj_open(&j, "exits_by_reason", "{");
	for (unsigned r = 0; r < MGMT_EXIT_REASONS; r++) {
		if (!st->exits_by_reason[r])
			continue;
		char name[48];
		const char *known = format_exit_reason_name(r);
		snprintf(name, sizeof name, "%s", known ? known : "");
		if (!known)
			snprintf(name, sizeof name, "reason %u", r);
		num(&j, name, st->exits_by_reason[r]);
	}
	obj_close(&j, "}");
	end(&j);
}
