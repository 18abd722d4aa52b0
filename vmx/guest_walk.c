/*
 * Guest page walk (see guest_walk.h). The paging mode follows from CR0.PG, CR4.PAE,
 * IA32_EFER.LME and CR4.LA57 (SDM Vol. 3A 4.1.1, "Four Paging Modes", Table 4-1): PG = 0 no
 * paging; PAE = 0 32-bit paging; LME = 0 PAE paging; otherwise 4-level, or 5-level with LA57.
 * Each level takes 9 bits of the address (10 for 32-bit paging, whose entries are 4 bytes, and
 * 2 for PAE's four PDPTEs), and bit 7 (PS) of an entry maps a large page at the levels where
 * the SDM defines it; elsewhere it is reserved, would have faulted the guest, and is not
 * looked at. Physical addresses in entries are bits 51:12 at most (bits above MAXPHYADDR are
 * reserved, and 63:52 hold NX, protection keys and software bits).
 */
#include "vmx/guest_walk.h"

#define CR0_PG          (1ull << 31)
#define CR4_PSE         (1ull << 4)
#define CR4_PAE         (1ull << 5)
#define CR4_LA57        (1ull << 12)
#define EFER_LME        (1ull << 8)

#define ENTRY_P         1ull
#define ENTRY_PS        (1ull << 7)
#define ADDR_51_12      0x000ffffffffff000ull
#define PAGE_SIZE       4096u

/* 32-bit paging entries are 4 bytes: read the aligned 8 containing one and take its half
 * (little-endian), so the callback only ever sees aligned 8-byte reads inside the table. */
static int read32(guest_read64_fn read, void *ctx, uint64_t gpa, uint64_t *value)
{
	uint64_t v;
	if (read(ctx, gpa & ~7ull, &v))
		return -1;
	*value = (gpa & 4) ? v >> 32 : v & 0xffffffffull;
	return 0;
}

/* SDM 4.3, "32-Bit Paging": CR3 bits 31:12 locate the page directory; a PDE with PS = 1 maps
 * a 4 MiB page if CR4.PSE = 1 (PS is ignored otherwise: Table 4-6), whose address bits 39:32
 * come from PDE bits 20:13 (PSE-36). */
static int walk_32bit(const struct guest_paging *pg, uint32_t la, guest_read64_fn read,
		      void *ctx, uint64_t *gpa)
{
	uint64_t pde, pte;
	if (read32(read, ctx, (pg->cr3 & 0xfffff000u) + (la >> 22) * 4, &pde) || !(pde & ENTRY_P))
		return -1;
	if ((pde & ENTRY_PS) && (pg->cr4 & CR4_PSE)) {
		*gpa = (pde & 0xffc00000u) | (((pde >> 13) & 0xff) << 32) | (la & 0x3fffff);
		return 0;
	}
	if (read32(read, ctx, (pde & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4, &pte) ||
	    !(pte & ENTRY_P))
		return -1;
	*gpa = (pte & 0xfffff000u) | (la & 0xfff);
	return 0;
}

/* SDM 4.4, "PAE Paging": CR3 bits 31:5 locate four PDPTEs (4.4.1, "PDPTE Registers"), which
 * the processor holds in registers rather than re-reading; then a page directory whose PS = 1
 * entries map 2 MiB pages, then page tables. */
static int walk_pae(const struct guest_paging *pg, uint32_t la, guest_read64_fn read,
		    void *ctx, uint64_t *gpa)
{
	uint64_t pdpte, pde, pte;
	if (pg->pdptes)
		pdpte = pg->pdptes[la >> 30];
	else if (read(ctx, (pg->cr3 & 0xffffffe0u) + (la >> 30) * 8, &pdpte))
		return -1;
	if (!(pdpte & ENTRY_P))
		return -1;
	if (read(ctx, (pdpte & ADDR_51_12) + ((la >> 21) & 511) * 8, &pde) || !(pde & ENTRY_P))
		return -1;
	if (pde & ENTRY_PS) {
		*gpa = (pde & ADDR_51_12 & ~0x1fffffull) | (la & 0x1fffff);
		return 0;
	}
	if (read(ctx, (pde & ADDR_51_12) + ((la >> 12) & 511) * 8, &pte) || !(pte & ENTRY_P))
		return -1;
	*gpa = (pte & ADDR_51_12) | (la & 0xfff);
	return 0;
}

/* SDM 4.5, "4-Level Paging and 5-Level Paging": CR3 bits 51:12 locate the top table (bits 11:0
 * are PCID or flags, and LAM's bits 62:61 lie above 51); PS = 1 maps a 1 GiB page in a PDPTE
 * (level 3) and a 2 MiB page in a PDE (level 2). The address must be canonical: bits 63:47
 * (63:56 with five levels) all equal, else the processor raises #GP before any walk. */
static int walk_long(const struct guest_paging *pg, uint64_t la, guest_read64_fn read,
		     void *ctx, uint64_t *gpa)
{
	unsigned levels = (pg->cr4 & CR4_LA57) ? 5 : 4;
	unsigned width = 12 + 9 * levels;
	uint64_t top = la >> (width - 1);
	if (top != 0 && top != (~0ull >> (width - 1)))
		return -1;
	uint64_t table = pg->cr3 & ADDR_51_12;
	for (unsigned level = levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e;
		if (read(ctx, table + ((la >> shift) & 511) * 8, &e) || !(e & ENTRY_P))
			return -1;
		if (level == 1 || ((level == 2 || level == 3) && (e & ENTRY_PS))) {
			uint64_t offset = (1ull << shift) - 1;
			*gpa = (e & ADDR_51_12 & ~offset) | (la & offset);
			return 0;
		}
		table = e & ADDR_51_12;
	}
	return -1;      /* not reached: level 1 always returns */
}

int guest_virt_to_phys(const struct guest_paging *pg, uint64_t gva, guest_read64_fn read,
		       void *ctx, uint64_t *gpa)
{
	if (!(pg->cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffull;
		return 0;
	}
	if (!(pg->cr4 & CR4_PAE))
		return walk_32bit(pg, (uint32_t)gva, read, ctx, gpa);
	if (!(pg->efer & EFER_LME))
		return walk_pae(pg, (uint32_t)gva, read, ctx, gpa);
	return walk_long(pg, gva, read, ctx, gpa);
}

/* The walk's 8-byte reads go through the caller's byte reader. */
struct byte_reader {
	guest_read_fn read;
	void *ctx;
};

static int read64_via_bytes(void *ctx, uint64_t gpa, uint64_t *value)
{
	const struct byte_reader *r = ctx;
	uint8_t b[8];
	if (r->read(r->ctx, gpa, b, sizeof(b)))
		return -1;
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	*value = v;
	return 0;
}

size_t guest_copy_virt(const struct guest_paging *pg, uint64_t gva, void *out, size_t n,
		       guest_read_fn read, void *ctx)
{
	struct byte_reader r = { read, ctx };
	uint8_t *dst = out;
	size_t done = 0;
	while (done < n) {
		uint64_t va = gva + done, gpa;
		if (guest_virt_to_phys(pg, va, read64_via_bytes, &r, &gpa))
			break;
		/* Pages are at least 4 KiB and aligned, so va and gpa share their offset in
		 * one, and the chunk stays inside a single guest-physical page. */
		size_t chunk = PAGE_SIZE - (size_t)(va & (PAGE_SIZE - 1));
		if (chunk > n - done)
			chunk = n - done;
		if (read(ctx, gpa, dst + done, chunk))
			break;
		done += chunk;
	}
	return done;
}
