/*
 * The virtual PC of an OS partition (see platform.h): the port, MSR and MMIO maps, and the
 * wiring between devices: the UART's interrupt output drives I/O APIC pin 4, the I/O APIC
 * delivers into the local APIC, and the local APIC's timer and pending interrupts reach the
 * vCPU through its timer deadline and its entry work (vmx/vcpu_switch.c injects). MMIO is
 * emulated by decoding the guest's instruction (vmx/mmio_decode.c) fetched through its own
 * page tables (vmx/guest_walk.c): an EPT violation reports the address but not the data.
 */
#include "kernel/log.h"
#include "kernel/partition.h"
#include "kernel/percpu.h"
#include "kernel/x86.h"
#include "vdev/platform.h"
#include "kernel/audit.h"
#include "vdev/vcpu_post.h"
#include "vmx/exit.h"
#include "vmx/guest_walk.h"
#include "vmx/mmio_decode.h"
#include "vmx/vcpu_switch.h"

#define MSR_KVM_WALL_CLOCK      0x11u
#define MSR_KVM_SYSTEM_TIME     0x12u
#define MSR_KVM_WALL_CLOCK_NEW  0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define MSR_TSC_ADJUST          0x3bu
#define MSR_MTRR_DEF_TYPE       0x2ffu
#define MTRR_DEF_TYPE_RESET     0x806ull      /* MTRRs enabled, fixed ones off, default WB */
#define SLP_EN                  0x20u
#define PCI_CONFIG_ADDRESS      0xcf8
#define PCI_CONFIG_DATA         0xcfc
#define I8042_COMMAND           0x64
#define I8042_PULSE_RESET       0xfe
#define MMIO_LOG_LIMIT          8

static struct vplatform *platform_of(struct vcpu *v)
{
	return &v->partition->platform;
}

/* Seconds since 1970 on the host's wall clock (kernel/audit.c); 0 when there is none. */
static int64_t wallclock_seconds(void)
{
	int64_t t = wallclock_now();
	return t < 0 ? 0 : t;
}

/* The redirection entry's destination: the vCPU with that APIC ID (Linux routes physically,
 * as the FADT asks), or vCPU 0 when it names none of them (logical destinations included). */
static void ioapic_deliver(void *ctx, uint8_t vector, uint32_t dest, bool level, unsigned mode)
{
	struct partition *p = ctx;
	if (mode != VIOAPIC_DELIVERY_FIXED && mode != VIOAPIC_DELIVERY_LOWEST) {
		klog(LOG_DEBUG, "partition '%s': I/O APIC delivery mode %u ignored", p->name, mode);
		return;
	}
	struct vcpu *t = &p->vcpus[0];
	for (unsigned i = 1; i < p->vcpu_count; i++)
		if (p->vcpus[i].lapic && p->vcpus[i].lapic->id == dest)
			t = &p->vcpus[i];
	vcpu_post_interrupt(t, vector, level);
}

/* The local APIC's EOI of a level-triggered vector reaches the I/O APIC (SDM Vol. 3A 11.8.5),
 * which the partition's vCPUs share. */
static void lapic_eoi(void *ctx, uint8_t vector)
{
	struct partition *p = ctx;
	bool taken = partition_lock_devices(p, this_cpu()->apic_id);
	vioapic_eoi(&p->platform.ioapic, vector);
	partition_unlock_devices(p, taken);
}

void vplatform_lapic_init(struct vcpu *v)
{
	struct partition *p = v->partition;
	struct vlapic *l = &p->platform.lapic[v->index];
	/* x2APIC mode at power-on, as firmware leaves it; vCPU 0 is the bootstrap processor. */
	vlapic_reset(l, v->index, v->index == 0, true);
	l->tsc_per_count = cpuid_tsc_leaf(partitions_env()->tsc_hz).ebx;
	l->min_period_tsc = partitions_env()->tsc_hz / 1000000 * VLAPIC_MIN_PERIOD_US;
	l->eoi = lapic_eoi;
	l->eoi_ctx = p;
	v->lapic = l;
}

