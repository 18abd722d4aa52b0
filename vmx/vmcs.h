/*
 * The VMCS vocabulary in one header: field encodings (Intel SDM Vol. 3D, appendix B), control
 * bits (SDM Vol. 3C, 25.6-25.8), exit reasons (appendix C), and the typed, checked accessors.
 * vmcs_write() never fails silently: a failed VMWRITE names the field and the VM-instruction
 * error (SDM 31.4) and stops with panic(), because it means the hypervisor built a bad VMCS.
 */
#ifndef BULKHEAD_VMCS_H
#define BULKHEAD_VMCS_H

#include <stdint.h>

enum vmcs_field {
	/* 16-bit */
	VMCS_VPID                     = 0x0000,
	VMCS_GUEST_ES_SELECTOR        = 0x0800,
	VMCS_GUEST_CS_SELECTOR        = 0x0802,
	VMCS_GUEST_SS_SELECTOR        = 0x0804,
	VMCS_GUEST_DS_SELECTOR        = 0x0806,
	VMCS_GUEST_FS_SELECTOR        = 0x0808,
	VMCS_GUEST_GS_SELECTOR        = 0x080a,
	VMCS_GUEST_LDTR_SELECTOR      = 0x080c,
	VMCS_GUEST_TR_SELECTOR        = 0x080e,
	VMCS_HOST_ES_SELECTOR         = 0x0c00,
	VMCS_HOST_CS_SELECTOR         = 0x0c02,
	VMCS_HOST_SS_SELECTOR         = 0x0c04,
	VMCS_HOST_DS_SELECTOR         = 0x0c06,
	VMCS_HOST_FS_SELECTOR         = 0x0c08,
	VMCS_HOST_GS_SELECTOR         = 0x0c0a,
	VMCS_HOST_TR_SELECTOR         = 0x0c0c,
	/* 64-bit */
	VMCS_IO_BITMAP_A              = 0x2000,
	VMCS_IO_BITMAP_B              = 0x2002,
	VMCS_MSR_BITMAP               = 0x2004,
	VMCS_EXIT_MSR_STORE_ADDR      = 0x2006,
	VMCS_EXIT_MSR_LOAD_ADDR       = 0x2008,
	VMCS_ENTRY_MSR_LOAD_ADDR      = 0x200a,
	VMCS_TSC_OFFSET               = 0x2010,
	VMCS_VIRTUAL_APIC_ADDR        = 0x2012,
	VMCS_EPT_POINTER              = 0x201a,
	VMCS_GUEST_PHYSICAL_ADDRESS   = 0x2400,
	VMCS_LINK_POINTER             = 0x2800,
	VMCS_GUEST_DEBUGCTL           = 0x2802,
	VMCS_GUEST_PAT                = 0x2804,
	VMCS_GUEST_EFER               = 0x2806,
	VMCS_HOST_PAT                 = 0x2c00,
	VMCS_HOST_EFER                = 0x2c02,
	/* 32-bit */
	VMCS_PIN_CONTROLS             = 0x4000,
	VMCS_PROC_CONTROLS            = 0x4002,
	VMCS_EXCEPTION_BITMAP         = 0x4004,
	VMCS_PF_ERROR_MASK            = 0x4006,
	VMCS_PF_ERROR_MATCH           = 0x4008,
	VMCS_CR3_TARGET_COUNT         = 0x400a,
	VMCS_EXIT_CONTROLS            = 0x400c,
	VMCS_EXIT_MSR_STORE_COUNT     = 0x400e,
	VMCS_EXIT_MSR_LOAD_COUNT      = 0x4010,
	VMCS_ENTRY_CONTROLS           = 0x4012,
	VMCS_ENTRY_MSR_LOAD_COUNT     = 0x4014,
	VMCS_ENTRY_INTR_INFO          = 0x4016,
	VMCS_ENTRY_EXCEPTION_ERROR    = 0x4018,
	VMCS_ENTRY_INSTRUCTION_LEN    = 0x401a,
	VMCS_TPR_THRESHOLD            = 0x401c,
	VMCS_PROC_CONTROLS2           = 0x401e,
	VMCS_INSTRUCTION_ERROR        = 0x4400,
	VMCS_EXIT_REASON              = 0x4402,
	VMCS_EXIT_INTR_INFO           = 0x4404,
	VMCS_EXIT_INTR_ERROR          = 0x4406,
	VMCS_IDT_VECTORING_INFO       = 0x4408,
	VMCS_IDT_VECTORING_ERROR      = 0x440a,
	VMCS_EXIT_INSTRUCTION_LEN     = 0x440c,
	VMCS_EXIT_INSTRUCTION_INFO    = 0x440e,
	VMCS_GUEST_ES_LIMIT           = 0x4800,
	VMCS_GUEST_CS_LIMIT           = 0x4802,
	VMCS_GUEST_SS_LIMIT           = 0x4804,
	VMCS_GUEST_DS_LIMIT           = 0x4806,
	VMCS_GUEST_FS_LIMIT           = 0x4808,
	VMCS_GUEST_GS_LIMIT           = 0x480a,
	VMCS_GUEST_LDTR_LIMIT         = 0x480c,
	VMCS_GUEST_TR_LIMIT           = 0x480e,
	VMCS_GUEST_GDTR_LIMIT         = 0x4810,
	VMCS_GUEST_IDTR_LIMIT         = 0x4812,
	VMCS_GUEST_ES_ACCESS          = 0x4814,
	VMCS_GUEST_CS_ACCESS          = 0x4816,
	VMCS_GUEST_SS_ACCESS          = 0x4818,
	VMCS_GUEST_DS_ACCESS          = 0x481a,
	VMCS_GUEST_FS_ACCESS          = 0x481c,
	VMCS_GUEST_GS_ACCESS          = 0x481e,
	VMCS_GUEST_LDTR_ACCESS        = 0x4820,
	VMCS_GUEST_TR_ACCESS          = 0x4822,
	VMCS_GUEST_INTERRUPTIBILITY   = 0x4824,
	VMCS_GUEST_ACTIVITY_STATE     = 0x4826,
	VMCS_GUEST_SYSENTER_CS        = 0x482a,
	VMCS_PREEMPTION_TIMER         = 0x482e,
	VMCS_HOST_SYSENTER_CS         = 0x4c00,
	/* natural width */
	VMCS_CR0_MASK                 = 0x6000,
	VMCS_CR4_MASK                 = 0x6002,
	VMCS_CR0_READ_SHADOW          = 0x6004,
	VMCS_CR4_READ_SHADOW          = 0x6006,
	VMCS_EXIT_QUALIFICATION       = 0x6400,
	VMCS_GUEST_LINEAR_ADDRESS     = 0x640a,
	VMCS_GUEST_CR0                = 0x6800,
	VMCS_GUEST_CR3                = 0x6802,
	VMCS_GUEST_CR4                = 0x6804,
	VMCS_GUEST_ES_BASE            = 0x6806,
	VMCS_GUEST_CS_BASE            = 0x6808,
	VMCS_GUEST_SS_BASE            = 0x680a,
	VMCS_GUEST_DS_BASE            = 0x680c,
	VMCS_GUEST_FS_BASE            = 0x680e,
	VMCS_GUEST_GS_BASE            = 0x6810,
	VMCS_GUEST_LDTR_BASE          = 0x6812,
	VMCS_GUEST_TR_BASE            = 0x6814,
	VMCS_GUEST_GDTR_BASE          = 0x6816,
	VMCS_GUEST_IDTR_BASE          = 0x6818,
	VMCS_GUEST_DR7                = 0x681a,
	VMCS_GUEST_RSP                = 0x681c,
	VMCS_GUEST_RIP                = 0x681e,
	VMCS_GUEST_RFLAGS             = 0x6820,
	VMCS_GUEST_PENDING_DEBUG      = 0x6822,
	VMCS_GUEST_SYSENTER_ESP       = 0x6824,
	VMCS_GUEST_SYSENTER_EIP       = 0x6826,
	VMCS_HOST_CR0                 = 0x6c00,
	VMCS_HOST_CR3                 = 0x6c02,
	VMCS_HOST_CR4                 = 0x6c04,
	VMCS_HOST_FS_BASE             = 0x6c06,
	VMCS_HOST_GS_BASE             = 0x6c08,
	VMCS_HOST_TR_BASE             = 0x6c0a,
	VMCS_HOST_GDTR_BASE           = 0x6c0c,
	VMCS_HOST_IDTR_BASE           = 0x6c0e,
	VMCS_HOST_SYSENTER_ESP        = 0x6c10,
	VMCS_HOST_SYSENTER_EIP        = 0x6c12,
	VMCS_HOST_RSP                 = 0x6c14,
	VMCS_HOST_RIP                 = 0x6c16,
};

