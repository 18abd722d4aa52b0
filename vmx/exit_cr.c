/*
 * Control-register access exits. Only bits the guest may not change itself exit here (the
 * CR0 guest/host mask covers the bits VMX operation fixes, SDM 24.8 and 25.6.6; the CR4 mask
 * every bit outside vmx.cr4_guest_owned): the guest keeps its own view in the read shadow
 * while the real register keeps the fixed bits. A write that would clear CR0.PE/PG of an ELF
 * guest (an operating system's vCPU may), or set a CR4 bit that partitions are not offered (VMX, SMX, LA57, CET, PKS, ...), is
 * answered with #GP as a CPU without the feature would. CR3 exits appear only where the CPU
 * forces those controls on; CR8 lives in the TPR shadow and never exits unless a CPU forces
 * CR8 exiting, when it is emulated on the same shadow. Qualification: SDM 28.2.1, table
 * "Exit Qualification for Control-Register Accesses".
 */
#include "kernel/partition.h"
#include "kernel/x86.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"
#include "vmx/vmx_controls.h"

#define CR0_PE (1ull << 0)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define CS_L (1u << 13)

static uint64_t *gpr(struct vcpu *v, unsigned n)
{
	uint64_t *r[16] = { &v->regs.rax, &v->regs.rcx, &v->regs.rdx, &v->regs.rbx, NULL,
			    &v->regs.rbp, &v->regs.rsi, &v->regs.rdi, &v->regs.r8, &v->regs.r9,
			    &v->regs.r10, &v->regs.r11, &v->regs.r12, &v->regs.r13, &v->regs.r14,
			    &v->regs.r15 };
	return r[n & 15];
}

static uint64_t read_gpr(struct vcpu *v, unsigned n)
{
	return n == 4 ? vmcs_read(VMCS_GUEST_RSP) : *gpr(v, n);
}

static void write_gpr(struct vcpu *v, unsigned n, uint64_t value)
{
	if (n == 4)
		vmcs_write(VMCS_GUEST_RSP, value);
	else
		*gpr(v, n) = value;
}

/* An operating system's vCPU turns paging and protection on and off itself (CR0.PE/PG are
 * not masked for it); a write exits here only when it also changes a masked bit (CD, NW, NE).
 * Turning paging on or off with EFER.LME set is the entry to or exit from IA-32e mode (SDM
 * Vol. 3A 10.8.5, "Initializing IA-32e Mode"): done here the CPU's way, EFER.LMA and the
 * IA-32e-mode-guest entry control follow. */
static bool os_write_cr0(uint64_t value)
{
	uint64_t old = vmcs_read(VMCS_GUEST_CR0), efer = vmcs_read(VMCS_GUEST_EFER);
	if ((value >> 32) || ((value & CR0_PG) && !(value & CR0_PE)) ||
	    ((value & CR0_NW) && !(value & CR0_CD)))
		return false;
	if ((value & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		if (!(vmcs_read(VMCS_CR4_READ_SHADOW) & CR4_PAE))
			return false;
		vmcs_write(VMCS_GUEST_EFER, efer | EFER_LMA);
		vmcs_write(VMCS_ENTRY_CONTROLS, vmcs_read(VMCS_ENTRY_CONTROLS) | ENTRY_IA32E_GUEST);
	} else if (!(value & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		if (vmcs_read(VMCS_GUEST_CS_ACCESS) & CS_L)
			return false;             /* paging goes off only from compatibility mode */
		vmcs_write(VMCS_GUEST_EFER, efer & ~EFER_LMA);
		vmcs_write(VMCS_ENTRY_CONTROLS, vmcs_read(VMCS_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST);
	}
	uint64_t real = vmx_apply_fixed(value, vmx.cr0_fixed0, vmx.cr0_fixed1);
	real = (real & ~(CR0_PE | CR0_PG)) | (value & (CR0_PE | CR0_PG));
	vmcs_write(VMCS_CR0_READ_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR0, real);
	return true;
}

static bool guest_write_cr0(struct vcpu *v, uint64_t value)
{
	if (v->unrestricted)
		return os_write_cr0(value);
	if (!(value & CR0_PE) || !(value & CR0_PG) || (value >> 32))
		return false;                 /* leaving long mode is not offered to ELF guests */
	vmcs_write(VMCS_CR0_READ_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR0, vmx_apply_fixed(value, vmx.cr0_fixed0, vmx.cr0_fixed1));
	return true;
}

static bool guest_write_cr4(struct vcpu *v, uint64_t value)
{
	if (value & ~vmx.cr4_guest_owned)
		return false;                 /* not offered (or not settable in VMX operation) */
	if (!(value & CR4_PAE) && (!v->unrestricted || (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA)))
		return false;                 /* PAE cannot go in long mode */
	vmcs_write(VMCS_CR4_READ_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR4, vmx_apply_fixed(value, vmx.cr4_fixed0, vmx.cr4_fixed1));
	return true;
}

enum exit_action exit_cr_access(struct vcpu *v)
{
	uint64_t q = exit_qualification();
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	bool ok = true;
	switch (type) {
	case 0:   /* MOV to CR */
		if (cr == 0)
			ok = guest_write_cr0(v, read_gpr(v, reg));
		else if (cr == 4)
			ok = guest_write_cr4(v, read_gpr(v, reg));
		else if (cr == 3)
			vmcs_write(VMCS_GUEST_CR3, read_gpr(v, reg));
		else if (cr == 8 && !(read_gpr(v, reg) >> 4))
			v->virtual_apic[0x80] = (uint8_t)(read_gpr(v, reg) << 4);
		else
			ok = false;
		break;
	case 1:   /* MOV from CR (only CR3/CR8 can exit) */
		write_gpr(v, reg, cr == 3 ? vmcs_read(VMCS_GUEST_CR3) : v->virtual_apic[0x80] >> 4);
		break;
	case 2:   /* CLTS with CR0.TS owned by us: never configured, but harmless */
		ok = guest_write_cr0(v, vmcs_read(VMCS_CR0_READ_SHADOW) & ~(1ull << 3));
		break;
	default:  /* LMSW touching masked bits: only PE can be set by it, which is set already */
		break;
	}
	if (!ok) {
		vcpu_inject_gp();
		return EXIT_RESUME;
	}
	vcpu_skip_instruction();
	return EXIT_RESUME;
}
