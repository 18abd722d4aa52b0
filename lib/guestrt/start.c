/*
 * The C half of guest start-up: load the IDT (so an unexpected exception is reported instead
 * of becoming a triple fault), run guest_main, and hand its result to HC_EXIT.
 */
#include "lib/guestrt/guestrt.h"

void runtime_start(const struct start_info *si);   /* called from entry.S only */

void runtime_start(const struct start_info *si)
{
	trap_init();
	int code = guest_main(si);
	hc_exit((uint64_t)(int64_t)code);
	/* HC_EXIT returned: entry.S halts. */
}
