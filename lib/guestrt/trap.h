/*
 * Interrupts and exceptions in a test guest. The runtime loads a 256-entry IDT before
 * guest_main runs; every vector goes to a C handler that a guest may install, and any vector
 * without one is reported as "FAIL unexpected ..." and ends the guest with HC_EXIT.
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdint.h>

/* What isr.S saved, lowest address first. Handlers may change any field; IRETQ uses
 * rip/cs/rflags/rsp/ss, so a handler skips a faulting instruction by advancing rip. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error;         /* the CPU's error code, or 0 for vectors without one */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*trap_handler_fn)(struct trap_frame *frame);

/* Builds and loads the IDT (interrupt gates on code selector 0x08). Done by the runtime. */
void trap_init(void);

/* Installs fn for vector; fn == 0 restores the default (report and exit). */
void trap_set_handler(unsigned vector, trap_handler_fn fn);

/* The default: prints "FAIL unexpected ..." with the frame and exits the guest. */
__attribute__((noreturn)) void trap_unexpected(const struct trap_frame *frame);

#endif
