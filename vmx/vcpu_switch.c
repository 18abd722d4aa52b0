/*
 * Putting a vCPU on a CPU (see vcpu_switch.h). Intel VT does not context-switch CR2, DR0-DR3,
 * DR6, or the MSRs a guest uses without exits (KERNEL_GS_BASE, the SYSCALL MSRs, TSC_AUX,
 * SPEC_CTRL): VM entry and exit leave them as they are (SDM Vol. 3C 27.3.2 "Loading Guest
 * State" and 28.5 "Loading Host State" list what they load), so a guest would see whatever the
 * last vCPU on the CPU left there. They are saved and loaded here, and only when the CPU
 * changes vCPU. DR7 and IA32_DEBUGCTL travel in the VMCS ("load/save debug controls"), the
 * guest's TPR lives in its TPR shadow. The preemption timer counts TSC >> shift (SDM 26.5.1)
 * down to the CPU's next event, kept by the scheduler and vcpu_set_timer. The L1D flush and
 * VERW, where in force, run in vmx/exit_stub.S after everything else, on every entry.
 * Interrupts go in when the guest can take them (RFLAGS.IF, no STI/MOV-SS shadow, no event
 * already being injected) and its TPR lets them; otherwise interrupt-window exiting or the TPR
 * threshold (SDM 29.1.2, "TPR Virtualization") makes the CPU exit once it can.
 */
#include "kernel/fpu.h"
#include "kernel/partition.h"
#include "kernel/x86.h"
#include "vdev/vlapic.h"
#include "vmx/vcpu_switch.h"
#include "vmx/vmx.h"

#define PRED_CMD_IBPB  1ull
#define RFLAGS_IF      (1ull << 9)

static const uint32_t swapped_msr_numbers[SWAPPED_MSR_COUNT] = {
	MSR_IA32_KERNEL_GS_BASE, MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR, MSR_IA32_FMASK,
	MSR_IA32_TSC_AUX, MSR_IA32_SPEC_CTRL,
};
static unsigned swapped_count = SWAPPED_MSR_COUNT - 1;   /* + SPEC_CTRL where it exists */
static unsigned timer_shift;
static bool ibpb_on;
/* Entry work every entry needs: re-arming the timer where exits do not save its count. */
static uint32_t work_always;

/* Read by vmx/exit_stub.S: which entry barriers it runs (vmx/entry_barriers.h), and the VERW
 * operand, for which any valid data segment selector will do (Intel, "MDS: Software
 * Sequences to Overwrite Buffers"). */
uint8_t vmx_entry_barriers;
const uint16_t vmx_entry_verw_selector = GDT_KERNEL_DATA;

void vcpu_switch_init(unsigned preemption_shift, bool timer_saved_on_exit,
		      const struct spec_measures *measures)
{
	timer_shift = preemption_shift;
	swapped_count = measures->spec_ctrl ? SWAPPED_MSR_COUNT : SWAPPED_MSR_COUNT - 1;
	ibpb_on = measures->ibpb.state == SPEC_ON;
	vmx_entry_barriers = (measures->l1d_flush.state == SPEC_ON ? ENTRY_BARRIER_L1D_FLUSH : 0) |
			     (measures->verw.state == SPEC_ON ? ENTRY_BARRIER_VERW : 0);
	work_always = timer_saved_on_exit ? 0 : VCPU_WORK_TIMER;
}

static void save_unswitched(struct vcpu *v)
{
	v->cr2 = read_cr2();
	v->dr[0] = read_dr0();
	v->dr[1] = read_dr1();
	v->dr[2] = read_dr2();
	v->dr[3] = read_dr3();
	v->dr6 = read_dr6();
	for (unsigned i = 0; i < swapped_count; i++)
		v->swapped_msrs[i] = rdmsr(swapped_msr_numbers[i]);
}

static void load_unswitched(const struct vcpu *v)
{
	write_cr2(v->cr2);
	write_dr0(v->dr[0]);
	write_dr1(v->dr[1]);
	write_dr2(v->dr[2]);
	write_dr3(v->dr[3]);
	write_dr6(v->dr6);
	for (unsigned i = 0; i < swapped_count; i++)
		wrmsr(swapped_msr_numbers[i], v->swapped_msrs[i]);
}

/* The CPU changes vCPU: the leaving one's registers are kept, the coming one's loaded. A vCPU
 * that was torn down has no owner left here; its values are simply overwritten. */
