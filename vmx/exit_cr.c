/*
 * Control-register access exits. Only bits the guest may not change itself exit here (the
 * CR0/CR4 guest/host masks cover the bits VMX operation fixes, SDM 24.8 and 25.6.6): the guest
 * keeps its own view in the read shadow while the real register keeps the fixed bits. A write
 * that would clear CR0.PE/PG of a 64-bit guest, or set CR4 bits this CPU lacks, is answered
 * with #GP as hardware would. CR3 and CR8 exits appear only where the CPU forces those
 * controls on; they are emulated directly. Qualification: SDM 28.2.1, table "Exit
 * Qualification for Control-Register Accesses".
 */
#include "kernel/partition.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"
#include "vmx/vmx_controls.h"

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)

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

static bool write_cr0(uint64_t value)
{
	if (!(value & CR0_PE) || !(value & CR0_PG) || (value >> 32))
		return false;                 /* leaving long mode is not offered to ELF guests */
	vmcs_write(VMCS_CR0_READ_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR0, vmx_apply_fixed(value, vmx.cr0_fixed0, vmx.cr0_fixed1));
	return true;
}

static bool write_cr4(uint64_t value)
{
	/* Bits this CPU cannot set in VMX operation, plus VMXE/SMXE which partitions do not get. */
	if (value & (~vmx.cr4_fixed1 | CR4_VMXE | CR4_SMXE))
		return false;
	if (!(value & (1ull << 5)))
		return false;                 /* PAE cannot go in long mode */
	vmcs_write(VMCS_CR4_READ_SHADOW, value);
	vmcs_write(VMCS_GUEST_CR4, vmx_apply_fixed(value, vmx.cr4_fixed0, vmx.cr4_fixed1));
	return true;
}

enum exit_action exit_cr_access(struct vcpu *v, uint64_t q)
{
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	bool ok = true;
	switch (type) {
	case 0:   /* MOV to CR */
		if (cr == 0)
			ok = write_cr0(read_gpr(v, reg));
		else if (cr == 4)
			ok = write_cr4(read_gpr(v, reg));
		else if (cr == 3)
			vmcs_write(VMCS_GUEST_CR3, read_gpr(v, reg));
		else if (cr != 8)
			ok = false;
		break;
	case 1:   /* MOV from CR (only CR3/CR8 can exit) */
		write_gpr(v, reg, cr == 3 ? vmcs_read(VMCS_GUEST_CR3) : 0);
		break;
	case 2:   /* CLTS with CR0.TS owned by us: never configured, but harmless */
		ok = write_cr0(vmcs_read(VMCS_CR0_READ_SHADOW) & ~(1ull << 3));
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
