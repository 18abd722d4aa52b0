/*
 * Building a partition's ACPI tables (see acpi_tables.h). Every table is laid out byte by
 * byte at the offsets of its ACPI 6.5 format table, named below by section; sizes are computed
 * first (the DSDT's AML is generated into a small stack buffer, by the same code that the write
 * pass uses), so a refusal writes nothing. Tables follow each other at 16-byte boundaries:
 * RSDP, XSDT, RSDT, FADT, MADT, DSDT.
 */
#include <stddef.h>
#include <string.h>
#include "vdev/acpi_tables.h"

#define OEM_ID        "BLKHD "        /* 6 bytes */
#define OEM_TABLE_ID  "BULKHEAD"      /* 8 bytes */
#define CREATOR_ID    "BLKH"
#define SDT_HEADER    36              /* 5.2.6 System Description Table Header */

/* 5.2.5.3 RSDP (revision 2: 36 bytes) */
#define RSDP_SIZE     36

/* 5.2.9 FADT, revision 6 (ACPI 6.0 added the hypervisor vendor identity at 268) */
#define FADT_SIZE             276
#define FADT_REVISION         6
#define FADT_MINOR            5       /* ACPI 6.5 */
#define FADT_FIRMWARE_CTRL    36
#define FADT_DSDT             40
#define FADT_PM_PROFILE       45
#define FADT_SCI_INT          46
#define FADT_P_LVL2_LAT       96
#define FADT_P_LVL3_LAT       98
#define FADT_IAPC_BOOT_ARCH   109
#define FADT_FLAGS            112
#define FADT_RESET_REG        116
#define FADT_RESET_VALUE      128
#define FADT_ARM_BOOT_ARCH    129
#define FADT_MINOR_VERSION    131
#define FADT_X_DSDT           140
#define FADT_SLEEP_CONTROL    244
#define FADT_SLEEP_STATUS     256
#define FADT_HYPERVISOR_ID    268

/* Table 5.11 IA-PC Boot Architecture Flags */
#define BOOT_LEGACY_DEVICES   (1u << 0)   /* user-visible ISA/LPC devices (the UARTs) */
#define BOOT_8042             (1u << 1)   /* left clear: no keyboard controller */
#define BOOT_NO_VGA           (1u << 2)
#define BOOT_NO_CMOS_RTC      (1u << 5)

/* Table 5.10 Fixed ACPI Description Table Fixed Feature Flags */
#define FLAG_WBINVD           (1u << 0)   /* "must be set" on new systems */
#define FLAG_PROC_C1          (1u << 2)   /* HLT works on every vCPU */
#define FLAG_PWR_BUTTON       (1u << 4)   /* 1: no fixed-feature power button */
#define FLAG_SLP_BUTTON       (1u << 5)   /* 1: no fixed-feature sleep button */
#define FLAG_RESET_REG_SUP    (1u << 10)
#define FLAG_HEADLESS         (1u << 12)  /* no monitor or keyboard to detect */
#define FLAG_APIC_PHYSICAL    (1u << 19)  /* FORCE_APIC_PHYSICAL_DESTINATION_MODE */
#define FLAG_HW_REDUCED_ACPI  (1u << 20)

/* 5.2.3.2 Generic Address Structure: space 1 = System I/O, access size 1 = byte. */
#define GAS_SIZE              12
#define GAS_SYSTEM_IO         1
#define GAS_ACCESS_BYTE       1

/* 5.2.12 MADT */
#define MADT_REVISION         5           /* ACPI 6.3+; only the Enabled flag is used */
#define MADT_LAPIC_ADDR       36
#define MADT_FLAGS            40
#define MADT_ENTRIES          44
#define MADT_LOCAL_APIC       0           /* 5.2.12.2, 8 bytes */
#define MADT_IO_APIC          1           /* 5.2.12.3, 12 bytes */
#define MADT_LAPIC_NMI        4           /* 5.2.12.7, 6 bytes */
#define MADT_LOCAL_X2APIC     9           /* 5.2.12.12, 16 bytes */
#define MADT_X2APIC_NMI       10          /* 5.2.12.13, 12 bytes */
#define LAPIC_ENABLED         1u
/* MPS INTI flags (Table 5.26): polarity 01 active high, trigger 01 edge. NMIs are edges. */
#define INTI_EDGE_HIGH        0x0005
/* "Logical processors with APIC ID values of 255 and greater must use the Processor Local
 * x2APIC structure"; below that the Processor Local APIC structure, which every OS reads. */
