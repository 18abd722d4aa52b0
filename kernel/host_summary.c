/*
 * The banner and host summary printed at boot: enough for an administrator (and the test
 * suites) to see at a glance what machine this is and whether it can run partitions.
 */
#include <stdio.h>
#include <string.h>
#include "kernel/host.h"
#include "kernel/log.h"
#include "kernel/x86.h"

#define MIB(x) ((unsigned long long)((x) >> 20))

void host_identify_cpu(struct host_info *h)
{
	struct cpuid_regs r = cpuid(0, 0);
	memcpy(h->cpu_vendor + 0, &r.ebx, 4);
	memcpy(h->cpu_vendor + 4, &r.edx, 4);
	memcpy(h->cpu_vendor + 8, &r.ecx, 4);
	h->cpu_vendor[12] = 0;
	uint32_t sig = cpuid(1, 0).eax;
	/* Display family/model per SDM Vol. 2A, CPUID leaf 01H: extended fields added in. */
	h->cpu_family = (sig >> 8) & 0xf;
	h->cpu_model = (sig >> 4) & 0xf;
	if (h->cpu_family == 0xf)
		h->cpu_family += (sig >> 20) & 0xff;
	if (h->cpu_family == 0x6 || h->cpu_family >= 0xf)
		h->cpu_model |= ((sig >> 16) & 0xf) << 4;
	h->cpu_stepping = sig & 0xf;
	h->cpu_brand[0] = 0;
	if (cpuid(0x80000000, 0).eax >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i, 0);
			memcpy(h->cpu_brand + 16 * i + 0, &r.eax, 4);
			memcpy(h->cpu_brand + 16 * i + 4, &r.ebx, 4);
			memcpy(h->cpu_brand + 16 * i + 8, &r.ecx, 4);
			memcpy(h->cpu_brand + 16 * i + 12, &r.edx, 4);
		}
		h->cpu_brand[48] = 0;
	}
	/* Speculation: CPUID.(7,0) and, where it exists, IA32_ARCH_CAPABILITIES decide the
	 * barriers between partitions (vmx/spec_policy.c). */
	h->spec_in.intel = strcmp(h->cpu_vendor, "GenuineIntel") == 0;
	if (cpuid(0, 0).eax >= 7) {
		struct cpuid_regs l7 = cpuid(7, 0);
		h->spec_in.cpuid7_ebx = l7.ebx;
		h->spec_in.cpuid7_edx = l7.edx;
		if (l7.edx & CPUID7_EDX_ARCH_CAP)
			h->spec_in.arch_caps = rdmsr(MSR_IA32_ARCH_CAPABILITIES);
	}
	spec_policy_decide(&h->spec_in, &h->spec);

	/* Brand strings are often right-justified with leading spaces. */
	char *b = h->cpu_brand;
	while (*b == ' ')
		b++;
	memmove(h->cpu_brand, b, strlen(b) + 1);
	if (!h->cpu_brand[0])
		strcpy(h->cpu_brand, "(no brand string)");
}

/* "0-1,4" style, the way the config writes CPU lists. */
static void format_cpu_list(uint64_t mask, char *out, size_t size)
{
	size_t n = 0;
	out[0] = 0;
	for (unsigned c = 0; c < 64 && n + 8 < size; c++) {
		if (!((mask >> c) & 1))
			continue;
		unsigned end = c;
		while (end + 1 < 64 && ((mask >> (end + 1)) & 1))
			end++;
		n += (size_t)snprintf(out + n, size - n, end > c ? "%s%u-%u" : "%s%u", n ? "," : "", c, end);
		c = end;
	}
}

static const char *yes_no(bool b) { return b ? "yes" : "no"; }

/* Where the CPU list came from, then one line per CPU: what it is and how its start went. */
static void print_cpus(const struct host_info *h)
{
	const struct cpu_table *t = &h->cpus;
	unsigned up = 0;
	for (unsigned i = 0; i < t->count; i++)
		up += (h->cpus_online >> i) & 1;
	kprintf("cpus: %u found in %s, %u up; local APIC at %#llx, %s mode\n", t->count,
		cpu_list_source_string(t->source), up, (unsigned long long)t->lapic_base,
		t->x2apic ? "x2APIC" : "xAPIC");
	if (t->source != CPU_LIST_MADT)
		kprintf("cpus: no ACPI MADT (%s)\n", acpi_status_string(h->acpi));
	if (t->lists_disagree)
		kprintf("cpus: warning: the MADT lists %u CPU(s) but the firmware's MP Services %u; "
			"the MADT is used\n", t->madt_count, t->firmware_count);
	for (unsigned i = 0; i < t->count; i++) {
		const struct cpu_slot *c = &t->cpu[i];
		if (c->status == CPU_UP)
			kprintf("  cpu %-2u apic %-3u started in %llu us%s\n", i, c->apic_id,
				(unsigned long long)c->start_us,
				h->vmx == VMX_OK && h->vmx_caps.ept ? ", VMX on" : "");
		else
			kprintf("  cpu %-2u apic %-3u %s\n", i, c->apic_id, cpu_status_string(c->status));
	}
}

