/*
 * Turning VMX on and building VMCSs. References: VMXON region and revision (Intel SDM Vol. 3C
 * 24.11.5, 25.2), CR0/CR4 fixed bits in VMX operation (24.8 and appendix A.7/A.8), host-state
 * area rules (26.2.3: selectors with RPL 0 and TI 0, non-zero TR and CS), guest-state checks for
 * a 64-bit guest (26.3.1), VMCS link pointer ~0 when unused (26.3.1.5).
 */
#include <string.h>
#include "kernel/guest_boot.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/x86.h"
#include "mm/kernel_map.h"
#include "kernel/fpu.h"
#include "vmx/cpuid_policy.h"
#include "vmx/msr_policy.h"
#include "vmx/vmx.h"
#include "vmx/vmx_controls.h"

#define MSR_IA32_VMX_EXIT_CTLS_TRUE  0x48f
#define MSR_IA32_VMX_ENTRY_CTLS_TRUE 0x490
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_PAT 0x277

struct vmx_config vmx;
static uint16_t next_vpid = 1;

static uint64_t zeroed_page(struct frame_alloc *pool)
{
	return (uint64_t)kernel_zeroed_page(pool);
}

static int adjust(const char *what, uint32_t wanted, uint32_t required, uint64_t cap, uint32_t *out)
{
	uint32_t missing;
	*out = vmx_adjust_controls(wanted, cap, &missing);
	if (missing & required) {
		klog(LOG_ERROR, "VMX: this CPU lacks required %s controls %#x", what, missing & required);
		return -1;
	}
	if (missing)
		klog(LOG_INFO, "VMX: optional %s controls %#x not available", what, missing);
	return 0;
}

