/*
 * What the kernel learned about the machine at boot, gathered in one place: printed as the host
 * summary, and later served to the management partition's `host` command.
 */
#ifndef BULKHEAD_HOST_H
#define BULKHEAD_HOST_H

#include <stdint.h>
#include "boot_info.h"
#include "drivers/acpi.h"
#include "drivers/tsc.h"
#include "lib/config/config.h"
#include "kernel/smp.h"
#include "mm/kernel_map.h"
#include "mm/memmap.h"
#include "vmx/spec_policy.h"
#include "vmx/vmx_caps.h"

struct host_info {
	char cpu_vendor[13];
	char cpu_brand[49];
	uint32_t cpu_family, cpu_model, cpu_stepping;
	enum acpi_status acpi;           /* how the MADT walk went */
	struct acpi_madt_info madt;
	struct cpu_table cpus;           /* every CPU found, and how its start-up went */
	unsigned cpu_count;              /* cpus.count: CPU numbers 0..cpu_count-1 exist */
	uint64_t cpus_online;            /* CPUs that are up (kernel/smp.h smp_online_mask) */
	struct memmap_totals mem;
	uint64_t partition_ram_free;     /* what the frame allocator can hand to partitions */
	uint64_t hv_pool_free;
	uint64_t heap_size;
	struct kernel_map_stats kmap;
	uint64_t tsc_hz;
	enum tsc_source tsc_source;
	uint64_t tsc_claimed_hz;         /* what CPUID said, when the measurement overruled it */
	enum vmx_status vmx;
	enum feature_control_state feature_control;
	struct vmx_caps vmx_caps;
	uint64_t kernel_entry_tsc;       /* TSC when kernel_main began */
	struct spec_inputs spec_in;      /* what the CPU enumerates about speculation */
	struct spec_measures spec;       /* the barriers chosen from it (vmx/spec_policy.c) */
};

void host_identify_cpu(struct host_info *h);
void host_summary_print(const struct host_info *h, const struct boot_info *bi,
			const struct config *cfg);

#endif
