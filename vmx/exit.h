/*
 * The exit handlers' shared vocabulary. Each handler receives the vCPU that exited and the exit
 * qualification, decides whether RIP advances (vcpu_skip_instruction), and says whether its vCPU
 * can go on (EXIT_RESUME) or the scheduler should pick again (EXIT_RESCHEDULE: halted, yielded,
 * slice over, or the partition was stopped).
 */
#ifndef BULKHEAD_EXIT_H
#define BULKHEAD_EXIT_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/vcpu.h"

enum exit_action { EXIT_RESUME, EXIT_RESCHEDULE };
typedef enum exit_action (*exit_handler_fn)(struct vcpu *v, uint64_t qualification);

/* Advances RIP past the exiting instruction and ends any STI/MOV-SS interrupt shadow, as
 * completing the instruction would (SDM 25.4.2, interruptibility state). */
void vcpu_skip_instruction(void);
void vcpu_inject_exception(unsigned vector, bool has_error_code, uint32_t error_code);
static inline void vcpu_inject_gp(void) { vcpu_inject_exception(13, true, 0); }
static inline void vcpu_inject_ud(void) { vcpu_inject_exception(6, false, 0); }
/* Guest CPL from the SS access rights (SDM 24.4.1: SS.DPL is the CPL). */
unsigned vcpu_cpl(void);

/* Handlers, one file per family. */
enum exit_action exit_cpuid(struct vcpu *v, uint64_t q);
enum exit_action exit_rdmsr(struct vcpu *v, uint64_t q);
enum exit_action exit_wrmsr(struct vcpu *v, uint64_t q);
enum exit_action exit_io(struct vcpu *v, uint64_t q);
enum exit_action exit_cr_access(struct vcpu *v, uint64_t q);
enum exit_action exit_xsetbv(struct vcpu *v, uint64_t q);
enum exit_action exit_hlt(struct vcpu *v, uint64_t q);
enum exit_action exit_vmcall(struct vcpu *v, uint64_t q);
enum exit_action exit_external_interrupt(struct vcpu *v, uint64_t q);
enum exit_action exit_interrupt_window(struct vcpu *v, uint64_t q);
enum exit_action exit_preemption_timer(struct vcpu *v, uint64_t q);
enum exit_action exit_triple_fault(struct vcpu *v, uint64_t q);
enum exit_action exit_ept_violation(struct vcpu *v, uint64_t q);
enum exit_action exit_ept_misconfig(struct vcpu *v, uint64_t q);
enum exit_action exit_inject_ud(struct vcpu *v, uint64_t q);
enum exit_action exit_inject_gp(struct vcpu *v, uint64_t q);
enum exit_action exit_skip(struct vcpu *v, uint64_t q);
enum exit_action exit_ignore(struct vcpu *v, uint64_t q);
enum exit_action exit_exception_or_nmi(struct vcpu *v, uint64_t q);
enum exit_action exit_task_switch(struct vcpu *v, uint64_t q);

#endif
