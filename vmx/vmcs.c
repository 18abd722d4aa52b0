/*
 * The out-of-line failure paths of the checked VMREAD/VMWRITE (inlined in vmcs.h) and the names
 * that make VMX failures readable. VMX instructions report failure in RFLAGS (SDM Vol. 3C
 * 31.2): CF=1 "VMfailInvalid" (no current VMCS), ZF=1 "VMfailValid" (the error number is in
 * the VM-instruction error field), so one `jbe` catches both.
 */
#include "kernel/panic.h"
#include "vmx/vmcs.h"

/* The VM-instruction error of the failed access, or 0 when there is no current VMCS (then the
 * VMREAD fails too and leaves 0). */
static uint32_t last_instruction_error(void)
{
	uint64_t err = 0;
	__asm__ volatile("vmread %[field], %[value]" : [value] "+r"(err)
			 : [field] "r"((uint64_t)VMCS_INSTRUCTION_ERROR) : "cc");
	return (uint32_t)err;
}

void vmcs_write_failed(enum vmcs_field field, uint64_t value)
{
	panic("VMWRITE of %s (%#x) = %#llx failed: %s", vmcs_field_name(field), field,
	      (unsigned long long)value, vm_instruction_error_string(last_instruction_error()));
}

void vmcs_read_failed(enum vmcs_field field)
{
	panic("VMREAD of %s (%#x) failed: %s", vmcs_field_name(field), field,
	      vm_instruction_error_string(last_instruction_error()));
}