#define X2APIC_ID_MIN         255

#define DSDT_REVISION         2           /* 64-bit AML integers */
#define AML_MAX               256         /* 14 + 2 + 5 + 4 * 47 = 209 bytes at most */

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint64_t align16(uint64_t v) { return (v + 15) & ~15ull; }

static bool plat_valid(const struct acpi_platform *plat)
{
	if (!plat || plat->cpu_count == 0 || plat->cpu_count > ACPI_TABLES_MAX_CPUS ||
	    plat->uart_count > ACPI_TABLES_MAX_UARTS)
		return false;
	if (plat->lapic_addr >= (1ull << 32) || plat->ioapic_addr >= (1ull << 32))
		return false;
	if (!plat->sleep_control_port != !plat->sleep_status_port)
		return false;
	for (unsigned i = 0; i < plat->cpu_count; i++)
		for (unsigned j = i + 1; j < plat->cpu_count; j++)
			if (plat->apic_ids[i] == plat->apic_ids[j])
				return false;
	for (unsigned i = 0; i < plat->uart_count; i++)
		if (plat->uarts[i].irq > 15)
			return false;
	return true;
}

/* ---- AML (chapter 20, "ACPI Machine Language Specification") ----------------------------- */

/* 20.2.4 PkgLength: the length of what follows the opcode, counting the PkgLength bytes
 * themselves. One byte holds up to 63; beyond that the lead byte's top two bits say how many
 * bytes follow, its low nibble is the length's low nibble, and the next bytes the rest. */
static size_t pkg_length(uint8_t *out, size_t body)
{
	if (body + 1 <= 63) {
		out[0] = (uint8_t)(body + 1);
		return 1;
	}
	size_t total = body + 2;                  /* < 4096: two bytes suffice for AML_MAX */
	out[0] = (uint8_t)(0x40 | (total & 0x0f));
	out[1] = (uint8_t)(total >> 4);
	return 2;
}

/* Device (COMn): a 16550 at `port` raising ISA IRQ `irq`. Hardware-reduced ACPI leaves Linux
 * with no legacy PIC, hence no fixed ISA IRQ numbers (acpi_parse_ioapic() gives the I/O APIC
 * a dynamic IRQ domain when nr_legacy_irqs() is 0), so a serial port is only usable with
 * interrupts if the namespace describes it; 8250_pnp then binds PNP0501 and maps the GSI. */
static size_t aml_uart(uint8_t *out, unsigned index, const struct acpi_uart *u)
{
	uint8_t body[64];
	size_t n = 0;
	/* NameSeg "COMn" (20.2.2: four characters, a lead letter then letters/digits/_) */
	body[n++] = 'C';
	body[n++] = 'O';
	body[n++] = 'M';
	body[n++] = (uint8_t)('1' + index);
	/* Name (_HID, EisaId ("PNP0501")): NameOp 0x08, NameSeg, DWordPrefix 0x0c, then the
	 * compressed EISA ID: "PNP" as three 5-bit letters (P=16, N=14, P=16 -> 0x41d0, high
	 * byte first) followed by the product number 0x0501 -> bytes 41 d0 05 01. */
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	memcpy(body + n, hid, sizeof hid);
	n += sizeof hid;
	/* Name (_UID, n): BytePrefix 0x0a then the value; UIDs tell same-_HID devices apart. */
	static const uint8_t uid[] = { 0x08, '_', 'U', 'I', 'D', 0x0a };
	memcpy(body + n, uid, sizeof uid);
	n += sizeof uid;
	body[n++] = (uint8_t)(index + 1);
	/* Name (_CRS, ResourceTemplate () { IO (Decode16, port, port, 1, 8) IRQNoFlags () {irq} })
	 * BufferOp 0x11, PkgLength 0x10 (16 bytes from here on, itself included), BufferSize
	 * (BytePrefix 0x0a, 13), then the resource descriptors (6.4.2):
	 *   0x47 small I/O port descriptor, 7 bytes: info 0x01 (16-bit decode), minimum base,
	 *        maximum base (both `port`), alignment 1, length 8;
	 *   0x22 small IRQ descriptor, 2 bytes: the IRQ mask (bit irq); the 2-byte form means
	 *        edge-triggered, active high, not shared;
	 *   0x79 end tag, checksum 0 ("treated as if the checksum operation succeeded"). */
	uint16_t mask = (uint16_t)(1u << u->irq);
	const uint8_t crs[] = {
		0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
		0x47, 0x01, (uint8_t)u->port, (uint8_t)(u->port >> 8), (uint8_t)u->port,
		(uint8_t)(u->port >> 8), 0x01, 0x08,
		0x22, (uint8_t)mask, (uint8_t)(mask >> 8),
		0x79, 0x00,
	};
	memcpy(body + n, crs, sizeof crs);
	n += sizeof crs;
	/* DeviceOp is ExtOpPrefix 0x5b then 0x82, then PkgLength and the body. */
	size_t m = 0;
	out[m++] = 0x5b;
	out[m++] = 0x82;
	m += pkg_length(out + m, n);
	memcpy(out + m, body, n);
	return m + n;
}