int vmx_global_init(const struct vmx_caps *caps, struct frame_alloc *pool)
{
	bool truecaps = caps->true_controls;
	uint64_t pin_cap = rdmsr(truecaps ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	uint64_t proc_cap = rdmsr(truecaps ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	uint64_t exit_cap = rdmsr(truecaps ? MSR_IA32_VMX_EXIT_CTLS_TRUE : MSR_IA32_VMX_EXIT_CTLS);
	uint64_t entry_cap = rdmsr(truecaps ? MSR_IA32_VMX_ENTRY_CTLS_TRUE : MSR_IA32_VMX_ENTRY_CTLS);
	uint64_t proc2_cap = caps->secondary_controls ? rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;

	/* What every partition needs: EPT for isolation, the preemption timer for time slices,
	 * bitmaps so that only the MSRs and ports we choose exit; host interrupts and NMIs exit
	 * to the hypervisor instead of reaching whichever guest runs; the TPR shadow keeps a
	 * guest's CR8 off the physical local APIC; DR7 and IA32_DEBUGCTL travel with the VMCS
	 * (VM exit clears them for the host, SDM 28.3). */
	uint32_t pin_req = PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING | PIN_PREEMPTION_TIMER;
	uint32_t proc_req = PROC_HLT_EXITING | PROC_USE_TPR_SHADOW | PROC_USE_IO_BITMAPS |
			    PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CONTROLS;
	uint32_t proc_opt = PROC_MWAIT_EXITING | PROC_MONITOR_EXITING | PROC_RDPMC_EXITING;
	uint32_t proc2_req = PROC2_ENABLE_EPT;
	/* Unrestricted guest is needed only by operating-system partitions (Linux, Multiboot),
	 * which are refused where it is missing. */
	uint32_t proc2_opt = PROC2_ENABLE_VPID | PROC2_ENABLE_RDTSCP | PROC2_UNRESTRICTED_GUEST;
	uint32_t exit_req = EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_64BIT | EXIT_ACK_INTERRUPT |
			    EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT;
	/* Saving the remaining preemption-timer count lets an exit resume without re-arming it. */
	uint32_t exit_opt = EXIT_SAVE_PREEMPTION_TIMER;
	uint32_t entry_req = ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER |
			     ENTRY_LOAD_PAT;
	if (adjust("pin-based", pin_req, pin_req, pin_cap, &vmx.pin) ||
	    adjust("processor-based", proc_req | proc_opt, proc_req, proc_cap, &vmx.proc) ||
	    adjust("secondary", proc2_req | proc2_opt, proc2_req, proc2_cap, &vmx.proc2) ||
	    adjust("VM-exit", exit_req | exit_opt, exit_req, exit_cap, &vmx.exit) ||
	    adjust("VM-entry", entry_req, entry_req, entry_cap, &vmx.entry))
		return -1;
	/* The IA-32e-mode-guest entry control is per vCPU (it follows EFER.LMA). */
	vmx.entry &= ~ENTRY_IA32E_GUEST;
	vmx.rdtscp = (vmx.proc2 & PROC2_ENABLE_RDTSCP) != 0;
	vmx.vpid = (vmx.proc2 & PROC2_ENABLE_VPID) != 0;
	vmx.timer_saved = (vmx.exit & EXIT_SAVE_PREEMPTION_TIMER) != 0;
	vmx.unrestricted = (vmx.proc2 & PROC2_UNRESTRICTED_GUEST) != 0;
	vmx.proc2 &= ~PROC2_UNRESTRICTED_GUEST;           /* per vCPU, below */
	if (!caps->ept_4level || !caps->ept_wb || !caps->invept) {
		klog(LOG_ERROR, "VMX: EPT lacks 4-level walks, write-back memory or INVEPT");
		return -1;
	}

	vmx.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	vmx.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vmx.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmx.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);

	/* Bitmaps shared by every vCPU: all ports exit (the virtual UART and the "all ones"
	 * default are emulated); MSRs exit unless msr_policy passes them through. */
	vmx.msr_bitmap = zeroed_page(pool);
	vmx.io_bitmap_a = zeroed_page(pool);
	vmx.io_bitmap_b = zeroed_page(pool);
	if (!vmx.msr_bitmap || !vmx.io_bitmap_a || !vmx.io_bitmap_b) {
		klog(LOG_ERROR, "VMX: no memory for the MSR and I/O bitmaps");
		return -1;
	}
	msr_bitmap_build((uint8_t *)vmx.msr_bitmap);
	memset((void *)vmx.io_bitmap_a, 0xff, 4096);
	memset((void *)vmx.io_bitmap_b, 0xff, 4096);

	if ((cpuid(1, 0).ecx >> 26) & 1) {          /* XSAVE */
		struct cpuid_regs d = cpuid(0xd, 0);
		vmx.xcr0_supported = ((uint64_t)d.edx << 32) | d.eax;
		vmx.xcr0_offered = xcr0_offer(vmx.xcr0_supported);
		/* The standard-format area for the offered components: each one's offset + size
		 * (CPUID.(0DH,i):EBX and EAX, SDM Vol. 1 13.4.3); legacy area and header first. */
		vmx.xsave_size = 576;
		for (unsigned i = 2; i < 64; i++) {
			if (!((vmx.xcr0_offered >> i) & 1))
				continue;
			struct cpuid_regs c = cpuid(0xd, i);
			if (c.ebx + c.eax > vmx.xsave_size)
				vmx.xsave_size = c.ebx + c.eax;
		}
	} else {
		vmx.xsave_size = 512;                    /* FXSAVE area */
	}
	if (vmx.xsave_size > 4096) {
		klog(LOG_ERROR, "VMX: extended state of %u bytes exceeds one page", vmx.xsave_size);
		return -1;
	}
	/* CR4 bits a guest owns outright (no exit); the rest are masked, so writes exit to
	 * exit_cr.c, which refuses any bit outside this set. Features CPUID does not offer
	 * (LA57, VMX, SMX, Key Locker, CET, PKS, UINTR, ...) thus stay off. PKE is offered when
	 * the CPU has protection keys, because kernel/fpu.c switches PKRU. */
	uint64_t owned = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE |
			 CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_UMIP | CR4_FSGSBASE |
			 CR4_PCIDE | CR4_SMEP | CR4_SMAP;
	if (vmx.xcr0_supported)
		owned |= CR4_OSXSAVE;
	if ((cpuid(7, 0).ecx >> 3) & 1)
		owned |= CR4_PKE;
	vmx.cr4_guest_owned = owned & vmx.cr4_fixed1 & ~vmx.cr4_fixed0;
	return 0;
}

int vmx_cpu_enable(struct percpu *cpu, const struct vmx_caps *caps, struct frame_alloc *pool)
{
	/* An AP's region is allocated for it by the boot CPU (kernel/smp.c), which owns the pool. */
	uint64_t region = cpu->vmxon_region ? cpu->vmxon_region : zeroed_page(pool);
	if (!region)
		return -1;
	*(uint32_t *)region = caps->vmcs_revision;
	cpu->vmxon_region = region;

	/* CR0/CR4 must respect the fixed bits in VMX operation (SDM 24.8). */
	write_cr0(vmx_apply_fixed(read_cr0(), vmx.cr0_fixed0, vmx.cr0_fixed1));
	uint64_t cr4 = read_cr4() | CR4_VMXE;
	if (vmx.xcr0_supported)
		cr4 |= CR4_OSXSAVE;                       /* we switch XCR0 per vCPU */
	write_cr4(vmx_apply_fixed(cr4, vmx.cr4_fixed0, vmx.cr4_fixed1));
	fpu_cpu_init(cpu);

	uint8_t failed;
	__asm__ volatile("vmxon %1; setbe %0" : "=qm"(failed) : "m"(cpu->vmxon_region) : "cc", "memory");
	if (failed) {
		klog(LOG_ERROR, "VMXON failed on CPU %u", cpu->index);
		return -1;
	}
	return 0;
}

void vmx_vmptrld(struct vcpu *v)
{
	uint64_t pa = (uint64_t)v->vmcs;
	uint8_t failed;
	__asm__ volatile("vmptrld %1; setbe %0" : "=qm"(failed) : "m"(pa) : "cc", "memory");
	if (failed)
		panic("VMPTRLD of vCPU %u failed", v->index);
	struct percpu *cpu = this_cpu();
	cpu->current = v;
	v->active_cpu = cpu;
	/* Building a vCPU from a hypercall loads its VMCS under the running one: the running
	 * vCPU's next entry must load its own again (vmx/vcpu_switch.c). */
	if (cpu->state_owner && cpu->state_owner != v)
		cpu->state_owner->entry_work |= VCPU_WORK_VMCS;
}

void vmx_vmclear(struct vcpu *v)
{
	uint64_t pa = (uint64_t)v->vmcs;
	__asm__ volatile("vmclear %0" : : "m"(pa) : "cc", "memory");
	struct percpu *cpu = this_cpu();
	v->launched = 0;                          /* a cleared VMCS takes VMLAUNCH again */
	if (cpu->current == v) {
		cpu->current = NULL;
		if (cpu->state_owner)
			cpu->state_owner->entry_work |= VCPU_WORK_VMCS;
	}
	__atomic_store_n(&v->active_cpu, NULL, __ATOMIC_RELEASE);
}

void vmx_invept_single(uint64_t eptp)
{
	/* Type 1: single-context (SDM 31.3, INVEPT). */
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };
	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(1ull) : "cc", "memory");
}

