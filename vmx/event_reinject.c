/*
 * Event re-injection (see event_reinject.h). The IDT-vectoring information field has the
 * layout of the VM-entry interruption-information field for bits 31 (valid), 11 (error code
 * delivered), 10:8 (type) and 7:0 (vector); its bit 12 is undefined and bits 30:13 must be
 * zero on entry, so only the shared bits are copied. Software interrupts and software
 * exceptions (types 4-6: INT n, INT3, INTO, INT1) need the VM-entry instruction length, which
 * is then the exit's instruction length (SDM 28.2.5, "Information for VM Exits Due to
 * Instruction Execution", valid for such exits during event delivery).
 */
#include "vmx/event_reinject.h"

#define INFO_VALID      (1u << 31)
#define INFO_ERROR_CODE (1u << 11)
#define INFO_TYPE(x)    (((x) >> 8) & 7)
#define INFO_COPIED     (INFO_VALID | INFO_ERROR_CODE | (7u << 8) | 0xffu)

enum { TYPE_EXTERNAL = 0, TYPE_NMI = 2, TYPE_HARDWARE_EXCEPTION = 3, TYPE_SOFTWARE_INTERRUPT = 4,
       TYPE_PRIV_SOFTWARE_EXCEPTION = 5, TYPE_SOFTWARE_EXCEPTION = 6 };

struct event_injection event_reinjection(uint32_t info, uint32_t error, uint32_t length)
{
	struct event_injection e = { 0 };
	unsigned type = INFO_TYPE(info);
	if (!(info & INFO_VALID) || type == 1 || type == 7)
		return e;
	e.info = info & INFO_COPIED;
	if (info & INFO_ERROR_CODE) {
		e.has_error_code = true;
		e.error_code = error;
	}
	if (type >= TYPE_SOFTWARE_INTERRUPT && type <= TYPE_SOFTWARE_EXCEPTION) {
		e.has_instruction_length = true;
		e.instruction_length = length;
	}
	e.clear_nmi_blocking = type == TYPE_NMI;
	return e;
}

const char *event_type_name(uint32_t info)
{
	static const char *const names[8] = {
		"external interrupt", "reserved type 1", "NMI", "hardware exception",
		"software interrupt", "privileged software exception", "software exception",
		"other event",
	};
	return names[INFO_TYPE(info)];
}