/* The DSDT's definition block body (after the 36-byte header). */
static size_t aml_build(const struct acpi_platform *plat, uint8_t out[AML_MAX])
{
	size_t n = 0;
	/* Name (\_S5, Package () { 5, 5, 0, 0 }) (7.4.2 "\_Sx (System States)": SLP_TYPa,
	 * SLP_TYPb, two reserved):
	 *   08          NameOp
	 *   5f 53 35 5f NameSeg "_S5_" (a trailing '_' pads names shorter than four)
	 *   12          PackageOp
	 *   08          PkgLength: 8 bytes from here to the end of the package
	 *   04          NumElements
	 *   0a 05       BytePrefix 5: SLP_TYPa = ACPI_SLP_TYP_S5
	 *   0a 05       BytePrefix 5: SLP_TYPb (unused: there is no PM1b)
	 *   00 00       ZeroOp, ZeroOp: the reserved elements
	 * Scope: the DSDT's top level is the root, so this is \_S5. */
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				      0x0a, ACPI_SLP_TYP_S5, 0x0a, ACPI_SLP_TYP_S5, 0x00, 0x00 };
	memcpy(out + n, s5, sizeof s5);
	n += sizeof s5;

	if (plat->uart_count) {
		/* Scope (\_SB) { devices }: ScopeOp 0x10, PkgLength, NameString "\_SB_" (RootChar
		 * 0x5c then the NameSeg), then the devices. */
		uint8_t devs[AML_MAX];
		size_t d = 0;
		for (unsigned i = 0; i < plat->uart_count; i++)
			d += aml_uart(devs + d, i, &plat->uarts[i]);
		static const uint8_t sb[] = { 0x5c, '_', 'S', 'B', '_' };
		out[n++] = 0x10;
		n += pkg_length(out + n, sizeof sb + d);
		memcpy(out + n, sb, sizeof sb);
		n += sizeof sb;
		memcpy(out + n, devs, d);
		n += d;
	}
	return n;
}

/* ---- layout ------------------------------------------------------------------------------- */

struct layout {
	uint64_t rsdp, xsdt, rsdt, fadt, madt, dsdt, end;   /* offsets from base_gpa */
	uint32_t madt_len, dsdt_len;
	bool x2apic;                                        /* any CPU needs a type 9 entry */
};

static void plan(const struct acpi_platform *plat, struct layout *l)
{
	uint8_t aml[AML_MAX];
	l->x2apic = false;
	l->madt_len = MADT_ENTRIES + 12 + 6;                /* I/O APIC, local APIC NMI */
	for (unsigned i = 0; i < plat->cpu_count; i++) {
		if (plat->apic_ids[i] >= X2APIC_ID_MIN) {
			l->madt_len += 16;
			l->x2apic = true;
		} else {
			l->madt_len += 8;
		}
	}
	if (l->x2apic)
		l->madt_len += 12;                          /* local x2APIC NMI */
	l->dsdt_len = (uint32_t)(SDT_HEADER + aml_build(plat, aml));
	l->rsdp = 0;
	l->xsdt = align16(RSDP_SIZE);
	l->rsdt = align16(l->xsdt + SDT_HEADER + 2 * 8);
	l->fadt = align16(l->rsdt + SDT_HEADER + 2 * 4);
	l->madt = align16(l->fadt + FADT_SIZE);
	l->dsdt = align16(l->madt + l->madt_len);
	l->end = l->dsdt + l->dsdt_len;
}