void vmx_invvpid_single(uint16_t vpid)
{
	if (!vmx.vpid || !vpid)
		return;
	struct { uint64_t vpid, addr; } desc = { vpid, 0 };
	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(1ull) : "cc", "memory");
}

void vmx_vcpu_bind_host(struct vcpu *v, struct percpu *cpu)
{
	v->host_cpu = cpu;
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	/* CR0.TS set on every exit: the hypervisor's first vector instruction then traps (#NM) and
	 * kernel/fpu.c saves the guest's state before anything is clobbered. */
	vmcs_write(VMCS_HOST_CR0, read_cr0() | (1ull << 3));
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SELECTOR, GDT_KERNEL_CODE);
	vmcs_write(VMCS_HOST_SS_SELECTOR, GDT_KERNEL_DATA);
	vmcs_write(VMCS_HOST_DS_SELECTOR, GDT_KERNEL_DATA);
	vmcs_write(VMCS_HOST_ES_SELECTOR, GDT_KERNEL_DATA);
	vmcs_write(VMCS_HOST_FS_SELECTOR, 0);
	vmcs_write(VMCS_HOST_GS_SELECTOR, 0);
	vmcs_write(VMCS_HOST_TR_SELECTOR, GDT_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, 0);
	vmcs_write(VMCS_HOST_GS_BASE, (uint64_t)cpu);
	vmcs_write(VMCS_HOST_TR_BASE, (uint64_t)&cpu->tables.tss);
	vmcs_write(VMCS_HOST_GDTR_BASE, (uint64_t)cpu->tables.gdt);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RSP, cpu->exit_stack_top - 16);
	vmcs_write(VMCS_HOST_RIP, (uint64_t)vmx_exit_entry);
}

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)

