/*
 * The UEFI loader's main line (BOOTX64.EFI). In order: read bulkhead.cfg from our own folder
 * (or use the embedded default), parse and validate it, reserve the hypervisor's region, place
 * the kernel, load every image the config names, find the ACPI RSDP, build boot page tables,
 * exit boot services (retrying once with a fresh map key, as the UEFI spec allows) and jump.
 * Every failure prints one clear line on the serial port and the screen and returns to the
 * firmware with an error status: nothing is started on bad input.
 *
 * efi_main is called by Debian's gnu-efi crt0 with the SysV convention, so it is not EFIAPI.
 */
#include <stdio.h>
#include <string.h>
#include "boot/loader.h"
#include "ap_trampoline.h"
#include "saved_settings.h"
#include "drivers/uart16550.h"
#include "lib/config/config.h"
#include "kernel/x86.h"
#include "mm/memmap.h"
#include "mm/paging.h"

#define TWO_MIB (2ull << 20)

static struct config cfg;
static struct config_errors cfg_errors;

/* Bump allocator over the reserved region for the boot page tables. */
struct bump { UINT64 next, end; };
static uint64_t *bump_table(void *arg)
{
	struct bump *b = arg;
	if (b->next + EFI_PAGE_SIZE > b->end)
		return NULL;
	uint64_t *t = (uint64_t *)(UINTN)b->next;
	b->next += EFI_PAGE_SIZE;
	for (int i = 0; i < 512; i++)
		t[i] = 0;
	return t;
}

/* Firmware status codes in words (gnu-efi's table), for error lines an administrator reads. */
static const char *status_text(EFI_STATUS st)
{
	static char text[64];
	CHAR16 wide[64];
	StatusToString(wide, st);
	unsigned i;
	for (i = 0; i < sizeof text - 1 && wide[i]; i++)
		text[i] = wide[i] < 128 ? (char)wide[i] : '?';
	text[i] = 0;
	return text;
}

static int report_config_errors(const char *file)
{
	char line[200];
	for (unsigned i = 0; i < cfg_errors.count; i++) {
		config_format_error(line, sizeof line, file, &cfg_errors.list[i]);
		boot_error("%s", line);
	}
	if (cfg_errors.dropped)
		boot_error("%s: ... and %u more errors", file, cfg_errors.dropped);
	boot_error("%u error(s) in %s: nothing was started", cfg_errors.count + cfg_errors.dropped, file);
	return -1;
}

/* Reserves `size` bytes on a 2 MiB boundary (the kernel is mapped with 2 MiB pages). UEFI has
 * no aligned allocation, so take size + 2 MiB and give back the unaligned head and tail. */
static EFI_STATUS reserve_region(UINT64 size, EFI_PHYSICAL_ADDRESS *base)
{
	UINTN pages = EFI_SIZE_TO_PAGES(size + TWO_MIB);
	EFI_PHYSICAL_ADDRESS raw = 0;
	EFI_STATUS st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages, &raw);
	if (EFI_ERROR(st))
		return st;
	EFI_PHYSICAL_ADDRESS aligned = (raw + TWO_MIB - 1) & ~(TWO_MIB - 1);
	if (aligned > raw)
		BS->FreePages(raw, EFI_SIZE_TO_PAGES(aligned - raw));
	EFI_PHYSICAL_ADDRESS tail = aligned + size, raw_end = raw + pages * EFI_PAGE_SIZE;
	if (raw_end > tail)
		BS->FreePages(tail, EFI_SIZE_TO_PAGES(raw_end - tail));
	*base = aligned;
	return EFI_SUCCESS;
}

static UINT64 find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	UINT64 found = 0;
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		if (CompareGuid(&t->VendorGuid, &acpi20) == 0)
			return (UINT64)(UINTN)t->VendorTable;     /* prefer the XSDT-capable one */
		if (CompareGuid(&t->VendorGuid, &acpi10) == 0)
			found = (UINT64)(UINTN)t->VendorTable;
	}
	return found;
}

/* Images the embedded default config names come from inside this loader, so a bare ESP holding
 * only BOOTX64.EFI still boots something real. */
/* Days from 1970-01-01 to a date of the proleptic Gregorian calendar: whole 400-year eras
 * (146097 days each) from 0000-03-01, then the day of the era, with the year starting in
 * March so that the leap day falls last. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* UEFI spec 2.9, 8.3 "Time Services": GetTime reads the PC's real-time clock. Its TimeZone
 * field is not applied: on PC firmware it is a value the firmware stores, not what the clock
 * is set to (OVMF under Bochs, whose clock runs in UTC, reports an hour's offset), and servers
 * keep the clock in UTC. Partitions therefore see the clock as UTC. */
