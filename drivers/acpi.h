/*
 * Just enough ACPI to find the processors: follow the RSDP (handed over by the loader) to the
 * XSDT, or the RSDT for ACPI 1.0 firmware, find a table by signature, and read the MADT's
 * local APIC / x2APIC entries. Every structure is checksummed and every length bounds-checked
 * before use, since a firmware bug here must produce an error message rather than a fault or
 * a hang. Tables are read in place through the identity map; nothing is copied or allocated.
 * References are to the ACPI Specification 6.5.
 */
#ifndef BULKHEAD_ACPI_H
#define BULKHEAD_ACPI_H

#include <stdint.h>
#include "param.h"

enum acpi_status {
	ACPI_OK = 0,
	ACPI_NO_RSDP,           /* no RSDP address given */
	ACPI_BAD_RSDP,          /* signature, checksum, extended checksum or length wrong */
	ACPI_BAD_ROOT_TABLE,    /* XSDT/RSDT missing, wrong signature, short, or bad checksum */
	ACPI_NOT_FOUND,         /* the root table lists no table with that signature */
	ACPI_BAD_TABLE,         /* the table exists but fails its checks or is malformed */
};

struct acpi_madt_info {
	unsigned cpu_count;             /* processors enabled or online-capable */
	uint32_t apic_ids[MAX_CPUS];
	unsigned cpus_listed;           /* entries stored in apic_ids; processors beyond
					   MAX_CPUS are counted in cpu_count but not stored */
	uint64_t lapic_base;            /* with the 64-bit override (type 5) applied */
	unsigned ioapic_count;
	int x2apic_entries;             /* number of local x2APIC (type 9) entries seen */
};

/*
 * Finds the table with the given 4-character signature (e.g. "APIC" for the MADT) from the
 * RSDP's physical address. Validates the RSDP checksum (and the extended checksum for
 * revision >= 2), the root table's signature and checksum, and each candidate's length
 * (>= 36) and checksum; the first valid match is returned in *table. ACPI_BAD_TABLE if tables
 * with the signature exist but none is valid.
 */
enum acpi_status acpi_find_table(uint64_t rsdp, const char signature[4], const void **table);

/*
 * Parses a MADT: counts local APIC (type 0) and local x2APIC (type 9) entries whose flags say
 * enabled (bit 0) or online capable (bit 1), I/O APICs (type 1), and applies a local APIC
 * address override (type 5). ACPI_BAD_TABLE for a bad header or checksum or a malformed entry
 * (shorter than its type requires, zero length, or running past the table end); *out then
 * holds what was read before the bad entry.
 */
enum acpi_status acpi_parse_madt(const void *madt, struct acpi_madt_info *out);

const char *acpi_status_string(enum acpi_status s);

#endif
