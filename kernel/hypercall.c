/*
 * VMCALL: the hypercall dispatcher (ABI in include/hypercall.h). Every argument is checked
 * before use: pointers must lie wholly inside the caller's own guest-physical memory (checked
 * without overflow), lengths and vectors must be in range, and unknown numbers answer HC_ENOSYS.
 * Calls from CPL > 0 are refused with HC_EPERM, so a guest's user space cannot reach the ABI.
 */
#include "hypercall.h"
#include "kernel/mgmt_hypercalls.h"
#include "mgmt_abi.h"
#include "kernel/partition.h"
#include "kernel/x86.h"
#include "vmx/exit.h"
#include "vmx/vcpu_switch.h"

static int64_t hc_console_write(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	struct partition *p = v->partition;
	if (len > HC_CONSOLE_WRITE_MAX)
		return HC_EINVAL;
	if (!partition_gpa_range_ok(p, gpa, len))
		return HC_EFAULT;
	vuart_write(&p->uart, partition_gpa_ptr(p, gpa), len);
	return (int64_t)len;
}

static int64_t hc_timer_set(struct vcpu *v, uint64_t deadline, uint64_t vector)
{
	if (deadline == 0) {
		vcpu_set_timer(this_cpu(), v, 0, 0);
		return HC_OK;
	}
	if (vector < 32 || vector > 255)
		return HC_EINVAL;     /* 0-31 are exceptions, not interrupts */
	vcpu_set_timer(this_cpu(), v, deadline, (uint8_t)vector);
	return HC_OK;
}

enum exit_action exit_vmcall(struct vcpu *v)
{
	uint64_t nr = v->regs.rax, a0 = v->regs.rdi, a1 = v->regs.rsi;
	enum exit_action action = EXIT_RESUME;
	int64_t ret;
	vcpu_skip_instruction();
	if (vcpu_cpl() != 0) {
		v->regs.rax = (uint64_t)(int64_t)HC_EPERM;
		return EXIT_RESUME;
	}
	switch (nr) {
	case HC_ABI_VERSION:   ret = HYPERCALL_ABI_VERSION; break;
	case HC_CONSOLE_WRITE: ret = hc_console_write(v, a0, a1); break;
	case HC_YIELD:         ret = HC_OK; action = EXIT_RESCHEDULE; break;
	case HC_EXIT:
		partition_exit(v->partition, (int64_t)a0);
		return EXIT_RESCHEDULE;
	case HC_TIMER_SET:     ret = hc_timer_set(v, a0, a1); break;
	case HC_TSC_HZ:        ret = (int64_t)partitions_env()->tsc_hz; break;
	case HC_NOP:           ret = HC_OK; break;
	default:
		ret = nr >= HC_MGMT_VERSION && nr <= HC_MGMT_LAST ? mgmt_hypercall(v, nr, a0, a1)
								   : HC_ENOSYS;
		break;
	}
	v->regs.rax = (uint64_t)ret;
	return action;
}
