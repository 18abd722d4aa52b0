/*
 * The boot area Bulkhead writes into an ELF guest's own memory before its first instruction
 * (layout in include/start_info.h): a GDT with a 64-bit code segment, a data segment and a TSS,
 * the start-info page, the command line, and page tables that identity-map all of the
 * partition's memory with 2 MiB pages. Pure: it works on a pointer to the partition's RAM, so
 * it is unit-tested on the host.
 */
#ifndef BULKHEAD_GUEST_BOOT_H
#define BULKHEAD_GUEST_BOOT_H

#include <stdint.h>
#include "start_info.h"

#define GUEST_GDT_BASE  GUEST_GDT_GPA
#define GUEST_GDT_LIMIT 0x27                  /* null, code, data, 16-byte TSS descriptor */
#define GUEST_TSS_GPA   (GUEST_GDT_GPA + 0x800)
/* Largest partition the boot page tables can map: one page directory per GiB. */
#define GUEST_BOOT_MAX_MEMORY (((GUEST_PAGE_TABLE_END - GUEST_PAGE_TABLE_GPA) / 4096 - 2) << 30)

/* ram: the partition's memory as the hypervisor sees it (guest-physical 0 at ram[0]), zeroed.
 * Returns 0, or -1 when ram_size is not a 2 MiB multiple or above GUEST_BOOT_MAX_MEMORY. */
int guest_boot_build(uint8_t *ram, uint64_t ram_size, const struct start_info *si,
		     const char *cmdline);

#endif