static void switch_unswitched(struct percpu *cpu, struct vcpu *next)
{
	if (cpu->state_owner)
		save_unswitched(cpu->state_owner);
	load_unswitched(next);
	cpu->state_owner = next;
	if (cpu->last_partition != next->partition) {
		if (ibpb_on) {
			wrmsr(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
			cpu->ibpbs++;
		}
		cpu->last_partition = next->partition;
	}
}

/* An OS partition's vCPU takes interrupts from its local APIC (vdev/vlapic.c), which ranks
 * them against the TPR and the in-service ones; the guest's CR8 writes go to the TPR shadow,
 * so the APIC's TPR is read from there first. An ELF partition's vCPU has the pending set. */
static int lapic_next(const struct vcpu *v)
{
	v->lapic->tpr = v->virtual_apic[0x80];
	return vlapic_pending(v->lapic);
}

bool vcpu_interrupt_deliverable(const struct vcpu *v)
{
	if (v->lapic)
		return lapic_next(v) >= 0;
	return vcpu_has_pending(v) && (vcpu_highest_pending(v) >> 4) > vcpu_tpr_class(v);
}

/* Something to inject, or injection controls still set for a masked or blocked interrupt. */
static bool injection_pending(const struct vcpu *v)
{
	if (v->window_exiting || v->tpr_threshold)
		return true;
	return v->lapic ? lapic_next(v) >= 0 : vcpu_has_pending(v);
}

static bool guest_can_take_interrupt(void)
{
	return (vmcs_read(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & 3) &&
	       !(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

static void inject_external(unsigned vector)
{
	vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXTERNAL | vector);
}

static void update_injection(struct vcpu *v)
{
	bool want_window = false;
	uint8_t threshold = 0;
	if (v->lapic) {
		/* TPR and in-service masking are the APIC's (vlapic_pending): what it offers is
		 * deliverable as soon as the guest's RFLAGS.IF and shadows allow. A TPR raised
		 * by MOV to CR8 is seen at the next exit; Linux sets it through the MSR. */
		int vector = lapic_next(v);
		if (vector >= 0) {
			if (guest_can_take_interrupt()) {
				inject_external((unsigned)vector);
				vlapic_ack(v->lapic, (uint8_t)vector);
			} else {
				want_window = true;
			}
		}
	} else if (vcpu_has_pending(v)) {
		unsigned vector = vcpu_highest_pending(v);
		if ((vector >> 4) <= vcpu_tpr_class(v)) {
			/* Masked by the guest's TPR: exit when a MOV to CR8 drops it below. */
			threshold = (uint8_t)(vector >> 4);
		} else if (guest_can_take_interrupt()) {
			inject_external(vector);
			vcpu_clear_pending(v, vector);
		} else {
			want_window = true;
		}
	}
	if (threshold != v->tpr_threshold) {
		vmcs_write(VMCS_TPR_THRESHOLD, threshold);
		v->tpr_threshold = threshold;
	}
	if (want_window != v->window_exiting) {
		vmcs_write(VMCS_PROC_CONTROLS, vmx.proc | (want_window ? PROC_INTERRUPT_WINDOW_EXITING : 0));
		v->window_exiting = want_window;
	}
}

static void arm_preemption_timer(const struct percpu *cpu, uint64_t now)
{
	/* Rounded up, so the exit comes at or after the event, not one timer tick before it. */
	uint64_t left = cpu->next_event_tsc > now ? cpu->next_event_tsc - now : 0;
	uint64_t count = (left + (1ull << timer_shift) - 1) >> timer_shift;
	if (count == 0)
		count = 1;
	else if (count > 0xffffffffu)
		count = 0xffffffffu;
	vmcs_write(VMCS_PREEMPTION_TIMER, count);
}

void vcpu_prepare_entry(struct percpu *cpu, struct vcpu *v, uint64_t now)
{
	if (cpu->current != v) {
		vmx_vmptrld(v);
		if (v->host_cpu != cpu)           /* built on the boot CPU, runs here */
			vmx_vcpu_bind_host(v, cpu);
	}
	if (v->entry_work & VCPU_WORK_START)
		vmx_vcpu_start_real(v, v->sipi_vector);
	if (cpu->state_owner != v)
		switch_unswitched(cpu, v);
	if (injection_pending(v))
		update_injection(v);
	arm_preemption_timer(cpu, now);
	if (cpu->fpu_owner != v || cpu->xcr0 != v->xcr0)
		fpu_prepare_entry(cpu, v);
	/* A masked or windowed interrupt is looked at again at every entry until it goes in. */
	v->entry_work = work_always | (injection_pending(v) ? VCPU_WORK_INJECT : 0);
	if (!v->run_start_tsc)
		v->run_start_tsc = now;
}

void vcpu_run_end(struct vcpu *v, uint64_t now)
{
	if (v->run_start_tsc) {
		v->guest_tsc += now - v->run_start_tsc;
		v->run_start_tsc = 0;
	}
}

void vcpu_set_timer(struct percpu *cpu, struct vcpu *v, uint64_t deadline, uint8_t vector)
{
	v->timer_deadline = deadline;
	v->timer_vector = vector;
	if (deadline && deadline < cpu->next_timer_tsc) {
		cpu->next_timer_tsc = deadline;
		if (deadline < cpu->next_event_tsc) {
			cpu->next_event_tsc = deadline;
			if (cpu->state_owner)       /* the running vCPU's timer must fire sooner */
				cpu->state_owner->entry_work |= VCPU_WORK_TIMER;
		}
	}
}

void vcpu_forget(struct percpu *cpu, struct vcpu *v)
{
	fpu_forget(cpu, v);
	if (cpu->state_owner == v)
		cpu->state_owner = NULL;
}
