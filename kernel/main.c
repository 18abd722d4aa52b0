/*
 * kernel_main: the hypervisor's boot sequence after the loader's jump. It takes the machine
 * over step by step, each step relying only on the ones before it: the config (for the console
 * settings), the console, descriptor tables and exception dumps, the hypervisor's own memory
 * pool and page tables, the frame allocator for partition RAM, ACPI, the TSC, a final check of
 * the config against the real machine, and the VMX probe. It ends with the host summary.
 */
#include <string.h>
#include "boot_info.h"
#include "drivers/lapic.h"
#include "drivers/uart16550.h"
#include "kernel/settings.h"
#include "saved_settings.h"
#include "kernel/console.h"
#include "kernel/exception.h"
#include "kernel/gdt.h"
#include "kernel/host.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/partition.h"
#include "kernel/percpu.h"
#include "kernel/scheduler.h"
#include "kernel/smp.h"
#include "kernel/x86.h"
#include "mm/frame_alloc.h"
#include "vmx/vcpu_switch.h"
#include "vmx/vmx.h"

void kernel_main(struct boot_info *bi);
void heap_init(void *base, size_t size);

static struct config cfg;
static struct config_errors cfg_errors;
static struct uart console;
static struct percpu bsp;
static uint8_t bsp_ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));
static struct frame_alloc hv_pool;         /* the hypervisor's own memory (reserved region) */
static struct frame_alloc partition_ram;   /* everything partitions may be given */
static struct host_info host;
static bool vmx_controls_ready;            /* vmx_global_init succeeded */

static void report_config_errors_and_stop(const struct boot_info *bi)
{
	char line[200];
	const char *file = bi->config_source == CONFIG_FROM_FILE ? "bulkhead.cfg" : "default.cfg";
	for (unsigned i = 0; i < cfg_errors.count; i++) {
		config_format_error(line, sizeof line, file, &cfg_errors.list[i]);
		kprintf("%s\n", line);
	}
	kprintf("[hv] %u error(s) in the configuration: nothing was started\n",
		cfg_errors.count + cfg_errors.dropped);
	machine_stop("invalid configuration");
}

static void setup_memory(struct boot_info *bi)
{
	/* The reserved region past what the loader used is the hypervisor's pool. */
	frame_alloc_init(&hv_pool);
	if (frame_alloc_add(&hv_pool, bi->hv_base + bi->hv_used, bi->hv_size - bi->hv_used) != 0)
		panic("cannot set up the hypervisor pool");
	if (kernel_map_build_and_load(bi, &hv_pool, &host.kmap) != 0)
		panic("the reserved region is too small for the kernel's page tables");
	uint64_t heap = frame_alloc_alloc(&hv_pool, KERNEL_HEAP_SIZE, 4096);
	if (!heap)
		panic("the reserved region is too small for the kernel heap");
	heap_init((void *)heap, KERNEL_HEAP_SIZE);
	host.heap_size = KERNEL_HEAP_SIZE;
	host.hv_pool_free = frame_alloc_free_bytes(&hv_pool);

	/* Partition RAM: usable memory above 1 MiB (the first MiB stays for real-mode needs such
	 * as the AP start-up trampoline). Hypervisor, module, ACPI and runtime regions are never
	 * MEM_USABLE, so they cannot be handed out. */
	frame_alloc_init(&partition_ram);
	if (memmap_seed(bi->mem, bi->mem_count, &partition_ram, 1ull << 20) != 0)
		panic("memory map too fragmented for the frame allocator");
	memmap_totals(bi->mem, bi->mem_count, &host.mem);
	host.partition_ram_free = frame_alloc_free_bytes(&partition_ram);
}

static void discover_cpus(const struct boot_info *bi)
{
	const void *madt = NULL;
	host.acpi = bi->rsdp ? acpi_find_table(bi->rsdp, "APIC", &madt) : ACPI_NO_RSDP;
	if (host.acpi == ACPI_OK)
		host.acpi = acpi_parse_madt(madt, &host.madt);
	bool madt_ok = host.acpi == ACPI_OK && host.madt.cpus_listed;
	smp_discover(&host.cpus, bi, madt_ok ? host.madt.apic_ids : NULL,
		     madt_ok ? host.madt.cpus_listed : 0, lapic_id(), &bsp);
	selftest_cpu_list(&host.cpus);
	host.cpus.lapic_base = madt_ok ? host.madt.lapic_base
				       : rdmsr(MSR_IA32_APIC_BASE) & ~0xfffull;
	host.cpu_count = host.cpus.count;
	host.cpus_online = 1;
}

