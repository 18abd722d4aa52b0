/*
 * The administrator's trail: every management call that changes something (start, stop,
 * restart, destroy, memory, CPUs, console, settings, save, power) becomes one log line with the
 * wall-clock time, the partition that asked, what it asked and how it ended. It is written by
 * the hypervisor at the hypercall, so no shell (or anything posing as one) can act unrecorded.
 */
#ifndef BULKHEAD_AUDIT_H
#define BULKHEAD_AUDIT_H

#include <stdint.h>

struct partition;

/* Seconds since 1970 on the host's wall clock (the firmware's reading at boot plus TSC time
 * since), or -1 when the firmware gave none. */
int64_t wallclock_now(void);

/* A management call by `who` (nr, its arguments) ended with rc: one audit line, if it is one
 * that changes something. Before the call for those that do not return (power). */
void audit_mgmt_call(const struct partition *who, uint64_t nr, uint64_t a0, uint64_t a1,
		     int64_t rc);

#endif
