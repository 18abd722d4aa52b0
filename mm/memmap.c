/*
 * Memory-map arithmetic (see memmap.h). Maps are at most a few hundred entries and these
 * functions run once at boot, so they work in place with simple quadratic algorithms and no
 * scratch buffer: a 512-entry copy would not fit on the kernel's 16 KiB stack. The file is
 * also linked into the UEFI loader, so apart from memmap_seed it calls nothing: element moves
 * are plain assignments and loops.
 */
#include "mm/memmap.h"

/* End of a region, saturated so a bogus firmware size cannot wrap around to low memory. */
static uint64_t region_end(const struct mem_region *r)
{
	return r->size > ~0ull - r->base ? ~0ull : r->base + r->size;
}

static void set_end(struct mem_region *r, uint64_t end)
{
	r->size = end - r->base;
}

/*
 * How restrictive a type is when two firmware entries claim the same bytes. Usable loses to
 * everything; reclaimable ACPI and the loader's own regions lose to firmware-owned ones
 * (runtime services, NVS), which lose to non-RAM; memory reported bad beats all. Unknown
 * types rank with MEM_RESERVED: never hand out what we do not understand.
 */
static unsigned type_rank(uint32_t type)
{
	switch (type) {
	case MEM_USABLE:        return 0;
	case MEM_ACPI_RECLAIM:  return 1;
	case MEM_MODULE:        return 2;
	case MEM_HYPERVISOR:    return 3;
	case MEM_RUNTIME_DATA:  return 4;
	case MEM_RUNTIME_CODE:  return 5;
	case MEM_ACPI_NVS:      return 6;
	case MEM_MMIO:          return 7;
	case MEM_RESERVED:      return 8;
	case MEM_UNUSABLE:      return 10;
	default:                return 9;
	}
}

/* Strict total order on distinct types: rank first, then the type value for unknown types. */
static int outranks(uint32_t a, uint32_t b)
{
	unsigned ra = type_rank(a), rb = type_rank(b);
	return ra != rb ? ra > rb : a > b;
}

static void remove_at(struct mem_region *map, unsigned *n, unsigned i)
{
	for (unsigned k = i; k + 1 < *n; k++)
		map[k] = map[k + 1];
	(*n)--;
}

/* Caller guarantees *n < capacity. */
static void insert_at(struct mem_region *map, unsigned *n, unsigned i, uint64_t base,
		      uint64_t size, uint32_t type)
{
	for (unsigned k = *n; k > i; k--)
		map[k] = map[k - 1];
	map[i].base = base;
	map[i].size = size;
	map[i].type = type;
	map[i].reserved = 0;
	(*n)++;
}

/* Moves map[i], whose base just grew, up to its sorted place. */
static void sink(struct mem_region *map, unsigned n, unsigned i)
{
	while (i + 1 < n && map[i].base > map[i + 1].base) {
		struct mem_region t = map[i];
		map[i] = map[i + 1];
		map[i + 1] = t;
		i++;
	}
}

int memmap_normalize(struct mem_region *map, unsigned *n, unsigned max)
{
	if (*n > max)
		return -1;

	/* Drop empty entries; clamp sizes that would run past the top of the address space. */
	unsigned cnt = 0;
	for (unsigned i = 0; i < *n; i++) {
		if (map[i].size == 0)
			continue;
		map[cnt] = map[i];
		set_end(&map[cnt], region_end(&map[i]));
		cnt++;
	}
	*n = cnt;

	/* Stable insertion sort by base: firmware maps are nearly sorted already. */
	for (unsigned i = 1; i < cnt; i++) {
		struct mem_region t = map[i];
		unsigned k = i;
		while (k > 0 && map[k - 1].base > t.base) {
			map[k] = map[k - 1];
			k--;
		}
		map[k] = t;
	}

	/*
	 * Resolve neighbours pairwise. With entries sorted by base, if any two overlap then some
	 * adjacent pair overlaps (the entry right after the earlier one starts inside it too), so
	 * fixing adjacent pairs until none overlap normalizes the whole map. Entries before i are
	 * final: disjoint, sorted, and not mergeable with each other. Every fix-up only shrinks or
	 * merges regions using boundaries that already exist, so the loop terminates.
	 */
	unsigned i = 0;
	while (i + 1 < *n) {
		struct mem_region *a = &map[i], *b = &map[i + 1];
		uint64_t aend = region_end(a), bend = region_end(b);

		if (aend < b->base || (aend == b->base && a->type != b->type)) {
			i++;
			continue;
		}
		if (a->type == b->type) {
			/* touching or overlapping, same type: one region */
			if (bend > aend)
				set_end(a, bend);
			remove_at(map, n, i + 1);
			continue;
		}
		/* different types overlapping: b->base lies inside a */
		if (outranks(a->type, b->type)) {
			if (bend <= aend) {
				remove_at(map, n, i + 1);
			} else {
				b->base = aend;
				set_end(b, bend);
				sink(map, *n, i + 1);
			}
			continue;
		}
		/* b wins: a keeps what lies before b and, if it extends past b, a tail after it */
		if (aend > bend) {
			if (*n >= max)
				return -1;
			unsigned p = i + 2;
			while (p < *n && map[p].base < bend)
				p++;
			insert_at(map, n, p, bend, aend - bend, a->type);
		}
		if (b->base > a->base) {
			set_end(a, b->base);
		} else {
			remove_at(map, n, i);
			/* the entry before may now touch b with the same type */
			if (i > 0)
				i--;
		}
	}
	return 0;
}

