/*
 * The management hypercalls (ABI in include/mgmt_abi.h), reached from exit_vmcall() for numbers
 * at HC_MGMT_VERSION and above. Only a partition configured `privileged = yes` may use them;
 * any other gets HC_EPERM and the attempt is logged with its name (the first few times, so a
 * looping guest cannot flood the log). Every argument is checked: ids against the partition
 * table, states against what the operation needs, sizes and CPU lists against this version's
 * rules, and buffers against the caller's own memory, before anything is changed.
 */
#include <stdio.h>
#include <string.h>
#include "hypercall.h"
#include "kernel/audit.h"
#include "kernel/settings.h"
#include "kernel/console.h"
#include "kernel/host.h"
#include "kernel/log.h"
#include "kernel/mgmt_hypercalls.h"
#include "kernel/panic.h"
#include "kernel/partition.h"
#include "kernel/scheduler.h"
#include "kernel/x86.h"
#include "mgmt_abi.h"

#define REFUSAL_LOG_LIMIT 8

static uint32_t mgmt_state(const struct partition *p)
{
	switch (p->state) {
	case PARTITION_RUNNING:   return partition_halted(p) ? MGMT_STATE_HALTED : MGMT_STATE_RUNNING;
	case PARTITION_CRASHED:   return MGMT_STATE_CRASHED;
	case PARTITION_DESTROYED: return MGMT_STATE_DESTROYED;
	default:                  return MGMT_STATE_STOPPED;
	}
}

_Static_assert(PARTITION_VCPUS_MAX <= MGMT_VCPUS_MAX, "info reports every vCPU");

static void fill_info(const struct partition *p, struct mgmt_partition_info *out)
{
	memset(out, 0, sizeof *out);
	out->id = p->id;
	out->state = mgmt_state(p);
	strncpy(out->name, p->name, sizeof out->name - 1);
	strncpy(out->type, config_partition_type_name(p->cfg->type), sizeof out->type - 1);
	out->memory = p->cfg->memory;
	out->cpus = p->cfg->cpus;
	out->vcpus = config_vcpu_count(p->cfg);
	out->privileged = p->cfg->privileged;
	out->autostart = p->cfg->autostart;
	if (p->state == PARTITION_RUNNING)
		out->uptime_ns = tsc_to_ns(rdtsc() - p->start_tsc);
	uint64_t now = rdtsc();
	for (unsigned i = 0; i < out->vcpus && i < MGMT_VCPUS_MAX; i++) {
		const struct vcpu *v = &p->vcpus[i];
		bool built = p->state == PARTITION_RUNNING && i < p->vcpu_count;
		out->vcpu_cpus[i] = built ? v->cpu : config_vcpu_cpu(p->cfg, i);
		out->vcpu_states[i] = !built ? MGMT_VCPU_STOPPED :
				      v->state == VCPU_HALTED ? MGMT_VCPU_HALTED :
				      v->state == VCPU_WAIT_SIPI ? MGMT_VCPU_WAITING :
				      v->state == VCPU_RUNNABLE ? MGMT_VCPU_RUNNING : MGMT_VCPU_STOPPED;
	}
	for (unsigned i = 0; i < p->vcpu_count && p->state == PARTITION_RUNNING; i++) {
		uint32_t permille, rate;
		scheduler_vcpu_recent(&p->vcpus[i], now, &permille, &rate);
		out->cpu_recent_permille += permille;
		out->exits_recent_per_s += rate;
	}
	for (unsigned i = 0; i < partition_vcpus_of_last_run(p); i++) {
		uint64_t ns = tsc_to_ns(vcpu_cpu_ticks(&p->vcpus[i], now));
		if (i < MGMT_VCPUS_MAX)
			out->vcpu_cpu_ns[i] = ns;
		out->cpu_ns += ns;
		out->exits += vcpu_exits_total(&p->vcpus[i]);
	}
	strncpy(out->image, p->cfg->image, sizeof out->image - 1);
	strncpy(out->reason, p->stop_reason, sizeof out->reason - 1);
	strncpy(out->type_name, config_partition_type_name(p->cfg->type), sizeof out->type_name - 1);
	strncpy(out->os_version, p->os_version, sizeof out->os_version - 1);
}

