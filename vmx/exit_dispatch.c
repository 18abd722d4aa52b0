/*
 * The VM-exit dispatcher. vmx_exit_handler() is called by vmx/exit_stub.S with the guest's
 * registers saved; it accounts the exit, routes it through a table indexed by the basic exit
 * reason (SDM Vol. 3D appendix C) and returns the vCPU to enter next. Every reason that the
 * controls chosen in vmx/vmx.c can produce has an explicit entry; anything else reaches
 * exit_unhandled(), which stops only that partition, with a dump. A failed VM entry (reason
 * bit 31, or VMLAUNCH/VMRESUME failing as an instruction) likewise stops only its partition.
 */
#include "kernel/exception.h"
#include "kernel/log.h"
#include "kernel/partition.h"
#include "kernel/percpu.h"
#include "kernel/scheduler.h"
#include "kernel/x86.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"

static const exit_handler_fn handlers[EXIT_REASON_COUNT] = {
	[EXIT_EXCEPTION_NMI]      = exit_exception_or_nmi,
	[EXIT_EXTERNAL_INTERRUPT] = exit_external_interrupt,
	[EXIT_TRIPLE_FAULT]       = exit_triple_fault,
	[EXIT_INIT]               = exit_ignore,        /* a lone vCPU has nobody to reset it */
	[EXIT_INTERRUPT_WINDOW]   = exit_interrupt_window,
	[EXIT_TASK_SWITCH]        = exit_task_switch,
	[EXIT_CPUID]              = exit_cpuid,
	[EXIT_GETSEC]             = exit_inject_ud,     /* SMX is not offered */
	[EXIT_HLT]                = exit_hlt,
	[EXIT_INVD]               = exit_skip,          /* caches stay coherent; nothing to drop */
	[EXIT_RDPMC]              = exit_inject_gp,     /* no performance counters are offered */
	[EXIT_VMCALL]             = exit_vmcall,
	[EXIT_VMCLEAR]            = exit_inject_ud,     /* VMX is hidden from partitions */
	[EXIT_VMLAUNCH]           = exit_inject_ud,
	[EXIT_VMPTRLD]            = exit_inject_ud,
	[EXIT_VMPTRST]            = exit_inject_ud,
	[EXIT_VMREAD]             = exit_inject_ud,
	[EXIT_VMRESUME]           = exit_inject_ud,
	[EXIT_VMWRITE]            = exit_inject_ud,
	[EXIT_VMXOFF]             = exit_inject_ud,
	[EXIT_VMXON]              = exit_inject_ud,
	[EXIT_INVEPT]             = exit_inject_ud,
	[EXIT_INVVPID]            = exit_inject_ud,
	[EXIT_CR_ACCESS]          = exit_cr_access,
	[EXIT_IO]                 = exit_io,
	[EXIT_RDMSR]              = exit_rdmsr,
	[EXIT_WRMSR]              = exit_wrmsr,
	[EXIT_MWAIT]              = exit_inject_ud,     /* MONITOR/MWAIT are hidden in CPUID */
	[EXIT_MONITOR]            = exit_inject_ud,
	[EXIT_EPT_VIOLATION]      = exit_ept_violation,
	[EXIT_EPT_MISCONFIG]      = exit_ept_misconfig,
	[EXIT_PREEMPTION_TIMER]   = exit_preemption_timer,
	[EXIT_XSETBV]             = exit_xsetbv,
};

static enum exit_action exit_unhandled(struct vcpu *v, uint32_t reason, uint64_t q)
{
	partition_fault(v->partition, "unhandled VM exit %u (%s), qualification %#llx", reason,
			exit_reason_name(reason), (unsigned long long)q);
	return EXIT_RESCHEDULE;
}

struct vcpu *vmx_exit_handler(struct vcpu *v);
struct vcpu *vmx_entry_failed(struct vcpu *v);

struct vcpu *vmx_exit_handler(struct vcpu *v)
{
	uint64_t now = rdtsc();
	v->guest_tsc += now - v->entry_tsc;
	v->launched = 1;
	uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	uint32_t basic = reason & 0xffff;
	uint64_t q = vmcs_read(VMCS_EXIT_QUALIFICATION);
	v->exits_total++;
	if (basic < EXIT_REASON_COUNT)
		v->exits[basic]++;

	enum exit_action action;
	if (reason & EXIT_REASON_ENTRY_FAILURE) {
		partition_fault(v->partition, "VM entry failed: %s (qualification %#llx)",
				exit_reason_name(basic), (unsigned long long)q);
		action = EXIT_RESCHEDULE;
	} else if (basic < EXIT_REASON_COUNT && handlers[basic]) {
		action = handlers[basic](v, q);
	} else {
		action = exit_unhandled(v, basic, q);
	}
	selftest_after_exit(v);
	return scheduler_next(this_cpu(), v, action == EXIT_RESCHEDULE);
}

struct vcpu *vmx_entry_failed(struct vcpu *v)
{
	uint32_t err = (uint32_t)vmcs_read(VMCS_INSTRUCTION_ERROR);
	partition_fault(v->partition, "VM entry refused by the CPU: %s (VM-instruction error %u)",
			vm_instruction_error_string(err), err);
	return scheduler_next(this_cpu(), v, true);
}

void vcpu_skip_instruction(void)
{
	uint64_t rip = vmcs_read(VMCS_GUEST_RIP) + vmcs_read(VMCS_EXIT_INSTRUCTION_LEN);
	vmcs_write(VMCS_GUEST_RIP, rip);
	uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & 3)
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ull);
}

void vcpu_inject_exception(unsigned vector, bool has_error_code, uint32_t error_code)
{
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HARDWARE_EXCEPTION | vector;
	if (has_error_code) {
		info |= INTR_INFO_DELIVER_ERROR;
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, error_code);
	}
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

unsigned vcpu_cpl(void)
{
	return (vmcs_read(VMCS_GUEST_SS_ACCESS) >> 5) & 3;
}