uint64_t vmx_cr0_mask(bool unrestricted)
{
	uint64_t fixed = vmx.cr0_fixed0 | ~vmx.cr0_fixed1;
	return unrestricted ? fixed & ~(CR0_PE | CR0_PG) : fixed;
}

static void setup_controls(struct vcpu *v, uint64_t eptp, bool unrestricted)
{
	/* The TPR shadow: MOV to/from CR8 use this page's TPR field (SDM 29.3); the threshold is
	 * kept by vmx/vcpu_switch.c (0 = no TPR-below-threshold exits). */
	vmcs_write(VMCS_VIRTUAL_APIC_ADDR, (uint64_t)v->virtual_apic);
	vmcs_write(VMCS_TPR_THRESHOLD, 0);
	vmcs_write(VMCS_PIN_CONTROLS, vmx.pin);
	vmcs_write(VMCS_PROC_CONTROLS, vmx.proc);
	vmcs_write(VMCS_PROC_CONTROLS2, vmx.proc2 | (unrestricted ? PROC2_UNRESTRICTED_GUEST : 0));
	vmcs_write(VMCS_EXIT_CONTROLS, vmx.exit);
	vmcs_write(VMCS_ENTRY_CONTROLS, vmx.entry);      /* IA-32e mode guest: setup_guest_state */
	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);            /* guests handle their own exceptions */
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_MSR_BITMAP, vmx.msr_bitmap);
	vmcs_write(VMCS_IO_BITMAP_A, vmx.io_bitmap_a);
	vmcs_write(VMCS_IO_BITMAP_B, vmx.io_bitmap_b);
	vmcs_write(VMCS_EPT_POINTER, eptp);
	if (vmx.vpid)
		vmcs_write(VMCS_VPID, v->vpid);
	vmcs_write(VMCS_TSC_OFFSET, 0);
	/* Bits the guest may not change exit to us; it reads its own view from the shadows. */
	vmcs_write(VMCS_CR0_MASK, vmx_cr0_mask(unrestricted));
	vmcs_write(VMCS_CR4_MASK, ~vmx.cr4_guest_owned);
}

static void set_segment(enum vmcs_field sel, uint16_t selector, uint32_t access)
{
	/* Selector, base, limit and access-rights fields of one segment register sit at fixed
	 * distances from each other in the encoding space (SDM appendix B). */
	unsigned i = (sel - VMCS_GUEST_ES_SELECTOR) / 2;
	vmcs_write(sel, selector);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * i), 0);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * i), access & 0x10000 ? 0 : 0xffffffff);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_ACCESS + 2 * i), access);
}

