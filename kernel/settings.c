/*
 * Run-time settings (settings.h). Three configs: `file` as the ESP's bulkhead.cfg gave it
 * (what saved changes are measured against), `live` (the kernel's own, which the partitions
 * point into: what is in force) and `next` (what the next start of each partition and the next
 * boot get). A change is parsed onto a copy of `next` and validated as a whole against the
 * machine, exactly as the file was at boot, so a change the file could not hold is refused
 * with the file's message, and nothing is half-applied. What can take effect at once does; the
 * rest shows as pending in `config` until the partition starts again or the machine reboots.
 */
#include <string.h>
#include <stdio.h>
#include "kernel/settings.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/partition.h"
#include "mm/frame_alloc.h"
#include "saved_settings.h"

/* UEFI SetVariable (UEFI 2.x, "Variable Services"), called in physical mode, ms_abi. */
struct efi_guid { uint32_t a; uint16_t b, c; uint8_t d[8]; };
typedef uint64_t (__attribute__((ms_abi)) *efi_set_variable_fn)(const uint16_t *name,
	const struct efi_guid *guid, uint32_t attributes, uint64_t size, const void *data);
#define EFI_NOT_FOUND_STATUS (0x8000000000000000ull | 14)

static efi_set_variable_fn set_variable;
/* In identity-mapped memory, for the firmware: the name, the GUID, then the text. */
struct firmware_buffer {
	uint16_t name[24];
	struct efi_guid guid;
	char text[SAVED_SETTINGS_MAX + 1];
};
_Static_assert(sizeof(struct firmware_buffer) <= SETTINGS_FIRMWARE_BUFFER, "buffer too small");
static struct firmware_buffer *fw;

static struct config file_cfg, next, scratch;
static struct config *live;
static uint64_t boot_ram_available;
static unsigned machine_cpu_count;
static uint64_t machine_cpus_online;
static struct config_errors errs;

void settings_init(struct config *cfg, const struct config *file, uint64_t ram_available,
		   unsigned cpu_count, uint64_t cpus_online)
{
	live = cfg;
	file_cfg = *file;
	next = *cfg;
	boot_ram_available = ram_available;
	machine_cpu_count = cpu_count;
	machine_cpus_online = cpus_online;
}

/* Appends one line to the caller's error text, cut off where it ends. */
static void add_line(char *buf, size_t size, size_t *used, const char *line)
{
	if (*used >= size)
		return;
	int n = snprintf(buf + *used, size - *used, "%s\n", line);
	if (n > 0)
		*used += (size_t)n < size - *used ? (size_t)n : size - *used - 1;
}

static int report(char *buf, size_t size)
{
	size_t used = 0;
	if (size)
		buf[0] = '\0';
	for (unsigned i = 0; i < errs.count; i++)
		add_line(buf, size, &used, errs.list[i].message);
	if (errs.dropped)
		add_line(buf, size, &used, "(and more errors)");
	return (int)(errs.count + errs.dropped);
}

static int refuse(char *buf, size_t size, const char *message)
{
	memset(&errs, 0, sizeof errs);
	errs.count = 1;
	snprintf(errs.list[0].message, sizeof errs.list[0].message, "%s", message);
	return report(buf, size);
}

static bool partition_settings_differ(const struct partition_config *a,
				      const struct partition_config *b)
{
	return a->memory != b->memory || a->cpus != b->cpus || a->vcpus != b->vcpus ||
	       a->autostart != b->autostart || strcmp(a->cmdline, b->cmdline);
}

static void copy_partition_settings(struct partition_config *to, const struct partition_config *from)
{
	to->memory = from->memory;
	to->cpus = from->cpus;
	to->vcpus = from->vcpus;
	to->autostart = from->autostart;
	memcpy(to->cmdline, from->cmdline, sizeof to->cmdline);
}

/* Its new memory must be one free 2 MiB-aligned block when it starts (stop freed its old). */
static bool memory_fits(const struct partition_config *pc)
{
	return frame_alloc_largest(partitions_env()->ram, PARTITION_MEM_ALIGN) >= pc->memory;
}

/* The change as it was asked for, one line each, for the log. */
static void log_change(const char *who, const char *text, size_t len)
{
	klog(LOG_INFO, "settings changed by '%s':", who);
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		if (i > start)
			klog(LOG_INFO, "  %.*s", (int)(i - start), text + start);
		start = i + 1;
	}
}

