/*
 * Everything a test guest includes: the guest runtime (lib/guestrt) plus the test helpers in
 * this folder (PASS/FAIL reporting, #GP-safe MSR access, a window onto any guest-physical page).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include "lib/guestrt/guestrt.h"
#include "msr_safe.h"
#include "phys_window.h"
#include "report.h"

#endif
