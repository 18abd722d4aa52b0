/*
 * The firmware memory map: reading it (UEFI spec 2.9, 7.2 GetMemoryMap) and translating it into
 * Bulkhead's neutral region types for struct boot_info. The buffer is allocated in advance with
 * room to spare, because the last read must happen right before ExitBootServices with no
 * allocation in between (an allocation changes the map and invalidates its key).
 */
#include "boot/loader.h"
#include "mm/memmap.h"

EFI_STATUS efi_map_alloc(struct efi_map *m)
{
	m->size = 0;
	m->desc = NULL;
	EFI_STATUS st = BS->GetMemoryMap(&m->size, NULL, &m->key, &m->desc_size, &m->desc_version);
	if (st != EFI_BUFFER_TOO_SMALL)
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	/* Our own allocations and the firmware's own bookkeeping add entries later on. */
	m->capacity = m->size + 64 * m->desc_size;
	st = BS->AllocatePool(EfiLoaderData, m->capacity, (void **)&m->desc);
	if (EFI_ERROR(st))
		m->desc = NULL;
	return st;
}

EFI_STATUS efi_map_read(struct efi_map *m)
{
	m->size = m->capacity;
	return BS->GetMemoryMap(&m->size, m->desc, &m->key, &m->desc_size, &m->desc_version);
}

static uint32_t region_type(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiLoaderCode:
	case EfiLoaderData:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiConventionalMemory:
		return MEM_USABLE;          /* ours once boot services are gone */
	case EfiRuntimeServicesCode:
		return MEM_RUNTIME_CODE;
	case EfiRuntimeServicesData:
		return MEM_RUNTIME_DATA;
	case EfiACPIReclaimMemory:
		return MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return MEM_ACPI_NVS;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return MEM_MMIO;
	case EfiUnusableMemory:
		return MEM_UNUSABLE;
	default:
		return MEM_RESERVED;        /* reserved, PAL code, persistent, unknown: hands off */
	}
}

int efi_map_to_regions(const struct efi_map *m, struct mem_region *out, unsigned max)
{
	unsigned n = 0;
	for (UINTN off = 0; off + m->desc_size <= m->size; off += m->desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)((const char *)m->desc + off);
		if (d->NumberOfPages == 0)
			continue;
		/* Merging below keeps real maps far under `max`; refuse rather than drop entries. */
		if (n == max && memmap_normalize(out, &n, max) != 0)
			return -1;
		if (n == max)
			return -1;
		out[n].base = d->PhysicalStart;
		out[n].size = d->NumberOfPages * EFI_PAGE_SIZE;
		out[n].type = region_type(d->Type);
		out[n].reserved = 0;
		n++;
	}
	if (memmap_normalize(out, &n, max) != 0)
		return -1;
	return (int)n;
}