static void fill_stats(const struct partition *p, struct mgmt_partition_stats *out)
{
	memset(out, 0, sizeof *out);
	uint64_t now = rdtsc();
	for (unsigned j = 0; j < partition_vcpus_of_last_run(p); j++) {
		const struct vcpu *v = &p->vcpus[j];
		for (unsigned i = 0; i < MGMT_EXIT_REASONS && i < EXIT_REASON_COUNT; i++)
			out->exits_by_reason[i] += v->exits[i];
		out->exits += vcpu_exits_total(v);
		out->cpu_ns += tsc_to_ns(vcpu_cpu_ticks(v, now));
		out->io_writes_dropped += v->io_dropped;
		out->vector_state_saves += v->fpu_saves;
	}
	out->ipis_dropped = p->platform.ipis_dropped;
	out->ipis_sent = p->platform.ipis_sent;
	out->console_bytes = p->uart.bytes_out;
}

static void fill_host(struct mgmt_host_info *out)
{
	const struct partition_env *env = partitions_env();
	const struct host_info *h = env->host;
	memset(out, 0, sizeof *out);
	strncpy(out->version, BULKHEAD_VERSION, sizeof out->version - 1);
	strncpy(out->hostname, env->hostname, sizeof out->hostname - 1);
	strncpy(out->cpu_vendor, h->cpu_vendor, sizeof out->cpu_vendor - 1);
	strncpy(out->cpu_brand, h->cpu_brand, sizeof out->cpu_brand - 1);
	out->cpu_count = h->cpu_count;
	const struct vmx_caps *c = &h->vmx_caps;
	out->vmx_features = (c->ept ? MGMT_VMX_EPT : 0) | (c->ept_2m ? MGMT_VMX_EPT_2M : 0) |
			    (c->ept_1g ? MGMT_VMX_EPT_1G : 0) | (c->vpid ? MGMT_VMX_VPID : 0) |
			    (c->unrestricted_guest ? MGMT_VMX_UNRESTRICTED : 0) |
			    (c->preemption_timer ? MGMT_VMX_PREEMPTION_TIMER : 0);
	out->ram_total = h->mem.ram_total;
	out->ram_free = frame_alloc_free_bytes(env->ram);
	for (unsigned i = 0; i < partition_count(); i++)
		out->ram_partitions += partition_get(i)->ram_size;
	out->hv_reserved = env->bi->hv_size;
	out->tsc_hz = env->tsc_hz;
	out->uptime_ns = tsc_to_ns(rdtsc() - env->boot_tsc);
	out->partition_count = partition_count();
	out->escape_char = console_escape_char();
	for (unsigned i = 0; i < h->cpus.count; i++)
		out->cpus_up += (h->cpus_online >> i) & 1;
	strncpy(out->cpu_source, cpu_list_source_string(h->cpus.source), sizeof out->cpu_source - 1);
}