static void read_wallclock(struct boot_info *bi)
{
	EFI_TIME t;
	if (EFI_ERROR(RT->GetTime(&t, NULL)) || t.Month < 1 || t.Month > 12 || t.Day < 1 ||
	    t.Day > 31 || t.Hour > 23 || t.Minute > 59 || t.Second > 59)
		return;
	bi->wallclock_tsc = rdtsc();
	int64_t secs = days_from_civil(t.Year, t.Month, t.Day) * 86400 + t.Hour * 3600 +
		       t.Minute * 60 + t.Second;
	bi->wallclock_unix = secs;
	bi->wallclock_valid = 1;
	boot_say("wall clock %04u-%02u-%02u %02u:%02u:%02u (the firmware's time zone field: %d)",
		 t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, (int)t.TimeZone);
}

static EFI_STATUS read_builtin(const char *name, EFI_PHYSICAL_ADDRESS *addr, UINT64 *size)
{
	const char *start, *end;
	if (strcmp(name, "hello.elf") == 0)
		start = builtin_demo_elf, end = builtin_demo_elf_end;
	else if (strcmp(name, "mgmt.elf") == 0)
		start = builtin_mgmt_elf, end = builtin_mgmt_elf_end;
	else
		return EFI_NOT_FOUND;
	*size = (UINT64)(end - start);
	EFI_STATUS st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, EFI_SIZE_TO_PAGES(*size), addr);
	if (!EFI_ERROR(st))
		memcpy((void *)(UINTN)*addr, start, *size);
	return st;
}

static EFI_STATUS load_module(struct esp_folder *esp, struct boot_info *bi, const char *name,
			      const char *partition, int builtin)
{
	/* Partitions that boot the same kernel or initrd share one copy: the kernel only reads
	 * modules, copying them into each partition's own memory. */
	for (unsigned i = 0; i < bi->module_count; i++)
		if (strcmp(bi->modules[i].name, name) == 0)
			return EFI_SUCCESS;
	EFI_PHYSICAL_ADDRESS addr;
	UINT64 size;
	EFI_STATUS st = builtin ? read_builtin(name, &addr, &size)
				: esp_read_file(esp, name, EfiLoaderData, 0, &addr, &size);
	if (EFI_ERROR(st)) {
		boot_error("cannot read %s%s for partition '%s': %s", builtin ? "built-in " : esp->folder_ascii,
			   name, partition,
			   st == EFI_NOT_FOUND ? "no such file" :
			   st == EFI_OUT_OF_RESOURCES ? "not enough memory" : "firmware read error");
		return st;
	}
	struct boot_module *m = &bi->modules[bi->module_count++];
	strncpy(m->name, name, sizeof m->name - 1);
	m->base = addr;
	m->size = size;
	boot_say("loaded %s (%llu KiB) for partition '%s'", name,
		 (unsigned long long)(size + 1023) / 1024, partition);
	return EFI_SUCCESS;
}

/* Identity-maps [0, top) and maps KERNEL_VIRT_BASE onto the reserved region. Permissive on
 * purpose: the kernel replaces these tables with its own W^X ones at once. */
static UINT64 build_boot_page_tables(struct bump *b, UINT64 top, UINT64 hv_base, UINT64 hv_size)
{
	struct pt_ctx ctx = { .alloc_table = bump_table, .arg = b,
			      .allow_1g = (cpuid(0x80000001, 0).edx >> 26) & 1 };
	uint64_t *pml4 = bump_table(b);
	if (!pml4 || pt_map(&ctx, pml4, 0, 0, top, PTE_W) != 0 ||
	    pt_map(&ctx, pml4, KERNEL_VIRT_BASE, hv_base, hv_size, PTE_W) != 0)
		return 0;
	return (UINT64)(UINTN)pml4;
}