void host_summary_print(const struct host_info *h, const struct boot_info *bi,
			const struct config *cfg)
{
	kprintf("\nBulkhead %s - type-1 microhypervisor for Intel x86-64\n", BULKHEAD_VERSION);
	kprintf("host: %s\n", cfg->hv.hostname);
	kprintf("cpu: %s %s (family %u model %u stepping %u)\n", h->cpu_vendor, h->cpu_brand,
		h->cpu_family, h->cpu_model, h->cpu_stepping);
	print_cpus(h);
	kprintf("ram: %llu MiB total, %llu MiB usable by partitions\n", MIB(h->mem.ram_total),
		MIB(h->partition_ram_free));
	kprintf("hypervisor: %llu MiB reserved at %#llx (image %llu KiB, page tables %u KiB, "
		"heap %llu KiB)\n", MIB(bi->hv_size), (unsigned long long)bi->hv_base,
		(unsigned long long)bi->kernel_size / 1024, h->kmap.tables * 4,
		(unsigned long long)h->heap_size / 1024);
	if (h->tsc_hz && h->tsc_source == TSC_PIT && h->tsc_claimed_hz)
		kprintf("tsc: %llu.%03llu MHz (calibrated against the PIT; CPUID claims %llu MHz)\n",
			(unsigned long long)(h->tsc_hz / 1000000),
			(unsigned long long)(h->tsc_hz / 1000 % 1000),
			(unsigned long long)(h->tsc_claimed_hz / 1000000));
	else if (h->tsc_hz)
		kprintf("tsc: %llu.%03llu MHz (%s)\n", (unsigned long long)(h->tsc_hz / 1000000),
			(unsigned long long)(h->tsc_hz / 1000 % 1000), tsc_source_string(h->tsc_source));
	else
		kprintf("tsc: frequency unknown (no CPUID leaf and PIT calibration failed)\n");

	if (h->vmx == VMX_NO_CPU_SUPPORT) {
		kprintf("vmx: not available on this CPU (CPUID.1:ECX.VMX = 0)\n");
	} else {
		const struct vmx_caps *v = &h->vmx_caps;
		kprintf("vmx: present; IA32_FEATURE_CONTROL %s\n",
			feature_control_state_string(h->feature_control));
		kprintf("vmx: EPT %s (2 MiB pages %s, 1 GiB pages %s), VPID %s, unrestricted guest %s, "
			"preemption timer %s (TSC/%u)\n", yes_no(v->ept), yes_no(v->ept_2m),
			yes_no(v->ept_1g), yes_no(v->vpid), yes_no(v->unrestricted_guest),
			yes_no(v->preemption_timer), 1u << v->preemption_timer_shift);
	}
	char spec[400];
	spec_policy_describe(&h->spec, spec, sizeof spec);
	kprintf("speculation: %s\n", spec);
	if (h->spec_in.cpuid7_edx & CPUID7_EDX_ARCH_CAP)
		kprintf("speculation: IA32_ARCH_CAPABILITIES = %#llx\n",
			(unsigned long long)h->spec_in.arch_caps);
	else
		kprintf("speculation: no IA32_ARCH_CAPABILITIES (CPUID.7:EDX = %#x)\n",
			h->spec_in.cpuid7_edx);
	kprintf("config: %s, %u partition(s)\n",
		bi->config_source == CONFIG_FROM_FILE ? "bulkhead.cfg from the ESP" :
							"embedded default", cfg->partition_count);
	for (unsigned i = 0; i < cfg->partition_count; i++) {
		const struct partition_config *p = &cfg->partitions[i];
		char cpus[64];
		format_cpu_list(p->cpus, cpus, sizeof cpus);
		kprintf("  partition %-12s %5llu MiB  cpus %-6s %s image %s%s%s\n", p->name,
			MIB(p->memory), cpus,
			config_partition_type_name(p->type), p->image,
			p->privileged ? ", privileged" : "", p->autostart ? ", autostart" : "");
	}
}
