/*
 * Entry point of the management hypercalls (include/mgmt_abi.h) from the VMCALL handler.
 */
#ifndef BULKHEAD_MGMT_HYPERCALLS_H
#define BULKHEAD_MGMT_HYPERCALLS_H

#include <stdint.h>
#include "kernel/vcpu.h"

int64_t mgmt_hypercall(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1);

#endif
