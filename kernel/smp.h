/*
 * The machine's CPUs: which exist (the ACPI MADT, else the firmware's MP Services list the
 * loader took, else the boot CPU alone), and starting the application processors, each with its
 * own stacks, descriptor tables, per-CPU data, IA32_FEATURE_CONTROL and VMXON region. CPU n in
 * the config is entry n of this list; the boot CPU is CPU 0. A CPU that does not start is
 * reported and left out, never fatal.
 */
#ifndef BULKHEAD_SMP_H
#define BULKHEAD_SMP_H

#include <stdbool.h>
#include <stdint.h>
#include "boot_info.h"
#include "kernel/percpu.h"
#include "mm/frame_alloc.h"

enum cpu_list_source {
	CPU_LIST_MADT,           /* the ACPI MADT */
	CPU_LIST_FIRMWARE,       /* the firmware's MP Services protocol, taken by the loader */
	CPU_LIST_BOOT_ONLY,      /* neither: the boot CPU alone */
};

enum cpu_status {
	CPU_NOT_STARTED = 0,     /* not tried (yet) */
	CPU_BOOT,                /* the boot CPU */
	CPU_UP,                  /* started; in VMX operation if the machine has usable VMX */
	CPU_NO_ANSWER,           /* never reached the kernel after INIT and start-up IPIs */
	CPU_STUCK,               /* reached the kernel but did not finish its set-up in time */
	CPU_VMX_LOCKED_OFF,      /* its IA32_FEATURE_CONTROL is locked with VMX disabled */
	CPU_VMXON_FAILED,
	CPU_NO_MEMORY,           /* the hypervisor pool could not give it stacks and tables */
	CPU_NO_TRAMPOLINE,       /* the loader found no page below 1 MiB for the start-up code */
};

struct cpu_slot {
	uint32_t apic_id;
	enum cpu_status status;
	struct percpu *percpu;   /* NULL unless it started */
	uint64_t start_us;       /* microseconds from the first IPI until it finished its set-up */
};

struct cpu_table {
	enum cpu_list_source source;
	unsigned count;           /* slots in use */
	unsigned firmware_count;  /* what the firmware's list said (0: no MP Services) */
	unsigned madt_count;      /* what the MADT said (0: no MADT) */
	bool lists_disagree;      /* both lists exist and differ */
	bool x2apic;
	uint64_t lapic_base;       /* the MADT's, else IA32_APIC_BASE's */
	struct cpu_slot cpu[MAX_CPUS];
};

/* Builds the list; `madt_ids` may be NULL (no MADT). The boot CPU becomes CPU 0. */
void smp_discover(struct cpu_table *t, const struct boot_info *bi, const uint32_t *madt_ids,
		  unsigned madt_listed, uint32_t boot_apic_id, struct percpu *bsp);
/* Starts every AP of the list one after the other; each enters VMX operation unless `vmx_caps`
 * is NULL (the machine has no usable VMX). Stacks, tables and VMXON regions come from `pool`,
 * allocated here on the boot CPU. */
struct vmx_caps;
void smp_start_aps(struct cpu_table *t, const struct boot_info *bi, struct frame_alloc *pool,
		   uint64_t tsc_hz, const struct vmx_caps *vmx_caps);
/* The per-CPU data of CPU `index` if it is up (the boot CPU included), else NULL. */
struct percpu *smp_cpu(unsigned index);
/* Lets every AP that is up start scheduling (after the boot CPU built the partitions). */
void smp_go(void);
/* Asks CPU `index` to look at its vCPUs again (a partition placed or stopped there, typed
 * input). Returns once it has looked, or after `timeout_us` (false then). Sending to the
 * calling CPU or to a CPU that is not up does nothing and returns true. */
bool smp_kick(unsigned index, uint64_t timeout_us);
#define SMP_KICK_TIMEOUT_US 100000
/* Tells CPU `index` that one of its vCPUs has something posted (enum vcpu_posted): a fixed
 * interrupt (NOTIFY_VECTOR), not an NMI, so that one sent while that CPU is in hypervisor
 * code with interrupts off stays pending in its local APIC and makes its next VM entry exit
 * at once (external-interrupt exiting): it cannot be lost between the CPU's last look and
 * its entry. Does not wait. The calling CPU, or one that is not up, is not sent anything. */
void smp_notify(unsigned index);
/* Makes the CPU on which v's VMCS is active let go of it (VMCLEAR, and its TLB entries for
 * v's VPID and EPT invalidated there), kicking it out of the guest if need be, even one
 * spinning with interrupts off (an NMI always exits). Returns true once v's VMCS is active
 * nowhere else; false if that CPU did not answer within SMP_RELEASE_TIMEOUT_US. */
struct vcpu;
bool smp_release_vcpu(struct vcpu *v);
/* CPUs that are up (the boot CPU included), as a mask of CPU numbers. */
uint64_t smp_online_mask(const struct cpu_table *t);
const char *cpu_status_string(enum cpu_status s);
const char *cpu_list_source_string(enum cpu_list_source s);

#endif
