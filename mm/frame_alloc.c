/*
 * Physical range allocator (see frame_alloc.h). The free set is a sorted array of disjoint,
 * non-adjacent, page-aligned ranges; keeping neighbours merged means the table size is the
 * number of holes in free memory, not the number of allocations, so 256 slots cover a firmware
 * map plus a long-running partition workload. Every operation is a linear scan: the table is
 * small and these calls happen at boot and partition creation, never on a fast path.
 */
#include "mm/frame_alloc.h"

#define PAGE_MASK (FRAME_SIZE - 1)
/* The highest exclusive end a page-aligned range can have without base+size wrapping. */
#define TOP_END   (~0ull & ~PAGE_MASK)

static uint64_t range_end(const struct frame_range *r)
{
	return r->base + r->size;
}

static void remove_at(struct frame_alloc *fa, unsigned i)
{
	for (unsigned k = i; k + 1 < fa->count; k++)
		fa->ranges[k] = fa->ranges[k + 1];
	fa->count--;
}

/* Caller guarantees count < FRAME_ALLOC_MAX_RANGES. */
static void insert_at(struct frame_alloc *fa, unsigned i, uint64_t base, uint64_t size)
{
	for (unsigned k = fa->count; k > i; k--)
		fa->ranges[k] = fa->ranges[k - 1];
	fa->ranges[i].base = base;
	fa->ranges[i].size = size;
	fa->count++;
}

/*
 * Puts page-aligned [start, end) into the free set, merging with neighbours. Because the
 * ranges are sorted and disjoint, only the two neighbours of the insertion point can overlap;
 * checking them is enough to detect a double free. Nothing changes on -1.
 */
static int insert_free(struct frame_alloc *fa, uint64_t start, uint64_t end)
{
	unsigned i = 0;

	while (i < fa->count && fa->ranges[i].base < start)
		i++;
	int has_prev = i > 0, has_next = i < fa->count;
	if (has_prev && range_end(&fa->ranges[i - 1]) > start)
		return -1;
	if (has_next && fa->ranges[i].base < end)
		return -1;

	int join_prev = has_prev && range_end(&fa->ranges[i - 1]) == start;
	int join_next = has_next && fa->ranges[i].base == end;
	if (join_prev && join_next) {
		fa->ranges[i - 1].size += (end - start) + fa->ranges[i].size;
		remove_at(fa, i);
	} else if (join_prev) {
		fa->ranges[i - 1].size += end - start;
	} else if (join_next) {
		fa->ranges[i].base = start;
		fa->ranges[i].size += end - start;
	} else {
		if (fa->count >= FRAME_ALLOC_MAX_RANGES)
			return -1;
		insert_at(fa, i, start, end - start);
	}
	return 0;
}

void frame_alloc_init(struct frame_alloc *fa)
{
	fa->count = 0;
	fa->managed = 0;
}

int frame_alloc_add(struct frame_alloc *fa, uint64_t base, uint64_t size)
{
	if (size > ~0ull - base)
		return -1;
	/* Shrink inward: a partial page at either edge may be shared with something else. */
	uint64_t end = (base + size) & ~PAGE_MASK;
	if (base > TOP_END)
		return 0;
	uint64_t start = (base + PAGE_MASK) & ~PAGE_MASK;
	if (start >= end)
		return 0;
	if (insert_free(fa, start, end) != 0)
		return -1;
	fa->managed += end - start;
	return 0;
}