int settings_change(const char *text, size_t len, const char *who, char *errors, size_t size)
{
	scratch = next;
	if (config_parse_changes(text, len, &scratch, &errs))
		return report(errors, size);
	const char *fixed = config_file_only_change(&scratch, &next);
	if (fixed) {
		char why[CONFIG_ERROR_MESSAGE_MAX];
		snprintf(why, sizeof why, "%s is set in bulkhead.cfg only, not from the shell", fixed);
		return refuse(errors, size, why);
	}
	/* The partitions' RAM at the next boot is what the reservation leaves of today's. */
	uint64_t ram = boot_ram_available + live->hv.memory;
	struct config_limits lim = {
		.ram_available = ram > scratch.hv.memory ? ram - scratch.hv.memory : 0,
		.cpu_count = machine_cpu_count, .runnable_cpus = machine_cpus_online,
	};
	memset(&errs, 0, sizeof errs);
	if (config_validate(&scratch, &lim, &errs))
		return report(errors, size);
	for (unsigned i = 0; i < scratch.partition_count; i++) {
		const struct partition *p = partition_get(i);
		const struct partition_config *pc = &scratch.partitions[i];
		if (p && p->state != PARTITION_RUNNING && pc->memory > live->partitions[i].memory &&
		    !memory_fits(pc)) {
			char why[CONFIG_ERROR_MESSAGE_MAX];
			snprintf(why, sizeof why, "not enough free RAM for '%s': %llu MiB in one block "
				 "are free", pc->name, (unsigned long long)(frame_alloc_largest(
				 partitions_env()->ram, PARTITION_MEM_ALIGN) >> 20));
			return refuse(errors, size, why);
		}
	}

	next = scratch;
	log_change(who, text, len);
	/* In force at once: what nothing has to be rebuilt for. */
	memcpy(live->hv.hostname, next.hv.hostname, sizeof live->hv.hostname);
	live->hv.log_level = next.hv.log_level;
	log_set_level(next.hv.log_level);
	live->hv.escape = next.hv.escape;
	console_set_escape(next.hv.escape);
	live->hv.idle_logout = next.hv.idle_logout;     /* the shell asks for it at each check */
	for (unsigned i = 0; i < next.partition_count; i++) {
		const struct partition *p = partition_get(i);
		live->partitions[i].autostart = next.partitions[i].autostart;
		if (p && p->state != PARTITION_RUNNING)
			copy_partition_settings(&live->partitions[i], &next.partitions[i]);
	}
	if (size)
		errors[0] = '\0';
	return 0;
}

int settings_start_pending(struct partition *p, char *reason, size_t size)
{
	unsigned i = p->id;
	if (i >= next.partition_count || p->cfg != &live->partitions[i] ||
	    !partition_settings_differ(&next.partitions[i], p->cfg))
		return 0;
	if (next.partitions[i].memory > p->cfg->memory && !memory_fits(&next.partitions[i])) {
		snprintf(reason, size, "its new memory (%llu MiB) is not free in one block",
			 (unsigned long long)(next.partitions[i].memory >> 20));
		return -1;
	}
	copy_partition_settings(p->cfg, &next.partitions[i]);
	klog(LOG_INFO, "partition '%s': pending settings now in force", p->name);
	return 0;
}

void settings_follow_live(const struct partition *p)
{
	if (p->id < next.partition_count && p->cfg == &live->partitions[p->id]) {
		next.partitions[p->id].memory = p->cfg->memory;
		next.partitions[p->id].cpus = p->cfg->cpus;
	}
}

const struct hv_config *settings_live_hv(void) { return &live->hv; }

int settings_write(bool changes_only, char *buf, size_t size)
{
	struct config_write_options opt = { 0 };
	if (changes_only)
		opt.only_changes_from = &file_cfg;
	else
		opt.mark_changes_from = live;
	return config_write(&next, &opt, buf, size);
}

static uint32_t saved_status;

void settings_firmware_init(uint64_t efi_set_variable, uint64_t buffer_pa, uint32_t status)
{
	set_variable = (efi_set_variable_fn)efi_set_variable;
	fw = buffer_pa ? (struct firmware_buffer *)buffer_pa : NULL;
	saved_status = status;
	if (fw) {
		static const uint16_t name[] = SAVED_SETTINGS_NAME_UTF16;
		static const struct efi_guid guid = SAVED_SETTINGS_GUID_DATA;
		memcpy(fw->name, name, sizeof name);
		fw->guid = guid;
	}
}

uint32_t settings_saved_status(void) { return saved_status; }

/* The firmware reads fw->text: the caller has put the text there. */
static int store_buffer(size_t n, char *reason, size_t size)
{
	uint64_t status = set_variable(fw->name, &fw->guid, SAVED_SETTINGS_ATTRIBUTES, (uint64_t)n,
				       fw->text);
	if (status == EFI_NOT_FOUND_STATUS && n == 0)
		status = 0;                     /* there was nothing to delete */
	if (status) {
		snprintf(reason, size, "the firmware refused to write UEFI variable %s (status %#llx)",
			 SAVED_SETTINGS_NAME, (unsigned long long)status);
		klog(LOG_WARN, "settings: %s", reason);
		return -1;
	}
	return 0;
}

static bool firmware_ready(char *reason, size_t size)
{
	if (set_variable && fw)
		return true;
	snprintf(reason, size, "the firmware offers no variable services");
	return false;
}

int settings_store(const char *text, size_t len, char *reason, size_t size)
{
	if (!firmware_ready(reason, size))
		return -1;
	if (len > SAVED_SETTINGS_MAX) {
		snprintf(reason, size, "%u bytes is more than the %u a saved set may have",
			 (unsigned)len, (unsigned)SAVED_SETTINGS_MAX);
		return -1;
	}
	memcpy(fw->text, text, len);
	return store_buffer(len, reason, size);
}

int settings_save(bool revert, uint32_t *stored, char *reason, size_t size)
{
	*stored = 0;
	if (!firmware_ready(reason, size))
		return -1;
	int n = revert ? 0 : settings_write(true, fw->text, sizeof fw->text);
	if (n < 0 || (size_t)n >= sizeof fw->text) {
		snprintf(reason, size, "the changes are %d bytes, more than the %u a saved set may have",
			 n, (unsigned)SAVED_SETTINGS_MAX);
		return -1;
	}
	/* No changes against the file: nothing to keep, so the variable goes (size 0 deletes). */
	if (store_buffer((size_t)n, reason, size))
		return -1;
	*stored = (uint32_t)n;
	klog(LOG_INFO, "settings: %s (UEFI variable %s, %d bytes)", revert ? "saved changes dropped" :
	     n ? "changes saved for the next boot" : "nothing differs from bulkhead.cfg: saved "
	     "changes removed", SAVED_SETTINGS_NAME, n);
	return 0;
}
