/*
 * Loading an operating system into a partition (see os_boot.h). The ACPI tables go first, at
 * the top of the BIOS area the e820 map and Multiboot memory map mark reserved, so the boot
 * protocol can point the kernel at them. Linux starts as its 64-bit boot protocol says
 * (Documentation/x86/boot.rst, "64-bit Boot Protocol"): 64-bit mode at the payload's start +
 * 0x200, RSI = the zero page, flat CS 0x10 / DS 0x18, identity paging, interrupts off. A
 * Multiboot kernel starts as the Multiboot 0.6.96 specification's "Machine state" says: 32-bit
 * protected mode, paging off, flat segments, EAX = 0x2BADB002, EBX = the information structure.
 */
#include <stdio.h>
#include <string.h>
#include "boot_info.h"
#include "kernel/linux_boot.h"
#include "kernel/multiboot.h"
#include "kernel/os_boot.h"
#include "kernel/partition.h"
#include "vdev/acpi_tables.h"
#include "vdev/platform.h"

#define MULTIBOOT_LOADER_MAGIC 0x2badb002u
#define MULTIBOOT_CODE_SELECTOR 0x08
#define MULTIBOOT_DATA_SELECTOR 0x10

static int build_acpi(struct partition *p, uint8_t *ram, uint64_t *rsdp, char *why, unsigned n)
{
	struct acpi_platform plat = {
		.cpu_count = config_vcpu_count(p->cfg), .lapic_addr = PLATFORM_LAPIC_GPA,
		.ioapic_addr = PLATFORM_IOAPIC_GPA, .ioapic_id = PLATFORM_IOAPIC_ID, .ioapic_gsi_base = 0,
		.sleep_control_port = PLATFORM_SLEEP_CONTROL,
		.sleep_status_port = PLATFORM_SLEEP_STATUS, .reset_port = PLATFORM_RESET_PORT,
		.reset_value = PLATFORM_RESET_VALUE, .sci_irq = PLATFORM_SCI_IRQ,
		.cmos_rtc = true, .uart_count = 1,
		.uarts = { { .port = VUART_BASE, .irq = PLATFORM_UART_IRQ } },
	};
	for (unsigned i = 0; i < plat.cpu_count && i < ACPI_TABLES_MAX_CPUS; i++)
		plat.apic_ids[i] = i;                  /* vCPU i's x2APIC ID (vdev/platform.c) */
	if (acpi_tables_build(ram, p->ram_size, PLATFORM_ACPI_GPA, PLATFORM_ACPI_MAX, &plat,
			      rsdp) != 0) {
		snprintf(why, n, "the ACPI tables do not fit their %llu KiB",
			 (unsigned long long)(PLATFORM_ACPI_MAX >> 10));
		return -1;
	}
	return 0;
}

static int load_linux(struct partition *p, uint8_t *ram, const struct boot_module *image,
		      const struct boot_module *initrd, uint64_t rsdp, struct vcpu_start *start,
		      struct guest_regs *regs, char *why, unsigned n)
{
	struct linux_image_info info;
	enum linux_boot_status st = linux_image_inspect((const void *)image->base, image->size, &info);
	struct linux_boot_layout lay;
	if (st == LINUX_OK)
		st = linux_boot_build(ram, p->ram_size, (const void *)image->base, image->size,
				      initrd ? (const void *)initrd->base : NULL,
				      initrd ? initrd->size : 0, p->cfg->cmdline, rsdp, &lay);
	if (st != LINUX_OK) {
		snprintf(why, n, "%s: %s", st == LINUX_INITRD_TOO_BIG && initrd ? initrd->name :
			 image->name, linux_boot_status_string(st));
		return -1;
	}
	snprintf(p->os_version, sizeof p->os_version, "%s", info.version);
	*start = (struct vcpu_start){
		.mode = VCPU_START_LONG, .rip = lay.entry_gpa, .rsp = 0, .cr3 = lay.cr3,
		.gdt_base = lay.gdt_gpa, .gdt_limit = LINUX_BOOT_GDT_LIMIT,
		.code_selector = LINUX_BOOT_CS, .data_selector = LINUX_BOOT_DS,
		.tss_selector = LINUX_BOOT_TR, .tss_base = lay.tss_gpa, .unrestricted = true,
	};
	regs->rsi = lay.boot_params_gpa;
	p->image_end = lay.kernel_end;
	return 0;
}

static int load_multiboot(struct partition *p, uint8_t *ram, const struct boot_module *image,
			  const struct boot_module *module, struct vcpu_start *start,
			  struct guest_regs *regs, char *why, unsigned n)
{
	struct mb_layout lay;
	enum mb_status st = mb_load(ram, p->ram_size, (const void *)image->base, image->size,
				    image->name, p->cfg->cmdline,
				    module ? (const void *)module->base : NULL,
				    module ? module->size : 0, module ? module->name : NULL, &lay);
	if (st != MB_OK) {
		snprintf(why, n, "%s: %s", image->name, mb_status_string(st));
		return -1;
	}
	snprintf(p->os_version, sizeof p->os_version, "Multiboot kernel");
	*start = (struct vcpu_start){
		.mode = VCPU_START_PROTECTED32, .rip = lay.entry, .rsp = 0, .cr3 = 0,
		.gdt_base = 0, .gdt_limit = 0xffff, .code_selector = MULTIBOOT_CODE_SELECTOR,
		.data_selector = MULTIBOOT_DATA_SELECTOR, .tss_selector = 0x18, .tss_base = 0,
		.unrestricted = true,
	};
	regs->rax = MULTIBOOT_LOADER_MAGIC;
	regs->rbx = lay.info_gpa;
	p->image_end = lay.image_end;
	return 0;
}

/* The reset vector (F000:FFF0, the last 16 bytes below 1 MiB, SDM Vol. 3A 10.1.4 "First
 * Instruction Executed"). A PC's firmware resets the machine from there; this partition's does
 * too: mov dx, 0xCF9; mov al, 6; out dx, al (the reset register); hlt; jmp back. Linux jumps
 * here when its other reboot methods are skipped (on a hardware-reduced ACPI platform it tries
 * EFI, then the BIOS, before the ACPI register), and so does any kernel that reboots "through
 * the BIOS". */
static void build_reset_vector(uint8_t *ram)
{
	static const uint8_t stub[] = { 0xba, 0xf9, 0x0c, 0xb0, 0x06, 0xee, 0xf4, 0xeb, 0xfd };
	memcpy(ram + 0xffff0, stub, sizeof stub);
}

int os_boot_load(struct partition *p, uint8_t *ram, const struct boot_module *image,
		 const struct boot_module *initrd, struct vcpu_start *start,
		 struct guest_regs *regs, char *why, unsigned why_size)
{
	uint64_t rsdp = 0;
	if (build_acpi(p, ram, &rsdp, why, why_size) != 0)
		return -1;
	build_reset_vector(ram);
	memset(regs, 0, sizeof *regs);
	if (p->cfg->type == PARTITION_LINUX)
		return load_linux(p, ram, image, initrd, rsdp, start, regs, why, why_size);
	return load_multiboot(p, ram, image, initrd, start, regs, why, why_size);
}