/* One physical CPU: how it started, its load, and the partitions whose vCPUs it runs. */
static int64_t fill_cpu(uint64_t index, struct mgmt_cpu_info *out)
{
	const struct cpu_table *t = &partitions_env()->host->cpus;
	if (index >= t->count)
		return HC_ENOENT;
	const struct cpu_slot *c = &t->cpu[index];
	memset(out, 0, sizeof *out);
	out->apic_id = c->apic_id;
	out->state = c->status == CPU_BOOT ? MGMT_CPU_BOOT : c->status == CPU_UP ? MGMT_CPU_UP
									       : MGMT_CPU_DOWN;
	out->load_permille = c->percpu ? scheduler_cpu_load(c->percpu, rdtsc()) : 0;
	out->timer_wakes = c->percpu ? c->percpu->timer_wakes : 0;
	strncpy(out->status, cpu_status_string(c->status), sizeof out->status - 1);
	size_t n = 0;
	for (unsigned i = 0; i < partition_count(); i++) {
		const struct partition *p = partition_get(i);
		if (p->state != PARTITION_RUNNING)
			continue;
		unsigned here = 0;
		for (unsigned j = 0; j < p->vcpu_count; j++)
			here += p->vcpus[j].cpu == index;
		if (!here)
			continue;
		out->vcpus += here;
		int w = snprintf(out->runs + n, sizeof out->runs - n, "%s%s", n ? ", " : "", p->name);
		if (w < 0 || (size_t)w >= sizeof out->runs - n)
			break;                       /* truncated: the count still says how many */
		n += (size_t)w;
	}
	return HC_OK;
}

static int64_t set_memory(struct partition *p, uint64_t bytes)
{
	if (p->state == PARTITION_RUNNING)
		return HC_EBUSY;
	if (bytes < PARTITION_MEM_MIN || bytes % PARTITION_MEM_ALIGN)
		return HC_EINVAL;
	/* Its own RAM comes back when it starts (stop already freed it), so what must be free
	 * is the whole new size in one 2 MiB-aligned block. */
	if (frame_alloc_largest(partitions_env()->ram, PARTITION_MEM_ALIGN) < bytes)
		return HC_ENOMEM;
	p->cfg->memory = bytes;
	settings_follow_live(p);
	klog(LOG_INFO, "partition '%s': memory set to %llu MiB", p->name, (unsigned long long)(bytes >> 20));
	return HC_OK;
}

static int64_t set_cpus(struct partition *p, uint64_t mask)
{
	if (p->state == PARTITION_RUNNING)
		return HC_EBUSY;
	/* This version: one vCPU, so one CPU, which must be up; the privileged partition stays
	 * on the boot CPU (the config validator's rules). */
	if (!mask || (mask & (mask - 1)) || !(mask & partitions_env()->host->cpus_online))
		return HC_EINVAL;
	if (p->cfg->privileged && mask != 1)
		return HC_EINVAL;
	/* A CPU is one partition's unless both time-share it (share_cpus = yes). */
	for (unsigned i = 0; i < partition_count(); i++) {
		const struct partition *o = partition_get(i);
		if (o == p || o->state == PARTITION_DESTROYED || !(o->cfg->cpus & mask))
			continue;
		if (!(o->cfg->share_cpus && p->cfg->share_cpus))
			return HC_ETAKEN;
	}
	p->cfg->cpus = mask;
	settings_follow_live(p);
	klog(LOG_INFO, "partition '%s': CPU set to %u", p->name, (unsigned)__builtin_ctzll(mask));
	return HC_OK;
}

static int64_t start(struct partition *p)
{
	if (p->state == PARTITION_RUNNING)
		return HC_EBUSY;
	char why[96];
	if (settings_start_pending(p, why, sizeof why)) {
		klog(LOG_WARN, "partition '%s' not started: %s", p->name, why);
		return HC_ENOMEM;
	}
	enum partition_error err = partition_start(p);
	return err == PARTITION_OK ? HC_OK : err == PARTITION_ENOMEM ? HC_ENOMEM : HC_EINVAL;
}

static bool refuse_unprivileged(struct vcpu *v, uint64_t nr)
{
	if (v->partition->cfg->privileged)
		return false;
	static unsigned logged[MAX_PARTITIONS];
	unsigned id = v->partition->id;
	if (id < MAX_PARTITIONS && logged[id]++ < REFUSAL_LOG_LIMIT)
		klog(LOG_WARN, "partition '%s' is not privileged: management hypercall %#llx refused",
		     v->partition->name, (unsigned long long)nr);
	return true;
}