/* Where the vCPU begins, with interrupts off, nothing blocking or pending, and no SYSENTER
 * target: the same for a first start and a start-up IPI. */
static void set_entry_point(uint64_t rip, uint64_t rsp)
{
	vmcs_write(VMCS_GUEST_RIP, rip);
	vmcs_write(VMCS_GUEST_RSP, rsp);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG, 0);
}

static void setup_guest_state(const struct vcpu_start *st)
{
	/* Both modes: protection on, SSE usable (CR0.MP/ET/NE, CR4.OSFXSR/OSXMMEXCPT would be
	 * set by any OS; ELF guests get them ready). Long mode adds paging, PAE, LME/LMA and the
	 * IA-32e-mode-guest entry control; 32-bit protected mode has paging off, which only an
	 * unrestricted guest may have (SDM Vol. 3C 27.3.1.1). */
	bool lm = st->mode == VCPU_START_LONG;
	uint64_t cr0 = lm ? CR0_PE | (1ull << 1) | CR0_ET | CR0_NE | (1ull << 16) | CR0_PG
			  : CR0_PE | CR0_ET;
	uint64_t cr4 = lm ? (1ull << 5) | (1ull << 9) | (1ull << 10) : 0;
	uint64_t real_cr0 = vmx_apply_fixed(cr0, vmx.cr0_fixed0, vmx.cr0_fixed1);
	if (st->unrestricted && !lm)
		real_cr0 &= ~CR0_PG;
	vmcs_write(VMCS_GUEST_CR0, real_cr0);
	vmcs_write(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR4, vmx_apply_fixed(cr4, vmx.cr4_fixed0, vmx.cr4_fixed1));
	vmcs_write(VMCS_CR4_READ_SHADOW, cr4);
	vmcs_write(VMCS_GUEST_CR3, st->cr3);
	vmcs_write(VMCS_GUEST_EFER, lm ? (1ull << 8) | (1ull << 10) : 0);   /* LME, LMA */
	if (lm)
		vmcs_write(VMCS_ENTRY_CONTROLS, vmx.entry | ENTRY_IA32E_GUEST);
	vmcs_write(VMCS_GUEST_PAT, 0x0007040600070406ull);        /* the power-on PAT */
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_DR7, 0x400);

	uint32_t code = lm ? 0xa09b : 0xc09b;                      /* L=1 or D=1; G=1 */
	set_segment(VMCS_GUEST_CS_SELECTOR, st->code_selector, code);
	set_segment(VMCS_GUEST_SS_SELECTOR, st->data_selector, 0xc093);
	set_segment(VMCS_GUEST_DS_SELECTOR, st->data_selector, 0xc093);
	set_segment(VMCS_GUEST_ES_SELECTOR, st->data_selector, 0xc093);
	set_segment(VMCS_GUEST_FS_SELECTOR, st->data_selector, 0xc093);
	set_segment(VMCS_GUEST_GS_SELECTOR, st->data_selector, 0xc093);
	set_segment(VMCS_GUEST_LDTR_SELECTOR, 0, 0x10000);         /* unusable */
	/* A busy TSS (64-bit, or 32-bit outside long mode: the same type 0xB). Entry loads TR
	 * from here, so the descriptor need not exist in the guest's GDT until it reloads TR. */
	vmcs_write(VMCS_GUEST_TR_SELECTOR, st->tss_selector);
	vmcs_write(VMCS_GUEST_TR_BASE, st->tss_base);
	vmcs_write(VMCS_GUEST_TR_LIMIT, 0x67);
	vmcs_write(VMCS_GUEST_TR_ACCESS, 0x8b);
	vmcs_write(VMCS_GUEST_GDTR_BASE, st->gdt_base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, st->gdt_limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0);

	set_entry_point(st->rip, st->rsp);
	vmcs_write(VMCS_LINK_POINTER, ~0ull);
}

