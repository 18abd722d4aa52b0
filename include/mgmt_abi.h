/*
 * The management ABI: hypercalls only a privileged partition may make (others get HC_EPERM and
 * the attempt is logged with their name), and the structures they fill. Same calling convention
 * as include/hypercall.h. Partition ids are the order of the [partition] sections (0-based).
 * Buffers are guest-physical addresses in the caller's memory; the hypervisor checks every one.
 * Version MGMT_ABI_VERSION; structures only grow at their end.
 */
#ifndef BULKHEAD_MGMT_ABI_H
#define BULKHEAD_MGMT_ABI_H

#include <stdint.h>

#define MGMT_ABI_VERSION 1

enum mgmt_hypercall {
	HC_MGMT_VERSION         = 0x100, /* () -> MGMT_ABI_VERSION */
	HC_MGMT_HOST_INFO       = 0x101, /* (gpa struct mgmt_host_info) -> 0 */
	HC_MGMT_PARTITION_COUNT = 0x102, /* () -> number of partition ids (0 .. n-1) */
	HC_MGMT_PARTITION_INFO  = 0x103, /* (id, gpa struct mgmt_partition_info) -> 0 */
	HC_MGMT_PARTITION_STATS = 0x104, /* (id, gpa struct mgmt_partition_stats) -> 0 */
	HC_MGMT_START           = 0x105, /* (id) -> 0; HC_EBUSY unless stopped or crashed */
	HC_MGMT_STOP            = 0x106, /* (id) -> 0; stops it and frees its RAM (zeroed) */
	HC_MGMT_RESTART         = 0x107, /* (id) -> 0; stop (if running) then start */
	HC_MGMT_DESTROY         = 0x108, /* (id) -> 0; stop and forget: the id stays, state "destroyed" */
	HC_MGMT_SET_MEMORY      = 0x109, /* (id, bytes) -> 0; partition must be stopped; HC_ENOMEM */
	HC_MGMT_SET_CPUS        = 0x10a, /* (id, cpu mask) -> 0; partition must be stopped */
	HC_MGMT_CONSOLE_ATTACH  = 0x10b, /* (id) -> 0; the serial console shows that partition
	                                  * (recent output replayed first) until the escape key */
	HC_MGMT_CONSOLE_FOCUS   = 0x10c, /* () -> id that has the console now */
	HC_MGMT_LOG_READ        = 0x10d, /* (gpa buf, size) -> bytes: the newest `size` bytes of the
	                                  * hypervisor log ring */
	HC_MGMT_POWER           = 0x10e, /* (MGMT_POWER_OFF or MGMT_POWER_REBOOT) -> does not return */
	HC_MGMT_CPU_INFO        = 0x10f, /* (cpu, gpa struct mgmt_cpu_info) -> 0; HC_ENOENT past
	                                  * the last CPU (mgmt_host_info.cpu_count) */
	HC_MGMT_CONFIG_CHANGE   = 0x110, /* (gpa struct mgmt_config_change) -> 0; HC_EINVAL with
	                                  * its errors filled in, and nothing changed */
	HC_MGMT_CONFIG_READ     = 0x111, /* (MGMT_CONFIG_*, gpa struct mgmt_config_text) -> 0 */
	HC_MGMT_CONFIG_SAVE     = 0x112, /* (MGMT_SAVE_*) -> bytes stored; HC_EFIRMWARE (the log
	                                  * says why) */
	HC_MGMT_LOGIN_INFO      = 0x113, /* (gpa struct mgmt_login_info) -> 0 */
	HC_MGMT_LOGIN_EVENT     = 0x114, /* (MGMT_LOGIN_*, wrong passwords in a row) -> 0: for the
	                                  * audit trail */
	HC_MGMT_LAST            = HC_MGMT_LOGIN_EVENT,
};

