/*
 * Partitions: one per [partition NAME] section. A partition owns a 2 MiB-aligned carve of host
 * RAM that EPT maps at guest-physical 0, its vCPUs, its virtual UART and console ring, and its
 * statistics. partition_fault() is the only way a guest's misbehaviour ends: it stops that one
 * partition with a dump and a clear log line; the hypervisor and every other partition go on.
 */
#ifndef BULKHEAD_PARTITION_H
#define BULKHEAD_PARTITION_H

#include <stdint.h>
#include "boot_info.h"
#include "vdev/platform.h"
#include "vdev/vuart.h"
#include "lib/config/config.h"
#include "kernel/spinlock.h"
#include "kernel/vcpu.h"
#include "mm/frame_alloc.h"

struct host_info;

#define PARTITION_INPUT_MAIL 256          /* a power of 2 */

enum partition_state {
	PARTITION_STOPPED,     /* not started, exited, or refused at creation */
	PARTITION_RUNNING,
	PARTITION_CRASHED,     /* stopped by the hypervisor: triple fault, bad access, bad state */
	PARTITION_DESTROYED,   /* removed by the administrator; cannot be started again */
};

/* Why partition_create/partition_start failed. */
enum partition_error {
	PARTITION_OK = 0,
	PARTITION_EINVAL = -1,     /* the image or the configuration is unusable */
	PARTITION_ENOMEM = -2,     /* not enough free RAM or hypervisor memory */
};

struct partition {
	unsigned id;
	char name[PARTITION_NAME_MAX];
	struct partition_config *cfg;     /* the live configuration: `mem`/`cpus` change it */
	enum partition_state state;
	char stop_reason[128];
	int64_t exit_code;

	uint64_t ram_hpa, ram_size;       /* host-physical carve, 0 when none */
	uint64_t *ept_pml4;
	uint64_t eptp;
	unsigned ept_tables;
	uint64_t image_end;               /* guest-physical end of the loaded ELF */

	uint64_t overhead_bytes;          /* hypervisor memory spent on it: VMCS, EPT, XSAVE */
	unsigned vcpu_count;
	struct vcpu vcpus[PARTITION_VCPUS_MAX];   /* the first vcpu_count are built */

	struct vuart uart;
	struct vplatform platform;        /* OS partitions (type linux or multiboot) only */
	char os_version[64];              /* an OS partition's kernel, as its image says */
	uint64_t start_tsc, stop_tsc;
	/* Typed input for a partition placed on another CPU than the boot CPU, which reads the
	 * console: the boot CPU only appends, the partition's CPU only takes (kernel/console.c),
	 * so its virtual UART is only ever touched by the CPU that runs it. */
	uint8_t input_mail[PARTITION_INPUT_MAIL];
	volatile uint32_t input_head, input_tail;   /* free-running; tail taken, head given */
	uint64_t input_kick_tsc;          /* when the boot CPU last kicked for it */
	/* Its virtual devices (UART, I/O APIC, CMOS clock, platform registers) and typed input
	 * are shared by its vCPUs, which may run on several CPUs at once: this lock keeps each
	 * access whole. The local APICs are per vCPU and need none; single-vCPU partitions
	 * never find it taken. */
	struct spinlock device_lock;      /* partition_lock_devices */
	bool reset_pending;               /* its guest asked for a reset: partitions_service_resets */
	uint64_t guest_resets;            /* resets its guest asked for since it was configured */
};

/* The hypervisor's memory pools and machine facts that partitions are built from. */
struct partition_env {
	struct frame_alloc *ram;          /* partition RAM */
	struct frame_alloc *hv_pool;      /* VMCS, EPT tables, XSAVE areas */
	const struct boot_info *bi;
	const struct host_info *host;
	const char *hostname;
	uint64_t boot_tsc;
	uint64_t tsc_hz;
	int ept_1g, ept_2m;
};

void partitions_init(const struct partition_env *env);
const struct partition_env *partitions_env(void);
/* Builds and readies a partition from its config; on failure logs why and leaves it STOPPED
 * with stop_reason set (nothing else is affected). Returns PARTITION_OK when it is RUNNING. */
enum partition_error partition_create(struct partition *p, unsigned id, struct partition_config *cfg);
/* Administrator's life cycle: stop frees the partition's RAM (zeroed) and tables; start
 * rebuilds it from its image and current configuration. */
void partition_stop(struct partition *p, const char *reason);
enum partition_error partition_start(struct partition *p);
/* True when every vCPU of a running partition sits in HLT. */
bool partition_halted(const struct partition *p);
/* How many vCPUs its current run has, or its last had once it stopped (their figures stay
 * until it is built again): what its statistics sum over. */
unsigned partition_vcpus_of_last_run(const struct partition *p);
uint64_t tsc_to_ns(uint64_t ticks);

/* True when [gpa, gpa+len) lies wholly inside the partition's memory (checked without
 * overflow); then partition_gpa_ptr() is where the hypervisor sees it. Every hypercall
 * buffer goes through this. */
static inline bool partition_gpa_range_ok(const struct partition *p, uint64_t gpa, uint64_t len)
{
	return gpa <= p->ram_size && len <= p->ram_size - gpa;
}

static inline void *partition_gpa_ptr(const struct partition *p, uint64_t gpa)
{
	return (void *)(p->ram_hpa + gpa);
}
/* Stops a partition because of something its guest did; logs the reason and a register dump. */
void partition_fault(struct partition *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Normal end: the guest asked to exit. */
void partition_exit(struct partition *p, int64_t code);
/* An operating system powered its machine off (ACPI S5): the partition stops, `how` is the
 * reason shown. */
void partition_guest_poweroff(struct partition *p, const char *how);
/* An operating system reset its machine (ACPI reset register, keyboard-controller reset, a
 * kernel's reboot): the partition stops now and boots again from its image, with zeroed
 * memory, when partitions_service_resets() runs next, outside the exit that asked (which still
 * holds the vCPU's VMCS). */
void partition_guest_reset(struct partition *p, const char *how);
/* Carries out pending guest resets; called by the scheduler before it picks a vCPU. */
void partitions_service_resets(void);
/* Zeroes and returns the partition's RAM and tables (the partition must not be running); a
 * vCPU still active on another CPU is released there first (kernel/smp.h). Returns false,
 * freeing nothing, if that CPU never let go: then nothing of it may be reused. */
bool partition_destroy(struct partition *p);
/* The CPU a partition's vCPUs run on: the lowest of its configured CPUs that is up, else the
 * boot CPU. */
unsigned partition_home_cpu(const struct partition_config *cfg);
const char *partition_state_name(enum partition_state s);

/* Records a partition that is configured but not started (autostart = no). */
void partition_declare(struct partition *p, unsigned id, struct partition_config *cfg);
/* The storage for partition `id` (id < MAX_PARTITIONS). */
struct partition *partition_slot(unsigned id);
unsigned partition_count(void);
struct partition *partition_get(unsigned index);

/* Takes its device lock (struct partition, device_lock); false when this CPU held it already,
 * and then partition_unlock_devices leaves it held. */
static inline bool partition_lock_devices(struct partition *p, uint32_t apic_id)
{
	return spin_lock(&p->device_lock, apic_id);
}

static inline void partition_unlock_devices(struct partition *p, bool taken)
{
	if (taken)
		spin_unlock(&p->device_lock);
}

#endif