/* One segment register as real mode has it: base = selector << 4, a 64 KiB limit. */
static void set_real_segment(enum vmcs_field sel, uint16_t selector, uint32_t access)
{
	unsigned i = (sel - VMCS_GUEST_ES_SELECTOR) / 2;
	vmcs_write(sel, selector);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * i), (uint64_t)selector << 4);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * i), 0xffff);
	vmcs_write((enum vmcs_field)(VMCS_GUEST_ES_ACCESS + 2 * i), access);
}

void vmx_vcpu_start_real(struct vcpu *v, uint8_t vector)
{
	/* CR0 reads as after INIT (CD, NW, ET); the real register keeps what VMX operation fixes,
	 * minus PE and PG (unrestricted guest) and without CD/NW, which are the guest's view only
	 * until it writes CR0 (exit_cr.c). */
	uint64_t cr0 = (1ull << 30) | (1ull << 29) | CR0_ET;
	vmcs_write(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR0, vmx_apply_fixed(CR0_ET, vmx.cr0_fixed0, vmx.cr0_fixed1) &
				   ~(CR0_PE | CR0_PG));
	vmcs_write(VMCS_CR4_READ_SHADOW, 0);
	vmcs_write(VMCS_GUEST_CR4, vmx_apply_fixed(0, vmx.cr4_fixed0, vmx.cr4_fixed1));
	vmcs_write(VMCS_GUEST_CR3, 0);
	vmcs_write(VMCS_GUEST_EFER, 0);
	vmcs_write(VMCS_ENTRY_CONTROLS, vmx.entry);          /* not IA-32e mode */
	vmcs_write(VMCS_GUEST_PAT, 0x0007040600070406ull);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_DR7, 0x400);

	set_real_segment(VMCS_GUEST_CS_SELECTOR, (uint16_t)(vector << 8), 0x9b);
	set_real_segment(VMCS_GUEST_SS_SELECTOR, 0, 0x93);
	set_real_segment(VMCS_GUEST_DS_SELECTOR, 0, 0x93);
	set_real_segment(VMCS_GUEST_ES_SELECTOR, 0, 0x93);
	set_real_segment(VMCS_GUEST_FS_SELECTOR, 0, 0x93);
	set_real_segment(VMCS_GUEST_GS_SELECTOR, 0, 0x93);
	set_real_segment(VMCS_GUEST_LDTR_SELECTOR, 0, 0x82);   /* present LDT, as after INIT */
	set_real_segment(VMCS_GUEST_TR_SELECTOR, 0, 0x8b);     /* a busy TSS: the entry checks */
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);

	set_entry_point(0, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_PROC_CONTROLS, vmx.proc);
	vmcs_write(VMCS_TPR_THRESHOLD, 0);
	v->window_exiting = false;
	v->tpr_threshold = 0;
	v->virtual_apic[0x80] = 0;
}

int vmx_vcpu_setup(struct vcpu *v, struct percpu *cpu, struct frame_alloc *pool, uint64_t eptp,
		   const struct vcpu_start *start)
{
	uint64_t vmcs = zeroed_page(pool);
	if (!vmcs)
		return -1;
	uint64_t vapic = zeroed_page(pool);
	if (!vapic) {
		frame_alloc_free(pool, vmcs, 4096);
		return -1;
	}
	*(uint32_t *)vmcs = (uint32_t)(rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff);
	v->vmcs = (void *)vmcs;
	v->virtual_apic = (uint8_t *)vapic;
	if (vmx.vpid && next_vpid == 0)
		next_vpid = 1;                       /* 0 is the host's VPID */
	v->vpid = vmx.vpid ? next_vpid++ : 0;
	v->launched = 0;
	vmx_vmclear(v);
	vmx_vmptrld(v);
	vmx_vcpu_bind_host(v, cpu);
	setup_controls(v, eptp, start->unrestricted);
	setup_guest_state(start);
	vmx_invvpid_single(v->vpid);
	return 0;
}