const char *vm_instruction_error_string(uint32_t err)
{
	/* SDM Vol. 3C 31.4, table "VM-Instruction Error Numbers". */
	static const char *const text[] = {
		[0] = "no error number (VMfailInvalid: no current VMCS)",
		[1] = "VMCALL executed in VMX root operation",
		[2] = "VMCLEAR with invalid physical address",
		[3] = "VMCLEAR with VMXON pointer",
		[4] = "VMLAUNCH with non-clear VMCS",
		[5] = "VMRESUME with non-launched VMCS",
		[6] = "VMRESUME after VMXOFF",
		[7] = "VM entry with invalid control field(s)",
		[8] = "VM entry with invalid host-state field(s)",
		[9] = "VMPTRLD with invalid physical address",
		[10] = "VMPTRLD with VMXON pointer",
		[11] = "VMPTRLD with incorrect VMCS revision identifier",
		[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
		[13] = "VMWRITE to read-only VMCS component",
		[15] = "VMXON executed in VMX root operation",
		[16] = "VM entry with invalid executive-VMCS pointer",
		[17] = "VM entry with non-launched executive VMCS",
		[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
		[19] = "VMCALL with non-clear VMCS",
		[20] = "VMCALL with invalid VM-exit control fields",
		[22] = "VMCALL with incorrect MSEG revision identifier",
		[23] = "VMXOFF under dual-monitor treatment",
		[24] = "VMCALL with invalid SMM-monitor features",
		[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
		[26] = "VM entry with events blocked by MOV SS",
		[28] = "invalid operand to INVEPT/INVVPID",
	};
	if (err < sizeof text / sizeof text[0] && text[err])
		return text[err];
	return "unknown VM-instruction error";
}

const char *exit_reason_name(uint32_t r)
{
	static const char *const names[EXIT_REASON_COUNT] = {
		[EXIT_EXCEPTION_NMI] = "exception or NMI", [EXIT_EXTERNAL_INTERRUPT] = "external interrupt",
		[EXIT_TRIPLE_FAULT] = "triple fault", [EXIT_INIT] = "INIT signal", [EXIT_SIPI] = "SIPI",
		[EXIT_INTERRUPT_WINDOW] = "interrupt window", [EXIT_NMI_WINDOW] = "NMI window",
		[EXIT_TASK_SWITCH] = "task switch", [EXIT_CPUID] = "CPUID", [EXIT_GETSEC] = "GETSEC",
		[EXIT_HLT] = "HLT", [EXIT_INVD] = "INVD", [EXIT_INVLPG] = "INVLPG", [EXIT_RDPMC] = "RDPMC",
		[EXIT_RDTSC] = "RDTSC", [EXIT_RSM] = "RSM", [EXIT_VMCALL] = "VMCALL",
		[EXIT_VMCLEAR] = "VMCLEAR", [EXIT_VMLAUNCH] = "VMLAUNCH", [EXIT_VMPTRLD] = "VMPTRLD",
		[EXIT_VMPTRST] = "VMPTRST", [EXIT_VMREAD] = "VMREAD", [EXIT_VMRESUME] = "VMRESUME",
		[EXIT_VMWRITE] = "VMWRITE", [EXIT_VMXOFF] = "VMXOFF", [EXIT_VMXON] = "VMXON",
		[EXIT_CR_ACCESS] = "control-register access", [EXIT_DR_ACCESS] = "debug-register access",
		[EXIT_IO] = "I/O instruction", [EXIT_RDMSR] = "RDMSR", [EXIT_WRMSR] = "WRMSR",
		[EXIT_ENTRY_INVALID_GUEST] = "VM entry failure: invalid guest state",
		[EXIT_ENTRY_MSR_LOAD] = "VM entry failure: MSR loading", [EXIT_MWAIT] = "MWAIT",
		[EXIT_MONITOR_TRAP] = "monitor trap flag", [EXIT_MONITOR] = "MONITOR",
		[EXIT_PAUSE] = "PAUSE", [EXIT_ENTRY_MACHINE_CHECK] = "VM entry failure: machine check",
		[EXIT_TPR_BELOW_THRESHOLD] = "TPR below threshold", [EXIT_APIC_ACCESS] = "APIC access",
		[EXIT_EOI] = "virtualized EOI", [EXIT_GDTR_IDTR] = "GDTR/IDTR access",
		[EXIT_LDTR_TR] = "LDTR/TR access", [EXIT_EPT_VIOLATION] = "EPT violation",
		[EXIT_EPT_MISCONFIG] = "EPT misconfiguration", [EXIT_INVEPT] = "INVEPT",
		[EXIT_RDTSCP] = "RDTSCP", [EXIT_PREEMPTION_TIMER] = "preemption timer",
		[EXIT_INVVPID] = "INVVPID", [EXIT_WBINVD] = "WBINVD", [EXIT_XSETBV] = "XSETBV",
		[EXIT_APIC_WRITE] = "APIC write", [EXIT_RDRAND] = "RDRAND", [EXIT_INVPCID] = "INVPCID",
		[EXIT_VMFUNC] = "VMFUNC", [EXIT_ENCLS] = "ENCLS", [EXIT_RDSEED] = "RDSEED",
		[EXIT_PML_FULL] = "page-modification log full", [EXIT_XSAVES] = "XSAVES",
		[EXIT_XRSTORS] = "XRSTORS",
	};
	if (r < EXIT_REASON_COUNT && names[r])
		return names[r];
	return "unknown exit reason";
}

const char *vmcs_field_name(enum vmcs_field f)
{
	switch (f) {
#define NAME(x) case x: return #x;
	NAME(VMCS_VPID) NAME(VMCS_GUEST_ES_SELECTOR) NAME(VMCS_GUEST_CS_SELECTOR)
	NAME(VMCS_GUEST_SS_SELECTOR) NAME(VMCS_GUEST_DS_SELECTOR) NAME(VMCS_GUEST_FS_SELECTOR)
	NAME(VMCS_GUEST_GS_SELECTOR) NAME(VMCS_GUEST_LDTR_SELECTOR) NAME(VMCS_GUEST_TR_SELECTOR)
	NAME(VMCS_HOST_ES_SELECTOR) NAME(VMCS_HOST_CS_SELECTOR) NAME(VMCS_HOST_SS_SELECTOR)
	NAME(VMCS_HOST_DS_SELECTOR) NAME(VMCS_HOST_FS_SELECTOR) NAME(VMCS_HOST_GS_SELECTOR)
	NAME(VMCS_HOST_TR_SELECTOR) NAME(VMCS_IO_BITMAP_A) NAME(VMCS_IO_BITMAP_B)
	NAME(VMCS_MSR_BITMAP) NAME(VMCS_EXIT_MSR_STORE_ADDR) NAME(VMCS_EXIT_MSR_LOAD_ADDR)
	NAME(VMCS_ENTRY_MSR_LOAD_ADDR) NAME(VMCS_TSC_OFFSET) NAME(VMCS_VIRTUAL_APIC_ADDR)
	NAME(VMCS_EPT_POINTER)
	NAME(VMCS_GUEST_PHYSICAL_ADDRESS) NAME(VMCS_LINK_POINTER) NAME(VMCS_GUEST_DEBUGCTL)
	NAME(VMCS_GUEST_PAT) NAME(VMCS_GUEST_EFER) NAME(VMCS_HOST_PAT) NAME(VMCS_HOST_EFER)
	NAME(VMCS_PIN_CONTROLS) NAME(VMCS_PROC_CONTROLS) NAME(VMCS_EXCEPTION_BITMAP)
	NAME(VMCS_PF_ERROR_MASK) NAME(VMCS_PF_ERROR_MATCH) NAME(VMCS_CR3_TARGET_COUNT)
	NAME(VMCS_EXIT_CONTROLS) NAME(VMCS_EXIT_MSR_STORE_COUNT) NAME(VMCS_EXIT_MSR_LOAD_COUNT)
	NAME(VMCS_ENTRY_CONTROLS) NAME(VMCS_ENTRY_MSR_LOAD_COUNT) NAME(VMCS_ENTRY_INTR_INFO)
	NAME(VMCS_ENTRY_EXCEPTION_ERROR) NAME(VMCS_ENTRY_INSTRUCTION_LEN) NAME(VMCS_TPR_THRESHOLD)
	NAME(VMCS_PROC_CONTROLS2) NAME(VMCS_INSTRUCTION_ERROR) NAME(VMCS_EXIT_REASON)
	NAME(VMCS_EXIT_INTR_INFO) NAME(VMCS_EXIT_INTR_ERROR) NAME(VMCS_IDT_VECTORING_INFO)
	NAME(VMCS_IDT_VECTORING_ERROR) NAME(VMCS_EXIT_INSTRUCTION_LEN)
	NAME(VMCS_EXIT_INSTRUCTION_INFO) NAME(VMCS_GUEST_ES_LIMIT) NAME(VMCS_GUEST_CS_LIMIT)
	NAME(VMCS_GUEST_SS_LIMIT) NAME(VMCS_GUEST_DS_LIMIT) NAME(VMCS_GUEST_FS_LIMIT)
	NAME(VMCS_GUEST_GS_LIMIT) NAME(VMCS_GUEST_LDTR_LIMIT) NAME(VMCS_GUEST_TR_LIMIT)
	NAME(VMCS_GUEST_GDTR_LIMIT) NAME(VMCS_GUEST_IDTR_LIMIT) NAME(VMCS_GUEST_ES_ACCESS)
	NAME(VMCS_GUEST_CS_ACCESS) NAME(VMCS_GUEST_SS_ACCESS) NAME(VMCS_GUEST_DS_ACCESS)
	NAME(VMCS_GUEST_FS_ACCESS) NAME(VMCS_GUEST_GS_ACCESS) NAME(VMCS_GUEST_LDTR_ACCESS)
	NAME(VMCS_GUEST_TR_ACCESS) NAME(VMCS_GUEST_INTERRUPTIBILITY) NAME(VMCS_GUEST_ACTIVITY_STATE)
	NAME(VMCS_GUEST_SYSENTER_CS) NAME(VMCS_PREEMPTION_TIMER) NAME(VMCS_HOST_SYSENTER_CS)
	NAME(VMCS_CR0_MASK) NAME(VMCS_CR4_MASK) NAME(VMCS_CR0_READ_SHADOW) NAME(VMCS_CR4_READ_SHADOW)
	NAME(VMCS_EXIT_QUALIFICATION) NAME(VMCS_GUEST_LINEAR_ADDRESS) NAME(VMCS_GUEST_CR0)
	NAME(VMCS_GUEST_CR3) NAME(VMCS_GUEST_CR4) NAME(VMCS_GUEST_ES_BASE) NAME(VMCS_GUEST_CS_BASE)
	NAME(VMCS_GUEST_SS_BASE) NAME(VMCS_GUEST_DS_BASE) NAME(VMCS_GUEST_FS_BASE)
	NAME(VMCS_GUEST_GS_BASE) NAME(VMCS_GUEST_LDTR_BASE) NAME(VMCS_GUEST_TR_BASE)
	NAME(VMCS_GUEST_GDTR_BASE) NAME(VMCS_GUEST_IDTR_BASE) NAME(VMCS_GUEST_DR7)
	NAME(VMCS_GUEST_RSP) NAME(VMCS_GUEST_RIP) NAME(VMCS_GUEST_RFLAGS) NAME(VMCS_GUEST_PENDING_DEBUG)
	NAME(VMCS_GUEST_SYSENTER_ESP) NAME(VMCS_GUEST_SYSENTER_EIP) NAME(VMCS_HOST_CR0)
	NAME(VMCS_HOST_CR3) NAME(VMCS_HOST_CR4) NAME(VMCS_HOST_FS_BASE) NAME(VMCS_HOST_GS_BASE)
	NAME(VMCS_HOST_TR_BASE) NAME(VMCS_HOST_GDTR_BASE) NAME(VMCS_HOST_IDTR_BASE)
	NAME(VMCS_HOST_SYSENTER_ESP) NAME(VMCS_HOST_SYSENTER_EIP) NAME(VMCS_HOST_RSP) NAME(VMCS_HOST_RIP)
#undef NAME
	}
	return "unknown VMCS field";
}
