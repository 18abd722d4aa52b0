/*
 * The speculation barriers of VM entry, shared by vmx/exit_stub.S (which runs them as the last
 * thing before VMRESUME/VMLAUNCH) and vmx/vcpu_switch.c (which decides them at boot). One byte
 * says which are in force, so an entry without any pays a single compare; the per-CPU count
 * of entries that ran them is at a fixed offset of struct percpu (asserted in percpu.h).
 */
#ifndef BULKHEAD_ENTRY_BARRIERS_H
#define BULKHEAD_ENTRY_BARRIERS_H

#define ENTRY_BARRIER_L1D_FLUSH  1      /* IA32_FLUSH_CMD.L1D_FLUSH (L1TF) */
#define ENTRY_BARRIER_VERW       2      /* VERW buffer clearing (MDS, TAA, MMIO, RFDS) */
#define ENTRY_BARRIER_FLUSH_MSR  0x10b  /* IA32_FLUSH_CMD */
#define PERCPU_ENTRY_BARRIERS    0x110  /* offsetof(struct percpu, entry_barriers) */

#endif
