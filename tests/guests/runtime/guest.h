/*
 * Everything a test guest includes: the runtime's helpers and the guest's own entry point.
 * A guest defines guest_main; the runtime calls it with the start-info page and passes its
 * return value to HC_EXIT.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include "start_info.h"
#include "hypercall.h"
#include "console.h"
#include "cpu.h"
#include "hcall.h"
#include "msr_safe.h"
#include "phys_window.h"
#include "report.h"
#include "trap.h"

int guest_main(const struct start_info *si);

#endif
