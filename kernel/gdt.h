/*
 * Per-CPU descriptor tables: the hypervisor's own GDT with a 64-bit TSS. The firmware's GDT
 * is left behind at boot (its memory becomes free RAM), and VM-exit host state needs a
 * non-zero TR (Intel SDM Vol. 3C, 26.2.3), so each CPU gets its own pair.
 */
#ifndef BULKHEAD_GDT_H
#define BULKHEAD_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS         0x18

/* Interrupt stack table slots (1-based, as the IDT gate encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3
#define IST_COUNT        3

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes (SDM Vol. 3A, 8.7)");

struct cpu_tables {
	uint64_t gdt[5];            /* null, code, data, TSS (two slots) */
	struct tss64 tss;
} __attribute__((aligned(16)));

/* Fills and loads the tables on the calling CPU; ist_stacks[i] is the top of IST stack i+1. */
void gdt_load(struct cpu_tables *t, const uint64_t ist_stack_tops[IST_COUNT]);

#endif