/* Errors beyond the HC_E* codes of hypercall.h. */
enum mgmt_error {
	HC_ENOENT = -5,   /* no such partition */
	HC_EBUSY  = -6,   /* the partition is in the wrong state for this */
	HC_ENOMEM = -7,   /* not enough free RAM */
	HC_ESELF  = -8,   /* the call would stop or reshape the caller itself */
	HC_ETAKEN = -9,   /* a CPU it names belongs to another partition */
	HC_EFIRMWARE = -10, /* the firmware's runtime services failed or are missing */
};

enum mgmt_partition_state {
	MGMT_STATE_STOPPED = 0, MGMT_STATE_RUNNING = 1, MGMT_STATE_HALTED = 2,
	MGMT_STATE_CRASHED = 3, MGMT_STATE_DESTROYED = 4,
};

enum { MGMT_POWER_OFF = 0, MGMT_POWER_REBOOT = 1 };

#define MGMT_VCPUS_MAX 8
enum mgmt_vcpu_state {
	MGMT_VCPU_STOPPED = 0, MGMT_VCPU_RUNNING = 1, MGMT_VCPU_HALTED = 2,
	MGMT_VCPU_WAITING = 3,        /* an application processor waiting for its start-up IPI */
};

struct mgmt_partition_info {
	uint32_t id;
	uint32_t state;               /* enum mgmt_partition_state; HALTED = running, all vCPUs in HLT */
	char     name[32];
	char     type[8];             /* "elf", "linux" or "multiboo": see type_name */
	uint64_t memory;              /* bytes configured */
	uint64_t cpus;                /* physical CPU mask */
	uint32_t vcpus;
	uint32_t privileged;
	uint32_t autostart;
	uint64_t uptime_ns;           /* since its last start; 0 when not running */
	uint64_t cpu_ns;              /* guest CPU time since its last start */
	uint64_t exits;               /* since its last start */
	char     image[128];
	char     reason[128];         /* why it is stopped or crashed, "" otherwise */
	char     type_name[16];       /* "elf", "linux" or "multiboot" (type[] is too short) */
	char     os_version[64];      /* an OS partition's kernel version, "" otherwise */
	/* vCPU by vCPU (the first `vcpus`, at most MGMT_VCPUS_MAX): the physical CPU it runs on
	 * (or will, when stopped), its state and its CPU time since the partition's last start. */
	/* Over the last load window (MGMT_LOAD_WINDOW_S) of the CPUs its vCPUs run on, all vCPUs
	 * together: CPU time in permille of one CPU (2 busy vCPUs: 2000), and exits per second. */
	uint32_t cpu_recent_permille;
	uint32_t exits_recent_per_s;
	uint32_t vcpu_cpus[MGMT_VCPUS_MAX];
	uint32_t vcpu_states[MGMT_VCPUS_MAX];   /* enum mgmt_vcpu_state */
	uint64_t vcpu_cpu_ns[MGMT_VCPUS_MAX];
};

#define MGMT_EXIT_REASONS 80
struct mgmt_partition_stats {
	uint64_t exits_by_reason[MGMT_EXIT_REASONS];   /* index: basic exit reason (SDM appendix C) */
	uint64_t exits;
	uint64_t cpu_ns;
	uint64_t io_writes_dropped;
	uint64_t vector_state_saves;
	uint64_t console_bytes;
	uint64_t ipis_dropped;        /* IPIs (INIT, SIPI, NMI, fixed...) aimed outside the partition */
	uint64_t ipis_sent;           /* IPIs delivered between its own vCPUs */
};

#define MGMT_VMX_EPT       (1u << 0)
#define MGMT_VMX_EPT_2M    (1u << 1)
#define MGMT_VMX_EPT_1G    (1u << 2)
#define MGMT_VMX_VPID      (1u << 3)
#define MGMT_VMX_UNRESTRICTED (1u << 4)
#define MGMT_VMX_PREEMPTION_TIMER (1u << 5)

