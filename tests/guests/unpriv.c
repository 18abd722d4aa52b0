/*
 * unpriv guest: an ordinary (not privileged) partition tries two management hypercalls
 * (include/mgmt_abi.h). Both must be refused with HC_EPERM, the host-info buffer in its own
 * memory must stay untouched, and the hypervisor logs the refusal with this partition's name
 * (the shell test looks for that line). Prints "unpriv: management hypercall refused" when
 * both were refused, then the usual DONE line, and exits.
 */
#include <string.h>
#include "mgmt_abi.h"
#include "runtime/guest.h"

#define FILL 0xa5

static struct mgmt_host_info host_info;   /* guest-physical = virtual (identity-mapped) */

int guest_main(const struct start_info *si)
{
	(void)si;
	memset(&host_info, FILL, sizeof host_info);

	int64_t count = hypercall(HC_MGMT_PARTITION_COUNT, 0, 0, 0, 0, 0, 0);
	int64_t info = hypercall(HC_MGMT_HOST_INFO, (uint64_t)(uintptr_t)&host_info, 0, 0, 0, 0, 0);

	int ok = check_hc("HC_MGMT_PARTITION_COUNT from an unprivileged partition returns HC_EPERM",
	                  count, HC_EPERM);
	ok &= check_hc("HC_MGMT_HOST_INFO from an unprivileged partition returns HC_EPERM", info,
	               HC_EPERM);
	const unsigned char *b = (const unsigned char *)&host_info;
	size_t touched = 0;
	for (size_t i = 0; i < sizeof host_info; i++)
		touched += b[i] != FILL;
	ok &= check(touched == 0, "a refused HC_MGMT_HOST_INFO leaves the buffer untouched",
	            "%lu of %lu bytes were written", (unsigned long)touched,
	            (unsigned long)sizeof host_info);
	if (ok)
		cprintf("unpriv: management hypercall refused\n");
	return done();
}
