/*
 * Finding and starting the CPUs (see smp.h). The boot CPU prepares everything an AP needs
 * before waking it (stacks, tables and VMXON region come from the hypervisor pool, which only
 * the boot CPU touches), copies the start-up code below 1 MiB and wakes one AP at a time with
 * INIT, a 10 ms wait, a start-up IPI and, if the AP has not arrived 200 us later, a second one
 * (SDM Vol. 3A 9.4.4 "MP Initialization Example"). Starting them one by one lets every AP use the
 * one parameter block of the trampoline; an AP that does not arrive in time gets an INIT, which
 * parks it again, so that it cannot wake later on another AP's stack.
 */
#include <string.h>
#include "ap_trampoline.h"
#include "drivers/lapic.h"
#include "kernel/exception.h"
#include "kernel/fpu.h"
#include "kernel/log.h"
#include "kernel/partition.h"
#include "kernel/smp.h"
#include "kernel/scheduler.h"
#include "kernel/vcpu.h"
#include "kernel/x86.h"
#include "mm/kernel_map.h"
#include "vmx/vmx.h"

extern const char ap_trampoline_start[], ap_trampoline_pm[], ap_trampoline_lm[],
	ap_trampoline_end[];
extern const char ap_entry[];
__attribute__((noreturn)) void ap_main(struct percpu *p);

#define MSR_IA32_PAT      0x277
#define PTE_PRESENT_WRITE 0x3ull
#define PTE_LARGE         0x80ull
#define DESC_CODE32       0x00cf9a000000ffffull
#define DESC_DATA32       0x00cf92000000ffffull
#define DESC_CODE64       0x00af9a000000ffffull
#define APIC_BASE_ENABLE  (1ull << 11)
#define APIC_BASE_X2APIC  (1ull << 10)
#define LAPIC_SVR         0xf0
#define LAPIC_SVR_ENABLE  0x100u
#define LAPIC_SPURIOUS    0xffu

#define ARRIVE_TIMEOUT_US 100000     /* from the last start-up IPI to the AP's first C line */
#define SETUP_TIMEOUT_US  1000000    /* from its first C line to VMXON done (emulators are slow) */

/* What every AP copies from the boot CPU so that all CPUs run the kernel the same way. */
static struct {
	uint64_t cr0, cr4, pat;
	bool x2apic;
	const struct vmx_caps *caps;
} template;

static uint64_t us_ticks = 1000;     /* TSC ticks per microsecond (at least 1) */
static struct cpu_table *table;      /* the machine's CPUs, once smp_start_aps ran */

#define KICK_RESEND_US          1000      /* an NMI that hit hypervisor code went unnoticed */
#define SMP_RELEASE_TIMEOUT_US  2000000   /* generous: emulated CPUs can be slow */

static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * us_ticks;
	while (rdtsc() < end)
		cpu_relax();
}

/* Waits up to `us` for *flag to become non-zero. */
static bool wait_for(volatile uint32_t *flag, uint64_t us)
{
	uint64_t end = rdtsc() + us * us_ticks;
	while (!*flag) {
		if (rdtsc() >= end)
			return *flag != 0;
		cpu_relax();
	}
	return true;
}

