/*
 * Linked only into the measurement kernel (build/bulkhead-measures.efi) that `make bench` uses
 * to price each speculation measure: it turns on the measures the configured host name names
 * ("ibpb", "l1d", "verw", e.g. hostname = measure-l1d), whatever the CPU enumerates. Only for
 * Bochs, which (with ignore_bad_msrs=1) drops writes to the IA32_PRED_CMD and IA32_FLUSH_CMD it
 * does not model, so the instructions run and cost what they cost; on a real CPU without those
 * MSRs the first WRMSR would fault.
 */
#include <string.h>
#include "kernel/exception.h"
#include "kernel/log.h"
#include "vmx/spec_policy.h"

void selftest_spec_measures(struct spec_measures *m, const char *hostname)
{
	static const char why[] = "forced on by the measurement kernel";
	if (strstr(hostname, "ibpb"))
		m->ibpb = (struct spec_measure){ SPEC_ON, why };
	if (strstr(hostname, "l1d"))
		m->l1d_flush = (struct spec_measure){ SPEC_ON, why };
	if (strstr(hostname, "verw"))
		m->verw = (struct spec_measure){ SPEC_ON, why };
	kprintf("[hv] selftest: measures forced on for '%s': IBPB %s, L1D flush %s, VERW %s\n",
		hostname, m->ibpb.state == SPEC_ON ? "on" : "off",
		m->l1d_flush.state == SPEC_ON ? "on" : "off", m->verw.state == SPEC_ON ? "on" : "off");
}
