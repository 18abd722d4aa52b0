/*
 * The settings the management shell changes at run time (`set`, `config`): the configuration
 * as the ESP's file gave it, as it is in force now, and as the next start of each partition and
 * the next boot will have it. Changes arrive as bulkhead.cfg text and go through the same
 * parser and validator as the file (lib/config), so they are refused with the file's error
 * texts. Only the boot CPU calls these (management hypercalls run there).
 */
#ifndef BULKHEAD_SETTINGS_H
#define BULKHEAD_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/config/config.h"

struct partition;

/* live: the config the partitions point into, as validated at boot; ram_available: partition
 * RAM at boot (the limit the file was checked against). */
void settings_init(struct config *live, const struct config *file, uint64_t ram_available,
		   unsigned cpu_count, uint64_t cpus_online);

/* `save` writes through UEFI runtime SetVariable (0: the firmware has none). The firmware runs
 * in physical mode, so what it reads must be in identity-mapped memory: buffer_pa, this many
 * bytes from the hypervisor's own pool. */
#define SETTINGS_FIRMWARE_BUFFER (8 * 1024)
void settings_firmware_init(uint64_t efi_set_variable, uint64_t buffer_pa, uint32_t saved_status);
/* What the loader found at this boot (enum saved_settings_status). */
uint32_t settings_saved_status(void);

/* Writes text (len bytes, at most SAVED_SETTINGS_MAX; 0 deletes) as the saved settings, as
 * `save` does after building it; the saved-settings test kernel also stores a set that does
 * not fit with it. 0, or -1 and why in reason. */
int settings_store(const char *text, size_t len, char *reason, size_t size);

/* `save`: stores the changes against the ESP's file (none: removes the variable). Returns 0
 * and the bytes stored in *stored, or a negative code and why in reason. `config revert`:
 * removes them (revert true); the next boot uses the file alone. */
int settings_save(bool revert, uint32_t *stored, char *reason, size_t size);

/*
 * Applies changes (text in bulkhead.cfg syntax; see README "Changing settings"): parsed onto
 * the next config and validated whole. On success the host name, log level and escape key are
 * in force at once, and so is a partition's memory, CPUs, vCPUs, command line and autostart if
 * it is not running; otherwise they wait for its next start (settings_start_pending), and the
 * hypervisor's memory reservation for the next boot. Returns 0, or the number of errors, each
 * one line of `errors` (NUL-terminated, cut off where it ends), and then nothing has changed.
 */
int settings_change(const char *text, size_t len, const char *who, char *errors, size_t size);

/* Before the shell starts p: its pending settings go into force. 0, or -1 (and why, in
 * reason) if its new memory does not fit now; it then stays stopped and they stay pending. */
int settings_start_pending(struct partition *p, char *reason, size_t size);

/* `mem` and `cpus` changed a stopped partition's config directly: the next config follows. */
void settings_follow_live(const struct partition *p);

/* The hypervisor settings in force now (the shell's login reads its password hash here). */
const struct hv_config *settings_live_hv(void);

/* The next config as text with pending values marked (full), or its changes against the
 * ESP's file (changes_only). Returns the length the whole text needs. */
int settings_write(bool changes_only, char *buf, size_t size);

#endif
