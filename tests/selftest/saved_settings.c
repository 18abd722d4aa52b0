/*
 * Linked only into the saved-settings test kernel (build/bulkhead-savetest.efi), which the QEMU
 * suite boots four times in one run, with OVMF's variable store on a writable flash image and
 * reboots allowed. Each boot looks at what the loader found and takes the next step, so the
 * whole round trip runs through the real code: the hypervisor's SetVariable at run time, a
 * reboot, the loader reading the variable and applying it (or refusing all of it), and the
 * kernel's settings afterwards.
 *   boot 1 (nothing saved): stores a set that changes demo's image, a key only the file may
 *           set (what someone with the firmware's variable store, not the shell, could write);
 *           reboots.
 *   boot 2 (that set was refused for it): stores a set that names a partition the config
 *           lacks; reboots.
 *   boot 3 (that set was ignored): makes a real change through settings_change, saves it with
 *           settings_save as the shell's `save` does; reboots.
 *   boot 4 (applied): says what is in force (the host summary has already printed it), then
 *           drops the saved set as `config revert` does, and lets the boot go on.
 */
#include <stddef.h>
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/settings.h"
#include "saved_settings.h"

static void reboot(const char *why)
{
	machine_stop_init_action(STOP_REBOOT);
	machine_stop(why);
}

void selftest_after_summary(void)
{
	static char why[160];
	static char text[1024];
	uint32_t stored = 0;
	switch (settings_saved_status()) {
	case SAVED_NONE: {
		static const char forged[] = "[hypervisor]\nhostname = forged\n"
					     "[partition demo]\nimage = evil.elf\n";
		kprintf("[hv] savetest: boot 1: storing a set that changes a key only the file may set\n");
		if (settings_store(forged, sizeof forged - 1, why, sizeof why)) {
			kprintf("[hv] savetest: storing failed: %s\n", why);
			return;
		}
		reboot("savetest: reboot with the stored set");
		return;
	}
	case SAVED_FILE_ONLY: {
		static const char bad[] = "[partition nosuch]\nmemory = 64M\n";
		kprintf("[hv] savetest: boot 2: the forged set was refused; storing a set that names "
			"no partition of this config\n");
		if (settings_store(bad, sizeof bad - 1, why, sizeof why)) {
			kprintf("[hv] savetest: storing failed: %s\n", why);
			return;
		}
		reboot("savetest: reboot with the stored set");
		return;
	}
	case SAVED_IGNORED: {
		static const char change[] = "[hypervisor]\nhostname = saved-in-qemu\nmemory = 80M\n";
		kprintf("[hv] savetest: boot 3: the stored set was ignored; changing and saving\n");
		if (settings_change(change, sizeof change - 1, "savetest", why, sizeof why)) {
			kprintf("[hv] savetest: the change was refused: %s\n", why);
			return;
		}
		if (settings_save(false, &stored, why, sizeof why)) {
			kprintf("[hv] savetest: saving failed: %s\n", why);
			return;
		}
		kprintf("[hv] savetest: saved %u bytes\n", (unsigned)stored);
		reboot("savetest: reboot with the saved change");
		return;
	}
	case SAVED_APPLIED:
		settings_write(true, text, sizeof text);
		kprintf("[hv] savetest: boot 4: the saved change is in force; changes against the "
			"file now:\n%s", text);
		if (settings_save(true, &stored, why, sizeof why))
			kprintf("[hv] savetest: dropping the saved set failed: %s\n", why);
		else
			kprintf("[hv] savetest: the saved set is dropped\n");
		return;
	default:
		kprintf("[hv] savetest: the loader could not read the variable\n");
		return;
	}
}
