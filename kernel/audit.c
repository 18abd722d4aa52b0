/*
 * The audit trail (audit.h). Lines look like
 *   [hv] audit 2026-12-03 13:40:12 UTC: 'mgmt' stop 'busy': done
 *   [hv] audit 2026-12-03 13:40:15 UTC: 'mgmt' memory of 'web' 4096 MiB: refused (not enough RAM)
 * at level info: on the console unless its log_level is warn or error, and always in the log
 * ring, which `log` shows.
 */
#include <stdio.h>
#include "kernel/audit.h"
#include "kernel/log.h"
#include "kernel/partition.h"
#include "kernel/x86.h"
#include "mgmt_abi.h"
#include "vdev/vrtc.h"

int64_t wallclock_now(void)
{
	const struct partition_env *env = partitions_env();
	if (!env || !env->bi->wallclock_valid || !env->tsc_hz)
		return -1;
	return env->bi->wallclock_unix + (int64_t)((rdtsc() - env->bi->wallclock_tsc) / env->tsc_hz);
}

static void time_text(char *buf, size_t size)
{
	int64_t t = wallclock_now();
	if (t < 0) {
		snprintf(buf, size, "(no wall clock)");
		return;
	}
	int64_t year;
	unsigned month, day;
	int64_t days = t / 86400, secs = t % 86400;
	vrtc_civil_from_days(days, &year, &month, &day);
	snprintf(buf, size, "%04lld-%02u-%02u %02u:%02u:%02u UTC", (long long)year, month, day,
		 (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

static const char *outcome(int64_t rc)
{
	switch (rc) {
	case HC_ENOENT:    return "refused (no such partition)";
	case HC_EBUSY:     return "refused (wrong state)";
	case HC_ENOMEM:    return "refused (not enough RAM)";
	case HC_ESELF:     return "refused (its own partition)";
	case HC_ETAKEN:    return "refused (a CPU belongs to another partition)";
	case HC_EFIRMWARE: return "failed (the firmware)";
	default:           return rc < 0 ? "refused (bad arguments)" : "done";
	}
}

static const char *target_name(uint64_t id)
{
	return id < partition_count() ? partition_get((unsigned)id)->name : "?";
}

/* What the shell says happened at its login. A wrong password is logged at warn, so that it
 * reaches the console however quiet log_level is. */
static void login_event_text(char *buf, size_t size, uint64_t event, uint64_t failures)
{
	switch (event) {
	case MGMT_LOGIN_OK:
		if (failures)
			snprintf(buf, size, "login (after %llu wrong password(s))",
				 (unsigned long long)failures);
		else
			snprintf(buf, size, "login");
		return;
	case MGMT_LOGIN_FAILED:
		snprintf(buf, size, "login refused: wrong password (%llu in a row)",
			 (unsigned long long)failures);
		return;
	case MGMT_LOGIN_LOGOUT:      snprintf(buf, size, "logout"); return;
	case MGMT_LOGIN_IDLE:        snprintf(buf, size, "logout (idle)"); return;
	case MGMT_LOGIN_UNCHECKABLE: snprintf(buf, size, "login impossible: console_password "
					      "cannot be checked"); return;
	default:                     snprintf(buf, size, "login event %llu", (unsigned long long)event);
	}
}

void audit_mgmt_call(const struct partition *who, uint64_t nr, uint64_t a0, uint64_t a1,
		     int64_t rc)
{
	char what[96];
	switch (nr) {
	case HC_MGMT_START:   snprintf(what, sizeof what, "start '%s'", target_name(a0)); break;
	case HC_MGMT_STOP:    snprintf(what, sizeof what, "stop '%s'", target_name(a0)); break;
	case HC_MGMT_RESTART: snprintf(what, sizeof what, "restart '%s'", target_name(a0)); break;
	case HC_MGMT_DESTROY: snprintf(what, sizeof what, "destroy '%s'", target_name(a0)); break;
	case HC_MGMT_SET_MEMORY:
		snprintf(what, sizeof what, "memory of '%s' %llu MiB", target_name(a0),
			 (unsigned long long)(a1 >> 20));
		break;
	case HC_MGMT_SET_CPUS:
		snprintf(what, sizeof what, "cpus of '%s' mask %#llx", target_name(a0),
			 (unsigned long long)a1);
		break;
	case HC_MGMT_CONSOLE_ATTACH:
		snprintf(what, sizeof what, "console '%s'", target_name(a0));
		break;
	case HC_MGMT_CONFIG_CHANGE: snprintf(what, sizeof what, "set (a settings change)"); break;
	case HC_MGMT_CONFIG_SAVE:
		snprintf(what, sizeof what, "%s", a0 == MGMT_SAVE_REVERT ? "config revert" : "save");
		break;
	case HC_MGMT_POWER:
		snprintf(what, sizeof what, "%s", a0 == MGMT_POWER_REBOOT ? "reboot" : "power off");
		break;
	case HC_MGMT_LOGIN_EVENT:
		login_event_text(what, sizeof what, a0, a1);
		if (rc < 0)
			return;                 /* garbage from the shell is not an event */
		break;
	default:
		return;                         /* reads change nothing */
	}
	char when[40];
	time_text(when, sizeof when);
	if (nr == HC_MGMT_LOGIN_EVENT) {
		klog(a0 == MGMT_LOGIN_FAILED || a0 == MGMT_LOGIN_UNCHECKABLE ? LOG_WARN : LOG_INFO,
		     "audit %s: '%s' %s", when, who->name, what);
		return;
	}
	klog(LOG_INFO, "audit %s: '%s' %s: %s", when, who->name, what,
	     nr == HC_MGMT_POWER && rc == 0 ? "now" : outcome(rc));
}
