/*
 * Where settings changed in the shell are kept across a reboot: one UEFI variable, written by
 * the hypervisor through runtime services (`save`) and read by the loader at the next boot. A
 * variable is the one store every UEFI machine has without a disk driver in the hypervisor:
 * writing the ESP's FAT from bare metal would need a storage stack, and the firmware's NVRAM
 * is there and is meant for exactly this. Its content is bulkhead.cfg text holding only the
 * changes against the ESP's file (lib/config, config_write with only_changes_from), so the
 * loader applies it with the config's own parser and validator, or ignores all of it.
 */
#ifndef BULKHEAD_SAVED_SETTINGS_H
#define BULKHEAD_SAVED_SETTINGS_H

#include <stdint.h>

/* L"BulkheadSettings" in the vendor GUID below. */
#define SAVED_SETTINGS_NAME_UTF16 \
	{ 'B','u','l','k','h','e','a','d','S','e','t','t','i','n','g','s', 0 }
#define SAVED_SETTINGS_NAME "BulkheadSettings"
/* Bulkhead's own vendor GUID for its variables (made for it, registered nowhere else). */
#define SAVED_SETTINGS_GUID_DATA \
	{ 0x6b1c3f2e, 0x9d4a, 0x4e51, { 0xa7, 0x3b, 0x52, 0x8e, 0x1f, 0x90, 0xc4, 0x2d } }
/* Non-volatile, readable at boot and at run time (UEFI 2.x, "GetVariable()"). */
#define SAVED_SETTINGS_ATTRIBUTES 0x7u
/* Firmware limits a variable's size (OVMF: 8 KiB with its header); the changes stay well
 * below, and a larger set is refused by `save`, never cut. */
#define SAVED_SETTINGS_MAX 4096

/* What the loader found at boot. */
enum saved_settings_status {
	SAVED_NONE = 0,        /* no variable */
	SAVED_APPLIED = 1,     /* applied on top of bulkhead.cfg */
	SAVED_IGNORED = 2,     /* there, but it did not parse or validate: ignored, all of it */
	SAVED_UNREADABLE = 3,  /* the firmware could not read it */
	SAVED_FILE_ONLY = 4,   /* there, but it changes a key only bulkhead.cfg may set (which
	                        * `save` never writes): ignored, all of it */
};

#endif