/* Pin-based controls (SDM 25.6.1). */
#define PIN_EXTERNAL_INTERRUPT_EXITING (1u << 0)
#define PIN_NMI_EXITING                (1u << 3)
#define PIN_PREEMPTION_TIMER           (1u << 6)
/* Primary processor-based controls (SDM 25.6.2). */
#define PROC_INTERRUPT_WINDOW_EXITING  (1u << 2)
#define PROC_HLT_EXITING               (1u << 7)
#define PROC_MWAIT_EXITING             (1u << 10)
#define PROC_RDPMC_EXITING             (1u << 11)
#define PROC_CR3_LOAD_EXITING          (1u << 15)
#define PROC_CR3_STORE_EXITING         (1u << 16)
#define PROC_CR8_LOAD_EXITING          (1u << 19)
#define PROC_CR8_STORE_EXITING         (1u << 20)
#define PROC_USE_TPR_SHADOW            (1u << 21)
#define PROC_USE_IO_BITMAPS            (1u << 25)
#define PROC_USE_MSR_BITMAPS           (1u << 28)
#define PROC_MONITOR_EXITING           (1u << 29)
#define PROC_SECONDARY_CONTROLS        (1u << 31)
/* Secondary processor-based controls (SDM 25.6.2). */
#define PROC2_ENABLE_EPT               (1u << 1)
#define PROC2_ENABLE_RDTSCP            (1u << 3)
#define PROC2_ENABLE_VPID              (1u << 5)
#define PROC2_UNRESTRICTED_GUEST       (1u << 7)
/* VM-exit controls (SDM 25.7.1). */
#define EXIT_SAVE_DEBUG_CONTROLS       (1u << 2)
#define EXIT_HOST_64BIT                (1u << 9)
#define EXIT_ACK_INTERRUPT             (1u << 15)
#define EXIT_SAVE_PAT                  (1u << 18)
#define EXIT_LOAD_PAT                  (1u << 19)
#define EXIT_SAVE_EFER                 (1u << 20)
#define EXIT_LOAD_EFER                 (1u << 21)
#define EXIT_SAVE_PREEMPTION_TIMER     (1u << 22)
/* VM-entry controls (SDM 25.8.1). */
#define ENTRY_LOAD_DEBUG_CONTROLS      (1u << 2)
#define ENTRY_IA32E_GUEST              (1u << 9)
#define ENTRY_LOAD_PAT                 (1u << 14)
#define ENTRY_LOAD_EFER                (1u << 15)

