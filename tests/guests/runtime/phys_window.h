/*
 * A window onto any guest-physical address. The hypervisor's identity map covers only
 * [0, memory_size); to touch an address beyond it (memory_size itself, the hypervisor's
 * host-physical base) a guest maps the 2 MiB page holding it at a fixed unused virtual
 * address. Whether the access then reaches anything is up to the hypervisor's EPT.
 */
#ifndef GUEST_PHYS_WINDOW_H
#define GUEST_PHYS_WINDOW_H

#include <stdint.h>

/* Maps the 2 MiB guest-physical page containing gpa (replacing any earlier window) and
 * returns the virtual address of gpa. Does not touch gpa itself. */
volatile uint8_t *phys_window(uint64_t gpa);

#endif
