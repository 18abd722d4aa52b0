/*
 * ACPI table discovery and MADT parsing (see acpi.h). The layouts below follow the ACPI
 * Specification 6.5, chapter 5.2; each is packed because ACPI tables have no alignment
 * guarantees (XSDT entries are 8-byte addresses at offset 36), and each size is pinned with a
 * _Static_assert. Firmware data is treated as untrusted: nothing is dereferenced beyond a
 * length that has not been checked against the enclosing structure.
 */
#include <stddef.h>
#include <string.h>
#include "drivers/acpi.h"

/* 5.2.5.3: Root System Description Pointer. Revision 0 (ACPI 1.0) has only the first 20
 * bytes; revision 2 and later add length, XSDT address and an extended checksum. */
struct acpi_rsdp {
	char     signature[8];          /* "RSD PTR " */
	uint8_t  checksum;              /* first 20 bytes sum to 0 */
	char     oem_id[6];
	uint8_t  revision;
	uint32_t rsdt_address;
	uint32_t length;                /* revision >= 2 from here on */
	uint64_t xsdt_address;
	uint8_t  extended_checksum;     /* all `length` bytes sum to 0 */
	uint8_t  reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout (ACPI 5.2.5.3)");
#define RSDP_V1_SIZE 20u

/* 5.2.6: System Description Table Header, common to the RSDT, XSDT, MADT and the rest. */
struct acpi_sdt_header {
	char     signature[4];
	uint32_t length;                /* whole table, header included */
	uint8_t  revision;
	uint8_t  checksum;              /* whole table sums to 0 */
	char     oem_id[6];
	char     oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header layout (ACPI 5.2.6)");

/* 5.2.12: Multiple APIC Description Table; interrupt controller structures follow. */
struct acpi_madt {
	struct acpi_sdt_header h;       /* signature "APIC" */
	uint32_t lapic_address;         /* 32-bit local APIC base, unless overridden (type 5) */
	uint32_t flags;                 /* bit 0: PC-AT compatible 8259s present */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT layout (ACPI 5.2.12)");

struct madt_entry {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));

enum {
	MADT_LOCAL_APIC = 0,
	MADT_IO_APIC = 1,
	MADT_LAPIC_OVERRIDE = 5,
	MADT_LOCAL_X2APIC = 9,
};

/* 5.2.12.2: Processor Local APIC structure. */
struct madt_local_apic {
	struct madt_entry e;            /* type 0, length 8 */
	uint8_t  processor_uid;
	uint8_t  apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_local_apic) == 8, "MADT type 0 (ACPI 5.2.12.2)");

/* 5.2.12.3: I/O APIC structure. */
struct madt_io_apic {
	struct madt_entry e;            /* type 1, length 12 */
	uint8_t  io_apic_id;
	uint8_t  reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_io_apic) == 12, "MADT type 1 (ACPI 5.2.12.3)");

/* 5.2.12.8: Local APIC Address Override structure. */
struct madt_lapic_override {
	struct madt_entry e;            /* type 5, length 12 */
	uint16_t reserved;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_lapic_override) == 12, "MADT type 5 (ACPI 5.2.12.8)");

/* 5.2.12.12: Processor Local x2APIC structure. */
struct madt_local_x2apic {
	struct madt_entry e;            /* type 9, length 16 */
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t processor_uid;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_local_x2apic) == 16, "MADT type 9 (ACPI 5.2.12.12)");

/* Local APIC flags (5.2.12.2), shared by the x2APIC structure: a processor is usable if it
 * is enabled now, or online capable (ACPI 6.3+: disabled at boot but may be brought up). */
#define LAPIC_ENABLED         (1u << 0)
#define LAPIC_ONLINE_CAPABLE  (1u << 1)

/* Upper bounds on lengths taken from firmware. Real tables are far smaller; the cap stops a
 * corrupted length from sending the checksum loop through gigabytes of (possibly unmapped)
 * memory. The RSDP has grown once (20 -> 36 bytes) and could again, so allow some slack. */
#define ACPI_MAX_TABLE_LEN  (16u << 20)
#define ACPI_MAX_RSDP_LEN   4096u

static const void *phys_ptr(uint64_t pa)
{
	return (const void *)(uintptr_t)pa;   /* identity-mapped */
}

/* 5.2.5.3 / 5.2.6: a structure is valid when all its bytes sum to 0 modulo 256. */
static uint8_t byte_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

static int table_valid(const struct acpi_sdt_header *h)
{
	return h->length >= sizeof(struct acpi_sdt_header) && h->length <= ACPI_MAX_TABLE_LEN &&
	       byte_sum(h, h->length) == 0;
}

enum acpi_status acpi_find_table(uint64_t rsdp, const char signature[4], const void **table)
{
	*table = NULL;
	if (rsdp == 0)
		return ACPI_NO_RSDP;

	const struct acpi_rsdp *r = phys_ptr(rsdp);
	if (memcmp(r->signature, "RSD PTR ", 8) != 0 || byte_sum(r, RSDP_V1_SIZE) != 0)
		return ACPI_BAD_RSDP;