/* VM-entry interruption information (SDM 25.8.3); the VM-exit interruption and IDT-vectoring
 * information fields share the layout (SDM 25.9.2, 25.9.3). */
#define INTR_INFO_VALID                (1u << 31)
#define INTR_INFO_DELIVER_ERROR        (1u << 11)
#define INTR_INFO_TYPE_MASK            (7u << 8)
#define INTR_INFO_VECTOR_MASK          0xffu
#define INTR_TYPE_EXTERNAL             (0u << 8)
#define INTR_TYPE_NMI                  (2u << 8)
#define INTR_TYPE_HARDWARE_EXCEPTION   (3u << 8)
#define INTR_TYPE_SOFTWARE_INTERRUPT   (4u << 8)
#define INTR_TYPE_PRIV_SOFTWARE_EXCEPTION (5u << 8)
#define INTR_TYPE_SOFTWARE_EXCEPTION   (6u << 8)

/* Basic exit reasons (SDM Vol. 3D, appendix C). */
enum exit_reason {
	EXIT_EXCEPTION_NMI = 0, EXIT_EXTERNAL_INTERRUPT = 1, EXIT_TRIPLE_FAULT = 2, EXIT_INIT = 3,
	EXIT_SIPI = 4, EXIT_INTERRUPT_WINDOW = 7, EXIT_NMI_WINDOW = 8, EXIT_TASK_SWITCH = 9,
	EXIT_CPUID = 10, EXIT_GETSEC = 11, EXIT_HLT = 12, EXIT_INVD = 13, EXIT_INVLPG = 14,
	EXIT_RDPMC = 15, EXIT_RDTSC = 16, EXIT_RSM = 17, EXIT_VMCALL = 18, EXIT_VMCLEAR = 19,
	EXIT_VMLAUNCH = 20, EXIT_VMPTRLD = 21, EXIT_VMPTRST = 22, EXIT_VMREAD = 23,
	EXIT_VMRESUME = 24, EXIT_VMWRITE = 25, EXIT_VMXOFF = 26, EXIT_VMXON = 27,
	EXIT_CR_ACCESS = 28, EXIT_DR_ACCESS = 29, EXIT_IO = 30, EXIT_RDMSR = 31, EXIT_WRMSR = 32,
	EXIT_ENTRY_INVALID_GUEST = 33, EXIT_ENTRY_MSR_LOAD = 34, EXIT_MWAIT = 36,
	EXIT_MONITOR_TRAP = 37, EXIT_MONITOR = 39, EXIT_PAUSE = 40, EXIT_ENTRY_MACHINE_CHECK = 41,
	EXIT_TPR_BELOW_THRESHOLD = 43, EXIT_APIC_ACCESS = 44, EXIT_EOI = 45, EXIT_GDTR_IDTR = 46,
	EXIT_LDTR_TR = 47, EXIT_EPT_VIOLATION = 48, EXIT_EPT_MISCONFIG = 49, EXIT_INVEPT = 50,
	EXIT_RDTSCP = 51, EXIT_PREEMPTION_TIMER = 52, EXIT_INVVPID = 53, EXIT_WBINVD = 54,
	EXIT_XSETBV = 55, EXIT_APIC_WRITE = 56, EXIT_RDRAND = 57, EXIT_INVPCID = 58,
	EXIT_VMFUNC = 59, EXIT_ENCLS = 60, EXIT_RDSEED = 61, EXIT_PML_FULL = 62, EXIT_XSAVES = 63,
	EXIT_XRSTORS = 64,
	EXIT_REASON_COUNT = 128,  /* table size (a power of 2): later CPUs define reasons up to the high 70s */
};
#define EXIT_REASON_ENTRY_FAILURE (1u << 31)