void vplatform_reset(struct partition *p)
{
	struct vplatform *pl = &p->platform;
	for (unsigned i = 0; i < p->vcpu_count; i++)
		vplatform_lapic_init(&p->vcpus[i]);
	vioapic_reset(&pl->ioapic, PLATFORM_IOAPIC_ID);
	pl->ioapic.deliver = ioapic_deliver;
	pl->ioapic.ctx = p;
	vrtc_reset(&pl->rtc);
	pl->mtrr_def_type = MTRR_DEF_TYPE_RESET;
	pl->uart_line = false;
	pl->ports_unclaimed = pl->mmio_unclaimed = 0;
	pl->ipis_dropped = pl->ipis_sent = 0;
	pl->ipis_logged = 0;
	pl->mmio_logged = 0;
}

void vplatform_uart_changed(struct partition *p)
{
	struct vplatform *pl = &p->platform;
	bool line = vuart_irq_line(&p->uart);
	if (line != pl->uart_line) {
		pl->uart_line = line;
		vioapic_set_line(&pl->ioapic, PLATFORM_UART_IRQ, line);
	}
}

/* PCI configuration mechanism #1 with nothing behind it: the address latch holds what is
 * written (Linux checks that before it trusts the mechanism), every function reads as absent
 * (all ones, "no device"), and data writes go nowhere. */
static bool pci_config_io(struct vplatform *pl, uint16_t port, unsigned size, bool in,
			  uint32_t *value)
{
	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		if (in)
			*value = pl->pci_address;
		else
			pl->pci_address = *value & 0x80fffffcu;
		return true;
	}
	if (port >= PCI_CONFIG_DATA && port < PCI_CONFIG_DATA + 4) {
		if (in)
			*value = 0xffffffffu;
		return true;
	}
	return false;
}

static void io_locked(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	struct partition *p = v->partition;
	struct vplatform *pl = &p->platform;
	if (vuart_io(&p->uart, port, in, value)) {
		vplatform_uart_changed(p);
		return;
	}
	if (vrtc_io(&pl->rtc, port, in, value, wallclock_seconds()))
		return;
	if (pci_config_io(pl, port, size, in, value))
		return;
	switch (port) {
	case PLATFORM_SLEEP_CONTROL:
		/* ACPI 6.x 4.8.3.7, "Sleep Control and Status Registers": SLP_EN with the \_S5
		 * type is the soft-off the DSDT offers; other sleep types are not offered. */
		if (in)
			*value = 0;
		else if ((*value & SLP_EN) && ((*value >> 2) & 7) == PLATFORM_S5_SLP_TYP)
			partition_guest_poweroff(p, "powered off by its guest (ACPI S5)");
		return;
	case PLATFORM_SLEEP_STATUS:
		if (in)
			*value = 0;
		return;
	case PLATFORM_RESET_PORT:
		/* The FADT's reset register; bit 2 starts a reset, as on Intel chipsets. */
		if (in)
			*value = 0;
		else if (size == 1 && (*value & 0x04))
			partition_guest_reset(p, "reset by its guest (ACPI reset register)");
		return;
	case I8042_COMMAND:
		/* No keyboard controller (the FADT says so), but its reset pulse is a classic
		 * way to reboot a PC, and Linux tries it when ACPI reset did not take. */
		if (in)
			*value = 0xffffffffu;
		else if ((*value & 0xff) == I8042_PULSE_RESET)
			partition_guest_reset(p, "reset by its guest (keyboard controller)");
		return;
	default:
		/* An empty ISA bus: reads float high, writes vanish. This is also the answer of
		 * the legacy PIC (Linux then uses no PIC), the PIT, port 0x80 and the rest. */
		if (in)
			*value = 0xffffffffu;
		pl->ports_unclaimed++;
		return;
	}
}

void vplatform_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	bool taken = partition_lock_devices(v->partition, this_cpu()->apic_id);
	io_locked(v, port, size, in, value);
	partition_unlock_devices(v->partition, taken);
}

static void lapic_sync_in(struct vcpu *v)
{
	v->lapic->tpr = v->virtual_apic[0x80];    /* MOV to CR8 writes the TPR shadow */
}

static void lapic_sync_out(struct vcpu *v)
{
	v->virtual_apic[0x80] = (uint8_t)v->lapic->tpr;
}

