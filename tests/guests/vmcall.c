/*
 * vmcall guest: the hypercall ABI seen from a well-behaved caller. Known calls return what
 * include/hypercall.h promises, unknown numbers HC_ENOSYS, HC_CONSOLE_WRITE checks its buffer
 * (HC_EFAULT for one that leaves guest memory or wraps around, HC_EINVAL for a length over
 * HC_CONSOLE_WRITE_MAX), and no call changes any register but RAX.
 */
#include <stdio.h>
#include <string.h>
#include "runtime/guest.h"

uint64_t vmcall_changed_registers(uint64_t nr);   /* vmcall_regs.S */

static char too_long[HC_CONSOLE_WRITE_MAX + 1];

static void unknown_numbers(void)
{
	static const uint64_t numbers[] = { 7, HC_COUNT + 1, 0x7fffffff, 0x100000000ull | HC_NOP,
	                                    0xffffffffffffffffull };
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "unknown hypercall %#lx returns HC_ENOSYS",
		         numbers[i]);
		check_hc(what, hypercall(numbers[i], 0, 0, 0, 0, 0, 0), HC_ENOSYS);
	}
}

static void console_write_checks(uint64_t memory_size)
{
	static const char text[] = "console write reached the hypervisor\n";
	size_t len = sizeof(text) - 1;
	check_hc("HC_CONSOLE_WRITE of a good buffer returns its length",
	         hc_console_write((uint64_t)text, len), (int64_t)len);
	check_hc("HC_CONSOLE_WRITE crossing the end of memory returns HC_EFAULT",
	         hc_console_write(memory_size - 4, 16), HC_EFAULT);
	check_hc("HC_CONSOLE_WRITE just past the end of memory returns HC_EFAULT",
	         hc_console_write(memory_size, 1), HC_EFAULT);
	check_hc("HC_CONSOLE_WRITE whose end wraps past 2^64 returns HC_EFAULT",
	         hc_console_write(0xfffffffffffffff0ull, 0x20), HC_EFAULT);
	memset(too_long, 'x', sizeof(too_long));
	too_long[sizeof(too_long) - 1] = '\n';
	check_hc("HC_CONSOLE_WRITE of HC_CONSOLE_WRITE_MAX + 1 bytes returns HC_EINVAL",
	         hc_console_write((uint64_t)too_long, sizeof(too_long)), HC_EINVAL);
}

/* Bit order of vmcall_changed_registers' mask. */
static const char *const reg_names[14] = { "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R8", "R9",
                                           "R10", "R11", "R12", "R13", "R14", "R15" };

static void registers_preserved(void)
{
	static const struct {
		uint64_t nr;
		const char *name;
	} calls[] = {
		{ HC_NOP, "HC_NOP" },
		{ HC_ABI_VERSION, "HC_ABI_VERSION" },
		{ HC_YIELD, "HC_YIELD" },
		{ HC_CONSOLE_WRITE, "HC_CONSOLE_WRITE (refused)" },
		{ 0x7fffffff, "an unknown hypercall" },
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		char what[96];
		snprintf(what, sizeof(what), "%s preserves every register but RAX", calls[i].name);
		uint64_t changed = vmcall_changed_registers(calls[i].nr);
		char names[80] = "";
		for (unsigned bit = 0; bit < 14; bit++)
			if (changed & (1ull << bit)) {
				strcat(names, " ");
				strcat(names, reg_names[bit]);
			}
		check(changed == 0, what, "changed:%s", names);
	}
}

int guest_main(const struct start_info *si)
{
	check_hc("HC_ABI_VERSION returns HYPERCALL_ABI_VERSION", hc_abi_version(),
	         HYPERCALL_ABI_VERSION);
	unknown_numbers();
	console_write_checks(si->memory_size);
	int64_t hz = hc_tsc_hz();
	check(hz > 0 && (uint64_t)hz == si->tsc_hz, "HC_TSC_HZ equals start_info.tsc_hz",
	      "got %ld, start_info says %lu", hz, si->tsc_hz);
	check_hc("HC_NOP returns 0", hc_nop(), 0);
	check_hc("HC_YIELD returns 0", hc_yield(), 0);
	registers_preserved();
	return done();
}