uint64_t acpi_tables_size(const struct acpi_platform *plat)
{
	if (!plat_valid(plat))
		return 0;
	struct layout l;
	plan(plat, &l);
	return l.end;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* 5.2.5.3 / 5.2.6: a structure is valid when its bytes sum to 0 modulo 256. */
static void set_checksum(uint8_t *t, size_t len, size_t at)
{
	uint8_t sum = 0;
	t[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + t[i]);
	t[at] = (uint8_t)(0x100 - sum);
}

/* 5.2.6: signature 0, length 4, revision 8, checksum 9, OEM ID 10, OEM table ID 16, OEM
 * revision 24, creator ID 28, creator revision 32. */
static void sdt_header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, CREATOR_ID, 4);
	put32(t + 32, 1);
}

/* An 8-bit System I/O register; port 0 leaves the structure zero ("not supported"). */
static void gas_io8(uint8_t *g, uint16_t port)
{
	if (!port)
		return;
	g[0] = GAS_SYSTEM_IO;
	g[1] = 8;                                   /* register bit width */
	g[2] = 0;                                   /* bit offset */
	g[3] = GAS_ACCESS_BYTE;
	put64(g + 4, port);
}

static void write_fadt(uint8_t *t, const struct acpi_platform *plat, uint64_t dsdt)
{
	sdt_header(t, "FACP", FADT_SIZE, FADT_REVISION);
	/* No FACS: "If the HARDWARE_REDUCED_ACPI flag is set, and both this field and the
	 * X_FIRMWARE_CTRL field are zero, there is no FACS available." */
	put32(t + FADT_FIRMWARE_CTRL, 0);
	/* Both DSDT pointers, equal: 32-bit-only readers use the first, and ACPICA warns only
	 * when the two differ. */
	put32(t + FADT_DSDT, (uint32_t)dsdt);
	put64(t + FADT_X_DSDT, dsdt);
	t[FADT_PM_PROFILE] = 0;                     /* unspecified */
	put16(t + FADT_SCI_INT, plat->sci_irq);
	/* SMI_CMD, PM1/PM2/PM timer/GPE blocks and their lengths stay 0: ignored on HW-reduced
	 * platforms, and there is no SMM to switch into ACPI mode. */
	put16(t + FADT_P_LVL2_LAT, 101);            /* > 100: no C2 */
	put16(t + FADT_P_LVL3_LAT, 1001);           /* > 1000: no C3 */
	/* CENTURY stays 0: the RTC's century register is not promised. */
	uint16_t boot = BOOT_NO_VGA;
	if (!plat->cmos_rtc)
		boot |= BOOT_NO_CMOS_RTC;
	if (plat->uart_count || plat->cmos_rtc)
		boot |= BOOT_LEGACY_DEVICES;
	put16(t + FADT_IAPC_BOOT_ARCH, boot);
	/* FORCE_APIC_PHYSICAL_DESTINATION_MODE: Linux then picks its physflat (xAPIC) or
	 * x2apic_phys driver, so the virtual APIC never has to model logical (flat or cluster)
	 * destinations. */
	uint32_t flags = FLAG_WBINVD | FLAG_PROC_C1 | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON |
			 FLAG_HEADLESS | FLAG_APIC_PHYSICAL | FLAG_HW_REDUCED_ACPI;
	if (plat->reset_port)
		flags |= FLAG_RESET_REG_SUP;
	put32(t + FADT_FLAGS, flags);
	gas_io8(t + FADT_RESET_REG, plat->reset_port);
	t[FADT_RESET_VALUE] = plat->reset_port ? plat->reset_value : 0;
	put16(t + FADT_ARM_BOOT_ARCH, 0);
	t[FADT_MINOR_VERSION] = FADT_MINOR;
	gas_io8(t + FADT_SLEEP_CONTROL, plat->sleep_control_port);
	gas_io8(t + FADT_SLEEP_STATUS, plat->sleep_status_port);
	memcpy(t + FADT_HYPERVISOR_ID, "Bulkhead", 8);
	set_checksum(t, FADT_SIZE, 9);
}

