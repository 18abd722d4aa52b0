/*
 * Building the kernel's page tables (see kernel_map.h). Order matters: the broad identity map
 * goes first with large pages, then narrower rules are laid over it (pt_map splits large pages
 * as needed): runtime-services code made executable, the kernel image's alias made read-only,
 * page 0 removed. NX needs EFER.NXE (Intel SDM Vol. 3A, 4.1.4) and supervisor writes honour
 * read-only pages only with CR0.WP set (4.6.1).
 */
#include <string.h>
#include "kernel/x86.h"
#include "mm/kernel_map.h"
#include "mm/paging.h"

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __kernel_end[];

uint64_t *kernel_zeroed_page(void *frame_alloc)
{
	uint64_t pa = frame_alloc_alloc(frame_alloc, 4096, 4096);
	if (!pa)
		return NULL;
	memset((void *)pa, 0, 4096);     /* identity-mapped: physical == virtual */
	return (uint64_t *)pa;
}

int kernel_map_build_and_load(const struct boot_info *bi, struct frame_alloc *pool,
			      struct kernel_map_stats *st)
{
	struct pt_ctx ctx = { .alloc_table = kernel_zeroed_page, .arg = pool,
			      .allow_1g = (cpuid(0x80000001, 0).edx >> 26) & 1 };
	uint64_t *pml4 = kernel_zeroed_page(pool);
	if (!pml4)
		return -1;
	ctx.tables_allocated = 1;

	/* Everything the kernel may touch: RAM, ACPI, runtime services, and MMIO below 4 GiB
	 * (local APIC, I/O APIC...) which the firmware map often does not list. */
	uint64_t top = 1ull << 32;
	for (unsigned i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type != MEM_RESERVED && bi->mem[i].base + bi->mem[i].size > top)
			top = bi->mem[i].base + bi->mem[i].size;
	top = (top + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	int bad = pt_map(&ctx, pml4, 0, 0, top, PTE_W | PTE_NX);

	/* UEFI runtime drivers keep code and data in their code regions: RWX, theirs not ours. */
	for (unsigned i = 0; !bad && i < bi->mem_count; i++)
		if (bi->mem[i].type == MEM_RUNTIME_CODE)
			bad = pt_map(&ctx, pml4, bi->mem[i].base, bi->mem[i].base, bi->mem[i].size, PTE_W);

	/* No writable alias of the kernel image: text and rodata stay immutable. */
	if (!bad)
		bad = pt_map(&ctx, pml4, bi->hv_base, bi->hv_base, bi->kernel_size, PTE_NX);
	if (!bad)
		bad = pt_unmap(&ctx, pml4, 0, 4096);

	/* The image itself, W^X by section (linker.ld aligns each to 4 KiB). */
	uint64_t phys_of_base = bi->hv_base;
#define KMAP(start, end, flags) \
	(bad = bad ? bad : pt_map(&ctx, pml4, (uint64_t)(start), \
		phys_of_base + ((uint64_t)(start) - KERNEL_VIRT_BASE), \
		(uint64_t)(end) - (uint64_t)(start), (flags)))
	KMAP(__text_start, __text_end, 0);                       /* R X */
	KMAP(__rodata_start, __rodata_end, PTE_NX);              /* R   */
	KMAP(__data_start, __kernel_end, PTE_W | PTE_NX);        /* R W */
#undef KMAP
	if (bad)
		return -1;

	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr3((uint64_t)pml4);
	st->tables = ctx.tables_allocated;
	st->identity_top = top;
	return 0;
}