struct mgmt_host_info {
	char     version[16];
	char     hostname[64];
	char     cpu_vendor[16];
	char     cpu_brand[64];
	uint32_t cpu_count;
	uint32_t vmx_features;        /* MGMT_VMX_* */
	uint64_t ram_total;           /* all RAM the firmware reported */
	uint64_t ram_partitions;      /* held by partitions now */
	uint64_t ram_free;            /* free for partitions */
	uint64_t hv_reserved;         /* the hypervisor's own region */
	uint64_t tsc_hz;
	uint64_t uptime_ns;
	uint32_t partition_count;
	uint32_t escape_char;         /* the byte that returns the console to the shell */
	uint32_t cpus_up;             /* CPUs that started (cpu_count counts every CPU found) */
	uint32_t reserved0;
	char     cpu_source[64];      /* where the CPU list came from: "the ACPI MADT"... */
};

/* One physical CPU. */
enum mgmt_cpu_state {
	MGMT_CPU_BOOT = 1,            /* the boot CPU */
	MGMT_CPU_UP   = 2,            /* an application processor that started */
	MGMT_CPU_DOWN = 3,            /* found but left out: `status` says why */
};

#define MGMT_LOAD_WINDOW_S 2      /* load_permille covers the last full window of this length */

struct mgmt_cpu_info {
	uint32_t apic_id;
	uint32_t state;               /* enum mgmt_cpu_state */
	uint32_t load_permille;       /* share of the last window not spent idle (guests and the
	                               * hypervisor's work for them) */
	uint32_t vcpus;               /* vCPUs of running partitions placed on it */
	char     status[80];          /* how its start-up went, in words */
	char     runs[96];            /* the partitions placed on it, comma-separated */
	uint64_t timer_wakes;         /* idle sleeps its wake-up timer ended (its vCPUs' timers) */
};

/* Settings in bulkhead.cfg syntax (README "Changing settings"). */
#define MGMT_CONFIG_CHANGE_MAX 2048
#define MGMT_CONFIG_ERRORS_MAX 2048
#define MGMT_CONFIG_TEXT_MAX   16384
struct mgmt_config_change {
	uint32_t len;                 /* bytes of text used */
	uint32_t error_count;         /* out: errors found (0 on success) */
	char     text[MGMT_CONFIG_CHANGE_MAX];      /* e.g. "[partition web]\nmemory = 1G\n" */
	char     errors[MGMT_CONFIG_ERRORS_MAX];    /* out: one message per line, as the file's */
};

enum {
	MGMT_CONFIG_EFFECTIVE = 0,    /* every setting as the next start or boot has it, pending
	                               * ones marked with what is in force */
	MGMT_CONFIG_CHANGES   = 1,    /* only what differs from the ESP's bulkhead.cfg */
};
/* HC_MGMT_CONFIG_SAVE: store the changes against the ESP's file for the next boot (none:
 * remove what was stored), or remove what was stored. */
enum { MGMT_SAVE_STORE = 0, MGMT_SAVE_REVERT = 1 };

struct mgmt_config_text {
	uint32_t len;                 /* the whole text's length (more than fits: cut off) */
	uint32_t reserved;
	char     text[MGMT_CONFIG_TEXT_MAX];        /* NUL-terminated */
};

/* The shell's login (README "Login"). The shell checks the password itself, against the hash
 * of bulkhead.cfg's console_password; the hypervisor keeps the record. */
#define MGMT_PASSWORD_HASH_MAX 192
struct mgmt_login_info {
	char     password_hash[MGMT_PASSWORD_HASH_MAX];  /* NUL-terminated; "": no login */
	uint32_t idle_logout_s;       /* 0: never */
	uint32_t reserved;
	uint64_t console_idle_ms;     /* since a byte was last typed on the serial console, for
	                               * whichever partition had it */
};

enum mgmt_login_event {
	MGMT_LOGIN_OK = 0,            /* the right password */
	MGMT_LOGIN_FAILED = 1,        /* a wrong one */
	MGMT_LOGIN_LOGOUT = 2,        /* `logout` */
	MGMT_LOGIN_IDLE = 3,          /* logged out for idleness */
	MGMT_LOGIN_UNCHECKABLE = 4,   /* the hash could not be checked (the library refused it) */
	MGMT_LOGIN_EVENT_COUNT
};

#endif
