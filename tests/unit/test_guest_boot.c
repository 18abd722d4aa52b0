/*
 * Unit tests for the guest boot area: walks the page tables the builder wrote (as the guest's
 * MMU would, with guest-physical addresses) and checks every 2 MiB of the partition maps to
 * itself and nothing beyond it is mapped; checks the GDT, TSS descriptor, start-info copy and
 * command line; and the size limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/guest_boot.h"

static uint8_t *ram_of(uint64_t size)
{
	uint8_t *r = aligned_alloc(4096, size);
	assert_non_null(r);
	memset(r, 0, size);
	return r;
}

/* Translates a guest-virtual address with the tables inside `ram`; returns 1 if mapped. */
static int walk(const uint8_t *ram, uint64_t va, uint64_t *pa)
{
	const uint64_t *pml4 = (const uint64_t *)(ram + GUEST_PAGE_TABLE_GPA);
	uint64_t e = pml4[(va >> 39) & 511];
	if (!(e & 1)) return 0;
	const uint64_t *pdpt = (const uint64_t *)(ram + (e & ~0xfffull));
	e = pdpt[(va >> 30) & 511];
	if (!(e & 1)) return 0;
	const uint64_t *pd = (const uint64_t *)(ram + (e & ~0xfffull));
	e = pd[(va >> 21) & 511];
	if (!(e & 1) || !(e & 0x80)) return 0;
	*pa = (e & ~0x1fffffull) | (va & 0x1fffff);
	return 1;
}

static struct start_info sample_si(uint64_t size)
{
	struct start_info si = { .magic = START_INFO_MAGIC, .version = START_INFO_VERSION,
				 .memory_size = size, .vcpu_count = 1, .partition_id = 3 };
	strcpy(si.name, "web");
	return si;
}

static void identity_maps_exactly_the_partition(void **state)
{
	(void)state;
	uint64_t size = 8ull << 20;
	uint8_t *ram = ram_of(size);
	struct start_info si = sample_si(size);
	assert_int_equal(guest_boot_build(ram, size, &si, "quiet"), 0);
	uint64_t pa;
	for (uint64_t a = 0; a < size; a += 0x1000) {
		assert_true(walk(ram, a, &pa));
		assert_int_equal(pa, a);
	}
	assert_false(walk(ram, size, &pa));
	assert_false(walk(ram, 1ull << 30, &pa));
	free(ram);
}

static void multi_gib_partition_uses_one_directory_per_gib(void **state)
{
	(void)state;
	uint64_t size = (1ull << 30) + (4ull << 20);   /* 1 GiB + 4 MiB: two directories */
	uint8_t *ram = ram_of(size);
	struct start_info si = sample_si(size);
	assert_int_equal(guest_boot_build(ram, size, &si, NULL), 0);
	uint64_t pa;
	assert_true(walk(ram, (1ull << 30) + (2ull << 20) + 5, &pa));
	assert_int_equal(pa, (1ull << 30) + (2ull << 20) + 5);
	assert_false(walk(ram, size, &pa));
	free(ram);
}

static void gdt_tss_and_start_info(void **state)
{
	(void)state;
	uint64_t size = 4ull << 20;
	uint8_t *ram = ram_of(size);
	struct start_info si = sample_si(size);
	assert_int_equal(guest_boot_build(ram, size, &si, "console=ttyS0 quiet"), 0);
	const uint64_t *gdt = (const uint64_t *)(ram + GUEST_GDT_GPA);
	assert_int_equal(gdt[1] >> 40 & 0xff, 0x9b);          /* present code */
	assert_true(gdt[1] >> 53 & 1);                          /* L bit */
	assert_int_equal(gdt[2] >> 40 & 0xff, 0x93);
	assert_int_equal(gdt[3] >> 40 & 0xf, 0xb);              /* busy 64-bit TSS */
	uint64_t base = (gdt[3] >> 16 & 0xffffff) | (gdt[3] >> 56 & 0xff) << 24 | gdt[4] << 32;
	assert_int_equal(base, GUEST_TSS_GPA);
	const struct start_info *placed = (const struct start_info *)(ram + START_INFO_GPA);
	assert_int_equal(placed->magic, START_INFO_MAGIC);
	assert_string_equal(placed->name, "web");
	assert_int_equal(placed->cmdline_gpa, GUEST_CMDLINE_GPA);
	assert_int_equal(placed->cmdline_len, strlen("console=ttyS0 quiet"));
	assert_string_equal((const char *)ram + GUEST_CMDLINE_GPA, "console=ttyS0 quiet");
	free(ram);
}

static void overlong_cmdline_is_cut_at_4095(void **state)
{
	(void)state;
	uint64_t size = 2ull << 20;
	uint8_t *ram = ram_of(size);
	char *line = malloc(6000);
	memset(line, 'a', 5999);
	line[5999] = 0;
	struct start_info si = sample_si(size);
	assert_int_equal(guest_boot_build(ram, size, &si, line), 0);
	assert_int_equal(strlen((const char *)ram + GUEST_CMDLINE_GPA), 4095);
	assert_int_equal(ram[GUEST_CMDLINE_GPA + 4096], 0);      /* nothing past the page */
	free(line);
	free(ram);
}

static void bad_sizes_are_refused(void **state)
{
	(void)state;
	uint8_t *ram = ram_of(4ull << 20);
	struct start_info si = sample_si(0);
	assert_int_equal(guest_boot_build(ram, 0, &si, NULL), -1);
	assert_int_equal(guest_boot_build(ram, (2ull << 20) + 4096, &si, NULL), -1);
	assert_int_equal(guest_boot_build(ram, GUEST_BOOT_MAX_MEMORY + (2ull << 20), &si, NULL), -1);
	free(ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_maps_exactly_the_partition),
		cmocka_unit_test(multi_gib_partition_uses_one_directory_per_gib),
		cmocka_unit_test(gdt_tss_and_start_info),
		cmocka_unit_test(overlong_cmdline_is_cut_at_4095),
		cmocka_unit_test(bad_sizes_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
