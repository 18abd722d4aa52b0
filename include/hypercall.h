/*
 * Bulkhead's hypercall ABI, shared by the hypervisor, the management partition and guests.
 * A guest calls VMCALL with the call number in RAX and up to six arguments in RDI, RSI, RDX,
 * R10, R8, R9 (the Linux syscall order, so guest code can reuse its habits); the result comes
 * back in RAX: >= 0 on success, a negative HC_E* code on failure. Every other register is
 * preserved. Pointers are guest-physical addresses inside the caller's own memory; anything
 * else is refused with HC_EFAULT. Unknown numbers return HC_ENOSYS, never a fault.
 */
#ifndef BULKHEAD_HYPERCALL_H
#define BULKHEAD_HYPERCALL_H

#define HYPERCALL_ABI_VERSION 1

enum hypercall_number {
	HC_ABI_VERSION    = 0,   /* () -> HYPERCALL_ABI_VERSION */
	HC_CONSOLE_WRITE  = 1,   /* (gpa buf, len <= HC_CONSOLE_WRITE_MAX) -> bytes written */
	HC_YIELD          = 2,   /* () -> 0; gives up the rest of the time slice */
	HC_EXIT           = 3,   /* (code) -> does not return: the partition stops */
	HC_TIMER_SET      = 4,   /* (tsc deadline, vector 32..255) -> 0; one-shot virtual timer
	                          * interrupt, delivered when RFLAGS.IF = 1; deadline 0 cancels */
	HC_TSC_HZ         = 5,   /* () -> TSC ticks per second as the hypervisor measured them */
	HC_NOP            = 6,   /* () -> 0; for measuring the hypercall round trip */
	HC_COUNT
};

#define HC_CONSOLE_WRITE_MAX 4096

enum hypercall_error {
	HC_OK      = 0,
	HC_ENOSYS  = -1,   /* no such hypercall */
	HC_EINVAL  = -2,   /* an argument is out of range */
	HC_EFAULT  = -3,   /* a pointer is outside the caller's memory */
	HC_EPERM   = -4,   /* the caller may not make this call */
};

#endif
