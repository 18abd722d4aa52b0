/*
 * The start-info page: what a Bulkhead ELF guest finds at boot. The hypervisor builds it in
 * the partition's own memory at START_INFO_GPA and starts vCPU 0 in 64-bit mode with
 * RDI = START_INFO_GPA, RSP = the top of a stack it set up, paging on with all of the
 * partition's memory identity-mapped (2 MiB pages), and a minimal GDT (code 0x08, data 0x10).
 * The guest's image occupies [GUEST_IMAGE_MIN, ...); everything below is the hypervisor-built
 * boot area, which the guest may reuse once it has read this page.
 */
#ifndef BULKHEAD_START_INFO_H
#define BULKHEAD_START_INFO_H

#include <stdint.h>

#define START_INFO_MAGIC   0x4f464e4954525453ull   /* "STRTINFO" little-endian */
#define START_INFO_VERSION 1

/* Guest-physical layout of the boot area built by the hypervisor. */
#define GUEST_GDT_GPA        0x1000ull
#define START_INFO_GPA       0x2000ull
#define GUEST_CMDLINE_GPA    0x3000ull              /* NUL-terminated, < 4 KiB */
#define GUEST_PAGE_TABLE_GPA 0x10000ull             /* PML4, PDPT, then page directories */
#define GUEST_PAGE_TABLE_END 0x70000ull
#define GUEST_STACK_TOP      0xff000ull             /* initial RSP (16-byte aligned) */
#define GUEST_IMAGE_MIN      0x100000ull            /* ELF segments must start at or above */

struct start_info {
	uint64_t magic;               /* START_INFO_MAGIC */
	uint32_t version;             /* START_INFO_VERSION */
	uint32_t hypercall_abi;       /* HYPERCALL_ABI_VERSION */
	uint64_t memory_size;         /* bytes of RAM at guest-physical [0, memory_size) */
	uint32_t vcpu_count;
	uint32_t partition_id;
	char     name[32];            /* the partition's name from bulkhead.cfg, NUL-terminated */
	uint64_t cmdline_gpa;         /* GUEST_CMDLINE_GPA */
	uint32_t cmdline_len;
	uint32_t reserved0;
	uint64_t tsc_hz;              /* TSC frequency as the hypervisor measured it */
	uint64_t image_end;           /* first guest-physical byte after the loaded image */
	/* Where the hypervisor itself lives in host-physical memory. It is never mapped into any
	 * partition; isolation tests use it to prove that. */
	uint64_t hv_base, hv_size;
};

#endif
