/*
 * `top`: a live view of the host and its partitions, in the manner of xentop, redrawn every
 * TOP_REFRESH_MS until a key is pressed (that key is consumed, not run). CPU% and exits per
 * second are the hypervisor's, over its last load window of MGMT_LOAD_WINDOW_S seconds (100%
 * is one CPU, so a partition with two busy vCPUs shows 200%); the host lines give each CPU's
 * load over the same window and the memory totals. Drawn for a plain VT100 serial terminal
 * without flicker: the first frame clears the screen and hides the cursor, later frames move
 * the cursor home and overwrite each line in place, erasing only the rest of each line
 * (ESC [ K) and what is left below the last one (ESC [ J); the cursor comes back at the end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "mgmt/format.h"
#include "mgmt/shell_internal.h"
#include "mgmt/login.h"

#define TOP_REFRESH_MS 2000
#define TOP_POLL_MS    100           /* how soon a key is noticed */
#define MIB            (1024ull * 1024)

#define ESC_HOME        "\033[H"
#define ESC_CLEAR       "\033[2J"
#define ESC_ERASE_LINE  "\033[K"
#define ESC_ERASE_BELOW "\033[J"
#define ESC_HIDE_CURSOR "\033[?25l"
#define ESC_SHOW_CURSOR "\033[?25h"

static void host_lines(struct shell *sh)
{
	struct mgmt_host_info h;
	if (sh->ops->host_info(sh->ops->ctx, &h) < 0) {
		out_line(sh, "top: the hypervisor did not answer" ESC_ERASE_LINE);
		return;
	}
	CLEAN(h.hostname);
	char uptime[FORMAT_UPTIME_MAX];
	format_uptime(h.uptime_ns, uptime, sizeof uptime);
	out_line(sh, "top - %s, up %s; every %u s, any key quits" ESC_ERASE_LINE, h.hostname, uptime,
		 TOP_REFRESH_MS / 1000);
	char cpus[160];
	size_t n = 0;
	cpus[0] = '\0';
	for (uint32_t i = 0; i < h.cpu_count && i < 64 && n < sizeof cpus; i++) {
		struct mgmt_cpu_info ci;
		if (sh->ops->cpu_info(sh->ops->ctx, i, &ci) < 0 || ci.state == MGMT_CPU_DOWN)
			continue;
		int w = snprintf(cpus + n, sizeof cpus - n, "%s%u %u.%u%%", n ? ", " : "", i,
				 ci.load_permille / 10, ci.load_permille % 10);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	out_line(sh, "cpus: %u up of %u, load over %u s: %s" ESC_ERASE_LINE, h.cpus_up, h.cpu_count,
		 MGMT_LOAD_WINDOW_S, cpus);
	out_line(sh, "ram: %llu MiB; partitions %llu MiB, free %llu MiB, hypervisor %llu MiB"
		 ESC_ERASE_LINE, (unsigned long long)(h.ram_total / MIB),
		 (unsigned long long)(h.ram_partitions / MIB), (unsigned long long)(h.ram_free / MIB),
		 (unsigned long long)(h.hv_reserved / MIB));
}

static void partition_lines(struct shell *sh)
{
	out_line(sh, "ID  NAME          STATE        CPU%%  EXITS/S  MEM(MiB)  VCPUS  CPUS" ESC_ERASE_LINE);
	int64_t count = sh->ops->partition_count(sh->ops->ctx);
	for (int64_t id = 0; id < count; id++) {
		struct mgmt_partition_info pi;
		if (sh->ops->partition_info(sh->ops->ctx, (uint32_t)id, &pi) < 0)
			continue;
		clean_info(&pi);
		bool running = format_state_is_running(pi.state);
		uint32_t load = running ? pi.cpu_recent_permille : 0;
		char cpus[FORMAT_CPU_LIST_MAX];
		format_cpu_list(pi.cpus, cpus, sizeof cpus);
		out_line(sh, "%-3u %-13s %-10s %4u.%u  %7u  %8llu  %5u  %s" ESC_ERASE_LINE, (unsigned)id,
			 pi.name, format_state_name(pi.state), load / 10, load % 10,
			 running ? pi.exits_recent_per_s : 0, (unsigned long long)(pi.memory / MIB),
			 pi.vcpus, cpus);
	}
}

void shell_top(struct shell *sh)
{
	out_str(sh, ESC_HIDE_CURSOR ESC_CLEAR);
	for (;;) {
		out_str(sh, ESC_HOME);
		host_lines(sh);
		out_line(sh, ESC_ERASE_LINE);
		partition_lines(sh);
		out_str(sh, ESC_ERASE_BELOW);
		shell_flush(sh);
		for (unsigned waited = 0; waited < TOP_REFRESH_MS; waited += TOP_POLL_MS) {
			if (sh->ops->read_key(sh->ops->ctx) >= 0 || login_idle_expired(sh)) {
				/* The last frame stays; the prompt comes on a line of its own. */
				out_str(sh, ESC_SHOW_CURSOR "\r\n");
				return;
			}
			sh->ops->sleep_ms(sh->ops->ctx, TOP_POLL_MS);
		}
	}
}
