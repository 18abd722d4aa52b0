/*
 * The local APIC of the running CPU, in the little the hypervisor needs today: end of
 * interrupt for host interrupts acknowledged on VM exit, the spurious vector (which gets no
 * EOI), NMIs to itself and to other CPUs, the IPIs that start the other CPUs, and a TSC-deadline
 * timer that wakes an idle CPU. xAPIC (MMIO at IA32_APIC_BASE) or x2APIC
 * (MSRs 0x800-0x8ff), whichever mode the firmware left the APIC in (SDM Vol. 3A 11.4, 11.12).
 */
#ifndef BULKHEAD_LAPIC_H
#define BULKHEAD_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Reads IA32_APIC_BASE once per boot (all CPUs share the mode the firmware chose). */
void lapic_init(void);
void lapic_eoi(void);
unsigned lapic_spurious_vector(void);
/* The running CPU's APIC ID (bits 31:24 of the xAPIC ID register, all 32 bits in x2APIC mode). */
uint32_t lapic_id(void);
uint32_t lapic_read(unsigned reg);          /* reg: the xAPIC MMIO offset (0x20 ID, 0xb0 EOI...) */
void lapic_write(unsigned reg, uint32_t value);
/* Sends an NMI to the calling CPU (ICR: delivery mode NMI, destination shorthand "self" is
 * not allowed for NMIs, so the physical destination is our own APIC ID). */
void lapic_self_nmi(void);
/* Inter-processor interrupts to one CPU by APIC ID: an NMI (to kick it out of a guest or out
 * of HLT), and the INIT and start-up IPIs that start an application processor (SDM Vol. 3A
 * 9.4.4: INIT, then start-up with the page number of its first instruction). */
void lapic_send_nmi(uint32_t apic_id);
/* A fixed, edge-triggered interrupt with `vector` to one CPU. */
void lapic_send_fixed(uint32_t apic_id, uint8_t vector);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);
bool lapic_x2apic_mode(void);
/* The running CPU's timer in TSC-deadline mode with `vector` (SDM Vol. 3A 11.5.4.1), for an
 * idle CPU to sleep until its next virtual-timer deadline. Returns false, leaving the timer
 * alone, when the CPU has no TSC-deadline mode. */
bool lapic_deadline_timer_init(uint8_t vector);
/* Arms that timer for TSC value `tsc` (a past one fires at once); 0 disarms it. */
void lapic_deadline_arm(uint64_t tsc);

#endif
