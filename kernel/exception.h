/*
 * The register frame every interrupt/exception stub builds (kernel/isr.S) and the C side that
 * receives it. Offsets are pinned with _Static_assert because the assembly depends on them.
 */
#ifndef BULKHEAD_EXCEPTION_H
#define BULKHEAD_EXCEPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct exception_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;          /* pushed by the stub (0 when the CPU has none) */
	uint64_t rip, cs, rflags, rsp, ss;    /* pushed by the CPU */
};
_Static_assert(offsetof(struct exception_frame, rax) == 14 * 8, "isr.S pushes 15 GPRs");
_Static_assert(offsetof(struct exception_frame, vector) == 15 * 8, "isr.S: vector above GPRs");
_Static_assert(offsetof(struct exception_frame, rip) == 17 * 8, "CPU frame after error code");
_Static_assert(sizeof(struct exception_frame) == 22 * 8, "frame size used by isr.S");

/* The vector of an idle application processor's wake-up timer (drivers/lapic.h), and the one
 * CPUs notify each other with (smp_notify): they and the spurious vector are the only
 * interrupts the hypervisor takes in its own code. */
#define IDLE_WAKE_VECTOR 0xef
#define NOTIFY_VECTOR    0xee

void idt_init(void);
void idt_load(void);            /* an application processor: the boot CPU's IDT */
/* Set once this CPU's struct percpu is reachable (GS base): NMIs are then counted there. */
extern bool exception_percpu_ready;
/* Called from isr.S. */
void exception_dispatch(struct exception_frame *f);
/* Test hooks for the test kernels (tests/selftest/): selftest_after_summary() is empty (weak) in
 * the real kernel, and a test kernel's version may install selftest_exit_hook, which then runs
 * on every VM exit, just before its handler. tests/selftest/fault.c raises a deliberate fault
 * after the summary; tests/selftest/stress.c wipes vector registers after exits and fires host NMIs and
 * interrupts at the hypervisor. */
struct vcpu;
struct spec_measures;
void selftest_after_summary(void);
extern void (*selftest_exit_hook)(struct vcpu *v);
/* Empty (weak) in the real kernel; the measurement kernel (tests/selftest/measures.c) forces
 * the speculation measures the host name names on, to price each one in `make bench`. */
void selftest_spec_measures(struct spec_measures *m, const char *hostname);
/* Empty (weak) in the real kernel; the fault-test kernel adds a CPU that does not exist to the
 * list, so the suite sees what a CPU that fails to start looks like. */
struct cpu_table;
void selftest_cpu_list(struct cpu_table *t);

#endif
