/*
 * Interrupts between the vCPUs of one OS partition, which may run on different CPUs: the IPIs
 * a vCPU sends through its local APIC's ICR (fixed, INIT, start-up) and the I/O APIC's
 * interrupts, delivered to the vCPU they name. A vCPU's local APIC and state are changed only
 * by the CPU that runs it, so a sender on another CPU posts what it sends into the target
 * vCPU (atomically: struct vcpu, posted*) and notifies that CPU (smp_notify), whose scheduler
 * takes it (vcpu_take_posted) before it runs or wakes the vCPU. A sender on the target's own
 * CPU delivers directly. Nothing reaches outside the partition: an IPI that names no other
 * vCPU of it, and every NMI and SMI IPI, is dropped and counted.
 */
#ifndef BULKHEAD_VDEV_VCPU_POST_H
#define BULKHEAD_VDEV_VCPU_POST_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* After v's ICR write: delivers the IPI its local APIC recorded, if any. */
void vcpu_route_ipi(struct vcpu *v);
/* A fixed interrupt for vCPU t, from any CPU (the I/O APIC, an IPI). */
void vcpu_post_interrupt(struct vcpu *t, uint8_t vector, bool level);
/* On v's own CPU, before it runs or is woken: what other CPUs posted for it goes in. An INIT
 * resets it to wait for a start-up IPI; a start-up IPI to a waiting vCPU makes it runnable,
 * to begin in real mode at vector << 12 (VCPU_WORK_START). */
void vcpu_take_posted(struct vcpu *v);

#endif