void vplatform_lapic_changed(struct vcpu *v)
{
	lapic_sync_out(v);
	vcpu_set_timer(this_cpu(), v, vlapic_timer_deadline(v->lapic), 0);
	v->entry_work |= VCPU_WORK_INJECT;
}

void vplatform_timer_due(struct vcpu *v, uint64_t now)
{
	vlapic_timer_expire(v->lapic, now);
	v->timer_deadline = vlapic_timer_deadline(v->lapic);
	v->entry_work |= VCPU_WORK_INJECT;
}

int vplatform_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value)
{
	struct vplatform *pl = platform_of(v);
	if (vlapic_msr_is_ours(msr)) {
		lapic_sync_in(v);
		return vlapic_rdmsr(v->lapic, msr, rdtsc(), value) == 0 ? 1 : -1;
	}
	switch (msr) {
	case MSR_MTRR_DEF_TYPE:
		*value = pl->mtrr_def_type;
		return 1;
	case MSR_TSC_ADJUST:
		*value = 0;                   /* the guest's TSC is never adjusted */
		return 1;
	default:
		return 0;
	}
}

/* Memory types an MTRR may name (SDM Vol. 3A 12.11.2.1): UC, WC, WT, WP, WB. */
static bool mtrr_type_valid(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

int vplatform_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value)
{
	struct vplatform *pl = platform_of(v);
	if (vlapic_msr_is_ours(msr)) {
		lapic_sync_in(v);
		int r = vlapic_wrmsr(v->lapic, msr, value, rdtsc());
		vcpu_route_ipi(v);
		vplatform_lapic_changed(v);
		return r == 0 ? 1 : -1;
	}
	switch (msr) {
	case MSR_MTRR_DEF_TYPE:
		/* Kept, not applied: EPT maps the partition's RAM write-back whatever the guest
		 * asks (its own cache-disable dance around PAT setup is then harmless). */
		if ((value & ~0xcffull) || !mtrr_type_valid(value & 0xff))
			return -1;
		pl->mtrr_def_type = value;
		return 1;
	case MSR_TSC_ADJUST:
		return value == 0 ? 1 : -1;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_WALL_CLOCK_NEW:
	case MSR_KVM_SYSTEM_TIME_NEW:
		/* The KVM-compatible CPUID block offers no kvmclock, yet Linux switches it off
		 * (writes 0) when a CPU goes down: that much is accepted. */
		return value == 0 ? 1 : -1;
	default:
		return 0;
	}
}

/* The registers in the order instructions encode them (SDM Vol. 2A 2.1.5): RAX, RCX, RDX,
 * RBX, RSP, RBP, RSI, RDI, R8-R15. */
static void regs_to_array(struct vcpu *v, uint64_t r[16])
{
	const struct guest_regs *g = &v->regs;
	uint64_t a[16] = { g->rax, g->rcx, g->rdx, g->rbx, vmcs_read(VMCS_GUEST_RSP), g->rbp,
			   g->rsi, g->rdi, g->r8, g->r9, g->r10, g->r11, g->r12, g->r13, g->r14,
			   g->r15 };
	for (unsigned i = 0; i < 16; i++)
		r[i] = a[i];
}

static void array_to_regs(struct vcpu *v, const uint64_t r[16])
{
	struct guest_regs *g = &v->regs;
	g->rax = r[0]; g->rcx = r[1]; g->rdx = r[2]; g->rbx = r[3];
	vmcs_write(VMCS_GUEST_RSP, r[4]);
	g->rbp = r[5]; g->rsi = r[6]; g->rdi = r[7];
	g->r8 = r[8]; g->r9 = r[9]; g->r10 = r[10]; g->r11 = r[11];
	g->r12 = r[12]; g->r13 = r[13]; g->r14 = r[14]; g->r15 = r[15];
}

static int read_guest_bytes(void *ctx, uint64_t gpa, void *out, size_t n)
{
	const struct partition *p = ctx;
	if (!partition_gpa_range_ok(p, gpa, n))
		return -1;
	const uint8_t *src = partition_gpa_ptr(p, gpa);
	uint8_t *dst = out;
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
	return 0;
}

