/*
 * Physical range allocator. It keeps the free part of physical memory as a short sorted table
 * of [base, base+size) ranges in 4 KiB units, never touching the memory it manages (so it works
 * before anything is mapped and in host unit tests with made-up addresses). The kernel uses one
 * instance for partition RAM, seeded from the memory map, and a second one for the hypervisor's
 * own reserved pool. Allocation is lowest-address-first with any power-of-two alignment, which
 * is what 2 MiB-aligned partition RAM and page-table pages both need. All state lives in the
 * caller's struct: no globals, no heap.
 */
#ifndef BULKHEAD_FRAME_ALLOC_H
#define BULKHEAD_FRAME_ALLOC_H

#include <stdint.h>

#define FRAME_ALLOC_MAX_RANGES 256
#define FRAME_SIZE             4096ull

struct frame_range {
	uint64_t base, size;
};

struct frame_alloc {
	unsigned count;
	struct frame_range ranges[FRAME_ALLOC_MAX_RANGES]; /* free ranges, sorted, non-adjacent */
	uint64_t managed;                                   /* bytes ever added */
};

void     frame_alloc_init(struct frame_alloc *fa);

/* Adds free memory, shrunk inward to 4 KiB boundaries (a range with no whole page in it adds
 * nothing and succeeds) and merged with free neighbours. -1 if it overlaps memory already free
 * here, if base+size wraps, or if the table is full; nothing changes then. */
int      frame_alloc_add(struct frame_alloc *fa, uint64_t base, uint64_t size);

/* Removes [base, base+size), widened outward to whole pages, from the free set wherever it is
 * free, splitting ranges. 0 on success, -1 (nothing changed) if a split needs a slot and the
 * table is full. */
int      frame_alloc_reserve(struct frame_alloc *fa, uint64_t base, uint64_t size);

/* size is rounded up to 4 KiB; align must be a power of two (values below 4 KiB mean 4 KiB).
 * Returns the lowest fitting address, or 0 on failure; address 0 is never handed out. */
uint64_t frame_alloc_alloc(struct frame_alloc *fa, uint64_t size, uint64_t align);

/* Gives memory back (size rounded up to 4 KiB, as frame_alloc_alloc does). -1 and nothing
 * changed if base is not 4 KiB aligned, size is 0, any part is already free (double free), or
 * the table is full. */
int      frame_alloc_free(struct frame_alloc *fa, uint64_t base, uint64_t size);

uint64_t frame_alloc_free_bytes(const struct frame_alloc *fa);

/* The largest block frame_alloc_alloc(fa, size, align) can return right now (0 if none). */
uint64_t frame_alloc_largest(const struct frame_alloc *fa, uint64_t align);

#endif
