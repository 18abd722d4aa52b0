/*
 * Pure text helpers of the management shell: the small renderings that several commands share
 * (durations, CPU lists, CPU percentages, state and exit-reason names, the escape key's name).
 * They live apart from the commands so the unit tests can pin each edge case down directly, and
 * they use only integer arithmetic because the partition is built with -mgeneral-regs-only and
 * links no libgcc (so no 128-bit division either).
 */
#ifndef MGMT_FORMAT_H
#define MGMT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Enough for "H:MM:SS" with the largest hour count a uint64_t of nanoseconds can give. */
#define FORMAT_UPTIME_MAX 24
/* Enough for the longest list a 64-bit mask can give ("0,2,4,...,62"). */
#define FORMAT_CPU_LIST_MAX 200
#define FORMAT_ESCAPE_MAX 16

/* "H:MM:SS" (hours not wrapped at 24: an uptime of 30 hours reads "30:00:00"). */
void format_uptime(uint64_t ns, char *buf, size_t size);

/* "0", "0-1,4", "0-63"; "-" for an empty mask. Runs of two CPUs read "0-1", like cpus = in
 * bulkhead.cfg accepts them. */
void format_cpu_list(uint64_t mask, char *buf, size_t size);

/* cpu_ns * 100 / uptime_ns in tenths of a percent (rounded down); 0 when uptime_ns is 0, and
 * UINT64_MAX when the answer does not fit. */
uint64_t format_cpu_tenths(uint64_t cpu_ns, uint64_t uptime_ns);

/* running, halted, stopped, crashed, destroyed; "unknown" for anything else. */
const char *format_state_name(uint32_t state);

/* Running in the sense of the shell's columns: the partition exists and has been started
 * (MGMT_STATE_RUNNING or MGMT_STATE_HALTED, which is running with every vCPU in HLT). */
int format_state_is_running(uint32_t state);

/* The SDM's name of a basic VM-exit reason ("VMCALL", "EPT violation"); NULL if it has none. */
const char *format_exit_reason_name(unsigned reason);

/* What the administrator presses: "Ctrl-]" for 0x1d, "Ctrl-A".."Ctrl-Z" for 1..26, "Ctrl-\",
 * "Ctrl-^", "Ctrl-_" for 0x1c, 0x1e, 0x1f, else the byte in hex ("0x7f"). */
void format_escape_name(uint32_t byte, char *buf, size_t size);

#endif