static int64_t dispatch(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1)
{
	struct partition *self = v->partition;
	struct partition *target = NULL;
	switch (nr) {
	case HC_MGMT_PARTITION_INFO: case HC_MGMT_PARTITION_STATS: case HC_MGMT_START:
	case HC_MGMT_STOP: case HC_MGMT_RESTART: case HC_MGMT_DESTROY: case HC_MGMT_SET_MEMORY:
	case HC_MGMT_SET_CPUS: case HC_MGMT_CONSOLE_ATTACH:
		if (a0 >= partition_count())
			return HC_ENOENT;
		target = partition_get((unsigned)a0);
		if (target->state == PARTITION_DESTROYED && nr != HC_MGMT_PARTITION_INFO &&
		    nr != HC_MGMT_PARTITION_STATS)
			return HC_EBUSY;
		if (target == self && nr != HC_MGMT_PARTITION_INFO && nr != HC_MGMT_PARTITION_STATS)
			return HC_ESELF;
		break;
	default:
		break;
	}
	switch (nr) {
	case HC_MGMT_VERSION:
		return MGMT_ABI_VERSION;
	case HC_MGMT_HOST_INFO:
		if (!partition_gpa_range_ok(self, a0, sizeof(struct mgmt_host_info)))
			return HC_EFAULT;
		fill_host(partition_gpa_ptr(self, a0));
		return HC_OK;
	case HC_MGMT_PARTITION_COUNT:
		return partition_count();
	case HC_MGMT_PARTITION_INFO:
		if (!partition_gpa_range_ok(self, a1, sizeof(struct mgmt_partition_info)))
			return HC_EFAULT;
		fill_info(target, partition_gpa_ptr(self, a1));
		return HC_OK;
	case HC_MGMT_PARTITION_STATS:
		if (!partition_gpa_range_ok(self, a1, sizeof(struct mgmt_partition_stats)))
			return HC_EFAULT;
		fill_stats(target, partition_gpa_ptr(self, a1));
		return HC_OK;
	case HC_MGMT_START:
		return start(target);
	case HC_MGMT_STOP:
		if (target->state != PARTITION_RUNNING)
			return HC_EBUSY;
		partition_stop(target, "stopped by the administrator");
		return HC_OK;
	case HC_MGMT_RESTART:
		if (target->state == PARTITION_RUNNING)
			partition_stop(target, "restarting");
		return start(target);
	case HC_MGMT_DESTROY:
		partition_stop(target, "destroyed by the administrator");
		target->state = PARTITION_DESTROYED;
		return HC_OK;
	case HC_MGMT_SET_MEMORY:
		return set_memory(target, a1);
	case HC_MGMT_SET_CPUS:
		return set_cpus(target, a1);
	case HC_MGMT_CONSOLE_ATTACH:
		if (target->state != PARTITION_RUNNING)
			return HC_EBUSY;
		console_attach((int)target->id);
		return HC_OK;
	case HC_MGMT_CONSOLE_FOCUS:
		return console_focus();
	case HC_MGMT_LOG_READ:
		if (a1 > LOG_RING_SIZE)
			a1 = LOG_RING_SIZE;
		if (!partition_gpa_range_ok(self, a0, a1))
			return HC_EFAULT;
		return (int64_t)log_ring_copy(partition_gpa_ptr(self, a0), a1);
	case HC_MGMT_CPU_INFO:
		if (!partition_gpa_range_ok(self, a1, sizeof(struct mgmt_cpu_info)))
			return HC_EFAULT;
		return fill_cpu(a0, partition_gpa_ptr(self, a1));
	case HC_MGMT_CONFIG_CHANGE: {
		if (!partition_gpa_range_ok(self, a0, sizeof(struct mgmt_config_change)))
			return HC_EFAULT;
		struct mgmt_config_change *req = partition_gpa_ptr(self, a0);
		/* Parsed from a copy: the guest's page may change under the parser. */
		static char text[MGMT_CONFIG_CHANGE_MAX];
		static char errors[MGMT_CONFIG_ERRORS_MAX];
		uint32_t len = req->len;
		if (len > sizeof text)
			return HC_EINVAL;
		memcpy(text, req->text, len);
		int n = settings_change(text, len, self->name, errors, sizeof errors);
		memcpy(req->errors, errors, sizeof req->errors);
		req->error_count = (uint32_t)n;
		return n ? HC_EINVAL : HC_OK;
	}
	case HC_MGMT_CONFIG_READ: {
		if (a0 != MGMT_CONFIG_EFFECTIVE && a0 != MGMT_CONFIG_CHANGES)
			return HC_EINVAL;
		if (!partition_gpa_range_ok(self, a1, sizeof(struct mgmt_config_text)))
			return HC_EFAULT;
		struct mgmt_config_text *out = partition_gpa_ptr(self, a1);
		static char text[MGMT_CONFIG_TEXT_MAX];
		int n = settings_write(a0 == MGMT_CONFIG_CHANGES, text, sizeof text);
		memcpy(out->text, text, sizeof out->text);
		out->len = (uint32_t)n;
		out->reserved = 0;
		return HC_OK;
	}
	case HC_MGMT_CONFIG_SAVE: {
		if (a0 != MGMT_SAVE_STORE && a0 != MGMT_SAVE_REVERT)
			return HC_EINVAL;
		uint32_t stored;
		char why[128];
		if (settings_save(a0 == MGMT_SAVE_REVERT, &stored, why, sizeof why))
			return HC_EFIRMWARE;
		return stored;
	}
	case HC_MGMT_LOGIN_INFO: {
		if (!partition_gpa_range_ok(self, a0, sizeof(struct mgmt_login_info)))
			return HC_EFAULT;
		struct mgmt_login_info *out = partition_gpa_ptr(self, a0);
		const struct hv_config *hv = settings_live_hv();
		_Static_assert(sizeof out->password_hash >= sizeof hv->console_password,
			       "the ABI's field holds any hash the config takes");
		memset(out, 0, sizeof *out);
		memcpy(out->password_hash, hv->console_password, sizeof hv->console_password);
		out->idle_logout_s = hv->idle_logout;
		/* A byte may come in on another CPU after the TSC is read, or its TSC may be a
		 * little ahead: that is no idle time, not a wrap-around to centuries of it. */
		uint64_t hz = partitions_env()->tsc_hz, now = rdtsc(), last = console_last_input_tsc();
		out->console_idle_ms = hz >= 1000 && now > last ? (now - last) / (hz / 1000) : 0;
		return HC_OK;
	}
	case HC_MGMT_LOGIN_EVENT:
		/* Nothing to do but be recorded (mgmt_hypercall's audit line). */
		return a0 < MGMT_LOGIN_EVENT_COUNT ? HC_OK : HC_EINVAL;
	case HC_MGMT_POWER:
		if (a0 != MGMT_POWER_OFF && a0 != MGMT_POWER_REBOOT)
			return HC_EINVAL;
		klog(LOG_INFO, "partition '%s' asked for %s", self->name,
		     a0 == MGMT_POWER_OFF ? "power-off" : "reboot");
		machine_stop_init_action(a0 == MGMT_POWER_OFF ? STOP_POWEROFF : STOP_REBOOT);
		machine_stop(a0 == MGMT_POWER_OFF ? "power-off requested" : "reboot requested");
	default:
		return HC_ENOSYS;
	}
}

int64_t mgmt_hypercall(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1)
{
	if (refuse_unprivileged(v, nr))
		return HC_EPERM;
	/* A power call does not come back: its line goes first. */
	if (nr == HC_MGMT_POWER && (a0 == MGMT_POWER_OFF || a0 == MGMT_POWER_REBOOT))
		audit_mgmt_call(v->partition, nr, a0, a1, 0);
	int64_t rc = dispatch(v, nr, a0, a1);
	if (nr != HC_MGMT_POWER)
		audit_mgmt_call(v->partition, nr, a0, a1, rc);
	return rc;
}
