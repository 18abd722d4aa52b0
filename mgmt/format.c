/*
 * Text helpers of the management shell (see format.h). Everything here is a pure function of
 * its arguments so the host unit tests exercise exactly the code the partition runs; the only
 * library call is snprintf, which newlib provides in the partition.
 */
#include <stdio.h>
#include "mgmt/format.h"
#include "mgmt_abi.h"

#define NS_PER_S 1000000000ull

void format_uptime(uint64_t ns, char *buf, size_t size)
{
	uint64_t s = ns / NS_PER_S;
	snprintf(buf, size, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
	         (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

void format_cpu_list(uint64_t mask, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (mask == 0) {
		snprintf(buf, size, "-");
		return;
	}
	size_t used = 0;
	unsigned c = 0;
	while (c < 64) {
		if (!(mask >> c & 1)) {
			c++;
			continue;
		}
		unsigned first = c;
		while (c + 1 < 64 && (mask >> (c + 1) & 1))
			c++;
		int n = first == c ? snprintf(buf + used, size - used, "%s%u", used ? "," : "", first)
		                   : snprintf(buf + used, size - used, "%s%u-%u", used ? "," : "", first, c);
		if (n < 0 || (size_t)n >= size - used)
			return;             /* cut: snprintf has already terminated it */
		used += (size_t)n;
		c++;
	}
}

uint64_t format_cpu_tenths(uint64_t cpu_ns, uint64_t uptime_ns)
{
	if (uptime_ns == 0)
		return 0;
	/* Whole ratio and remainder separately, so no product can overflow 64 bits (and no
	 * 128-bit division, which would need libgcc). */
	uint64_t whole = cpu_ns / uptime_ns, rest = cpu_ns % uptime_ns;
	if (whole > UINT64_MAX / 1000)
		return UINT64_MAX;
	/* rest < uptime_ns: halving both keeps the ratio, and the few low bits lost cannot move
	 * the first decimal of a divisor that large. Rounding can make them equal, hence 999. */
	while (rest > UINT64_MAX / 1000) {
		rest >>= 1;
		uptime_ns >>= 1;
	}
	uint64_t frac = rest * 1000 / uptime_ns;
	return whole * 1000 + (frac > 999 ? 999 : frac);
}

const char *format_state_name(uint32_t state)
{
	switch (state) {
	case MGMT_STATE_RUNNING:   return "running";
	case MGMT_STATE_HALTED:    return "halted";
	case MGMT_STATE_STOPPED:   return "stopped";
	case MGMT_STATE_CRASHED:   return "crashed";
	case MGMT_STATE_DESTROYED: return "destroyed";
	default:                   return "unknown";
	}
}

int format_state_is_running(uint32_t state)
{
	return state == MGMT_STATE_RUNNING || state == MGMT_STATE_HALTED;
}

/* Intel SDM Vol. 3D, appendix C, "VMX basic exit reasons". Gaps are reasons the SDM leaves
 * unused. */
static const char *const exit_reason_names[] = {
	[0]  = "exception or NMI",
	[1]  = "external interrupt",
	[2]  = "triple fault",
	[3]  = "INIT signal",
	[4]  = "start-up IPI",
	[5]  = "I/O SMI",
	[6]  = "other SMI",
	[7]  = "interrupt window",
	[8]  = "NMI window",
	[9]  = "task switch",
	[10] = "CPUID",
	[11] = "GETSEC",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[17] = "RSM",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMXOFF",
	[27] = "VMXON",
	[28] = "control-register access",
	[29] = "MOV DR",
	[30] = "I/O instruction",
	[31] = "RDMSR",
	[32] = "WRMSR",
	[33] = "VM-entry failure: invalid guest state",
	[34] = "VM-entry failure: MSR loading",
	[36] = "MWAIT",
	[37] = "monitor trap flag",
	[39] = "MONITOR",
	[40] = "PAUSE",
	[41] = "VM-entry failure: machine-check event",
	[43] = "TPR below threshold",
	[44] = "APIC access",
	[45] = "virtualized EOI",
	[46] = "GDTR or IDTR access",
	[47] = "LDTR or TR access",
	[48] = "EPT violation",
	[49] = "EPT misconfiguration",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "preemption timer",
	[53] = "INVVPID",
	[54] = "WBINVD",
	[55] = "XSETBV",
	[56] = "APIC write",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "page-modification log full",
	[63] = "XSAVES",
	[64] = "XRSTORS",
	[65] = "PCONFIG",
	[66] = "SPP-related event",
	[67] = "UMWAIT",
	[68] = "TPAUSE",
	[69] = "LOADIWKEY",
};

const char *format_exit_reason_name(unsigned reason)
{
	if (reason >= sizeof exit_reason_names / sizeof exit_reason_names[0])
		return NULL;
	return exit_reason_names[reason];
}

void format_escape_name(uint32_t byte, char *buf, size_t size)
{
	if (byte >= 1 && byte <= 26)
		snprintf(buf, size, "Ctrl-%c", (char)('A' + byte - 1));
	else if (byte >= 0x1c && byte <= 0x1f)
		snprintf(buf, size, "Ctrl-%c", (char)(byte + 0x40));   /* \ ] ^ _ */
	else
		snprintf(buf, size, "0x%02x", (unsigned)byte);
}
