/*
 * The Multiboot test kernel: a 32-bit kernel of our own that a `type = multiboot` partition
 * boots, which checks everything the Multiboot 0.6.96 specification promises it (3.2 "Machine
 * state", 3.3 "Boot information format") against what its partition is: the loader magic,
 * protected mode with paging off, the information flags, mem_lower/mem_upper, a memory map
 * that covers exactly the partition's RAM (its size comes on the command line, "mem=N" in
 * MiB), the command line starting with the image's own file name, the boot loader's name, and
 * the one module with its string and its bytes (module.txt). Each check prints PASS or FAIL on
 * the virtual UART (polled), then "DONE n passed, m failed", and the kernel powers its
 * partition off through the ACPI sleep control register the platform offers.
 */
#include <stdint.h>

#define UART 0x3f8
#define SLEEP_CONTROL 0x600
#define SLEEP_S5 0x34                     /* SLP_TYP 5 << 2 | SLP_EN */

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};
struct mb_module { uint32_t start, end, string, reserved; };
struct mb_mmap { uint32_t size; uint64_t base, length; uint32_t type; } __attribute__((packed));

static const char expected_module[] = "Bulkhead's Multiboot test module: the kernel checks these bytes.\n";
extern char _start[];
static unsigned passed, failed;

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void putc_uart(char c)
{
	while (!(inb(UART + 5) & 0x20))
		;
	outb(UART, (uint8_t)c);
}

static void puts_uart(const char *s)
{
	while (*s)
		putc_uart(*s++);
}

static void put_dec(uint32_t v)
{
	char b[11];
	int i = 10;
	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_uart(b + i);
}

static void check(int ok, const char *what)
{
	puts_uart(ok ? "PASS " : "FAIL ");
	puts_uart(what);
	puts_uart("\n");
	if (ok)
		passed++;
	else
		failed++;
}

static int starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

static int equal(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The partition's size in MiB from "mem=N" on the command line; 0 if absent. */
static uint32_t mem_mib(const char *cmd)
{
	for (; *cmd; cmd++) {
		if (starts_with(cmd, "mem=")) {
			uint32_t v = 0;
			for (cmd += 4; *cmd >= '0' && *cmd <= '9'; cmd++)
				v = v * 10 + (uint32_t)(*cmd - '0');
			return v;
		}
	}
	return 0;
}

static void check_mmap(const struct mb_info *mb, uint64_t ram)
{
	/* Sorted, contiguous from 0, types 1 or 2, ending at the partition's end; RAM below
	 * 640 KiB and from 1 MiB, the BIOS area reserved, the image's own range available. */
	uint64_t next = 0, available = 0;
	int sorted = 1, types = 1, low_ok = 0, bios_reserved = 0, image_available = 0;
	uint32_t entries = 0;
	for (uint32_t off = 0; off < mb->mmap_length; entries++) {
		const struct mb_mmap *e = (const struct mb_mmap *)(mb->mmap_addr + off);
		if (e->size != 20 || e->base != next)
			sorted = 0;
		if (e->type != 1 && e->type != 2)
			types = 0;
		if (e->type == 1) {
			available += e->length;
			if (e->base <= 0x4000 && e->base + e->length >= 0x9f000)
				low_ok = 1;
			if (e->base <= (uint32_t)_start && e->base + e->length >= ram)
				image_available = 1;
		} else if (e->base <= 0xa0000 && e->base + e->length >= 0x100000) {
			bios_reserved = 1;
		}
		next = e->base + e->length;
		off += e->size + 4;
	}
	check(entries >= 3 && sorted, "the memory map is sorted and contiguous from 0 (size field 20)");
	check(types, "memory map entries are available (1) or reserved (2)");
	check(next == ram, "the memory map ends exactly at the partition's end");
	check(low_ok, "conventional memory below 640 KiB is available");
	check(bios_reserved, "the BIOS area 0xA0000-0xFFFFF is reserved");
	check(image_available, "RAM from the image to the partition's end is available");
	check(available > ram - (1u << 20) && available < ram, "available RAM adds up to the partition less the low reserved areas");
}

void mbtest_main(uint32_t magic, const struct mb_info *mb)
{
	uint32_t cr0;
	__asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
	puts_uart("mbtest: Multiboot test kernel\n");
	check(magic == 0x2badb002, "EAX holds the Multiboot loader magic 0x2BADB002");
	check((cr0 & 1) && !(cr0 & 0x80000000u), "32-bit protected mode with paging off");
	uint32_t want = (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9);
	check((mb->flags & want) == want, "info flags: memory, cmdline, modules, memory map, loader name");
	const char *cmd = (const char *)mb->cmdline;
	check(starts_with(cmd, "mbtest.elf "), "the command line starts with the image's file name");
	uint64_t ram = (uint64_t)mem_mib(cmd) << 20;
	check(ram != 0, "the command line carries the rest of the config's cmdline (mem=N)");
	check(mb->mem_lower == 639, "mem_lower is 639 KiB");
	check(ram && mb->mem_upper == (uint32_t)((ram - (1u << 20)) >> 10), "mem_upper is the partition's RAM above 1 MiB");
	check_mmap(mb, ram);
	check(equal((const char *)mb->boot_loader_name, "Bulkhead"), "boot loader name is Bulkhead");
	check(mb->mods_count == 1, "one boot module");
	if (mb->mods_count == 1) {
		const struct mb_module *m = (const struct mb_module *)mb->mods_addr;
		const char *bytes = (const char *)m->start;
		uint32_t len = m->end - m->start, i;
		for (i = 0; i < len && expected_module[i] && bytes[i] == expected_module[i]; i++)
			;
		check(len == sizeof expected_module - 1 && i == len, "the module holds module.txt's bytes");
		check((m->start & 0xfff) == 0, "the module is page-aligned (header flag 0)");
		check(equal((const char *)m->string, "module.txt"), "the module's string is its file name");
		check(m->start >= (uint32_t)_start && m->end <= ram, "the module lies above the image, inside RAM");
	}
	puts_uart("DONE ");
	put_dec(passed);
	puts_uart(" passed, ");
	put_dec(failed);
	puts_uart(" failed\n");
	outb(SLEEP_CONTROL, SLEEP_S5);            /* ACPI soft-off: the partition stops */
}
