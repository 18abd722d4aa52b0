/*
 * Declarations shared by the files of the UEFI loader (boot/). The loader is the only part of
 * Bulkhead that talks to firmware: it reads the config and images from the ESP, reserves the
 * hypervisor's region, places the kernel, exits boot services and jumps. Nothing declared here
 * is visible to the kernel; what crosses over is struct boot_info alone.
 */
#ifndef BULKHEAD_BOOT_LOADER_H
#define BULKHEAD_BOOT_LOADER_H

#include <efi.h>
#include <efilib.h>
#include "boot_info.h"

/* saved_settings.c: applies the settings `save` stored (a UEFI variable) onto cfg when they
 * parse and validate there, saying so; returns their length (their text in text), 0 if none
 * were applied, and in *status what was found (enum saved_settings_status). usable_ram: all
 * RAM partitions and the reservation can have. */
struct config;
UINTN saved_settings_apply(struct config *cfg, UINT64 usable_ram, char *text, UINTN size,
			   UINT32 *status);

/* console.c: boot_say() to the UART; boot_error() to the UART and ConOut (until EBS). */
void boot_console_init(uint16_t port, uint32_t baud);
void boot_console_exit_boot_services(void);       /* from now on: UART only */
void boot_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void boot_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* esp_files.c: files next to the loader on the ESP. */
struct esp_folder {
	EFI_FILE_HANDLE root;
	CHAR16 folder[256];          /* e.g. "\\EFI\\BOOT\\", with the trailing backslash */
	char folder_ascii[256];
};
EFI_STATUS esp_open_folder(EFI_HANDLE image, struct esp_folder *esp);
/* Reads `name` (relative to the folder) into freshly allocated pages of `type`. On success
 * buf and size describe the file; `max` bounds the size (0: no bound). EFI_NOT_FOUND when absent. */
EFI_STATUS esp_read_file(struct esp_folder *esp, const char *name, EFI_MEMORY_TYPE type,
			 UINT64 max, EFI_PHYSICAL_ADDRESS *buf, UINT64 *size);

/* memory_map.c */
struct efi_map {
	EFI_MEMORY_DESCRIPTOR *desc;
	UINTN size, capacity, key, desc_size;
	UINT32 desc_version;
};
EFI_STATUS efi_map_alloc(struct efi_map *m);       /* buffer with room for growth */
EFI_STATUS efi_map_read(struct efi_map *m);        /* no allocation: safe right before EBS */
/* Translates into Bulkhead's neutral map (normalized). Returns entries, or -1 if too many. */
int efi_map_to_regions(const struct efi_map *m, struct mem_region *out, unsigned max);

/* kernel_image.c: checks the embedded kernel ELF and copies its segments to `dest`. */
EFI_STATUS kernel_image_place(const void *elf, UINT64 elf_size, EFI_PHYSICAL_ADDRESS dest,
			      UINT64 room, UINT64 *image_size, UINT64 *entry);

/* cpu_list.c: the firmware's CPU list (MP Services) and the APs' start-up pages. */
void boot_take_cpu_list(struct boot_info *bi);
void boot_reserve_ap_trampoline(struct boot_info *bi, UINT64 size);

/* handoff.c */
__attribute__((noreturn)) void handoff_jump(UINT64 cr3, UINT64 entry, UINT64 boot_info);

/* blobs.S */
extern const char kernel_elf_image[], kernel_elf_image_end[];
extern const char default_config_text[], default_config_text_end[];
extern const char builtin_demo_elf[], builtin_demo_elf_end[];
extern const char builtin_mgmt_elf[], builtin_mgmt_elf_end[];

#endif
