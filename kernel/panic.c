/*
 * panic() and machine_stop(). Power-off and reboot go through the UEFI runtime service
 * ResetSystem (UEFI spec 2.9, 8.5.1), which the loader hands over: it stays callable after
 * ExitBootServices in physical mode because the kernel keeps runtime-services memory
 * identity-mapped and executable. If it returns or is absent, the CPU halts with interrupts
 * off: stopped, never spinning.
 */
#include <stdarg.h>
#include <stdio.h>
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/x86.h"

typedef void (__attribute__((ms_abi)) *efi_reset_fn)(int type, uint64_t status, uint64_t size, void *data);
enum { EFI_RESET_COLD = 0, EFI_RESET_SHUTDOWN = 2 };

static efi_reset_fn reset_system;
static enum stop_action stop_action = STOP_HALT;

void machine_stop_init(uint64_t efi_reset_system, enum stop_action action)
{
	reset_system = (efi_reset_fn)efi_reset_system;
	stop_action = action;
}

void machine_stop_init_action(enum stop_action action)
{
	stop_action = action;
}

void machine_stop(const char *why)
{
	__asm__ volatile("cli");
	kprintf("[hv] stopping: %s (on_stop = %s)\n", why, config_stop_action_name(stop_action));
	if (stop_action != STOP_HALT && reset_system)
		reset_system(stop_action == STOP_REBOOT ? EFI_RESET_COLD : EFI_RESET_SHUTDOWN, 0, 0, 0);
	if (stop_action == STOP_REBOOT)
		outb(0x64, 0xfe);     /* 8042 pulse reset line: the classic fallback */
	kprintf("[hv] halted\n");
	cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
	char msg[192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kprintf("[hv] PANIC on CPU %u: %s\n", this_cpu_apic_id(), msg);
	machine_stop("hypervisor panic");
}
