/*
 * The jump from the loader to the kernel. Assembly is unavoidable for the three things C cannot
 * do: load CR3 with the boot page tables (which identity-map all RAM, so this very code stays
 * mapped across the switch), pass boot_info in RDI per the SysV ABI, and never return.
 * Interrupts are already off: the firmware's IDT is not ours to keep.
 */
#include "boot/loader.h"

__attribute__((noreturn)) void handoff_jump(UINT64 cr3, UINT64 entry, UINT64 boot_info)
{
	__asm__ volatile("cli\n\t"
			 "mov %0, %%cr3\n\t"
			 "mov %2, %%rdi\n\t"
			 "jmp *%1"
			 : : "r"(cr3), "r"(entry), "r"(boot_info) : "rdi", "memory");
	__builtin_unreachable();
}
