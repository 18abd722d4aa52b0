/*
 * Building an ELF guest's boot area (see guest_boot.h). Descriptor formats: Intel SDM Vol. 3A
 * 3.4.5 (code/data; L=1 for 64-bit code) and 8.2.3 (64-bit TSS, type 0xB = busy, as VM entry
 * requires for TR, SDM 26.3.1.2); paging structures: 4.5 (PS=1 in a PDE maps 2 MiB).
 */
#include <string.h>
#include "kernel/guest_boot.h"

#define PTE_PRESENT_WRITE 0x3ull
#define PDE_2M            0x83ull     /* present, writable, page size */

int guest_boot_build(uint8_t *ram, uint64_t ram_size, const struct start_info *si,
		     const char *cmdline)
{
	if (ram_size == 0 || ram_size % (2ull << 20) || ram_size > GUEST_BOOT_MAX_MEMORY)
		return -1;

	uint64_t *gdt = (uint64_t *)(ram + GUEST_GDT_GPA);
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffull;   /* code: present, DPL0, exec/read, accessed, L=1, G=1 */
	gdt[2] = 0x00cf93000000ffffull;   /* data: present, DPL0, read/write, accessed */
	uint64_t tss = GUEST_TSS_GPA, limit = 0x67;
	gdt[3] = limit | ((tss & 0xffffff) << 16) | (0x8bull << 40) | ((tss >> 24 & 0xff) << 56);
	gdt[4] = tss >> 32;

	memcpy(ram + START_INFO_GPA, si, sizeof *si);
	struct start_info *placed = (struct start_info *)(ram + START_INFO_GPA);
	size_t len = cmdline ? strlen(cmdline) : 0;
	if (len > 4095)
		len = 4095;
	memcpy(ram + GUEST_CMDLINE_GPA, cmdline ? cmdline : "", len);
	ram[GUEST_CMDLINE_GPA + len] = 0;
	placed->cmdline_gpa = GUEST_CMDLINE_GPA;
	placed->cmdline_len = (uint32_t)len;

	uint64_t *pml4 = (uint64_t *)(ram + GUEST_PAGE_TABLE_GPA);
	uint64_t *pdpt = (uint64_t *)(ram + GUEST_PAGE_TABLE_GPA + 0x1000);
	uint64_t pd_gpa = GUEST_PAGE_TABLE_GPA + 0x2000;
	pml4[0] = (GUEST_PAGE_TABLE_GPA + 0x1000) | PTE_PRESENT_WRITE;
	for (uint64_t addr = 0; addr < ram_size; addr += 2ull << 20) {
		uint64_t gib = addr >> 30, entry = (addr >> 21) & 511;
		uint64_t *pd = (uint64_t *)(ram + pd_gpa + gib * 0x1000);
		if (entry == 0)
			pdpt[gib] = (pd_gpa + gib * 0x1000) | PTE_PRESENT_WRITE;
		pd[entry] = addr | PDE_2M;
	}
	return 0;
}
