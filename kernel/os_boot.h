/*
 * Loading an operating system into a partition's memory: the ACPI tables of its virtual PC,
 * then its kernel through the boot protocol its type names (type = linux: the Linux x86 boot
 * protocol, 64-bit entry, kernel/linux_boot.c; type = multiboot: Multiboot 0.6.96,
 * kernel/multiboot.c), and the vCPU state that protocol starts the kernel in. Every refusal
 * is one line naming the file and what is wrong with it; the caller logs it and gives the
 * memory back.
 */
#ifndef BULKHEAD_OS_BOOT_H
#define BULKHEAD_OS_BOOT_H

#include <stdint.h>
#include "vmx/vmx.h"

struct partition;
struct boot_module;

/* ram: the partition's zeroed memory. initrd may be NULL. On success fills *start (and the
 * first registers in *regs) and the kernel's version string for `info`, and returns 0; else
 * writes the reason to why and returns -1. */
int os_boot_load(struct partition *p, uint8_t *ram, const struct boot_module *image,
		 const struct boot_module *initrd, struct vcpu_start *start,
		 struct guest_regs *regs, char *why, unsigned why_size);

#endif