/* Fetches up to 15 bytes at CS:RIP through the guest's paging; returns how many. */
static unsigned fetch_instruction(struct vcpu *v, uint8_t bytes[15], enum mmio_cpu_mode *mode)
{
	uint64_t efer = vmcs_read(VMCS_GUEST_EFER);
	uint32_t cs = (uint32_t)vmcs_read(VMCS_GUEST_CS_ACCESS);
	*mode = (efer & (1ull << 10)) && (cs & (1u << 13)) ? MMIO_MODE_64 :
		(cs & (1u << 14)) ? MMIO_MODE_32 : MMIO_MODE_16;
	uint64_t rip = vmcs_read(VMCS_GUEST_RIP);
	if (*mode != MMIO_MODE_64)
		rip = (uint32_t)(rip + vmcs_read(VMCS_GUEST_CS_BASE));
	struct guest_paging pg = { .cr0 = vmcs_read(VMCS_GUEST_CR0), .cr3 = vmcs_read(VMCS_GUEST_CR3),
				   .cr4 = vmcs_read(VMCS_GUEST_CR4), .efer = efer, .pdptes = NULL };
	return (unsigned)guest_copy_virt(&pg, rip, bytes, 15, read_guest_bytes, v->partition);
}

/* One access to the device at gpa: a read fills *value, a write takes it. */
static void mmio_locked(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	struct vplatform *pl = platform_of(v);
	uint64_t page = gpa & ~(PLATFORM_MMIO_PAGE - 1);
	if (page == PLATFORM_IOAPIC_GPA) {
		if (write)
			vioapic_mmio_write(&pl->ioapic, gpa - page, size, *value);
		else
			vioapic_mmio_read(&pl->ioapic, gpa - page, size, value);
		return;
	}
	/* Nothing there: as on a PC, reads return all ones and writes are lost. The xAPIC
	 * page is among these: the local APIC is in x2APIC mode and answers only MSRs. */
	pl->mmio_unclaimed++;
	if (pl->mmio_logged < MMIO_LOG_LIMIT) {
		pl->mmio_logged++;
		klog(LOG_INFO, "partition '%s': %u-byte %s of guest-physical %#llx: nothing there",
		     v->partition->name, size, write ? "write" : "read", (unsigned long long)gpa);
	}
	if (!write)
		*value = ~0ull;
}

static void mmio_access(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	bool taken = partition_lock_devices(v->partition, this_cpu()->apic_id);
	mmio_locked(v, gpa, size, write, value);
	partition_unlock_devices(v->partition, taken);
}

bool vplatform_mmio(struct vcpu *v, uint64_t gpa, bool write)
{
	uint8_t bytes[15];
	enum mmio_cpu_mode mode;
	unsigned got = fetch_instruction(v, bytes, &mode);
	struct mmio_insn in;
	if (got == 0 || mmio_decode(bytes, got, mode, &in) != 0) {
		partition_fault(v->partition, "%s of guest-physical %#llx by an instruction the "
				"hypervisor cannot emulate (bytes %02x %02x %02x %02x)",
				write ? "write" : "read", (unsigned long long)gpa, bytes[0], bytes[1],
				bytes[2], bytes[3]);
		return false;
	}
	/* The bytes decoded must be the access the CPU reported (the guest could have changed
	 * its page tables since): else the partition stops rather than being emulated wrongly. */
	if (!in.is_xchg && in.is_write != write) {
		partition_fault(v->partition, "%s of guest-physical %#llx, but the instruction at "
				"RIP %s", write ? "write" : "read", (unsigned long long)gpa,
				in.is_write ? "writes" : "reads");
		return false;
	}
	uint64_t regs[16];
	regs_to_array(v, regs);
	uint64_t value = 0;
	if (in.is_xchg) {
		uint64_t store = mmio_write_value(&in, regs);
		mmio_access(v, gpa, in.size, false, &value);
		mmio_access(v, gpa, in.size, true, &store);
	} else if (in.is_write) {
		value = mmio_write_value(&in, regs);
		mmio_access(v, gpa, in.size, true, &value);
	} else {
		mmio_access(v, gpa, in.size, false, &value);
	}
	if (!in.is_write || in.is_xchg) {
		mmio_complete_read(&in, regs, value);
		array_to_regs(v, regs);
	}
	vcpu_advance_rip(in.length);
	return true;
}
