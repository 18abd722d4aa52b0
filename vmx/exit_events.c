/*
 * Exit handlers for events and for instructions a partition may not use: HLT, interrupts and
 * the interrupt window, the preemption timer, triple faults, EPT violations and
 * misconfigurations, task switches, and the VMX/SMX/monitor instructions (answered with #UD as a
 * CPU without those features would). Exit qualification formats: SDM Vol. 3C 28.2.1.
 */
#include "kernel/log.h"
#include "kernel/partition.h"
#include "vmx/exit.h"

enum exit_action exit_hlt(struct vcpu *v, uint64_t q)
{
	(void)q;
	vcpu_skip_instruction();
	v->halted_with_interrupts = (vmcs_read(VMCS_GUEST_RFLAGS) >> 9) & 1;
	v->state = VCPU_HALTED;       /* the scheduler wakes it when an interrupt can be delivered */
	return EXIT_RESCHEDULE;
}

enum exit_action exit_external_interrupt(struct vcpu *v, uint64_t q)
{
	(void)v;
	(void)q;
	/* The hypervisor masks the legacy PIC and runs without host interrupt sources, so this
	 * is rare (a stray or spurious interrupt). The exit itself acknowledged it (ack-on-exit). */
	uint32_t info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
	klog(LOG_DEBUG, "external interrupt vector %u while '%s' ran", info & 0xff, v->partition->name);
	return EXIT_RESUME;
}

enum exit_action exit_interrupt_window(struct vcpu *v, uint64_t q)
{
	(void)v;
	(void)q;
	/* The guest can take interrupts again: the entry path injects what is pending and drops
	 * interrupt-window exiting (kernel/scheduler.c). */
	return EXIT_RESUME;
}

enum exit_action exit_preemption_timer(struct vcpu *v, uint64_t q)
{
	(void)v;
	(void)q;
	return EXIT_RESCHEDULE;       /* its slice is over */
}

enum exit_action exit_triple_fault(struct vcpu *v, uint64_t q)
{
	(void)q;
	partition_fault(v->partition, "triple fault");
	v->partition->state = PARTITION_CRASHED;
	return EXIT_RESCHEDULE;
}

enum exit_action exit_ept_violation(struct vcpu *v, uint64_t q)
{
	uint64_t gpa = vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS);
	/* Bits 0-2: the access was a read, a write, an instruction fetch. */
	const char *access = (q & 4) ? "instruction fetch" : (q & 2) ? "write" : "read";
	partition_fault(v->partition, "%s at guest-physical %#llx, outside its %llu MiB",
			access, (unsigned long long)gpa,
			(unsigned long long)(v->partition->ram_size >> 20));
	return EXIT_RESCHEDULE;
}

enum exit_action exit_ept_misconfig(struct vcpu *v, uint64_t q)
{
	(void)q;
	/* Only a hypervisor bug builds a misconfigured EPT entry; the guest cannot. Still, only
	 * this partition is affected. */
	partition_fault(v->partition, "EPT misconfiguration at guest-physical %#llx (hypervisor bug)",
			(unsigned long long)vmcs_read(VMCS_GUEST_PHYSICAL_ADDRESS));
	return EXIT_RESCHEDULE;
}

enum exit_action exit_exception_or_nmi(struct vcpu *v, uint64_t q)
{
	(void)q;
	uint32_t info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
	partition_fault(v->partition, "unexpected exception or NMI exit (interruption info %#x)", info);
	return EXIT_RESCHEDULE;
}

enum exit_action exit_task_switch(struct vcpu *v, uint64_t q)
{
	partition_fault(v->partition, "hardware task switch (not supported in 64-bit partitions), "
			"qualification %#llx", (unsigned long long)q);
	return EXIT_RESCHEDULE;
}

enum exit_action exit_inject_ud(struct vcpu *v, uint64_t q)
{
	(void)v;
	(void)q;
	vcpu_inject_ud();
	return EXIT_RESUME;
}

enum exit_action exit_inject_gp(struct vcpu *v, uint64_t q)
{
	(void)v;
	(void)q;
	vcpu_inject_gp();
	return EXIT_RESUME;
}

enum exit_action exit_skip(struct vcpu *v, uint64_t q)
{
	(void)v;
	(void)q;
	vcpu_skip_instruction();
	return EXIT_RESUME;
}

enum exit_action exit_ignore(struct vcpu *v, uint64_t q)
{
	(void)v;
	(void)q;
	return EXIT_RESUME;
}
