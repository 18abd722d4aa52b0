/*
 * The hypervisor's last resort. panic() is for hypervisor bugs only (a guest must never be able
 * to reach it): it prints the cause and the CPU, then stops the machine the way the config says
 * (on_stop = poweroff | halt | reboot). machine_stop() is also the orderly end for conditions
 * that leave nothing to run, such as a CPU without VMX.
 */
#ifndef BULKHEAD_PANIC_H
#define BULKHEAD_PANIC_H

#include <stdint.h>
#include "lib/config/config.h"

void machine_stop_init(uint64_t efi_reset_system, enum stop_action action);
/* The management shell's poweroff/reboot overrides the configured on_stop. */
void machine_stop_init_action(enum stop_action action);
__attribute__((noreturn)) void machine_stop(const char *why);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#endif
