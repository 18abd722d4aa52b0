/*
 * Re-delivering an event whose delivery through the guest's IDT a VM exit cut short (a fault,
 * an EPT violation or a task switch met on the way: SDM Vol. 3C 28.2.4, "Information for VM
 * Exits During Event Delivery"). Resuming the guest without it would lose an interrupt or an
 * exception, so the exit's IDT-vectoring information becomes the next entry's event injection
 * (SDM 27.6, "Event Injection"). Pure: unit-tested on the host.
 */
#ifndef BULKHEAD_EVENT_REINJECT_H
#define BULKHEAD_EVENT_REINJECT_H

#include <stdbool.h>
#include <stdint.h>

struct event_injection {
	uint32_t info;                  /* for the VM-entry interruption-information field */
	bool has_error_code;            /* then write error_code to the entry exception error code */
	uint32_t error_code;
	bool has_instruction_length;    /* then write it to the VM-entry instruction length */
	uint32_t instruction_length;
	bool clear_nmi_blocking;        /* an NMI again: guest interruptibility bit 3 must be 0 */
};

/* From the exit's IDT-vectoring information and error code and the VM-exit instruction
 * length. A value without the valid bit, or with an interruption type that IDT vectoring
 * never reports (1, 7), gives info = 0: nothing to inject. */
struct event_injection event_reinjection(uint32_t idt_vectoring_info, uint32_t idt_vectoring_error,
					 uint32_t exit_instruction_length);

/* "external interrupt", "NMI", "hardware exception", ... for dumps. */
const char *event_type_name(uint32_t info);

#endif
