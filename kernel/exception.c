/*
 * What happens when the hypervisor itself takes an exception: a full dump (vector and its name,
 * error code, RIP, CR2, control registers, every general register, the CPU) on the console and
 * in the log ring, then a clean stop. Any exception in hypervisor code is a hypervisor bug, so
 * there is no recovery path; guests' faults never arrive here (they cause VM exits). Two
 * vectors are not errors: #NM is the lazy vector-state switch, and an NMI (vector 2, on its own
 * IST stack) is a host event that can arrive in any hypervisor instruction. It is counted and
 * returns at once: it takes no lock and prints nothing, since the code it interrupted may be
 * in the middle of printing. The idle wake-up timer's vector and the spurious vector, taken only
 * while an idle AP sleeps with interrupts on, just return.
 */
#include "drivers/lapic.h"
#include "kernel/exception.h"
#include "kernel/fpu.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/x86.h"

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD exception",
	"#VE virtualization exception", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security exception", "reserved 31",
};

static volatile int in_dump;
bool exception_percpu_ready;

void exception_dispatch(struct exception_frame *f)
{
	if (f->vector == 2) {
		if (exception_percpu_ready)       /* before that, GS is not ours: just return */
			this_cpu()->nmis_in_hypervisor++;
		return;
	}
	/* An idle AP's wake-up timer: it only has to end the HLT (kernel/scheduler.c). The
	 * spurious vector needs no EOI (SDM Vol. 3A 11.9 "Spurious Interrupt"). */
	if (f->vector == IDLE_WAKE_VECTOR) {
		lapic_eoi();
		if (exception_percpu_ready)
			this_cpu()->timer_wakes++;
		return;
	}
	if (f->vector == NOTIFY_VECTOR) {
		lapic_eoi();                      /* the scheduler's next pass looks at the vCPUs */
		return;
	}
	if (f->vector == 0xff)
		return;
	/* #NM after a VM exit is the lazy vector-state switch, not an error (kernel/fpu.h). */
	if (f->vector == 7 && fpu_handle_nm())
		return;
	if (in_dump++) {
		/* A fault while dumping: say the least that can still be said, then stop. */
		kprintf("[hv] nested exception %lu while dumping; halting\n", (unsigned long)f->vector);
		cpu_halt_forever();
	}
	const char *name = f->vector < 32 ? names[f->vector] : "external interrupt";
	kprintf("[hv] EXCEPTION %s (vector %lu) on CPU %u, error code %#lx\n", name,
		(unsigned long)f->vector, this_cpu_apic_id(), (unsigned long)f->error_code);
	kprintf("  RIP=%016lx CS=%04lx RFLAGS=%016lx RSP=%016lx SS=%04lx\n",
		(unsigned long)f->rip, (unsigned long)f->cs, (unsigned long)f->rflags,
		(unsigned long)f->rsp, (unsigned long)f->ss);
	kprintf("  CR0=%016lx CR2=%016lx CR3=%016lx CR4=%016lx\n", (unsigned long)read_cr0(),
		(unsigned long)read_cr2(), (unsigned long)read_cr3(), (unsigned long)read_cr4());
	kprintf("  RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", (unsigned long)f->rax,
		(unsigned long)f->rbx, (unsigned long)f->rcx, (unsigned long)f->rdx);
	kprintf("  RSI=%016lx RDI=%016lx RBP=%016lx R8 =%016lx\n", (unsigned long)f->rsi,
		(unsigned long)f->rdi, (unsigned long)f->rbp, (unsigned long)f->r8);
	kprintf("  R9 =%016lx R10=%016lx R11=%016lx R12=%016lx\n", (unsigned long)f->r9,
		(unsigned long)f->r10, (unsigned long)f->r11, (unsigned long)f->r12);
	kprintf("  R13=%016lx R14=%016lx R15=%016lx\n", (unsigned long)f->r13,
		(unsigned long)f->r14, (unsigned long)f->r15);
	machine_stop("exception in hypervisor code");
}

/* The normal kernel has no self-tests; test kernels override the first and may set the hook. */
__attribute__((weak)) void selftest_after_summary(void) {}
__attribute__((weak)) void selftest_cpu_list(struct cpu_table *t) { (void)t; }
__attribute__((weak)) void selftest_spec_measures(struct spec_measures *m, const char *hostname)
{
	(void)m;
	(void)hostname;
}
void (*selftest_exit_hook)(struct vcpu *v);
