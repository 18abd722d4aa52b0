/*
 * Seeding the partition-RAM frame allocator from the neutral memory map. Kept apart from
 * memmap.c because it is the one memory-map function that needs the frame allocator, and the
 * UEFI loader, which links memmap.c, has no frame allocator.
 */
#include "mm/frame_alloc.h"
#include "mm/memmap.h"

static uint64_t region_end(const struct mem_region *r)
{
	return r->base + r->size;
}

int memmap_seed(const struct mem_region *map, unsigned n, struct frame_alloc *fa,
		uint64_t low_limit)
{
	for (unsigned i = 0; i < n; i++) {
		const struct mem_region *r = &map[i];
		if (r->type != MEM_USABLE)
			continue;
		uint64_t start = r->base > low_limit ? r->base : low_limit;
		uint64_t end = region_end(r);
		/* frame_alloc_add shrinks to whole pages, so a usable region sharing a page
		 * with a reserved neighbour never hands that page out */
		if (start < end && frame_alloc_add(fa, start, end - start) != 0)
			return -1;
	}
	return 0;
}
