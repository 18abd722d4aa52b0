/*
 * Setting up a CPU's own state: its descriptor tables and its GS base, which this_cpu() reads.
 * The GS base is written after the GDT load because loading a null GS selector may clear it.
 */
#include "drivers/lapic.h"
#include "kernel/percpu.h"
#include "kernel/x86.h"

#define MSR_IA32_GS_BASE 0xc0000101

void percpu_init_boot_cpu(struct percpu *p, const uint64_t ist_tops[IST_COUNT])
{
	p->self = p;
	p->index = 0;
	p->apic_id = this_cpu_apic_id();
	gdt_load(&p->tables, ist_tops);
	wrmsr(MSR_IA32_GS_BASE, (uint64_t)p);
}

void percpu_init_ap(struct percpu *p)
{
	p->self = p;
	p->apic_id = lapic_id();
	gdt_load(&p->tables, p->ist_tops);
	wrmsr(MSR_IA32_GS_BASE, (uint64_t)p);
}
