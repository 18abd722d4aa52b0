/*
 * The VM-exit dispatcher. vmx_exit_handler() is called by vmx/exit_stub.S with the guest's
 * registers saved; it accounts the exit, routes it through a table indexed by the basic exit
 * reason (SDM Vol. 3D appendix C) and returns the vCPU to enter next. Every reason that the
 * controls chosen in vmx/vmx.c can produce has an explicit entry; anything else reaches
 * exit_unhandled(), which stops only that partition, with a dump. A failed VM entry (reason
 * bit 31, or VMLAUNCH/VMRESUME failing as an instruction) likewise stops only its partition.
 * The fast path: a handler that resumes its vCPU before the CPU's next timer event, with no
 * entry work pending (enum vcpu_entry_work), returns it at once; with entry work it goes
 * through vcpu_prepare_entry(); the scheduler runs only when time is up or the vCPU cannot go
 * on. The handlers of resumable exits that can interrupt event delivery re-inject the
 * interrupted event (vcpu_reinject_interrupted_event, SDM 28.2.4, "Information for VM Exits
 * During Event Delivery"; the rules are in vmx/event_reinject.c).
 */
#include "kernel/exception.h"
#include "kernel/log.h"
#include "kernel/partition.h"
#include "kernel/percpu.h"
#include "kernel/scheduler.h"
#include "kernel/x86.h"
#include "vmx/event_reinject.h"
#include "vmx/exit.h"
#include "vmx/vcpu_switch.h"
#include "vmx/vmx.h"

/* Every reason the controls cannot produce: stop the partition with a dump, never guess. */
static enum exit_action exit_unhandled(struct vcpu *v)
{
	uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON) & 0xffff;
	partition_fault(v->partition, "unhandled VM exit %u (%s), qualification %#llx", reason,
			exit_reason_name(reason), (unsigned long long)exit_qualification());
	return EXIT_RESCHEDULE;
}

/* Indexed by the basic exit reason; every slot holds a handler (exit_unhandled unless named
 * below), so the dispatch needs no NULL check. The range initializer comes first and the
 * named entries override it, which -Woverride-init would flag. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const exit_handler_fn handlers[EXIT_REASON_COUNT] = {
	[0 ... EXIT_REASON_COUNT - 1] = exit_unhandled,
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
	[EXIT_TPR_BELOW_THRESHOLD] = exit_tpr_below_threshold,
	[EXIT_PREEMPTION_TIMER]   = exit_preemption_timer,
	[EXIT_XSETBV]             = exit_xsetbv,
};
#pragma GCC diagnostic pop

void vcpu_reinject_interrupted_event(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
	if (!(info & INTR_INFO_VALID) || v->state == VCPU_STOPPED)
		return;
	if (vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID)
		return;
	struct event_injection e = event_reinjection(info,
		(uint32_t)vmcs_read(VMCS_IDT_VECTORING_ERROR),
		(uint32_t)vmcs_read(VMCS_EXIT_INSTRUCTION_LEN));
	if (!e.info)
		return;
	if (e.has_error_code)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, e.error_code);
	if (e.has_instruction_length)
		vmcs_write(VMCS_ENTRY_INSTRUCTION_LEN, e.instruction_length);
	if (e.clear_nmi_blocking)
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~(1ull << 3));
	vmcs_write(VMCS_ENTRY_INTR_INFO, e.info);
}

struct vcpu *vmx_exit_handler(struct vcpu *v);
struct vcpu *vmx_entry_failed(struct vcpu *v);

/* Entry failure (bit 31) and the reserved, enclave, MTF and SMM bits, or a basic reason past
 * the table: none of them arise on the common path. */
#define REASON_UNCOMMON (~(uint32_t)(EXIT_REASON_COUNT - 1))
_Static_assert((EXIT_REASON_COUNT & (EXIT_REASON_COUNT - 1)) == 0, "table size is a power of 2");

static enum exit_action uncommon_exit(struct vcpu *v, uint32_t reason)
{
	uint32_t basic = reason & 0xffff;
	v->exits[basic < EXIT_REASON_COUNT ? basic : EXIT_REASON_OTHER]++;
	if (reason & EXIT_REASON_ENTRY_FAILURE) {
		partition_fault(v->partition, "VM entry failed: %s (qualification %#llx)",
				exit_reason_name(basic), (unsigned long long)exit_qualification());
		return EXIT_RESCHEDULE;
	}
	return exit_unhandled(v);
}

struct vcpu *vmx_exit_handler(struct vcpu *v)
{
	uint64_t now = rdtsc();
	uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);
	if (__builtin_expect(selftest_exit_hook != NULL, 0))
		selftest_exit_hook(v);
	enum exit_action action;
	if (__builtin_expect(!(reason & REASON_UNCOMMON), 1)) {
		v->exits[reason]++;
		action = handlers[reason](v);
	} else {
		action = uncommon_exit(v, reason);
	}
	if (__builtin_expect(action == EXIT_RESUME && now < this_cpu_next_event_tsc(), 1)) {
		if (__builtin_expect(!v->entry_work, 1))
			return v;
		if (v->state == VCPU_RUNNABLE) {
			vcpu_prepare_entry(this_cpu(), v, now);
			return v;
		}
	}
	return scheduler_next(this_cpu(), v, action == EXIT_RESCHEDULE, now);
}

struct vcpu *vmx_entry_failed(struct vcpu *v)
{
	uint32_t err = (uint32_t)vmcs_read(VMCS_INSTRUCTION_ERROR);
	partition_fault(v->partition, "VM entry refused by the CPU: %s (VM-instruction error %u)",
			vm_instruction_error_string(err), err);
	return scheduler_next(this_cpu(), v, true, rdtsc());
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