static void write_madt(uint8_t *t, const struct acpi_platform *plat, const struct layout *l)
{
	sdt_header(t, "APIC", l->madt_len, MADT_REVISION);
	put32(t + MADT_LAPIC_ADDR, (uint32_t)plat->lapic_addr);
	/* PCAT_COMPAT (bit 0) clear: there are no 8259s to mask. */
	put32(t + MADT_FLAGS, 0);
	uint8_t *e = t + MADT_ENTRIES;
	for (unsigned i = 0; i < plat->cpu_count; i++) {
		uint32_t id = plat->apic_ids[i];
		if (id < X2APIC_ID_MIN) {
			/* type, length, ACPI processor UID, APIC ID, flags */
			e[0] = MADT_LOCAL_APIC;
			e[1] = 8;
			e[2] = (uint8_t)i;
			e[3] = (uint8_t)id;
			put32(e + 4, LAPIC_ENABLED);
			e += 8;
		} else {
			/* type, length, reserved (2), x2APIC ID, flags, ACPI processor UID */
			e[0] = MADT_LOCAL_X2APIC;
			e[1] = 16;
			put16(e + 2, 0);
			put32(e + 4, id);
			put32(e + 8, LAPIC_ENABLED);
			put32(e + 12, i);
			e += 16;
		}
	}
	/* type, length, I/O APIC ID, reserved, address, GSI base. No interrupt source
	 * overrides: every ISA IRQ the partition has is wired to the pin of its number,
	 * edge-triggered and active high, which is what no override means. */
	e[0] = MADT_IO_APIC;
	e[1] = 12;
	e[2] = plat->ioapic_id;
	e[3] = 0;
	put32(e + 4, (uint32_t)plat->ioapic_addr);
	put32(e + 8, plat->ioapic_gsi_base);
	e += 12;
	/* NMI on LINT1 of every processor (UID 0xff / 0xffffffff = all), as on a PC. */
	e[0] = MADT_LAPIC_NMI;
	e[1] = 6;
	e[2] = 0xff;
	put16(e + 3, INTI_EDGE_HIGH);
	e[5] = 1;
	e += 6;
	if (l->x2apic) {
		e[0] = MADT_X2APIC_NMI;
		e[1] = 12;
		put16(e + 2, INTI_EDGE_HIGH);
		put32(e + 4, 0xffffffff);
		e[8] = 1;
		e += 12;
	}
	set_checksum(t, l->madt_len, 9);
}

int acpi_tables_build(uint8_t *ram, uint64_t ram_size, uint64_t base_gpa, uint64_t max_len,
		      const struct acpi_platform *plat, uint64_t *rsdp_gpa)
{
	if (!plat_valid(plat) || base_gpa % 16)
		return -1;
	struct layout l;
	plan(plat, &l);
	if (l.end > max_len || base_gpa > ram_size || l.end > ram_size - base_gpa ||
	    base_gpa + l.end > (1ull << 32))
		return -1;

	/* Everything checked: from here on nothing can fail. */
	uint8_t *b = ram + base_gpa;
	memset(b, 0, (size_t)l.end);

	uint8_t *dsdt = b + l.dsdt;
	sdt_header(dsdt, "DSDT", l.dsdt_len, DSDT_REVISION);
	aml_build(plat, dsdt + SDT_HEADER);
	set_checksum(dsdt, l.dsdt_len, 9);

	write_fadt(b + l.fadt, plat, base_gpa + l.dsdt);
	write_madt(b + l.madt, plat, &l);

	/* 5.2.8 XSDT and 5.2.7 RSDT: the same two tables, 64- and 32-bit pointers. */
	uint8_t *x = b + l.xsdt, *r = b + l.rsdt;
	sdt_header(x, "XSDT", SDT_HEADER + 16, 1);
	put64(x + SDT_HEADER, base_gpa + l.fadt);
	put64(x + SDT_HEADER + 8, base_gpa + l.madt);
	set_checksum(x, SDT_HEADER + 16, 9);
	sdt_header(r, "RSDT", SDT_HEADER + 8, 1);
	put32(r + SDT_HEADER, (uint32_t)(base_gpa + l.fadt));
	put32(r + SDT_HEADER + 4, (uint32_t)(base_gpa + l.madt));
	set_checksum(r, SDT_HEADER + 8, 9);

	/* 5.2.5.3: signature 0, checksum 8 (first 20 bytes), OEM ID 9, revision 15, RSDT
	 * address 16, length 20, XSDT address 24, extended checksum 32 (all 36 bytes). */
	uint8_t *p = b + l.rsdp;
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, OEM_ID, 6);
	p[15] = 2;
	put32(p + 16, (uint32_t)(base_gpa + l.rsdt));
	put32(p + 20, RSDP_SIZE);
	put64(p + 24, base_gpa + l.xsdt);
	set_checksum(p, 20, 8);
	set_checksum(p, RSDP_SIZE, 32);

	*rsdp_gpa = base_gpa + l.rsdp;
	return 0;
}
