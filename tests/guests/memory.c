/*
 * memory guest: the partition's RAM and start-info page. Checks that the start-info fields
 * are sane, then writes a position-dependent 64-bit pattern over all of guest-physical
 * [align_up(image_end, 4 KiB), memory_size) and reads every word back. (The stack, page
 * tables and start-info page lie below the image; the image itself is left alone.)
 */
#include <string.h>
#include "runtime/guest.h"

#define PAGE_2M 0x200000ull

extern const char __image_end[];   /* guest.ld */

static uint64_t pattern(uint64_t addr)
{
	return (addr * 0x9e3779b97f4a7c15ull) ^ 0xa5a5f00dcafe5a5aull;
}

static void start_info_sane(const struct start_info *si, uint64_t own_end)
{
	check_eq("start_info.magic is START_INFO_MAGIC", si->magic, START_INFO_MAGIC);
	check_eq("start_info.version is START_INFO_VERSION", si->version, START_INFO_VERSION);
	check_eq("start_info.hypercall_abi is HYPERCALL_ABI_VERSION", si->hypercall_abi,
	         HYPERCALL_ABI_VERSION);
	check(si->memory_size >= PAGE_2M && si->memory_size % PAGE_2M == 0,
	      "start_info.memory_size is a non-zero multiple of 2 MiB", "memory_size = %#lx",
	      si->memory_size);
	check(si->vcpu_count >= 1, "start_info.vcpu_count >= 1", "vcpu_count = %u", si->vcpu_count);
	size_t name_len = strnlen(si->name, sizeof(si->name));
	check(name_len > 0 && name_len < sizeof(si->name),
	      "start_info.name is non-empty and NUL-terminated", "length %zu", name_len);
	/* Read the command line only where it is known to be mapped. */
	if (check_eq("start_info.cmdline_gpa is GUEST_CMDLINE_GPA", si->cmdline_gpa,
	             GUEST_CMDLINE_GPA)) {
		size_t len = strnlen((const char *)GUEST_CMDLINE_GPA, 4096);
		check(si->cmdline_len < 4096 && len == si->cmdline_len,
		      "start_info.cmdline_len matches the NUL-terminated command line",
		      "cmdline_len %u, strlen %zu", si->cmdline_len, len);
	}
	/* Bochs' TSC counts emulated instructions: about 100 MHz there. */
	check(si->tsc_hz >= 1000000ull && si->tsc_hz <= 100000000000ull,
	      "start_info.tsc_hz is between 1 MHz and 100 GHz", "tsc_hz = %lu", si->tsc_hz);
	check(si->image_end >= own_end && si->image_end <= si->memory_size,
	      "start_info.image_end covers the image and lies inside memory",
	      "image_end %#lx, the image ends at %#lx, memory_size %#lx", si->image_end, own_end,
	      si->memory_size);
}

static void pattern_test(uint64_t start, uint64_t end)
{
	volatile uint64_t *p;
	for (p = (volatile uint64_t *)start; (uint64_t)p < end; p++)
		*p = pattern((uint64_t)p);
	uint64_t bad = 0, first_bad = 0, first_got = 0;
	for (p = (volatile uint64_t *)start; (uint64_t)p < end; p++) {
		uint64_t got = *p;
		if (got != pattern((uint64_t)p)) {
			if (!bad++) {
				first_bad = (uint64_t)p;
				first_got = got;
			}
		}
	}
	if (bad)
		fail("memory pattern", "%lu of %lu words wrong; first at %#lx: got %#lx, want %#lx",
		     bad, (end - start) / 8, first_bad, first_got, pattern(first_bad));
	else
		pass("memory pattern: %lu bytes verified in [%#lx, %#lx)", end - start, start, end);
}

int guest_main(const struct start_info *si)
{
	uint64_t own_end = (uint64_t)__image_end;
	start_info_sane(si, own_end);
	uint64_t end = si->memory_size & ~(PAGE_2M - 1);
	uint64_t start = si->image_end > own_end ? si->image_end : own_end;
	start = (start + 4095) & ~4095ull;
	if (start >= end) {
		fail("memory pattern", "nothing to test: free memory [%#lx, %#lx)", start, end);
		return done();
	}
	pattern_test(start, end);
	return done();
}