int frame_alloc_reserve(struct frame_alloc *fa, uint64_t base, uint64_t size)
{
	if (size == 0)
		return 0;
	/* Widen outward: a page with any reserved byte in it cannot be handed out. */
	uint64_t start = base & ~PAGE_MASK;
	uint64_t end;
	if (size > ~0ull - base || base + size > TOP_END)
		end = TOP_END;  /* nothing free can lie beyond TOP_END anyway */
	else
		end = (base + size + PAGE_MASK) & ~PAGE_MASK;
	if (start >= end)
		return 0;

	/* A range strictly containing [start, end) is the only one touched, and it splits in two:
	 * handle it first so the -1 case leaves everything unchanged. */
	for (unsigned i = 0; i < fa->count; i++) {
		struct frame_range *r = &fa->ranges[i];
		uint64_t rend = range_end(r);
		if (r->base < start && rend > end) {
			if (fa->count >= FRAME_ALLOC_MAX_RANGES)
				return -1;
			r->size = start - r->base;
			insert_at(fa, i + 1, end, rend - end);
			return 0;
		}
	}

	/* Otherwise every overlapping range keeps at most one piece, so compacting in place
	 * (write index j never passes read index i) is safe. */
	unsigned j = 0;
	for (unsigned i = 0; i < fa->count; i++) {
		struct frame_range r = fa->ranges[i];
		uint64_t rend = range_end(&r);
		if (rend <= start || r.base >= end) {
			fa->ranges[j++] = r;
		} else if (r.base < start) {
			fa->ranges[j].base = r.base;
			fa->ranges[j++].size = start - r.base;
		} else if (rend > end) {
			fa->ranges[j].base = end;
			fa->ranges[j++].size = rend - end;
		}
		/* else: fully covered, dropped */
	}
	fa->count = j;
	return 0;
}

/* Rounds up to align (a power of two); returns 0 if that wraps past the top of memory. */
static uint64_t align_up(uint64_t v, uint64_t align)
{
	if (v > ~0ull - (align - 1))
		return 0;
	return (v + align - 1) & ~(align - 1);
}

static int valid_align(uint64_t *align)
{
	if (*align < FRAME_SIZE)
		*align = FRAME_SIZE;
	return (*align & (*align - 1)) == 0;
}

/* The lowest address in r aligned to align, never 0; 0 if there is none. */
static uint64_t first_aligned(const struct frame_range *r, uint64_t align)
{
	uint64_t a = align_up(r->base, align);
	if (a == 0) {
		if (r->base != 0)
			return 0;       /* wrapped */
		a = align;      /* page 0 is never handed out: 0 is the failure value */
	}
	return a < range_end(r) ? a : 0;
}

uint64_t frame_alloc_alloc(struct frame_alloc *fa, uint64_t size, uint64_t align)
{
	if (size == 0 || size > TOP_END || !valid_align(&align))
		return 0;
	size = (size + PAGE_MASK) & ~PAGE_MASK;

	for (unsigned i = 0; i < fa->count; i++) {
		struct frame_range *r = &fa->ranges[i];
		uint64_t rend = range_end(r);
		uint64_t a = first_aligned(r, align);
		if (a == 0 || rend - a < size)
			continue;
		int head = a > r->base, tail = a + size < rend;
		if (head && tail) {
			/* Taking the block from the middle needs one more slot; with a full table,
			 * look further up for a block that does not split a range. */
			if (fa->count >= FRAME_ALLOC_MAX_RANGES)
				continue;
			r->size = a - r->base;
			insert_at(fa, i + 1, a + size, rend - (a + size));
		} else if (head) {
			r->size = a - r->base;
		} else if (tail) {
			r->base = a + size;
			r->size = rend - r->base;
		} else {
			remove_at(fa, i);
		}
		return a;
	}
	return 0;
}

int frame_alloc_free(struct frame_alloc *fa, uint64_t base, uint64_t size)
{
	if ((base & PAGE_MASK) != 0 || size == 0 || size > TOP_END)
		return -1;
	size = (size + PAGE_MASK) & ~PAGE_MASK;
	if (size > TOP_END - base)
		return -1;
	return insert_free(fa, base, base + size);
}

uint64_t frame_alloc_free_bytes(const struct frame_alloc *fa)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < fa->count; i++)
		total += fa->ranges[i].size;
	return total;
}

uint64_t frame_alloc_largest(const struct frame_alloc *fa, uint64_t align)
{
	uint64_t best = 0;
	if (!valid_align(&align))
		return 0;
	for (unsigned i = 0; i < fa->count; i++) {
		const struct frame_range *r = &fa->ranges[i];
		uint64_t a = first_aligned(r, align);
		/* The block runs to the range's end, so it never splits the range and the
		 * matching frame_alloc_alloc succeeds even with a full table. */
		if (a != 0 && range_end(r) - a > best)
			best = range_end(r) - a;
	}
	return best;
}
