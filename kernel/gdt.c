/*
 * Builds and loads a CPU's GDT and TSS, then reloads every segment register so nothing refers
 * to the firmware's table any more. Descriptor encodings: Intel SDM Vol. 3A, 3.4.5 (code/data,
 * L bit for 64-bit code) and 8.2.3 (the 16-byte 64-bit TSS descriptor).
 */
#include <string.h>
#include "kernel/gdt.h"

#define DESC_CODE64 0x00af9a000000ffffull   /* present, DPL0, exec/read, L=1 */
#define DESC_DATA   0x00cf92000000ffffull   /* present, DPL0, read/write */

void gdt_load(struct cpu_tables *t, const uint64_t ist_stack_tops[IST_COUNT])
{
	memset(t, 0, sizeof *t);
	for (int i = 0; i < IST_COUNT; i++)
		t->tss.ist[i] = ist_stack_tops[i];
	/* No I/O permission bitmap: the offset points past the TSS limit. */
	t->tss.iomap_base = sizeof t->tss;

	uint64_t base = (uint64_t)&t->tss, limit = sizeof t->tss - 1;
	t->gdt[1] = DESC_CODE64;
	t->gdt[2] = DESC_DATA;
	t->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |   /* avail TSS */
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[4] = base >> 32;

	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
		sizeof t->gdt - 1, (uint64_t)t->gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"               /* far return to reload CS */
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%gs\n\t"
		"ltr %w3"
		: : "m"(gdtr), "i"(GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA), "r"(GDT_TSS)
		: "rax", "memory");
}
