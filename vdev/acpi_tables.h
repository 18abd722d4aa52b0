/*
 * The ACPI tables a partition's guest finds: the smallest set a modern OS (Linux first) boots
 * on with no emulated chipset. A hardware-reduced FADT (no PM1/GPE blocks, no SCI, no 8259,
 * no PIT checks), sleep control/status registers for power-off, a reset register, a MADT with
 * the vCPUs' APIC IDs and one I/O APIC, and a DSDT with \_S5 and the legacy serial ports.
 * They are written into the partition's own memory at base_gpa (0xe0000 by convention: inside
 * the 0xe0000-0xfffff window an OS scans for the RSDP when not told where it is, and reserved
 * in the e820/Multiboot maps of kernel/linux_boot.h and kernel/multiboot.h). Pure: no
 * allocation, no globals; unit-tested on the host. References are to the ACPI Specification
 * 6.5, chapter 5.2 (tables) and 19/20 (AML), and to Linux where it decides behaviour.
 *
 * What the hypervisor must emulate to honour them:
 *   - SLEEP_CONTROL (8-bit I/O at sleep_control_port): a write with SLP_EN (0x20) set and
 *     SLP_TYP (bits 2-4) == ACPI_SLP_TYP_S5 means power off; Linux writes exactly
 *     ACPI_SLEEP_CONTROL_S5 (0x34). SLEEP_STATUS (8-bit I/O at sleep_status_port): Linux
 *     first writes ACPI_WAKE_STATUS (0x80) to clear it; reads may return 0.
 *   - RESET_REG (8-bit I/O at reset_port): writing reset_value resets the partition.
 *     Suggested: port 0xcf9 with value 0x06, where a PC's reset control register is (a byte
 *     access; dword accesses at 0xcf8 are PCI configuration), so OSes that hard-code it
 *     agree with the table; Linux's next fallbacks are port 0x64 (0xfe) and a triple fault.
 *   - each UART listed in plat->uarts at its port, raising its ISA IRQ on the I/O APIC pin
 *     of the same number (GSI = IRQ, edge, active high).
 */
#ifndef BULKHEAD_ACPI_TABLES_H
#define BULKHEAD_ACPI_TABLES_H

#include <stdbool.h>
#include <stdint.h>
#include "param.h"

#define ACPI_TABLES_MAX_CPUS   MAX_CPUS
#define ACPI_TABLES_MAX_UARTS  4

/* \_S5's SLP_TYP. Any 3-bit value works on hardware-reduced ACPI (there is no PM1 chipset
 * field to match); 5 reads as "S5" in a trace of port writes. */
#define ACPI_SLP_TYP_S5        5
#define ACPI_SLEEP_CONTROL_S5  ((ACPI_SLP_TYP_S5 << 2) | 0x20)   /* SLP_TYP << 2 | SLP_EN */
#define ACPI_WAKE_STATUS       0x80

/* Suggested I/O ports (see above); any free ports do. */
#define ACPI_SUGGESTED_RESET_PORT          0xcf9
#define ACPI_SUGGESTED_RESET_VALUE         0x06
#define ACPI_SUGGESTED_SLEEP_CONTROL_PORT  0x604
#define ACPI_SUGGESTED_SLEEP_STATUS_PORT   0x600

struct acpi_uart {
	uint16_t port;              /* I/O base, 8 registers (0x3f8 for COM1) */
	uint8_t  irq;               /* ISA IRQ 0-15 (4 for COM1); also its GSI */
};

struct acpi_platform {
	unsigned cpu_count;                      /* 1 .. ACPI_TABLES_MAX_CPUS */
	uint32_t apic_ids[ACPI_TABLES_MAX_CPUS]; /* distinct; vCPU i gets ACPI processor UID i */
	uint64_t lapic_addr;                     /* 0xfee00000; below 4 GiB */
	uint64_t ioapic_addr;                    /* 0xfec00000; below 4 GiB */
	uint8_t  ioapic_id;                      /* e.g. the first ID above the vCPUs' */
	uint32_t ioapic_gsi_base;                /* 0: its pins are GSIs 0-23 */
	uint16_t sleep_control_port;             /* 0: no sleep registers (no ACPI power-off) */
	uint16_t sleep_status_port;              /* 0 with sleep_control_port only */
	uint16_t reset_port;                     /* 0: no reset register */
	uint8_t  reset_value;
	uint8_t  sci_irq;                        /* FADT SCI_INT; unused on HW-reduced (9) */
	bool     cmos_rtc;                       /* false: FADT says "CMOS RTC Not Present" */
	unsigned uart_count;                     /* 0 .. ACPI_TABLES_MAX_UARTS */
	struct acpi_uart uarts[ACPI_TABLES_MAX_UARTS];
};

/* Bytes the tables for plat take from base_gpa, or 0 if plat is invalid (CPU or UART count
 * out of range, duplicate APIC IDs, an APIC address at or above 4 GiB, a UART IRQ above 15,
 * exactly one of the two sleep ports set). */
uint64_t acpi_tables_size(const struct acpi_platform *plat);

/*
 * Writes RSDP, XSDT, RSDT, FADT, MADT and DSDT into ram (guest-physical 0 at ram[0]) at
 * [base_gpa, base_gpa + acpi_tables_size(plat)) and stores the RSDP's address (= base_gpa) in
 * *rsdp_gpa. Returns 0, or -1 with nothing written when plat is invalid, base_gpa is not
 * 16-byte aligned (the RSDP scan's step), or the tables would not fit in max_len, in RAM,
 * or below 4 GiB (the RSDT and FADT hold 32-bit addresses).
 */
int acpi_tables_build(uint8_t *ram, uint64_t ram_size, uint64_t base_gpa, uint64_t max_len,
		      const struct acpi_platform *plat, uint64_t *rsdp_gpa);

#endif
