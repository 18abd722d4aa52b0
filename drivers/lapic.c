/*
 * Local APIC access (see lapic.h). In xAPIC mode every register is a 32-bit MMIO word at
 * base + offset (the kernel's page tables map the APIC page with the rest of the low 4 GiB);
 * in x2APIC mode register offset R is MSR 0x800 + R/16 and the ICR is one 64-bit MSR with the
 * destination in bits 63:32 (SDM Vol. 3A 11.12.1, 11.12.9).
 */
#include "drivers/lapic.h"
#include "kernel/x86.h"

#define APIC_BASE_X2APIC   (1ull << 10)
#define APIC_BASE_ADDR     0xfffff000ull
#define REG_ID             0x20
#define REG_EOI            0xb0
#define REG_SVR            0xf0
#define REG_ICR_LOW        0x300
#define REG_ICR_HIGH       0x310
#define ICR_NMI            (4u << 8)
#define ICR_INIT           (5u << 8)
#define ICR_STARTUP        (6u << 8)
#define ICR_ASSERT         (1u << 14)
#define ICR_PENDING        (1u << 12)
#define REG_LVT_TIMER      0x320
#define LVT_TSC_DEADLINE   (2u << 17)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define MSR_TSC_DEADLINE   0x6e0

static volatile uint32_t *mmio;
static bool x2apic;

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	x2apic = (base & APIC_BASE_X2APIC) != 0;
	mmio = (volatile uint32_t *)(base & APIC_BASE_ADDR);
}

uint32_t lapic_read(unsigned reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(0x800 + reg / 16);
	return mmio[reg / 4];
}

void lapic_write(unsigned reg, uint32_t value)
{
	if (x2apic)
		wrmsr(0x800 + reg / 16, value);
	else
		mmio[reg / 4] = value;
}

void lapic_eoi(void) { lapic_write(REG_EOI, 0); }

unsigned lapic_spurious_vector(void) { return lapic_read(REG_SVR) & 0xff; }

uint32_t lapic_id(void) { return x2apic ? lapic_read(REG_ID) : lapic_read(REG_ID) >> 24; }

/* One IPI through the ICR: in x2APIC mode a single MSR write; in xAPIC mode the destination
 * first (the write to the low word sends), then wait for the delivery-status bit to clear so
 * that the next IPI is not written over this one (SDM Vol. 3A 11.6.1). */
static void send_ipi(uint32_t dest_apic_id, uint32_t low)
{
	if (x2apic) {
		wrmsr(0x800 + REG_ICR_LOW / 16, ((uint64_t)dest_apic_id << 32) | low);
		return;
	}
	mmio[REG_ICR_HIGH / 4] = dest_apic_id << 24;
	mmio[REG_ICR_LOW / 4] = low;
	for (int spin = 0; spin < 100000 && (mmio[REG_ICR_LOW / 4] & ICR_PENDING); spin++)
		cpu_relax();
}

void lapic_self_nmi(void) { send_ipi(lapic_id(), ICR_NMI | ICR_ASSERT); }

void lapic_send_nmi(uint32_t apic_id) { send_ipi(apic_id, ICR_NMI | ICR_ASSERT); }

void lapic_send_fixed(uint32_t apic_id, uint8_t vector) { send_ipi(apic_id, ICR_ASSERT | vector); }

void lapic_send_init(uint32_t apic_id) { send_ipi(apic_id, ICR_INIT | ICR_ASSERT); }

void lapic_send_startup(uint32_t apic_id, uint8_t page) { send_ipi(apic_id, ICR_STARTUP | page); }

bool lapic_x2apic_mode(void) { return x2apic; }

bool lapic_deadline_timer_init(uint8_t vector)
{
	if (!(cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE))
		return false;
	lapic_write(REG_LVT_TIMER, LVT_TSC_DEADLINE | vector);
	/* The mode switch must be seen before the first IA32_TSC_DEADLINE write (SDM 11.5.4.1). */
	__asm__ volatile("mfence" ::: "memory");
	wrmsr(MSR_TSC_DEADLINE, 0);
	return true;
}

void lapic_deadline_arm(uint64_t tsc)
{
	wrmsr(MSR_TSC_DEADLINE, tsc);
}