/* The legacy 8259 PICs may still have lines unmasked by the firmware; the hypervisor takes no
 * device interrupts, so mask them all (OCW1 to both data ports). */
static void mask_legacy_pic(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

__attribute__((noreturn)) static void start_partitions(const struct boot_info *bi)
{
	mask_legacy_pic();
	uint64_t stack = frame_alloc_alloc(&hv_pool, EXIT_STACK_SIZE, 4096);
	if (!stack)
		panic("no memory for the VM-exit stack");
	bsp.exit_stack_top = stack + EXIT_STACK_SIZE;
	if (!vmx_controls_ready || vmx_cpu_enable(&bsp, &host.vmx_caps, &hv_pool) != 0)
		machine_stop("VMX could not be enabled");
	klog(LOG_INFO, "VMX on (VMXON region %#llx); VPID %s, RDTSCP %s, extended state %u bytes",
	     (unsigned long long)bsp.vmxon_region, vmx.vpid ? "on" : "off", vmx.rdtscp ? "on" : "off",
	     vmx.xsave_size);

	struct partition_env env = {
		.ram = &partition_ram, .hv_pool = &hv_pool, .bi = bi, .tsc_hz = host.tsc_hz,
		.host = &host, .hostname = cfg.hv.hostname, .boot_tsc = host.kernel_entry_tsc,
		.ept_1g = host.vmx_caps.ept_1g, .ept_2m = host.vmx_caps.ept_2m,
	};
	partitions_init(&env);
	scheduler_init(host.tsc_hz);
	selftest_spec_measures(&host.spec, cfg.hv.hostname);
	vcpu_switch_init(host.vmx_caps.preemption_timer_shift, vmx.timer_saved, &host.spec);
	bsp.next_timer_tsc = bsp.next_event_tsc = UINT64_MAX;
	unsigned running = 0;
	uint64_t pool_before = frame_alloc_free_bytes(&hv_pool);
	for (unsigned i = 0; i < cfg.partition_count; i++) {
		struct partition *p = partition_slot(i);
		if (!cfg.partitions[i].autostart)
			partition_declare(p, i, &cfg.partitions[i]);
		else if (partition_create(p, i, &cfg.partitions[i]) == 0)
			running++;
	}
	uint64_t shared = 3 * 4096;   /* MSR bitmap and two I/O bitmaps, shared by all vCPUs */
	kprintf("[hv] memory overhead: %llu KiB for %u partition(s) (VMCS, virtual-APIC pages, EPT "
		"tables, XSAVE areas) "
		"+ %llu KiB static state each (registers, statistics, console ring); %llu KiB shared "
		"bitmaps, %llu KiB VM-exit stack; hypervisor pool %llu KiB free\n",
		(unsigned long long)(pool_before - frame_alloc_free_bytes(&hv_pool)) / 1024, running,
		(unsigned long long)sizeof(struct partition) / 1024, (unsigned long long)shared / 1024,
		(unsigned long long)EXIT_STACK_SIZE / 1024,
		(unsigned long long)frame_alloc_free_bytes(&hv_pool) / 1024);
	if (running == 0) {
		kprintf("[hv] no partition is running\n");
		machine_stop("nothing to run");
	}
	for (unsigned i = 0; i < cfg.partition_count; i++)
		if (cfg.partitions[i].privileged && partition_get(i)->state == PARTITION_RUNNING)
			console_set_shell((int)i);
	kprintf("[hv] starting %u partition(s)%s\n", running,
		console_focus() == CONSOLE_FOCUS_NONE ? "" : "; the management shell has the console");
	if (console_focus() != CONSOLE_FOCUS_NONE && !cfg.hv.console_password[0])
		klog(LOG_WARN, "the management console is open: whoever reaches this serial line "
		     "(or a BMC's serial-over-LAN) controls the machine; set console_password in "
		     "bulkhead.cfg (README \"Login\")");
	smp_go();
	scheduler_start(&bsp);
}

void kernel_main(struct boot_info *bi)
{
	uint64_t entry_tsc = rdtsc();
	/* Until the config is read the console is COM1 at 115200, the loader's default. */
	uart_init(&console, UART_COM1, 115200);
	log_init(&console, LOG_INFO);
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION || bi->size != sizeof *bi) {
		kprintf("[hv] boot_info mismatch (loader and kernel from different builds); halting\n");
		cpu_halt_forever();
	}
	host.kernel_entry_tsc = entry_tsc;

	int parse_errors = config_parse((const char *)bi->config_text, bi->config_len, &cfg, &cfg_errors);
	/* The ESP's file as it is, then the saved settings the loader applied (it checked them
	 * whole, so they apply here too; if not, this is a loader of another build: the file). */
	static struct config file_cfg;
	file_cfg = cfg;
	bool saved_applied = false;
	if (!parse_errors && bi->saved_settings_len) {
		static struct config_errors saved_errors;
		saved_applied = config_parse_changes((const char *)bi->saved_settings,
						     bi->saved_settings_len, &cfg, &saved_errors) == 0 &&
			       !config_file_only_change(&file_cfg, &cfg);
		if (!saved_applied)
			cfg = file_cfg;
	}
	uart_init(&console, cfg.hv.serial_port, cfg.hv.baud);
	log_init(&console, cfg.hv.log_level);
	console_init(&console, cfg.hv.escape);
	machine_stop_init(bi->efi_reset_system, cfg.hv.on_stop);

	uint64_t ist_tops[IST_COUNT];
	for (int i = 0; i < IST_COUNT; i++)
		ist_tops[i] = (uint64_t)&bsp_ist_stacks[i][IST_STACK_SIZE];
	percpu_init_boot_cpu(&bsp, ist_tops);
	exception_percpu_ready = true;
	idt_init();
	klog(LOG_INFO, "kernel entered on CPU %u; own GDT, TSS and IDT loaded", this_cpu_apic_id());
	if (parse_errors)
		report_config_errors_and_stop(bi);

	setup_memory(bi);
	klog(LOG_INFO, "own page tables loaded (W^X kernel image, NX data, page 0 unmapped)");
	lapic_init();
	discover_cpus(bi);
	host.tsc_hz = tsc_measure(&host.tsc_source, &host.tsc_claimed_hz);
	host_identify_cpu(&host);

	host.vmx = vmx_probe(&host.vmx_caps, &host.feature_control);
	/* The APs start whether or not partitions can run, so that every CPU is reported; they
	 * enter VMX operation only when the boot CPU found VMX usable. */
	bool vmx_usable = host.vmx == VMX_OK && host.vmx_caps.ept;
	vmx_controls_ready = vmx_usable && vmx_global_init(&host.vmx_caps, &hv_pool) == 0;
	smp_start_aps(&host.cpus, bi, &hv_pool, host.tsc_hz, vmx_controls_ready ? &host.vmx_caps : NULL);
	host.cpus_online = smp_online_mask(&host.cpus);
	/* Checked once the APs have started: a partition may only name CPUs that came up. */
	struct config_limits lim = { .ram_available = host.partition_ram_free,
				     .cpu_count = host.cpu_count, .runnable_cpus = host.cpus_online };
	if (config_validate(&cfg, &lim, &cfg_errors) != 0)
		report_config_errors_and_stop(bi);
	settings_init(&cfg, &file_cfg, host.partition_ram_free, host.cpu_count, host.cpus_online);
	settings_firmware_init(bi->efi_set_variable,
			       frame_alloc_alloc(&hv_pool, SETTINGS_FIRMWARE_BUFFER, 4096),
			       saved_applied ? SAVED_APPLIED : bi->saved_settings_status == SAVED_APPLIED ?
			       SAVED_IGNORED : bi->saved_settings_status);
	if (saved_applied)
		klog(LOG_INFO, "settings: saved changes (%u bytes) in force on top of bulkhead.cfg",
		     bi->saved_settings_len);
	host_summary_print(&host, bi, &cfg);
	for (unsigned i = 0; i < bi->module_count; i++)
		kprintf("module: %s, %llu bytes at %#llx\n", bi->modules[i].name,
			(unsigned long long)bi->modules[i].size, (unsigned long long)bi->modules[i].base);

	uint64_t now = rdtsc();
	kprintf("boot: host summary at TSC %llu (ticks since reset); %llu ms after the loader "
		"started\n", (unsigned long long)now,
		host.tsc_hz ? (unsigned long long)((now - bi->loader_start_tsc) / (host.tsc_hz / 1000)) : 0ull);

	selftest_after_summary();

	switch (host.vmx) {
	case VMX_NO_CPU_SUPPORT:
		kprintf("[hv] error: this CPU has no VMX (Intel VT-x): Bulkhead cannot run partitions here\n");
		machine_stop("no VMX");
	case VMX_DISABLED_BY_FIRMWARE:
		kprintf("[hv] error: VMX is disabled and locked by the firmware: enable Intel VT-x in the "
			"firmware setup\n");
		machine_stop("VMX disabled by firmware");
	case VMX_OK:
		break;
	}
	if (!host.vmx_caps.ept) {
		kprintf("[hv] error: this CPU's VMX has no EPT: partitions cannot be isolated\n");
		machine_stop("no EPT");
	}
	start_partitions(bi);
}
