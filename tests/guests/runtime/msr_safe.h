/*
 * MSR accesses that may fault: a #GP raised by the RDMSR/WRMSR itself is caught, the
 * instruction skipped, and reported as -1 instead of ending the guest.
 */
#ifndef GUEST_MSR_SAFE_H
#define GUEST_MSR_SAFE_H

#include <stdint.h>

/* 0 on success (*value set), -1 if the RDMSR raised #GP (*value = 0). */
int rdmsr_safe(uint32_t msr, uint64_t *value);
/* 0 on success, -1 if the WRMSR raised #GP. */
int wrmsr_safe(uint32_t msr, uint64_t value);

#endif
