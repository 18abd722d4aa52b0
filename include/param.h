/*
 * Static limits of Bulkhead, in one place. Everything the hypervisor keeps is allocated
 * statically against these numbers (no unbounded lists), so a bad config or a large machine
 * meets a clear "too many" error instead of an allocation failure deep in a handler.
 */
#ifndef BULKHEAD_PARAM_H
#define BULKHEAD_PARAM_H

#define BULKHEAD_VERSION        "0.1.0"

#define MAX_CPUS                64      /* physical CPUs; cpu lists are 64-bit masks */
#define MAX_PARTITIONS          16
#define PARTITION_VCPUS_MAX     8       /* vCPUs of one partition (`vcpus =`) */
#define MAX_BOOT_MODULES        (2 * MAX_PARTITIONS)   /* an image and an initrd each */
#define MAX_MEM_REGIONS         512     /* firmware memory map entries after merging */

#define PARTITION_NAME_MAX      32      /* including the NUL */
#define CONFIG_PATH_MAX         128     /* image/initrd file names on the ESP */
#define CONFIG_CMDLINE_MAX      512
#define CONFIG_VCPUS_MAX        PARTITION_VCPUS_MAX
#define CONFIG_HOSTNAME_MAX     64
#define CONFIG_PASSWORD_HASH_MAX 192    /* an Argon2 encoded hash, including the NUL */
#define CONFIG_IDLE_LOGOUT_MAX  (7u * 24 * 3600)  /* seconds */
#define CONFIG_IDLE_LOGOUT_DEFAULT 600u
#define CONFIG_LINE_MAX         256     /* longer lines are an error, never truncated */
#define CONFIG_TEXT_MAX         (64 * 1024)
#define CONFIG_MAX_ERRORS       32

/* The hypervisor's own reserved region: default, smallest and largest accepted. */
#define HV_RESERVE_DEFAULT      (64ull << 20)
#define HV_RESERVE_MIN          (16ull << 20)
#define HV_RESERVE_MAX          (1ull << 30)

/* Partition RAM is carved in 2 MiB units so EPT can map it with large pages. */
#define PARTITION_MEM_ALIGN     (2ull << 20)
#define PARTITION_MEM_MIN       (2ull << 20)

#define KERNEL_STACK_SIZE       (16 * 1024)
#define IST_STACK_SIZE          (8 * 1024)
#define KERNEL_HEAP_SIZE        (4ull << 20)   /* newlib's malloc arena (_sbrk) */
#define LOG_RING_SIZE           (64 * 1024)
#define TIME_SLICE_US           5000    /* round-robin slice when partitions share a CPU */
#define EXIT_STACK_SIZE         (16 * 1024)

#endif
