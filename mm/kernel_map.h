/*
 * The kernel's own page tables, replacing the loader's permissive boot tables: the kernel image
 * W^X by section, all RAM and low MMIO identity-mapped and never executable, page 0 unmapped
 * so NULL dereferences fault, and the kernel image's identity alias read-only.
 */
#ifndef BULKHEAD_KERNEL_MAP_H
#define BULKHEAD_KERNEL_MAP_H

#include <stdint.h>
#include "boot_info.h"
#include "mm/frame_alloc.h"

struct kernel_map_stats {
	unsigned tables;          /* 4 KiB page-table pages used */
	uint64_t identity_top;    /* identity map covers [4 KiB, identity_top) */
};

/* A zeroed 4 KiB frame from a frame allocator of the hypervisor's own memory, or NULL.
 * Zeroed through the identity map (physical == virtual); the signature fits the table
 * callbacks of mm/paging.h and mm/ept.h. */
uint64_t *kernel_zeroed_page(void *frame_alloc);

/* Builds the tables from `pool` and switches to them (setting EFER.NXE and CR0.WP first).
 * Returns 0, or -1 when the pool ran out (the caller panics: nothing runs yet). */
int kernel_map_build_and_load(const struct boot_info *bi, struct frame_alloc *pool,
			      struct kernel_map_stats *st);

#endif
