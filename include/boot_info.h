/*
 * struct boot_info: the one thing boot/ hands to the kernel. It is written by the UEFI loader
 * into the hypervisor's reserved region just before ExitBootServices and read by the kernel, so
 * it contains nothing of EFI: the memory map is already translated into Bulkhead's own region
 * types, and files read from the ESP are described as boot modules. Both sides check magic and
 * version; a mismatch means a loader and kernel from different builds.
 */
#ifndef BULKHEAD_BOOT_INFO_H
#define BULKHEAD_BOOT_INFO_H

#include <stdint.h>
#include "param.h"

#define BOOT_INFO_MAGIC   0x4f464e49544f4f42ull   /* "BOOTINFO" little-endian */
#define BOOT_INFO_VERSION 3

/* The high-half address the kernel ELF is linked at (see linker.ld); the loader maps it onto
 * the start of the reserved region with 2 MiB pages. */
#define KERNEL_VIRT_BASE  0xffffffff80000000ull

enum mem_type {
	MEM_USABLE = 1,         /* free for the frame allocator once the kernel runs */
	MEM_RESERVED,           /* firmware-reserved, holes, anything unknown */
	MEM_ACPI_RECLAIM,       /* ACPI tables: kept, the kernel reads them */
	MEM_ACPI_NVS,
	MEM_RUNTIME_CODE,       /* UEFI runtime services: must stay mapped, executable */
	MEM_RUNTIME_DATA,
	MEM_MMIO,
	MEM_UNUSABLE,           /* reported bad by the firmware */
	MEM_HYPERVISOR,         /* Bulkhead's own reserved region */
	MEM_MODULE,             /* a file loaded from the ESP (image, initrd) */
};

struct mem_region {
	uint64_t base;
	uint64_t size;
	uint32_t type;          /* enum mem_type */
	uint32_t reserved;
};

struct boot_module {
	char     name[CONFIG_PATH_MAX];   /* the path as the config names it */
	uint64_t base;                    /* physical, page aligned */
	uint64_t size;                    /* bytes of file content */
};

enum config_source { CONFIG_FROM_FILE = 1, CONFIG_EMBEDDED = 2 };

struct boot_info {
	uint64_t magic;
	uint32_t version;
	uint32_t size;                  /* sizeof(struct boot_info), checked by the kernel */

	uint64_t hv_base, hv_size;      /* the reserved region, 2 MiB aligned */
	uint64_t hv_used;               /* bytes at hv_base already used by the loader */
	uint64_t kernel_size;           /* kernel image bytes at hv_base (incl. bss) */

	uint64_t rsdp;                  /* physical address of the ACPI RSDP, 0 if none */
	uint64_t efi_reset_system;      /* UEFI runtime ResetSystem(), 0 if none */

	uint64_t config_text;           /* physical address of the config text (NUL-terminated) */
	uint32_t config_len;
	uint32_t config_source;         /* enum config_source */

	uint64_t loader_start_tsc;      /* TSC when the loader started: boot time measurement */
	uint64_t loader_exit_tsc;       /* TSC just before the jump to the kernel */
	uint64_t boot_page_tables;      /* physical CR3 the loader used for the jump */
	/* The firmware's wall clock (UEFI GetTime, taken as UTC when the firmware gives no time
	 * zone) and the TSC when it was read; wallclock_valid 0 when the firmware had none. The
	 * virtual CMOS clocks of partitions run from it. */
	int64_t  wallclock_unix;
	uint64_t wallclock_tsc;
	uint32_t wallclock_valid;
	uint32_t reserved1;

	/* The CPUs the firmware's MP Services protocol listed before ExitBootServices (the only
	 * list there is where the firmware publishes no ACPI MADT, as OVMF under Bochs), and the
	 * pages below 1 MiB the loader reserved for the application processors' start-up code
	 * (a start-up IPI can only point below 1 MiB). fw_cpu_count 0: no MP Services. */
	uint32_t fw_cpu_count;          /* processors the firmware reports */
	uint32_t fw_cpus_listed;        /* entries in fw_cpu_apic_ids (at most MAX_CPUS) */
	uint32_t fw_bsp_apic_id;
	uint32_t fw_cpus_disabled;      /* reported but not enabled or not healthy: left out */
	uint32_t fw_cpu_apic_ids[MAX_CPUS];
	uint64_t ap_trampoline;         /* physical, 4 KiB aligned, below 1 MiB; 0 if none */
	uint64_t ap_trampoline_size;

	/* Settings the shell saved (include/saved_settings.h) that the loader applied on top of
	 * the config text: their bulkhead.cfg text (NUL-terminated), 0 bytes if none applied; and
	 * UEFI runtime SetVariable(), with which `save` writes them, 0 if none. */
	uint64_t saved_settings;
	uint32_t saved_settings_len;
	uint32_t saved_settings_status; /* enum saved_settings_status */
	uint64_t efi_set_variable;

	uint32_t mem_count;
	uint32_t module_count;
	struct mem_region  mem[MAX_MEM_REGIONS];
	struct boot_module modules[MAX_BOOT_MODULES];
};

#endif
