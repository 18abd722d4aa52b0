/*
 * The virtual PC an operating system's partition (type = linux or multiboot) runs on: one
 * x2APIC local APIC per vCPU with its timer, an I/O APIC that routes the UART's interrupt, the
 * 16550 UART, the CMOS clock, ACPI power-off and reset registers, and a defined answer for
 * every other port and physical address (the table is in README, "The virtual platform"). The
 * exit handlers for I/O, MSRs and EPT violations hand an OS partition's accesses to this file,
 * which looks up the device and calls it; the devices themselves (vdev/v*.c) are pure and
 * unit-tested, and know nothing of partitions or VMX. The ACPI tables that describe the
 * platform to the guest are built by vdev/acpi_tables.c from the same constants.
 */
#ifndef BULKHEAD_VDEV_PLATFORM_H
#define BULKHEAD_VDEV_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include "param.h"
#include "vdev/acpi_tables.h"
#include "vdev/vioapic.h"
#include "vdev/vlapic.h"
#include "vdev/vrtc.h"

struct partition;
struct vcpu;

/* Where the devices sit (the ACPI tables say the same). */
#define PLATFORM_IOAPIC_GPA        0xfec00000ull
#define PLATFORM_IOAPIC_ID         PARTITION_VCPUS_MAX   /* above every vCPU's APIC ID */
#define PLATFORM_LAPIC_GPA         0xfee00000ull
#define PLATFORM_MMIO_PAGE         0x1000ull
#define PLATFORM_ACPI_GPA          0xe0000ull     /* RSDP and tables, in the BIOS area */
#define PLATFORM_ACPI_MAX          0x10000ull
#define PLATFORM_SLEEP_CONTROL     0x600          /* ACPI SLEEP_CONTROL_REG (8-bit) */
#define PLATFORM_SLEEP_STATUS      0x601          /* ACPI SLEEP_STATUS_REG (8-bit) */
#define PLATFORM_RESET_PORT        0xcf9          /* ACPI RESET_REG, as on Intel chipsets */
#define PLATFORM_RESET_VALUE       0x06
#define PLATFORM_S5_SLP_TYP        ACPI_SLP_TYP_S5  /* the DSDT's \_S5 package */
#define PLATFORM_UART_IRQ          4              /* COM1: ISA IRQ 4, I/O APIC pin 4 */
#define PLATFORM_SCI_IRQ           9

struct vplatform {
	struct vlapic lapic[PARTITION_VCPUS_MAX];   /* vCPU i's, x2APIC ID i; each touched only
					             * by the CPU that runs that vCPU */
	struct vioapic ioapic;
	struct vrtc rtc;
	uint64_t mtrr_def_type;           /* IA32_MTRR_DEF_TYPE as the guest last wrote it */
	bool uart_line;                   /* the UART's interrupt output, as last seen */
	uint32_t pci_address;             /* PCI CONFIG_ADDRESS (0xCF8) latch */
	uint64_t ports_unclaimed;         /* accesses to ports nothing emulates */
	uint64_t mmio_unclaimed;          /* accesses to addresses nothing emulates */
	uint64_t ipis_dropped;            /* IPIs that reached no vCPU of the partition (atomic) */
	uint64_t ipis_sent;               /* IPIs delivered to other vCPUs of it (atomic) */
	unsigned ipis_logged;
	unsigned mmio_logged;
};

/* Power-on state of the platform of partition p (its vCPUs are built). */
void vplatform_reset(struct partition *p);
/* Power-on (or INIT) state of vCPU v's local APIC, wired to the platform; on v's CPU. */
void vplatform_lapic_init(struct vcpu *v);
/* Port I/O of an OS partition's vCPU: every port has an answer. */
void vplatform_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *value);
/* MSRs the platform owns (local APIC, TSC deadline, MTRR default type, the KVM clock MSRs
 * Linux switches off). 1: handled; 0: not the platform's (the MSR policy decides); -1: #GP. */
int vplatform_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *value);
int vplatform_wrmsr(struct vcpu *v, uint32_t msr, uint64_t value);
/* An EPT violation outside the partition's RAM: emulates the instruction against the device
 * there (or the "nothing there" answer). Returns false when the instruction cannot be
 * emulated; the caller stops the partition. */
bool vplatform_mmio(struct vcpu *v, uint64_t gpa, bool write);
/* The UART's state changed (typed input, a register access): its interrupt line follows. */
void vplatform_uart_changed(struct partition *p);
/* A local APIC register or timer changed: arm the vCPU's timer, look for interrupts. */
void vplatform_lapic_changed(struct vcpu *v);
/* The vCPU's timer is due: the local APIC timer fires. */
void vplatform_timer_due(struct vcpu *v, uint64_t now);

#endif
