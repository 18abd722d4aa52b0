/*
 * Exit handlers for events and for instructions a partition may not use: HLT, host NMIs and
 * interrupts, the interrupt window and the TPR threshold, the preemption timer, triple faults,
 * EPT violations and misconfigurations, task switches, and the VMX/SMX/monitor instructions
 * (answered with #UD as a CPU without those features would). Exit qualification formats: SDM
 * Vol. 3C 28.2.1. Host NMIs and interrupts belong to the hypervisor: "NMI exiting" and
 * "external-interrupt exiting" make them exit instead of reaching the guest that happens to
 * run, and "acknowledge interrupt on exit" has the CPU take the vector from the local APIC,
 * so the hypervisor owes the APIC its end-of-interrupt.
 */
#include "drivers/lapic.h"
#include "kernel/exception.h"
#include "kernel/log.h"
#include "kernel/partition.h"
#include "kernel/percpu.h"
#include "vdev/platform.h"
#include "vmx/event_reinject.h"
#include "vmx/exit.h"

enum exit_action exit_hlt(struct vcpu *v)
{
	vcpu_skip_instruction();
	v->halted_with_interrupts = (vmcs_read(VMCS_GUEST_RFLAGS) >> 9) & 1;
	v->state = VCPU_HALTED;       /* the scheduler wakes it when an interrupt can be delivered */
	v->entry_work |= VCPU_WORK_STATE;
	return EXIT_RESCHEDULE;
}

enum exit_action exit_external_interrupt(struct vcpu *v)
{
	/* The hypervisor masks the legacy PIC and programs no device interrupts, so this is a
	 * local APIC source (its timer, an IPI) or a stray one. The exit acknowledged it; the
	 * EOI lets the APIC deliver the next one of the same or lower priority (SDM Vol. 3A
	 * 11.8.5). A spurious vector sets no in-service bit and must not get an EOI. */
	uint32_t vector = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO) & INTR_INFO_VECTOR_MASK;
	if (vector != lapic_spurious_vector())
		lapic_eoi();
	this_cpu()->host_interrupts++;
	vcpu_reinject_interrupted_event(v);
	/* Another CPU posted something for a vCPU of this CPU (kernel/smp.h, smp_notify): the
	 * scheduler takes it (vdev/vcpu_post.c). */
	return vector == NOTIFY_VECTOR ? EXIT_SCHEDULE : EXIT_RESUME;
}

enum exit_action exit_interrupt_window(struct vcpu *v)
{
	(void)v;
	/* The guest can take interrupts again: the entry path injects what is pending and drops
	 * interrupt-window exiting (vmx/vcpu_switch.c). */
	return EXIT_RESUME;
}

enum exit_action exit_preemption_timer(struct vcpu *v)
{
	(void)v;
	return EXIT_SCHEDULE;         /* a slice ends or a virtual timer is due */
}

enum exit_action exit_tpr_below_threshold(struct vcpu *v)
{
	(void)v;
	/* The guest lowered CR8 below a pending interrupt's class: the entry path injects it. */
	return EXIT_RESUME;
}

enum exit_action exit_triple_fault(struct vcpu *v)
{
	partition_fault(v->partition, "triple fault");
	v->partition->state = PARTITION_CRASHED;
	return EXIT_RESCHEDULE;
}

enum exit_action exit_ept_violation(struct vcpu *v)
{
	uint64_t q = exit_qualification();
	uint64_t gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
	/* Bits 0-2: the access was a read, a write, an instruction fetch. */
	const char *access = (q & 4) ? "instruction fetch" : (q & 2) ? "write" : "read";
	uint32_t vectoring = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
	/* An OS partition's devices live outside its RAM (vdev/platform.c). */
	if (v->lapic && gpa >= v->partition->ram_size && !(vectoring & INTR_INFO_VALID) && !(q & 4))
		return vplatform_mmio(v, gpa, (q & 2) != 0) ? EXIT_RESUME : EXIT_RESCHEDULE;
	if (vectoring & INTR_INFO_VALID)
		partition_fault(v->partition, "%s at guest-physical %#llx, outside its %llu MiB, "
				"while delivering vector %u (%s)", access, (unsigned long long)gpa,
				(unsigned long long)(v->partition->ram_size >> 20),
				vectoring & INTR_INFO_VECTOR_MASK, event_type_name(vectoring));
	else
		partition_fault(v->partition, "%s at guest-physical %#llx, outside its %llu MiB",
				access, (unsigned long long)gpa,
				(unsigned long long)(v->partition->ram_size >> 20));
	return EXIT_RESCHEDULE;
}

enum exit_action exit_ept_misconfig(struct vcpu *v)
{
	/* Only a hypervisor bug builds a misconfigured EPT entry; the guest cannot. Still, only
	 * this partition is affected. */
	partition_fault(v->partition, "EPT misconfiguration at guest-physical %#llx (hypervisor bug)",
			(unsigned long long)vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS));
	return EXIT_RESCHEDULE;
}

/* After an NMI exit. NMIs may still be blocked on the host side, as after any NMI until the
 * next IRET (Bochs 2.7 keeps them blocked, and its VM entry never lifts blocking that the guest
 * state does not ask for), and Bochs 2.7 also records "blocking by NMI" in the guest's
 * interruptibility state. Partitions are never given NMIs, so that bit is always cleared, and
 * an IRET to the next instruction ends the host-side blocking (SDM Vol. 3A 6.7.1: "NMI
 * Handling While Processing An NMI"), so the next NMI reaches the hypervisor at once. */
static void nmi_exit_unblock(void)
{
	uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (1ull << 3))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(1ull << 3));
	__asm__ volatile("movq %%rsp, %%rax\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 : : [ss] "i"(GDT_KERNEL_DATA), [cs] "i"(GDT_KERNEL_CODE) : "rax", "cc", "memory");
}

enum exit_action exit_exception_or_nmi(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI) {
		/* A host NMI (watchdog, the platform, or another CPU's kick: kernel/smp.h): the
		 * hypervisor's, counted; the guest never sees it. A kick sends this CPU to its
		 * scheduler, which answers it; otherwise the guest goes on. */
		struct percpu *cpu = this_cpu();
		cpu->nmis_in_guest++;
		nmi_exit_unblock();
		vcpu_reinject_interrupted_event(v);
		return cpu->kicked ? EXIT_SCHEDULE : EXIT_RESUME;
	}
	/* The exception bitmap is 0, so no guest exception exits: this would be a bug. */
	partition_fault(v->partition, "unexpected exception exit (interruption info %#x)", info);
	return EXIT_RESCHEDULE;
}

enum exit_action exit_task_switch(struct vcpu *v)
{
	uint64_t q = exit_qualification();
	partition_fault(v->partition, "hardware task switch (not supported in 64-bit partitions), "
			"qualification %#llx", (unsigned long long)q);
	return EXIT_RESCHEDULE;
}

enum exit_action exit_inject_ud(struct vcpu *v)
{
	(void)v;
	vcpu_inject_ud();
	return EXIT_RESUME;
}

enum exit_action exit_inject_gp(struct vcpu *v)
{
	(void)v;
	vcpu_inject_gp();
	return EXIT_RESUME;
}

enum exit_action exit_skip(struct vcpu *v)
{
	(void)v;
	vcpu_skip_instruction();
	return EXIT_RESUME;
}

enum exit_action exit_ignore(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME;
}