static EFI_STATUS run(EFI_HANDLE image)
{
	UINT64 start_tsc = rdtsc();
	boot_console_init(UART_COM1, 115200);
	BS->SetWatchdogTimer(0, 0, 0, NULL);   /* large images can take longer than 5 minutes */
	boot_say("Bulkhead %s loader", BULKHEAD_VERSION);

	struct esp_folder esp;
	EFI_STATUS st = esp_open_folder(image, &esp);
	if (EFI_ERROR(st)) {
		boot_error("cannot open the ESP folder this loader came from: %s", status_text(st));
		return st;
	}

	/* The config: bulkhead.cfg next to us, else the embedded default. */
	EFI_PHYSICAL_ADDRESS cfg_addr;
	UINT64 cfg_size;
	const char *cfg_text, *cfg_name;
	UINT32 cfg_source;
	char cfg_path[300];
	st = esp_read_file(&esp, "bulkhead.cfg", EfiLoaderData, CONFIG_TEXT_MAX, &cfg_addr, &cfg_size);
	if (st == EFI_SUCCESS) {
		snprintf(cfg_path, sizeof cfg_path, "%sbulkhead.cfg", esp.folder_ascii);
		cfg_text = (const char *)(UINTN)cfg_addr;
		cfg_name = "bulkhead.cfg";
		cfg_source = CONFIG_FROM_FILE;
	} else if (st == EFI_NOT_FOUND) {
		snprintf(cfg_path, sizeof cfg_path, "embedded default config");
		cfg_text = default_config_text;
		cfg_size = (UINT64)(default_config_text_end - default_config_text);
		cfg_name = "default.cfg";
		cfg_source = CONFIG_EMBEDDED;
	} else {
		boot_error("cannot read %sbulkhead.cfg: %s", esp.folder_ascii,
			   st == EFI_BAD_BUFFER_SIZE ? "larger than 64 KiB" : "firmware read error");
		return st;
	}
	boot_say("config: %s", cfg_path);
	if (config_parse(cfg_text, cfg_size, &cfg, &cfg_errors) != 0) {
		report_config_errors(cfg_name);
		return EFI_LOAD_ERROR;
	}
	if (cfg.hv.serial_port != UART_COM1 || cfg.hv.baud != 115200)
		boot_console_init(cfg.hv.serial_port, cfg.hv.baud);

	/* Validate against the RAM the firmware reports; the kernel checks again with the CPUs. */
	struct efi_map map;
	static struct mem_region regions[MAX_MEM_REGIONS];
	st = efi_map_alloc(&map);
	if (!EFI_ERROR(st))
		st = efi_map_read(&map);
	int nreg = EFI_ERROR(st) ? -1 : efi_map_to_regions(&map, regions, MAX_MEM_REGIONS);
	if (nreg < 0) {
		boot_error("cannot read the firmware memory map");
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	}
	struct memmap_totals tot;
	memmap_totals(regions, (unsigned)nreg, &tot);
	static char saved[SAVED_SETTINGS_MAX + 1];
	UINT32 saved_status = SAVED_NONE;
	UINTN saved_len = cfg_source == CONFIG_FROM_FILE ?
		saved_settings_apply(&cfg, tot.usable, saved, sizeof saved, &saved_status) : 0;
	struct config_limits lim = {
		.ram_available = tot.usable > cfg.hv.memory ? tot.usable - cfg.hv.memory : 0,
		.cpu_count = 0,
	};
	if (config_validate(&cfg, &lim, &cfg_errors) != 0) {
		report_config_errors(cfg_name);
		return EFI_LOAD_ERROR;
	}

	EFI_PHYSICAL_ADDRESS hv_base;
	st = reserve_region(cfg.hv.memory, &hv_base);
	if (EFI_ERROR(st)) {
		boot_error("cannot reserve %llu MiB for the hypervisor: not enough free memory",
			   (unsigned long long)(cfg.hv.memory >> 20));
		return st;
	}
	UINT64 kernel_size, entry;
	st = kernel_image_place(kernel_elf_image, (UINT64)(kernel_elf_image_end - kernel_elf_image),
				hv_base, cfg.hv.memory, &kernel_size, &entry);
	if (EFI_ERROR(st))
		return st;

	/* boot_info, then the config text, then the page tables, all after the kernel image. */
	struct boot_info *bi = (struct boot_info *)(UINTN)(hv_base + kernel_size);
	memset(bi, 0, sizeof *bi);
	UINT64 next = (hv_base + kernel_size + sizeof *bi + 4095) & ~4095ull;
	char *cfg_copy = (char *)(UINTN)next;
	memcpy(cfg_copy, cfg_text, cfg_size);
	cfg_copy[cfg_size] = 0;
	next = (next + cfg_size + 1 + 4095) & ~4095ull;
	/* The saved settings the kernel applies the same way (only when they applied here). */
	char *saved_copy = (char *)(UINTN)next;
	memcpy(saved_copy, saved, saved_len);
	saved_copy[saved_len] = 0;
	next = (next + saved_len + 1 + 4095) & ~4095ull;

	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof *bi;
	bi->hv_base = hv_base;
	bi->hv_size = cfg.hv.memory;
	bi->kernel_size = kernel_size;
	bi->config_text = (UINT64)(UINTN)cfg_copy;
	bi->config_len = (UINT32)cfg_size;
	bi->config_source = cfg_source;
	bi->rsdp = find_rsdp();
	bi->efi_reset_system = (UINT64)(UINTN)RT->ResetSystem;
	bi->efi_set_variable = (UINT64)(UINTN)RT->SetVariable;
	bi->saved_settings = (UINT64)(UINTN)saved_copy;
	bi->saved_settings_len = (UINT32)saved_len;
	bi->saved_settings_status = saved_status;
	bi->loader_start_tsc = start_tsc;
	read_wallclock(bi);
	boot_take_cpu_list(bi);
	boot_reserve_ap_trampoline(bi, AP_TRAMPOLINE_SIZE);

	for (unsigned i = 0; i < cfg.partition_count; i++) {
		const struct partition_config *p = &cfg.partitions[i];
		int builtin = cfg_source == CONFIG_EMBEDDED;
		st = load_module(&esp, bi, p->image, p->name, builtin);
		if (!EFI_ERROR(st) && p->initrd[0])
			st = load_module(&esp, bi, p->initrd, p->name, builtin);
		if (EFI_ERROR(st))
			return st;
	}

	/* Page tables must cover everything the kernel touches before it has its own: all RAM,
	 * ACPI, runtime services and the MMIO below 4 GiB (local APIC, UART-less consoles...). */
	UINT64 top = 1ull << 32;
	for (int i = 0; i < nreg; i++)
		if (regions[i].type != MEM_RESERVED && regions[i].base + regions[i].size > top)
			top = regions[i].base + regions[i].size;
	top = (top + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	struct bump bump = { .next = next, .end = hv_base + cfg.hv.memory };
	UINT64 cr3 = build_boot_page_tables(&bump, top, hv_base, cfg.hv.memory);
	if (!cr3) {
		boot_error("the hypervisor's %llu MiB are too small for the boot page tables",
			   (unsigned long long)(cfg.hv.memory >> 20));
		return EFI_OUT_OF_RESOURCES;
	}
	bi->boot_page_tables = cr3;
	bi->hv_used = bump.next - hv_base;
	boot_say("reserved %llu MiB at %#llx, kernel image %llu KiB at its start; exiting boot services",
		 (unsigned long long)(cfg.hv.memory >> 20), (unsigned long long)hv_base,
		 (unsigned long long)kernel_size / 1024);

	/* ExitBootServices: the map key must be current. If the first try fails because something
	 * changed the map, read it again (no allocation) and retry once (UEFI spec 2.9, 7.4). */
	st = efi_map_read(&map);
	if (!EFI_ERROR(st))
		st = BS->ExitBootServices(image, map.key);
	if (EFI_ERROR(st)) {
		st = efi_map_read(&map);
		if (!EFI_ERROR(st))
			st = BS->ExitBootServices(image, map.key);
	}
	if (EFI_ERROR(st)) {
		boot_error("ExitBootServices failed twice (%s): returning to the firmware",
			   status_text(st));
		return st;
	}
	boot_console_exit_boot_services();

	/* From here on no firmware call: translate the final map and mark what we hold. */
	nreg = efi_map_to_regions(&map, bi->mem, MAX_MEM_REGIONS);
	unsigned n = nreg < 0 ? 0 : (unsigned)nreg;
	int bad = nreg < 0 ||
		  memmap_set_type(bi->mem, &n, MAX_MEM_REGIONS, hv_base, cfg.hv.memory, MEM_HYPERVISOR);
	for (unsigned i = 0; !bad && i < bi->module_count; i++)
		bad = memmap_set_type(bi->mem, &n, MAX_MEM_REGIONS, bi->modules[i].base,
				      (bi->modules[i].size + 4095) & ~4095ull, MEM_MODULE);
	if (!bad && bi->ap_trampoline)
		bad = memmap_set_type(bi->mem, &n, MAX_MEM_REGIONS, bi->ap_trampoline,
				      bi->ap_trampoline_size, MEM_HYPERVISOR);
	if (bad) {
		boot_say("the firmware memory map has too many entries; halting");
		cpu_halt_forever();
	}
	bi->mem_count = n;
	bi->loader_exit_tsc = rdtsc();
	handoff_jump(cr3, entry, (UINT64)(UINTN)bi);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	InitializeLib(image, systab);
	EFI_STATUS st = run(image);
	boot_error("loader stopped (%s); back to the firmware", status_text(st));
	return st;
}