	/* Revision 2+ points at the XSDT (64-bit entries, 5.2.8); ACPI 1.0 only has the RSDT
	 * (32-bit entries, 5.2.7). A 2+ RSDP without an XSDT address falls back to the RSDT. */
	uint64_t root = r->rsdt_address;
	size_t entry_size = 4;
	const char *root_sig = "RSDT";
	if (r->revision >= 2) {
		if (r->length < sizeof *r || r->length > ACPI_MAX_RSDP_LEN ||
		    byte_sum(r, r->length) != 0)
			return ACPI_BAD_RSDP;
		if (r->xsdt_address != 0) {
			root = r->xsdt_address;
			entry_size = 8;
			root_sig = "XSDT";
		}
	}
	if (root == 0)
		return ACPI_BAD_ROOT_TABLE;

	const struct acpi_sdt_header *rt = phys_ptr(root);
	if (memcmp(rt->signature, root_sig, 4) != 0 || !table_valid(rt))
		return ACPI_BAD_ROOT_TABLE;

	const uint8_t *entries = (const uint8_t *)rt + sizeof *rt;
	size_t count = (rt->length - sizeof *rt) / entry_size;
	int saw_bad = 0;
	for (size_t i = 0; i < count; i++) {
		uint64_t addr = 0;
		if (entry_size == 8) {
			memcpy(&addr, entries + i * 8, 8);      /* unaligned in the XSDT */
		} else {
			uint32_t a32;
			memcpy(&a32, entries + i * 4, 4);
			addr = a32;
		}
		if (addr == 0)
			continue;
		const struct acpi_sdt_header *t = phys_ptr(addr);
		if (memcmp(t->signature, signature, 4) != 0)
			continue;
		if (!table_valid(t)) {
			/* keep looking: firmware sometimes lists a stale copy before the real one */
			saw_bad = 1;
			continue;
		}
		*table = t;
		return ACPI_OK;
	}
	return saw_bad ? ACPI_BAD_TABLE : ACPI_NOT_FOUND;
}

/* Records one usable processor. An APIC ID already stored is not counted twice: the spec
 * wants IDs below 255 in type 0 entries and the rest in type 9 entries, but a firmware that
 * lists a processor in both must not make us believe in a CPU that is not there. */
static void add_cpu(struct acpi_madt_info *out, uint32_t apic_id)
{
	for (unsigned i = 0; i < out->cpus_listed; i++)
		if (out->apic_ids[i] == apic_id)
			return;
	if (out->cpus_listed < MAX_CPUS)
		out->apic_ids[out->cpus_listed++] = apic_id;
	out->cpu_count++;
}

enum acpi_status acpi_parse_madt(const void *madt, struct acpi_madt_info *out)
{
	memset(out, 0, sizeof *out);
	if (!madt)
		return ACPI_BAD_TABLE;
	const struct acpi_madt *m = madt;
	if (memcmp(m->h.signature, "APIC", 4) != 0 || !table_valid(&m->h) ||
	    m->h.length < sizeof *m)
		return ACPI_BAD_TABLE;

	out->lapic_base = m->lapic_address;
	const uint8_t *base = madt;
	uint32_t len = m->h.length;
	uint32_t off = sizeof *m;
	enum acpi_status st = ACPI_OK;
	int have_override = 0;
	uint64_t override = 0;

	/* Each entry states its own length (5.2.12): step by it, but only after checking it is
	 * at least the entry header (a 0 would never advance), no shorter than its type needs,
	 * and inside the table. */
	while (off < len) {
		if (len - off < sizeof(struct madt_entry)) {
			st = ACPI_BAD_TABLE;
			break;
		}
		const struct madt_entry *e = (const void *)(base + off);
		if (e->length < sizeof *e || e->length > len - off) {
			st = ACPI_BAD_TABLE;
			break;
		}
		size_t need = 0;
		switch (e->type) {
		case MADT_LOCAL_APIC:     need = sizeof(struct madt_local_apic); break;
		case MADT_IO_APIC:        need = sizeof(struct madt_io_apic); break;
		case MADT_LAPIC_OVERRIDE: need = sizeof(struct madt_lapic_override); break;
		case MADT_LOCAL_X2APIC:   need = sizeof(struct madt_local_x2apic); break;
		default:                  break;    /* other types: skipped by their length */
		}
		if (e->length < need) {
			st = ACPI_BAD_TABLE;
			break;
		}
		switch (e->type) {
		case MADT_LOCAL_APIC: {
			const struct madt_local_apic *la = (const void *)e;
			if (la->flags & (LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE))
				add_cpu(out, la->apic_id);
			break;
		}
		case MADT_IO_APIC:
			out->ioapic_count++;
			break;
		case MADT_LAPIC_OVERRIDE: {
			/* 5.2.12.8: when present, used instead of the header's 32-bit address */
			const struct madt_lapic_override *o = (const void *)e;
			override = o->address;
			have_override = 1;
			break;
		}
		case MADT_LOCAL_X2APIC: {
			const struct madt_local_x2apic *x = (const void *)e;
			out->x2apic_entries++;
			if (x->flags & (LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE))
				add_cpu(out, x->x2apic_id);
			break;
		}
		default:
			break;
		}
		off += e->length;
	}
	if (have_override)
		out->lapic_base = override;
	return st;
}

const char *acpi_status_string(enum acpi_status s)
{
	switch (s) {
	case ACPI_OK:             return "ok";
	case ACPI_NO_RSDP:        return "no RSDP";
	case ACPI_BAD_RSDP:       return "bad RSDP";
	case ACPI_BAD_ROOT_TABLE: return "bad XSDT/RSDT";
	case ACPI_NOT_FOUND:      return "table not found";
	case ACPI_BAD_TABLE:      return "bad table";
	}
	return "unknown ACPI status";
}