static bool in_list(const uint32_t *ids, unsigned n, uint32_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

void smp_discover(struct cpu_table *t, const struct boot_info *bi, const uint32_t *madt_ids,
		  unsigned madt_listed, uint32_t boot_apic_id, struct percpu *bsp)
{
	memset(t, 0, sizeof *t);
	t->madt_count = madt_ids ? madt_listed : 0;
	t->firmware_count = bi->fw_cpus_listed;
	const uint32_t *ids = NULL;
	unsigned n = 0;
	if (t->madt_count) {
		t->source = CPU_LIST_MADT, ids = madt_ids, n = madt_listed;
	} else if (t->firmware_count) {
		t->source = CPU_LIST_FIRMWARE, ids = bi->fw_cpu_apic_ids, n = bi->fw_cpus_listed;
	} else {
		t->source = CPU_LIST_BOOT_ONLY;
	}
	if (t->madt_count && t->firmware_count) {
		t->lists_disagree = t->madt_count != t->firmware_count;
		for (unsigned i = 0; i < madt_listed && !t->lists_disagree; i++)
			t->lists_disagree = !in_list(bi->fw_cpu_apic_ids, bi->fw_cpus_listed, madt_ids[i]);
	}
	t->cpu[0] = (struct cpu_slot){ .apic_id = boot_apic_id, .status = CPU_BOOT, .percpu = bsp };
	t->count = 1;
	for (unsigned i = 0; i < n && t->count < MAX_CPUS; i++)
		if (ids[i] != boot_apic_id && !in_list(ids, i, ids[i]))
			t->cpu[t->count++] = (struct cpu_slot){ .apic_id = ids[i] };
}

/* The trampoline page: code, GDT, far-jump targets and the temporary page tables, all for the
 * page the loader reserved. Identity-mapped, so the kernel writes it at its physical address. */
static void prepare_trampoline(uint64_t base_pa)
{
	uint8_t *tr = (uint8_t *)base_pa;
	uint32_t base = (uint32_t)base_pa;
	memset(tr, 0, AP_TRAMPOLINE_SIZE);
	memcpy(tr, ap_trampoline_start, (size_t)(ap_trampoline_end - ap_trampoline_start));

	uint64_t *gdt = (uint64_t *)(tr + AP_TRAMP_GDT);
	gdt[AP_TRAMP_SEL_CODE32 / 8] = DESC_CODE32;
	gdt[AP_TRAMP_SEL_DATA / 8] = DESC_DATA32;
	gdt[AP_TRAMP_SEL_CODE64 / 8] = DESC_CODE64;
	*(uint16_t *)(tr + AP_TRAMP_GDTR) = 4 * 8 - 1;
	*(uint32_t *)(tr + AP_TRAMP_GDTR + 2) = base + AP_TRAMP_GDT;
	*(uint32_t *)(tr + AP_TRAMP_PM_JUMP) = base + (uint32_t)(ap_trampoline_pm - ap_trampoline_start);
	*(uint16_t *)(tr + AP_TRAMP_PM_JUMP + 4) = AP_TRAMP_SEL_CODE32;
	*(uint32_t *)(tr + AP_TRAMP_LM_JUMP) = base + (uint32_t)(ap_trampoline_lm - ap_trampoline_start);
	*(uint16_t *)(tr + AP_TRAMP_LM_JUMP + 4) = AP_TRAMP_SEL_CODE64;

	/* Temporary tables: the first 2 MiB identity-mapped and executable (this code), and the
	 * kernel's own top-level entry for its high half (its text, where ap_entry is). */
	uint64_t *pml4 = (uint64_t *)(tr + AP_TRAMP_PML4), *pdpt = (uint64_t *)(tr + AP_TRAMP_PDPT);
	uint64_t *pd = (uint64_t *)(tr + AP_TRAMP_PD);
	pml4[0] = (base + AP_TRAMP_PDPT) | PTE_PRESENT_WRITE;
	pdpt[0] = (base + AP_TRAMP_PD) | PTE_PRESENT_WRITE;
	pd[0] = 0 | PTE_LARGE | PTE_PRESENT_WRITE;
	uint64_t kernel_cr3 = read_cr3();
	pml4[511] = ((const uint64_t *)(kernel_cr3 & ~0xfffull))[511];
	*(uint32_t *)(tr + AP_TRAMP_TEMP_CR3) = base + AP_TRAMP_PML4;
	*(uint64_t *)(tr + AP_TRAMP_KERNEL_ENTRY) = (uint64_t)ap_entry;
	*(uint64_t *)(tr + AP_TRAMP_KERNEL_CR3) = kernel_cr3;
}

static uint64_t alloc_zeroed(struct frame_alloc *pool, uint64_t size)
{
	uint64_t pa = frame_alloc_alloc(pool, (size + 4095) & ~4095ull, 4096);
	if (pa)
		memset((void *)pa, 0, size);
	return pa;
}

/* Everything the AP will use, from the pool, before it runs: it never allocates itself. */
static struct percpu *prepare_percpu(struct frame_alloc *pool, unsigned index, uint32_t apic_id,
				     bool vmx_usable, uint64_t *stack_top)
{
	struct percpu *p = (struct percpu *)alloc_zeroed(pool, sizeof *p);
	uint64_t stack = alloc_zeroed(pool, KERNEL_STACK_SIZE);
	uint64_t exit_stack = alloc_zeroed(pool, EXIT_STACK_SIZE);
	uint64_t ist = alloc_zeroed(pool, IST_COUNT * IST_STACK_SIZE);
	uint64_t vmxon = vmx_usable ? alloc_zeroed(pool, 4096) : 1;
	if (!p || !stack || !exit_stack || !ist || !vmxon)
		return NULL;
	p->index = index;
	p->apic_id = apic_id;
	for (unsigned i = 0; i < IST_COUNT; i++)
		p->ist_tops[i] = ist + (i + 1) * IST_STACK_SIZE;
	p->exit_stack_top = exit_stack + EXIT_STACK_SIZE;
	p->vmxon_region = vmx_usable ? vmxon : 0;
	p->vmx_wanted = vmx_usable;
	p->next_timer_tsc = p->next_event_tsc = UINT64_MAX;
	*stack_top = stack + KERNEL_STACK_SIZE;
	return p;
}

static void start_one(struct cpu_slot *s, unsigned index, uint64_t tramp, struct frame_alloc *pool,
		      bool vmx_usable)
{
	uint64_t stack_top;
	struct percpu *p = prepare_percpu(pool, index, s->apic_id, vmx_usable, &stack_top);
	if (!p) {
		s->status = CPU_NO_MEMORY;
		return;
	}
	*(volatile uint64_t *)(tramp + AP_TRAMP_STACK) = stack_top;
	*(volatile uint64_t *)(tramp + AP_TRAMP_PERCPU) = (uint64_t)p;

	uint64_t t0 = rdtsc();
	uint8_t page = (uint8_t)(tramp >> 12);
	lapic_send_init(s->apic_id);
	delay_us(10000);
	lapic_send_startup(s->apic_id, page);
	delay_us(200);
	if (!p->arrived)
		lapic_send_startup(s->apic_id, page);
	if (!wait_for(&p->arrived, ARRIVE_TIMEOUT_US)) {
		lapic_send_init(s->apic_id);
		s->status = CPU_NO_ANSWER;
		return;
	}
	if (!wait_for(&p->status, SETUP_TIMEOUT_US)) {
		lapic_send_init(s->apic_id);
		s->status = CPU_STUCK;
		return;
	}
	s->status = (enum cpu_status)p->status;
	s->start_us = (rdtsc() - t0) / us_ticks;
	if (s->status == CPU_UP)
		s->percpu = p;
	else
		lapic_send_init(s->apic_id);      /* no VMX there: park it for good */
}

void smp_start_aps(struct cpu_table *t, const struct boot_info *bi, struct frame_alloc *pool,
		   uint64_t tsc_hz, const struct vmx_caps *vmx_caps)
{
	bool vmx_usable = vmx_caps != NULL;
	table = t;
	us_ticks = tsc_hz >= 1000000 ? tsc_hz / 1000000 : 1000;
	t->x2apic = lapic_x2apic_mode();
	if (t->count <= 1)
		return;
	if (!bi->ap_trampoline || bi->ap_trampoline_size < AP_TRAMPOLINE_SIZE ||
	    bi->ap_trampoline + AP_TRAMPOLINE_SIZE > 0xa0000) {
		for (unsigned i = 1; i < t->count; i++)
			t->cpu[i].status = CPU_NO_TRAMPOLINE;
		return;
	}
	template.cr0 = read_cr0();
	template.cr4 = read_cr4() & ~(CR4_VMXE | CR4_PCIDE);
	template.pat = rdmsr(MSR_IA32_PAT);
	template.x2apic = t->x2apic;
	template.caps = vmx_caps;
	prepare_trampoline(bi->ap_trampoline);
	for (unsigned i = 1; i < t->count; i++)
		start_one(&t->cpu[i], i, bi->ap_trampoline, pool, vmx_usable);
}

/* An AP's C entry (from ap_entry in kernel/entry.S), on its own stack and the kernel's tables. */
void ap_main(struct percpu *p)
{
	p->arrived = 1;
	percpu_init_ap(p);
	idt_load();
	write_cr0(template.cr0);
	write_cr4(template.cr4);
	wrmsr(MSR_IA32_PAT, template.pat);
	/* The APIC mode must match the boot CPU's: the driver uses one mode for all CPUs. */
	uint64_t apic_base = rdmsr(MSR_IA32_APIC_BASE);
	if (template.x2apic && !(apic_base & APIC_BASE_X2APIC))
		wrmsr(MSR_IA32_APIC_BASE, apic_base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS);

	enum cpu_status status = CPU_UP;
	if (p->vmx_wanted) {
		if (vmx_feature_control_enable() == FC_LOCKED_OFF)
			status = CPU_VMX_LOCKED_OFF;
		else if (vmx_cpu_enable(p, template.caps, NULL) != 0)
			status = CPU_VMXON_FAILED;
	}
	fpu_cpu_init(p);
	p->wake_timer = lapic_deadline_timer_init(IDLE_WAKE_VECTOR);
	p->status = status;
	if (status != CPU_UP)
		for (;;)
			__asm__ volatile("cli; hlt");      /* the boot CPU parks it with INIT */
	/* Halted (interrupts off; an NMI still wakes it) until the partitions are built. */
	while (!p->go)
		__asm__ volatile("hlt");
	p->kicked = 0;
	scheduler_start(p);
}

struct percpu *smp_cpu(unsigned index)
{
	if (!table || index >= table->count)
		return NULL;
	const struct cpu_slot *s = &table->cpu[index];
	return s->status == CPU_BOOT || s->status == CPU_UP ? s->percpu : NULL;
}

/* Until `target` clears its kick flag or `timeout_us` passes, with an NMI now and again: one
 * that lands in hypervisor code (between the AP's last look and its HLT or VM entry) wakes
 * nothing, the next one will. */
static bool kick_until(struct percpu *target, volatile uint32_t *done_when_zero,
		       struct percpu *volatile *done_when_null, uint64_t timeout_us)
{
	uint64_t start = rdtsc(), last = start;
	__atomic_store_n(&target->kicked, 1, __ATOMIC_RELEASE);
	lapic_send_nmi(target->apic_id);
	for (;;) {
		bool done = done_when_null ? __atomic_load_n(done_when_null, __ATOMIC_ACQUIRE) == NULL
					   : __atomic_load_n(done_when_zero, __ATOMIC_ACQUIRE) == 0;
		if (done)
			return true;
		uint64_t now = rdtsc();
		if (now - start >= timeout_us * us_ticks)
			return false;
		if (now - last >= KICK_RESEND_US * us_ticks) {
			__atomic_store_n(&target->kicked, 1, __ATOMIC_RELEASE);
			lapic_send_nmi(target->apic_id);
			last = now;
		}
		cpu_relax();
	}
}

bool smp_kick(unsigned index, uint64_t timeout_us)
{
	struct percpu *c = smp_cpu(index);
	if (!c || c == this_cpu() || !c->go)
		return true;          /* not scheduling yet: it looks at everything when it starts */
	return kick_until(c, &c->kicked, NULL, timeout_us);
}

void smp_notify(unsigned index)
{
	struct percpu *c = smp_cpu(index);
	if (!c || c == this_cpu())
		return;
	lapic_send_fixed(c->apic_id, NOTIFY_VECTOR);
}

bool smp_release_vcpu(struct vcpu *v)
{
	struct percpu *c = __atomic_load_n(&v->active_cpu, __ATOMIC_ACQUIRE);
	if (!c || c == this_cpu())
		return true;
	__atomic_store_n(&v->release_request, 1, __ATOMIC_RELEASE);
	bool ok = kick_until(c, NULL, &v->active_cpu, SMP_RELEASE_TIMEOUT_US);
	if (!ok)
		klog(LOG_ERROR, "CPU %u did not let go of a vCPU of '%s' within %u ms", c->index,
		     v->partition ? v->partition->name : "?", SMP_RELEASE_TIMEOUT_US / 1000);
	return ok;
}

void smp_go(void)
{
	if (!table)
		return;
	for (unsigned i = 1; i < table->count; i++) {
		struct percpu *c = smp_cpu(i);
		if (!c)
			continue;
		c->go = 1;
		if (!smp_kick(i, 100000))
			klog(LOG_WARN, "CPU %u did not answer its start signal", i);
	}
}

uint64_t smp_online_mask(const struct cpu_table *t)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < t->count; i++)
		if (t->cpu[i].status == CPU_BOOT || t->cpu[i].status == CPU_UP)
			m |= 1ull << i;
	return m;
}

const char *cpu_status_string(enum cpu_status s)
{
	switch (s) {
	case CPU_NOT_STARTED:    return "not started";
	case CPU_BOOT:           return "boot CPU";
	case CPU_UP:             return "started";
	case CPU_NO_ANSWER:      return "did not start (no answer to INIT and start-up IPIs): left out";
	case CPU_STUCK:          return "did not finish its start-up in time: left out";
	case CPU_VMX_LOCKED_OFF: return "started, but its firmware locked VMX off: left out";
	case CPU_VMXON_FAILED:   return "started, but VMXON failed: left out";
	case CPU_NO_MEMORY:      return "not started (no hypervisor memory for its stacks): left out";
	case CPU_NO_TRAMPOLINE:  return "not started (no start-up page below 1 MiB): left out";
	}
	return "?";
}

const char *cpu_list_source_string(enum cpu_list_source s)
{
	switch (s) {
	case CPU_LIST_MADT:      return "the ACPI MADT";
	case CPU_LIST_FIRMWARE:  return "the firmware's MP Services list";
	case CPU_LIST_BOOT_ONLY: return "neither an ACPI MADT nor a firmware CPU list: the boot CPU alone";
	}
	return "?";
}
