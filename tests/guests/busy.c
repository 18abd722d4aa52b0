/*
 * busy guest: a partition that owns a CPU (tests/configs/shell.cfg gives it CPU 1 outright)
 * and never leaves it of its own accord. It prints one line with its memory size, then spins
 * forever on a 64-bit LCG with interrupts off: no hypercall, no I/O, no HLT, so every VM exit
 * it sees is the hypervisor's doing. The shell test measures those (exits per second of CPU
 * time: an owned CPU has no time slice, so there should be none) and stops it from the boot
 * CPU, which only works if the hypervisor kicks that CPU out of the guest with an NMI.
 */
#include "runtime/guest.h"

int guest_main(const struct start_info *si)
{
	cprintf("busy: '%s' has %llu MiB and spins with interrupts off\n", si->name,
		(unsigned long long)(si->memory_size >> 20));
	uint64_t x = 1;
	__asm__ volatile("cli");
	for (;;) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ volatile("" : "+r"(x));
	}
	return 0;
}
