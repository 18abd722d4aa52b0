/*
 * phys_window: one 2 MiB mapping in PML4 slot 128 (virtual 0x400000000000, far above any
 * identity-mapped RAM), added to the page tables the hypervisor built. The new PDPT and page
 * directory live in the image, which is identity-mapped, so their virtual and physical
 * addresses agree.
 */
#include <stdint.h>
#include "lib/guestrt/cpu.h"
#include "phys_window.h"

#define WINDOW_VA    0x0000400000000000ull
#define PTE_PRESENT  0x1ull
#define PTE_WRITE    0x2ull
#define PTE_LARGE    0x80ull
#define PTE_ADDR     0x000ffffffffff000ull
#define PAGE_2M      0x200000ull

static uint64_t window_pdpt[512] __attribute__((aligned(4096)));
static uint64_t window_pd[512] __attribute__((aligned(4096)));

volatile uint8_t *phys_window(uint64_t gpa)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & PTE_ADDR);
	pml4[(WINDOW_VA >> 39) & 511] = (uint64_t)window_pdpt | PTE_PRESENT | PTE_WRITE;
	window_pdpt[(WINDOW_VA >> 30) & 511] = (uint64_t)window_pd | PTE_PRESENT | PTE_WRITE;
	window_pd[(WINDOW_VA >> 21) & 511] = (gpa & ~(PAGE_2M - 1) & PTE_ADDR) | PTE_PRESENT |
	                                     PTE_WRITE | PTE_LARGE;
	invlpg(WINDOW_VA);
	return (volatile uint8_t *)(WINDOW_VA + (gpa & (PAGE_2M - 1)));
}