/* The checked accessors, inlined because every exit runs several: one VMREAD/VMWRITE and a
 * branch on CF|ZF (VMfailInvalid/VMfailValid, SDM Vol. 3C 31.2). The failure paths are out of
 * line and never return: they name the field and the VM-instruction error and panic(), since
 * only a hypervisor bug builds a VMCS access that fails. */
__attribute__((noreturn, cold)) void vmcs_write_failed(enum vmcs_field field, uint64_t value);
__attribute__((noreturn, cold)) void vmcs_read_failed(enum vmcs_field field);

static inline __attribute__((always_inline)) void vmcs_write(enum vmcs_field field, uint64_t value)
{
	__asm__ goto("vmwrite %[value], %[field]; jbe %l[failed]"
		     : : [field] "r"((uint64_t)field), [value] "rm"(value) : "cc", "memory" : failed);
	return;
failed:
	vmcs_write_failed(field, value);
}

static inline __attribute__((always_inline)) uint64_t vmcs_read(enum vmcs_field field)
{
	uint64_t value;
	__asm__ goto("vmread %[field], %[value]; jbe %l[failed]"
		     : [value] "=r"(value) : [field] "r"((uint64_t)field) : "cc" : failed);
	return value;
failed:
	vmcs_read_failed(field);
}

const char *vmcs_field_name(enum vmcs_field field);
const char *vm_instruction_error_string(uint32_t err);
const char *exit_reason_name(uint32_t basic_reason);

#endif
