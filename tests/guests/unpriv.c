/*
 * unpriv guest: an ordinary (not privileged) partition tries management hypercalls
 * (include/mgmt_abi.h): two reads, the login's policy (which holds the console password's
 * hash) and a forged login event for the audit trail. Each must be refused with HC_EPERM, the
 * buffers in its own memory must stay untouched, and the hypervisor logs the refusal with this
 * partition's name (the shell test looks for that line). Prints "unpriv: management hypercall
 * refused" when all were refused, then the usual DONE line, and exits.
 */
#include <string.h>
#include "mgmt_abi.h"
#include "runtime/guest.h"

#define FILL 0xa5

static struct mgmt_host_info host_info;   /* guest-physical = virtual (identity-mapped) */
static struct mgmt_login_info login_info;

static size_t touched_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t touched = 0;
	for (size_t i = 0; i < n; i++)
		touched += b[i] != FILL;
	return touched;
}

int guest_main(const struct start_info *si)
{
	(void)si;
	memset(&host_info, FILL, sizeof host_info);
	memset(&login_info, FILL, sizeof login_info);

	int64_t count = hypercall(HC_MGMT_PARTITION_COUNT, 0, 0, 0, 0, 0, 0);
	int64_t info = hypercall(HC_MGMT_HOST_INFO, (uint64_t)(uintptr_t)&host_info, 0, 0, 0, 0, 0);
	int64_t login = hypercall(HC_MGMT_LOGIN_INFO, (uint64_t)(uintptr_t)&login_info, 0, 0, 0, 0, 0);
	int64_t forged = hypercall(HC_MGMT_LOGIN_EVENT, MGMT_LOGIN_OK, 0, 0, 0, 0, 0);

	int ok = check_hc("HC_MGMT_PARTITION_COUNT from an unprivileged partition returns HC_EPERM",
	                  count, HC_EPERM);
	ok &= check_hc("HC_MGMT_HOST_INFO from an unprivileged partition returns HC_EPERM", info,
	               HC_EPERM);
	ok &= check_hc("HC_MGMT_LOGIN_INFO (the console password's hash) from an unprivileged "
	               "partition returns HC_EPERM", login, HC_EPERM);
	ok &= check_hc("HC_MGMT_LOGIN_EVENT (a forged login for the audit trail) from an "
	               "unprivileged partition returns HC_EPERM", forged, HC_EPERM);
	size_t touched = touched_bytes(&host_info, sizeof host_info);
	ok &= check(touched == 0, "a refused HC_MGMT_HOST_INFO leaves the buffer untouched",
	            "%lu of %lu bytes were written", (unsigned long)touched,
	            (unsigned long)sizeof host_info);
	touched = touched_bytes(&login_info, sizeof login_info);
	ok &= check(touched == 0, "a refused HC_MGMT_LOGIN_INFO leaves the buffer untouched",
	            "%lu of %lu bytes were written", (unsigned long)touched,
	            (unsigned long)sizeof login_info);
	if (ok)
		cprintf("unpriv: management hypercall refused\n");
	return done();
}