int memmap_set_type(struct mem_region *map, unsigned *n, unsigned max, uint64_t base,
		    uint64_t size, uint32_t type)
{
	if (memmap_normalize(map, n, max) != 0)
		return -1;
	if (size == 0)
		return 0;
	if (size > ~0ull - base)
		size = ~0ull - base;
	uint64_t end = base + size;

	/* [lo, hi) are the regions overlapping [base, end): the map is sorted and disjoint. */
	unsigned lo = 0;
	while (lo < *n && region_end(&map[lo]) <= base)
		lo++;
	unsigned hi = lo;
	while (hi < *n && map[hi].base < end)
		hi++;

	/* Build the replacement for entries [first, last): an optional head piece of the first
	 * overlapped region, the new region, an optional tail piece of the last one. A piece or
	 * an untouched neighbour of the same type is absorbed into the new region instead, so
	 * the result stays merged. */
	struct mem_region seq[3];
	unsigned k = 0, first = lo, last = hi;
	uint64_t nbase = base, nend = end;

	if (lo < hi && map[lo].base < base) {
		if (map[lo].type == type) {
			nbase = map[lo].base;
		} else {
			seq[k].base = map[lo].base;
			seq[k].size = base - map[lo].base;
			seq[k].type = map[lo].type;
			seq[k++].reserved = 0;
		}
	} else if (lo > 0 && region_end(&map[lo - 1]) == base && map[lo - 1].type == type) {
		nbase = map[lo - 1].base;
		first = lo - 1;
	}

	unsigned mid = k++;
	int tail = 0;
	struct mem_region t = { 0, 0, 0, 0 };
	if (lo < hi && region_end(&map[hi - 1]) > end) {
		if (map[hi - 1].type == type) {
			nend = region_end(&map[hi - 1]);
		} else {
			t.base = end;
			t.size = region_end(&map[hi - 1]) - end;
			t.type = map[hi - 1].type;
			tail = 1;
		}
	} else if (hi < *n && map[hi].base == end && map[hi].type == type) {
		nend = region_end(&map[hi]);
		last = hi + 1;
	}
	seq[mid].base = nbase;
	seq[mid].size = nend - nbase;
	seq[mid].type = type;
	seq[mid].reserved = 0;
	if (tail)
		seq[k++] = t;

	unsigned removed = last - first;
	if (*n - removed + k > max)
		return -1;

	/* Splice: move entries [last, n) to start at first + k. */
	unsigned dst = first + k;
	if (dst > last) {
		for (unsigned s = *n; s-- > last;)
			map[s + (dst - last)] = map[s];
	} else if (dst < last) {
		for (unsigned s = last; s < *n; s++)
			map[s - (last - dst)] = map[s];
	}
	for (unsigned s = 0; s < k; s++)
		map[first + s] = seq[s];
	*n = *n - removed + k;
	return 0;
}

void memmap_totals(const struct mem_region *map, unsigned n, struct memmap_totals *out)
{
	struct memmap_totals t = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

	for (unsigned i = 0; i < n; i++) {
		const struct mem_region *r = &map[i];
		uint64_t end = region_end(r);
		int ram = 1;
		switch (r->type) {
		case MEM_USABLE:        t.usable += r->size; break;
		case MEM_HYPERVISOR:    t.hypervisor += r->size; break;
		case MEM_MODULE:        t.modules += r->size; break;
		case MEM_ACPI_RECLAIM:
		case MEM_ACPI_NVS:      t.acpi += r->size; break;
		case MEM_RUNTIME_CODE:
		case MEM_RUNTIME_DATA:  t.runtime += r->size; break;
		case MEM_MMIO:          t.mmio += r->size; ram = 0; break;
		default:                t.reserved += r->size; ram = 0; break;
		}
		if (ram) {
			t.ram_total += r->size;
			if (end > t.top_of_ram)
				t.top_of_ram = end;
		}
		if (r->size && end > t.top_of_map)
			t.top_of_map = end;
	}
	*out = t;
}

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE:        return "usable";
	case MEM_RESERVED:      return "reserved";
	case MEM_ACPI_RECLAIM:  return "ACPI";
	case MEM_ACPI_NVS:      return "ACPI NVS";
	case MEM_RUNTIME_CODE:  return "runtime code";
	case MEM_RUNTIME_DATA:  return "runtime data";
	case MEM_MMIO:          return "MMIO";
	case MEM_UNUSABLE:      return "unusable";
	case MEM_HYPERVISOR:    return "hypervisor";
	case MEM_MODULE:        return "module";
	default:                return "unknown";
	}
}
