/*
 * The exit handlers' shared vocabulary. Each handler receives the vCPU that exited (and reads the
 * exit qualification itself if its reason has one), decides whether RIP advances (vcpu_skip_instruction), and says what happens
 * next: EXIT_RESUME, its vCPU goes on (straight back into the guest unless the CPU's next
 * timer event is due); EXIT_SCHEDULE, time is up, so the scheduler looks at timers and slices
 * (the vCPU may well go on); EXIT_RESCHEDULE, this vCPU cannot go on (halted, yielded, or its
 * partition was stopped) and the scheduler picks another.
 */
#ifndef BULKHEAD_EXIT_H
#define BULKHEAD_EXIT_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/vcpu.h"
#include "vmx/vmcs.h"

enum exit_action { EXIT_RESUME, EXIT_SCHEDULE, EXIT_RESCHEDULE };
typedef enum exit_action (*exit_handler_fn)(struct vcpu *v);

/* The exit qualification (SDM 28.2.1), read by the handlers whose reason has one. */
static inline uint64_t exit_qualification(void) { return vmcs_read(VMCS_EXIT_QUALIFICATION); }

/* Advances RIP past the exiting instruction and ends any STI/MOV-SS interrupt shadow, as
 * completing the instruction would (SDM 25.4.2, interruptibility state). Inline: CPUID and
 * VMCALL exits run it every time. */
/* Moves RIP past an emulated instruction of `length` bytes; the STI and MOV-SS shadows end
 * with it (SDM Vol. 3C 25.4.2, "Guest Non-Register State", interruptibility). */
static inline void vcpu_advance_rip(uint64_t length)
{
	vmcs_write(VMCS_GUEST_RIP, vmcs_read(VMCS_GUEST_RIP) + length);
	uint64_t intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (__builtin_expect(intr & 3, 0))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ull);
}

static inline void vcpu_skip_instruction(void)
{
	vcpu_advance_rip(vmcs_read(VMCS_EXIT_INSTRUCTION_LEN));
}
void vcpu_inject_exception(unsigned vector, bool has_error_code, uint32_t error_code);
static inline void vcpu_inject_gp(void) { vcpu_inject_exception(13, true, 0); }
static inline void vcpu_inject_ud(void) { vcpu_inject_exception(6, false, 0); }
/* For the handlers of exits that can cut an event's delivery short and then resume (host
 * NMIs and interrupts): the interrupted event goes in again at the next entry, unless the
 * handler has put an event there itself. */
void vcpu_reinject_interrupted_event(struct vcpu *v);
/* Guest CPL from the SS access rights (SDM 24.4.1: SS.DPL is the CPL). */
unsigned vcpu_cpl(void);

/* Handlers, one file per family. */
enum exit_action exit_cpuid(struct vcpu *v);
enum exit_action exit_rdmsr(struct vcpu *v);
enum exit_action exit_wrmsr(struct vcpu *v);
enum exit_action exit_io(struct vcpu *v);
enum exit_action exit_cr_access(struct vcpu *v);
enum exit_action exit_xsetbv(struct vcpu *v);
enum exit_action exit_hlt(struct vcpu *v);
enum exit_action exit_vmcall(struct vcpu *v);
enum exit_action exit_external_interrupt(struct vcpu *v);
enum exit_action exit_interrupt_window(struct vcpu *v);
enum exit_action exit_preemption_timer(struct vcpu *v);
enum exit_action exit_triple_fault(struct vcpu *v);
enum exit_action exit_ept_violation(struct vcpu *v);
enum exit_action exit_ept_misconfig(struct vcpu *v);
enum exit_action exit_inject_ud(struct vcpu *v);
enum exit_action exit_inject_gp(struct vcpu *v);
enum exit_action exit_skip(struct vcpu *v);
enum exit_action exit_ignore(struct vcpu *v);
enum exit_action exit_exception_or_nmi(struct vcpu *v);
enum exit_action exit_task_switch(struct vcpu *v);
enum exit_action exit_tpr_below_threshold(struct vcpu *v);

#endif
