/*
 * The runtime for Bulkhead ELF guests (the management partition and the test guests): entry
 * and IDT, console output through the virtual UART and newlib's vsnprintf, port/MSR/CPUID
 * helpers and the hypercall wrappers. A program defines guest_main; the runtime calls it with
 * the start-info page and hands its return value to HC_EXIT.
 */
#ifndef GUESTRT_H
#define GUESTRT_H

#include <stddef.h>
#include <stdint.h>
#include "hypercall.h"
#include "start_info.h"
#include "lib/guestrt/console.h"
#include "lib/guestrt/cpu.h"
#include "lib/guestrt/hcall.h"
#include "lib/guestrt/trap.h"

int guest_main(const struct start_info *si);

/* Gives newlib's malloc the memory [start, end) (start is rounded up to a page). Without this
 * call there is no heap. */
void guestrt_heap_init(void *start, void *end);

#endif
