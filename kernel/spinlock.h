/*
 * A spinlock for the few things CPUs share on purpose: the log ring and the serial wire
 * (kernel/log.c). Interrupts are always off in hypervisor code, so holding it cannot be
 * interrupted by anything but an NMI or a fault; the fault path (an exception dump taken while
 * this CPU holds the lock) may enter again, so the lock remembers its holder and lets the same
 * CPU through instead of deadlocking on itself. Nothing on the common VM-exit path takes a lock.
 */
#ifndef BULKHEAD_SPINLOCK_H
#define BULKHEAD_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	volatile uint32_t locked;
	volatile uint32_t holder;         /* APIC ID + 1 of the CPU holding it, 0 when free */
};

/* Returns false when the calling CPU already held it (then spin_unlock must not be called). */
static inline bool spin_lock(struct spinlock *l, uint32_t me)
{
	if (l->locked && l->holder == me + 1)
		return false;
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			__asm__ volatile("pause");
	l->holder = me + 1;
	return true;
}

static inline void spin_unlock(struct spinlock *l)
{
	l->holder = 0;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
