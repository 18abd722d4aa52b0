/*
 * The neutral memory map: arrays of struct mem_region (include/boot_info.h) in Bulkhead's own
 * region types. The UEFI loader builds one from the firmware map, marks the hypervisor region
 * and loaded files with memmap_set_type and hands it over in boot_info; the kernel sums it up
 * for the host summary and seeds the partition-RAM allocator from it. memmap.c is library-free
 * so the loader can link it; memmap_seed (memmap_seed.c, kernel only) needs the frame allocator.
 */
#ifndef BULKHEAD_MEMMAP_H
#define BULKHEAD_MEMMAP_H

#include <stdint.h>
#include "boot_info.h"

struct frame_alloc;

struct memmap_totals {
	uint64_t ram_total;     /* all RAM: every type but MEM_RESERVED, MEM_MMIO, MEM_UNUSABLE
				   (and unknown types) */
	uint64_t usable;        /* MEM_USABLE */
	uint64_t hypervisor;    /* MEM_HYPERVISOR */
	uint64_t modules;       /* MEM_MODULE */
	uint64_t acpi;          /* MEM_ACPI_RECLAIM + MEM_ACPI_NVS */
	uint64_t runtime;       /* MEM_RUNTIME_CODE + MEM_RUNTIME_DATA */
	uint64_t reserved;      /* MEM_RESERVED + MEM_UNUSABLE + unknown types */
	uint64_t mmio;          /* MEM_MMIO */
	uint64_t top_of_ram;    /* end of the highest RAM region */
	uint64_t top_of_map;    /* end of the highest region of any type */
};

/* Sums a map by type. Overlapping regions would be counted twice: pass a normalized map. */
void memmap_totals(const struct mem_region *map, unsigned n, struct memmap_totals *out);

/*
 * Sorts by base, drops empty regions, merges adjacent or overlapping regions of the same type,
 * and where different types overlap keeps the more restrictive one (anything beats
 * MEM_USABLE; see the ranking in memmap.c). -1 if *n > max or splitting a region would need
 * more than max entries; the map is then still sorted and describes the same memory, but may
 * not be fully normalized.
 */
int memmap_normalize(struct mem_region *map, unsigned *n, unsigned max);

/*
 * Normalizes, then gives [base, base+size) the given type regardless of what was there
 * (splitting regions at its edges, filling holes); the result is normalized. -1 if it would
 * exceed max entries (nothing is changed by the overlay itself then).
 */
int memmap_set_type(struct mem_region *map, unsigned *n, unsigned max, uint64_t base,
		    uint64_t size, uint32_t type);

/*
 * Adds every MEM_USABLE part of a normalized map at or above low_limit to fa (the kernel
 * passes 1 MiB: real-mode leftovers and AP trampolines live below). -1 on a frame_alloc
 * error. Lives in memmap_seed.c, which the UEFI loader does not link.
 */
int memmap_seed(const struct mem_region *map, unsigned n, struct frame_alloc *fa,
		uint64_t low_limit);

/* "usable", "reserved", "ACPI", "ACPI NVS", "runtime code", ..., "unknown". */
const char *mem_type_name(uint32_t type);

#endif
