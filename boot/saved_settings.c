/*
 * The loader's half of saved settings (include/saved_settings.h): read the variable the
 * hypervisor's `save` wrote, apply it onto the ESP's config with the config's own parser, and
 * validate the result as the file alone would be. Either all of it applies and the loader says
 * so, line by line, or none of it does and the loader says why and boots the file as it is: a
 * stored set that no longer fits the file (a partition renamed, RAM that shrank) must never be
 * half-applied, and must never stop the machine from booting.
 */
#include <stdio.h>
#include <string.h>
#include "boot/loader.h"
#include "lib/config/config.h"
#include "saved_settings.h"

static CHAR16 var_name[] = SAVED_SETTINGS_NAME_UTF16;
static EFI_GUID var_guid = SAVED_SETTINGS_GUID_DATA;
static struct config_errors saved_errors;

/* Says each line of text, indented. */
static void say_lines(const char *text, UINTN len)
{
	UINTN start = 0;
	for (UINTN i = 0; i <= len; i++) {
		if (i == len || text[i] == '\n') {
			if (i > start)
				boot_say("  %.*s", (int)(i - start), text + start);
			start = i + 1;
		}
	}
}

UINTN saved_settings_apply(struct config *cfg, UINT64 usable_ram, char *text, UINTN size,
			   UINT32 *status)
{
	*status = SAVED_NONE;
	UINTN len = size - 1;
	UINT32 attributes = 0;
	EFI_STATUS st = RT->GetVariable(var_name, &var_guid, &attributes, &len, text);
	if (st == EFI_NOT_FOUND)
		return 0;
	if (EFI_ERROR(st)) {
		boot_say("saved settings: cannot read the UEFI variable %s (status %#llx): ignored",
			 SAVED_SETTINGS_NAME, (unsigned long long)st);
		*status = SAVED_UNREADABLE;
		return 0;
	}
	text[len] = '\0';
	static struct config with;
	with = *cfg;
	struct config_limits lim = {
		.ram_available = 0, .cpu_count = 0,
	};
	int errors = config_parse_changes(text, len, &with, &saved_errors);
	/* `save` never writes these; a set that has one was not written by the shell. */
	const char *file_only = errors ? NULL : config_file_only_change(cfg, &with);
	if (file_only) {
		boot_say("saved settings (UEFI variable %s, %llu bytes) change %s, which only "
			 "bulkhead.cfg may set, and are ignored, all of them", SAVED_SETTINGS_NAME,
			 (unsigned long long)len, file_only);
		boot_say("  (the shell's 'config revert' removes them)");
		*status = SAVED_FILE_ONLY;
		return 0;
	}
	if (!errors) {
		lim.ram_available = usable_ram > with.hv.memory ? usable_ram - with.hv.memory : 0;
		errors = config_validate(&with, &lim, &saved_errors);
	}
	if (errors) {
		boot_say("saved settings (UEFI variable %s, %llu bytes) do not fit this bulkhead.cfg "
			 "and are ignored, all of them:", SAVED_SETTINGS_NAME, (unsigned long long)len);
		char line[200];
		for (unsigned i = 0; i < saved_errors.count; i++) {
			config_format_error(line, sizeof line, SAVED_SETTINGS_NAME, &saved_errors.list[i]);
			boot_say("  %s", line);
		}
		boot_say("  (the shell's 'config revert' removes them)");
		*status = SAVED_IGNORED;
		return 0;
	}
	*cfg = with;
	*status = SAVED_APPLIED;
	boot_say("saved settings (UEFI variable %s, %llu bytes) applied on top of bulkhead.cfg:",
		 SAVED_SETTINGS_NAME, (unsigned long long)len);
	say_lines(text, len);
	return len;
}
