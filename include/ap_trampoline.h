/*
 * The application processors' start-up area: where its pieces sit, shared by the assembly that
 * runs there (kernel/ap_trampoline.S), the kernel code that fills it (kernel/smp.c) and the
 * loader that reserves it below 1 MiB (a start-up IPI names an 8-bit page number, SDM Vol. 3A
 * 9.4.4 "MP Initialization Example"). Four pages: the code with its GDT and parameters, then a
 * temporary PML4, PDPT and page directory that map the first 2 MiB (this code) and the kernel's
 * high half, enough for an AP to reach the kernel's own page tables.
 */
#ifndef BULKHEAD_AP_TRAMPOLINE_H
#define BULKHEAD_AP_TRAMPOLINE_H

#define AP_TRAMPOLINE_SIZE      0x4000

#define AP_TRAMP_GDT            0xe00    /* 32-bit code 0x08, data 0x10, 64-bit code 0x18 */
#define AP_TRAMP_GDTR           0xf00    /* limit16, base32 */
#define AP_TRAMP_PM_JUMP        0xf08    /* offset32, selector16: into 32-bit code */
#define AP_TRAMP_LM_JUMP        0xf10    /* offset32, selector16: into 64-bit code */
#define AP_TRAMP_TEMP_CR3       0xf18    /* 32-bit: the temporary PML4 below */
#define AP_TRAMP_KERNEL_ENTRY   0xf20    /* 64-bit: ap_entry in kernel/entry.S */
#define AP_TRAMP_KERNEL_CR3     0xf28    /* 64-bit: the kernel's page tables */
#define AP_TRAMP_STACK          0xf30    /* 64-bit: top of this AP's boot stack */
#define AP_TRAMP_PERCPU         0xf38    /* 64-bit: this AP's struct percpu */
#define AP_TRAMP_PML4           0x1000
#define AP_TRAMP_PDPT           0x2000
#define AP_TRAMP_PD             0x3000

#define AP_TRAMP_SEL_CODE32     0x08
#define AP_TRAMP_SEL_DATA       0x10
#define AP_TRAMP_SEL_CODE64     0x18

#endif
