/*
 * Unit tests for vdev/acpi_tables.c. The tables are built into a 1 MiB "partition" at 0xe0000
 * and read back at the byte offsets of the ACPI 6.5 format tables (independently of the
 * builder's constants): checksums and lengths, every FADT field the guest relies on, the
 * DSDT's AML byte for byte, the MADT's entries. They are also parsed by the hypervisor's own
 * reader, drivers/acpi.c: acpi_parse_madt() on the MADT in place, and acpi_find_table() from
 * the RSDP after copying the tables to a host mapping at their guest-physical addresses (so the
 * pointers inside them are followed for real; skipped if that address cannot be mapped).
 * Refusals must leave RAM, filled with a canary, untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "vdev/acpi_tables.h"
#include "drivers/acpi.h"

#define RAM_SIZE  (1ull << 20)
#define BASE      0xe0000ull
#define WINDOW    0x20000ull
#define CANARY    0xa5

static uint8_t *ram;

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static struct acpi_platform default_platform(void)
{
	struct acpi_platform p;
	memset(&p, 0, sizeof p);
	p.cpu_count = 4;
	for (unsigned i = 0; i < 4; i++)
		p.apic_ids[i] = i;
	p.lapic_addr = 0xfee00000;
	p.ioapic_addr = 0xfec00000;
	p.ioapic_id = 4;
	p.ioapic_gsi_base = 0;
	p.sleep_control_port = ACPI_SUGGESTED_SLEEP_CONTROL_PORT;
	p.sleep_status_port = ACPI_SUGGESTED_SLEEP_STATUS_PORT;
	p.reset_port = ACPI_SUGGESTED_RESET_PORT;
	p.reset_value = ACPI_SUGGESTED_RESET_VALUE;
	p.sci_irq = 9;
	p.cmos_rtc = false;
	p.uart_count = 1;
	p.uarts[0] = (struct acpi_uart){ 0x3f8, 4 };
	return p;
}

static uint64_t build(const struct acpi_platform *p)
{
	memset(ram, CANARY, RAM_SIZE);
	uint64_t rsdp = 0;
	assert_int_equal(acpi_tables_build(ram, RAM_SIZE, BASE, WINDOW, p, &rsdp), 0);
	assert_int_equal(rsdp, BASE);
	return rsdp;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* A table the tests reach through the root tables: checked header, returned in place. */
static const uint8_t *table_at(uint64_t gpa, const char sig[4])
{
	assert_true(gpa >= BASE && gpa + 36 <= BASE + WINDOW);
	const uint8_t *t = ram + gpa;
	assert_memory_equal(t, sig, 4);
	uint32_t len = get32(t + 4);
	assert_true(len >= 36 && gpa + len <= BASE + WINDOW);
	assert_int_equal(sum(t, len), 0);
	assert_memory_equal(t + 10, "BLKHD ", 6);
	assert_memory_equal(t + 16, "BULKHEAD", 8);
	return t;
}

struct tables { const uint8_t *rsdp, *xsdt, *rsdt, *fadt, *madt, *dsdt; };

static struct tables find_tables(uint64_t rsdp)
{
	struct tables t;
	t.rsdp = ram + rsdp;
	/* 5.2.5.3: "RSD PTR ", checksum over 20 bytes, revision 2, length 36, extended
	 * checksum over all of it. */
	assert_memory_equal(t.rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(t.rsdp, 20), 0);
	assert_int_equal(t.rsdp[15], 2);
	assert_int_equal(get32(t.rsdp + 20), 36);
	assert_int_equal(sum(t.rsdp, 36), 0);
	assert_memory_equal(t.rsdp + 9, "BLKHD ", 6);
	t.xsdt = table_at(get64(t.rsdp + 24), "XSDT");
	t.rsdt = table_at(get32(t.rsdp + 16), "RSDT");
	assert_int_equal(get32(t.xsdt + 4), 36 + 16);
	assert_int_equal(get32(t.rsdt + 4), 36 + 8);
	t.fadt = table_at(get64(t.xsdt + 36), "FACP");
	t.madt = table_at(get64(t.xsdt + 44), "APIC");
	/* The RSDT lists the same tables. */
	assert_int_equal(get32(t.rsdt + 36), get64(t.xsdt + 36));
	assert_int_equal(get32(t.rsdt + 40), get64(t.xsdt + 44));
	t.dsdt = table_at(get64(t.fadt + 140), "DSDT");
	return t;
}

/* ---- structure and checksums -------------------------------------------------------------- */

static void tables_are_found_and_checksummed(void **state)
{
	(void)state;
	struct acpi_platform p = default_platform();
	uint64_t rsdp = build(&p);
	struct tables t = find_tables(rsdp);
	/* Every table starts on a 16-byte boundary inside [BASE, BASE + size). */
	uint64_t size = acpi_tables_size(&p);
	assert_true(size > 0 && size < 0x1000);
	const uint8_t *all[] = { t.rsdp, t.xsdt, t.rsdt, t.fadt, t.madt, t.dsdt };
	for (unsigned i = 0; i < 6; i++) {
		uint64_t gpa = (uint64_t)(all[i] - ram);
		assert_int_equal(gpa % 16, 0);
		assert_true(gpa >= BASE);
		uint64_t len = i == 0 ? 36 : get32(all[i] + 4);
		assert_true(gpa + len <= BASE + size);
		for (unsigned j = i + 1; j < 6; j++) {
			uint64_t g2 = (uint64_t)(all[j] - ram);
			uint64_t l2 = get32(all[j] + 4);
			assert_false(gpa < g2 + l2 && g2 < gpa + len);
		}
	}
	/* Nothing written outside [BASE, BASE + size). */
	for (uint64_t i = 0; i < RAM_SIZE; i++)
		if ((i < BASE || i >= BASE + size) && ram[i] != CANARY)
			fail_msg("byte %#llx outside the tables was written", (unsigned long long)i);
}

/* The hypervisor's own ACPI reader, following the real pointers. */
static void drivers_acpi_reads_them(void **state)
{
	(void)state;
	struct acpi_platform p = default_platform();
	uint64_t rsdp = build(&p);
	struct tables t = find_tables(rsdp);

	struct acpi_madt_info info;
	assert_int_equal(acpi_parse_madt(t.madt, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.cpus_listed, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(info.apic_ids[i], i);
	assert_int_equal(info.lapic_base, 0xfee00000);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.x2apic_entries, 0);

	uint8_t *win = mmap((void *)(uintptr_t)BASE, WINDOW, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (win == MAP_FAILED || win != (uint8_t *)(uintptr_t)BASE) {
		if (win != MAP_FAILED)
			munmap(win, WINDOW);
		print_message("    (cannot map %#llx here: acpi_find_table part skipped)\n",
			      (unsigned long long)BASE);
		return;
	}
	memcpy(win, ram + BASE, WINDOW);
	const void *found;
	assert_int_equal(acpi_find_table(BASE, "APIC", &found), ACPI_OK);
	assert_ptr_equal(found, win + (t.madt - (ram + BASE)));
	assert_int_equal(acpi_parse_madt(found, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(acpi_find_table(BASE, "FACP", &found), ACPI_OK);
	assert_int_equal(acpi_find_table(BASE, "HPET", &found), ACPI_NOT_FOUND);
	munmap(win, WINDOW);
}

/* ---- FADT ---------------------------------------------------------------------------------- */

static void gas_is_io8(const uint8_t *g, uint16_t port)
{
	assert_int_equal(g[0], 1);                  /* System I/O */
	assert_int_equal(g[1], 8);                  /* bit width */
	assert_int_equal(g[2], 0);                  /* bit offset */
	assert_int_equal(g[3], 1);                  /* byte access */
	assert_int_equal(get64(g + 4), port);
}

static void fadt_fields(void **state)
{
	(void)state;
	struct acpi_platform p = default_platform();
	struct tables t = find_tables(build(&p));
	const uint8_t *f = t.fadt;
	assert_int_equal(get32(f + 4), 276);
	assert_int_equal(f[8], 6);                                  /* revision */
	assert_int_equal(f[131], 5);                                /* minor version */
	assert_int_equal(get32(f + 36), 0);                         /* FIRMWARE_CTRL: no FACS */
	assert_int_equal(get64(f + 132), 0);                        /* X_FIRMWARE_CTRL */
	assert_int_equal(get32(f + 40), (uint64_t)(t.dsdt - ram));  /* DSDT */
	assert_int_equal(get64(f + 140), (uint64_t)(t.dsdt - ram)); /* X_DSDT */
	assert_int_equal(get16(f + 46), 9);                         /* SCI_INT */
	for (unsigned i = 48; i < 96; i++)                          /* SMI_CMD .. GPE lengths */
		assert_int_equal(f[i], 0);
	assert_int_equal(get16(f + 96), 101);                       /* no C2 */
	assert_int_equal(get16(f + 98), 1001);                      /* no C3 */
	assert_int_equal(f[108], 0);                                /* CENTURY */

	/* IAPC_BOOT_ARCH (109): bit 0 legacy devices (the UART), bit 1 8042 clear, bit 2 VGA
	 * not present, bit 3 MSI not supported clear, bit 5 CMOS RTC not present. */
	uint16_t boot = get16(f + 109);
	assert_int_equal(boot, (1u << 0) | (1u << 2) | (1u << 5));
	assert_false(boot & (1u << 1));
	assert_false(boot & (1u << 3));

	/* Flags (112): WBINVD 0, PROC_C1 2, PWR_BUTTON 4, SLP_BUTTON 5, RESET_REG_SUP 10,
	 * HEADLESS 12, FORCE_APIC_PHYSICAL_DESTINATION_MODE 19, HW_REDUCED_ACPI 20. */
	uint32_t flags = get32(f + 112);
	assert_true(flags & (1u << 20));
	assert_true(flags & (1u << 10));
	assert_int_equal(flags, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 10) |
				(1u << 12) | (1u << 19) | (1u << 20));

	gas_is_io8(f + 116, 0xcf9);                                 /* RESET_REG */
	assert_int_equal(f[128], 0x06);                             /* RESET_VALUE */
	assert_int_equal(get16(f + 129), 0);                        /* ARM_BOOT_ARCH */
	for (unsigned i = 148; i < 244; i++)                        /* X_PM1a_EVT .. X_GPE1 */
		assert_int_equal(f[i], 0);
	gas_is_io8(f + 244, 0x604);                                 /* SLEEP_CONTROL_REG */
	gas_is_io8(f + 256, 0x600);                                 /* SLEEP_STATUS_REG */
	assert_memory_equal(f + 268, "Bulkhead", 8);                /* hypervisor vendor */
	assert_int_equal(ACPI_SLEEP_CONTROL_S5, 0x34);
}

static void optional_registers_and_rtc(void **state)
{
	(void)state;
	struct acpi_platform p = default_platform();
	p.reset_port = 0;
	p.sleep_control_port = p.sleep_status_port = 0;
	p.cmos_rtc = true;
	p.uart_count = 0;
	struct tables t = find_tables(build(&p));
	const uint8_t *f = t.fadt;
	assert_false(get32(f + 112) & (1u << 10));                  /* no RESET_REG_SUP */
	for (unsigned i = 116; i < 129; i++)                        /* RESET_REG and value */
		assert_int_equal(f[i], 0);
	for (unsigned i = 244; i < 268; i++)                        /* no sleep registers */
		assert_int_equal(f[i], 0);
	assert_int_equal(get16(f + 109), (1u << 0) | (1u << 2));    /* RTC present */
	p.cmos_rtc = false;
	t = find_tables(build(&p));
	assert_int_equal(get16(t.fadt + 109), (1u << 2) | (1u << 5)); /* nothing legacy */
}

/* ---- DSDT ---------------------------------------------------------------------------------- */

static const uint8_t aml_s5[] = {
	0x08, 0x5f, 0x53, 0x35, 0x5f,             /* Name (_S5_ */
	0x12, 0x08, 0x04,                         /*   Package, 8 bytes, 4 elements */
	0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,       /*   { 5, 5, Zero, Zero }) */
};

/* Device (COMn) for port/irq, UID n, as hand-assembled from the AML grammar; iasl emits
 * the same but for OneOp in place of "BytePrefix 1" in _UID. */
static size_t aml_com(uint8_t *out, unsigned n, uint16_t port, uint8_t irq)
{
	const uint8_t dev[] = {
		0x5b, 0x82, 0x2c, 'C', 'O', 'M', (uint8_t)('0' + n),    /* Device, 44 bytes */
		0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01, /* EisaId ("PNP0501") */
		0x08, '_', 'U', 'I', 'D', 0x0a, (uint8_t)n,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,       /* Buffer (13) */
		0x47, 0x01, (uint8_t)port, (uint8_t)(port >> 8), (uint8_t)port,
		(uint8_t)(port >> 8), 0x01, 0x08,                        /* IO (Decode16 ...) */
		0x22, (uint8_t)(1u << irq), (uint8_t)((1u << irq) >> 8), /* IRQNoFlags */
		0x79, 0x00,                                              /* EndTag */
	};
	memcpy(out, dev, sizeof dev);
	return sizeof dev;
}

static void dsdt_aml(void **state)
{
	(void)state;
	struct acpi_platform p = default_platform();

	/* One UART: \_S5 then Scope (\_SB) { Device (COM1) }, the scope's PkgLength in one byte. */
	struct tables t = find_tables(build(&p));
	uint8_t want[512];
	size_t n = 0;
	memcpy(want + n, aml_s5, sizeof aml_s5);
	n += sizeof aml_s5;
	want[n++] = 0x10;                                           /* Scope */
	want[n++] = 0x34;                                           /* 52 bytes */
	memcpy(want + n, "\x5c_SB_", 5);
	n += 5;
	n += aml_com(want + n, 1, 0x3f8, 4);
	assert_int_equal(t.dsdt[8], 2);                             /* revision: 64-bit ints */
	assert_int_equal(get32(t.dsdt + 4), 36 + n);
	assert_memory_equal(t.dsdt + 36, want, n);

	/* No UARTs: only \_S5. */
	p.uart_count = 0;
	t = find_tables(build(&p));
	assert_int_equal(get32(t.dsdt + 4), 36 + sizeof aml_s5);
	assert_memory_equal(t.dsdt + 36, aml_s5, sizeof aml_s5);

	/* Four UARTs: the scope needs the two-byte PkgLength (5 + 4 * 46 + 2 = 191 = 0xbf:
	 * lead byte 0x40 | 0xf, then 0xbf >> 4). */
	p.uart_count = 4;
	p.uarts[0] = (struct acpi_uart){ 0x3f8, 4 };
	p.uarts[1] = (struct acpi_uart){ 0x2f8, 3 };
	p.uarts[2] = (struct acpi_uart){ 0x3e8, 4 };
	p.uarts[3] = (struct acpi_uart){ 0x2e8, 11 };
	t = find_tables(build(&p));
	n = 0;
	memcpy(want + n, aml_s5, sizeof aml_s5);
	n += sizeof aml_s5;
	want[n++] = 0x10;
	want[n++] = 0x4f;
	want[n++] = 0x0b;
	memcpy(want + n, "\x5c_SB_", 5);
	n += 5;
	for (unsigned i = 0; i < 4; i++)
		n += aml_com(want + n, i + 1, p.uarts[i].port, p.uarts[i].irq);
	assert_int_equal(get32(t.dsdt + 4), 36 + n);
	assert_memory_equal(t.dsdt + 36, want, n);
}

/* ---- MADT ---------------------------------------------------------------------------------- */

static void madt_entries(void **state)
{
	(void)state;
	struct acpi_platform p = default_platform();
	p.apic_ids[0] = 0;
	p.apic_ids[1] = 2;
	p.apic_ids[2] = 4;
	p.apic_ids[3] = 6;
	p.ioapic_id = 8;
	struct tables t = find_tables(build(&p));
	const uint8_t *m = t.madt;
	assert_int_equal(get32(m + 36), 0xfee00000);
	assert_int_equal(get32(m + 40), 0);                         /* PCAT_COMPAT clear */
	assert_int_equal(get32(m + 4), 44 + 4 * 8 + 12 + 6);
	const uint8_t *e = m + 44;
	for (unsigned i = 0; i < 4; i++, e += 8) {
		assert_int_equal(e[0], 0);                          /* Processor Local APIC */
		assert_int_equal(e[1], 8);
		assert_int_equal(e[2], i);                          /* ACPI processor UID */
		assert_int_equal(e[3], 2 * i);                      /* APIC ID */
		assert_int_equal(get32(e + 4), 1);                  /* Enabled */
	}
	assert_int_equal(e[0], 1);                                  /* I/O APIC */
	assert_int_equal(e[1], 12);
	assert_int_equal(e[2], 8);
	assert_int_equal(get32(e + 4), 0xfec00000);
	assert_int_equal(get32(e + 8), 0);                          /* GSI base */
	e += 12;
	assert_int_equal(e[0], 4);                                  /* Local APIC NMI */
	assert_int_equal(e[1], 6);
	assert_int_equal(e[2], 0xff);                               /* all processors */
	assert_int_equal(get16(e + 3), 0x0005);                     /* edge, active high */
	assert_int_equal(e[5], 1);                                  /* LINT1 */
	assert_ptr_equal(e + 6, m + get32(m + 4));
}

static void madt_x2apic_ids(void **state)
{
	(void)state;
	struct acpi_platform p = default_platform();
	uint32_t ids[] = { 0, 254, 255, 300, 1 };
	p.cpu_count = 5;
	memcpy(p.apic_ids, ids, sizeof ids);
	struct tables t = find_tables(build(&p));
	const uint8_t *m = t.madt;
	assert_int_equal(get32(m + 4), 44 + 3 * 8 + 2 * 16 + 12 + 6 + 12);
	const uint8_t *e = m + 44;
	for (unsigned i = 0; i < 5; i++) {
		if (ids[i] < 255) {
			assert_int_equal(e[0], 0);
			assert_int_equal(e[2], i);
			assert_int_equal(e[3], ids[i]);
			e += 8;
		} else {
			assert_int_equal(e[0], 9);                  /* Processor Local x2APIC */
			assert_int_equal(e[1], 16);
			assert_int_equal(get32(e + 4), ids[i]);
			assert_int_equal(get32(e + 8), 1);
			assert_int_equal(get32(e + 12), i);         /* UID, distinct from type 0's */
			e += 16;
		}
	}
	e += 12 + 6;                                                /* I/O APIC, LAPIC NMI */
	assert_int_equal(e[0], 10);                                 /* Local x2APIC NMI */
	assert_int_equal(e[1], 12);
	assert_int_equal(get16(e + 2), 0x0005);
	assert_int_equal(get32(e + 4), 0xffffffff);
	assert_int_equal(e[8], 1);

	struct acpi_madt_info info;
	assert_int_equal(acpi_parse_madt(m, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, 5);
	assert_int_equal(info.x2apic_entries, 2);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(info.apic_ids[i], ids[i]);
}

static void most_cpus(void **state)
{
	(void)state;
	struct acpi_platform p = default_platform();
	p.cpu_count = ACPI_TABLES_MAX_CPUS;
	for (unsigned i = 0; i < p.cpu_count; i++)
		p.apic_ids[i] = i * 4;                              /* up to 252: all type 0 */
	p.ioapic_id = 0xfe;
	struct tables t = find_tables(build(&p));
	struct acpi_madt_info info;
	assert_int_equal(acpi_parse_madt(t.madt, &info), ACPI_OK);
	assert_int_equal(info.cpu_count, ACPI_TABLES_MAX_CPUS);
	assert_int_equal(info.apic_ids[63], 252);
}

/* ---- refusals ------------------------------------------------------------------------------ */

static void expect_refused(uint64_t ram_size, uint64_t base, uint64_t max_len,
			   const struct acpi_platform *p)
{
	memset(ram, CANARY, RAM_SIZE);
	uint64_t rsdp = 0x1234;
	assert_int_equal(acpi_tables_build(ram, ram_size, base, max_len, p, &rsdp), -1);
	assert_int_equal(rsdp, 0x1234);
	for (uint64_t i = 0; i < RAM_SIZE; i++)
		if (ram[i] != CANARY)
			fail_msg("byte %#llx written by a refused build", (unsigned long long)i);
}

static void refuses_small_or_misplaced_windows(void **state)
{
	(void)state;
	struct acpi_platform p = default_platform();
	uint64_t size = acpi_tables_size(&p);
	uint64_t rsdp;
	expect_refused(RAM_SIZE, BASE, size - 1, &p);
	expect_refused(RAM_SIZE, BASE, 0, &p);
	memset(ram, CANARY, RAM_SIZE);
	assert_int_equal(acpi_tables_build(ram, RAM_SIZE, BASE, size, &p, &rsdp), 0);
	expect_refused(RAM_SIZE, BASE + 8, WINDOW, &p);             /* not 16-byte aligned */
	expect_refused(RAM_SIZE, RAM_SIZE, WINDOW, &p);             /* outside RAM */
	expect_refused(RAM_SIZE, (RAM_SIZE - size + 16) & ~15ull, WINDOW, &p); /* past the end */
	expect_refused(RAM_SIZE, ~0ull & ~15ull, WINDOW, &p);
	/* Past 4 GiB (never written: refused before any write). */
	expect_refused(8ull << 30, (1ull << 32) - 16, WINDOW, &p);
	memset(ram, CANARY, RAM_SIZE);
	assert_int_equal(acpi_tables_build(ram, RAM_SIZE, RAM_SIZE - ((size + 15) & ~15ull),
					   WINDOW, &p, &rsdp), 0);  /* flush with RAM's end */
}

static void refuses_bad_platforms(void **state)
{
	(void)state;
	struct acpi_platform p;
	assert_int_equal(acpi_tables_size(NULL), 0);
	expect_refused(RAM_SIZE, BASE, WINDOW, NULL);
	p = default_platform();
	p.cpu_count = 0;
	assert_int_equal(acpi_tables_size(&p), 0);
	expect_refused(RAM_SIZE, BASE, WINDOW, &p);
	p.cpu_count = ACPI_TABLES_MAX_CPUS + 1;
	expect_refused(RAM_SIZE, BASE, WINDOW, &p);
	p = default_platform();
	p.apic_ids[3] = 1;                                          /* duplicate */
	assert_int_equal(acpi_tables_size(&p), 0);
	expect_refused(RAM_SIZE, BASE, WINDOW, &p);
	p = default_platform();
	p.lapic_addr = 1ull << 32;
	expect_refused(RAM_SIZE, BASE, WINDOW, &p);
	p = default_platform();
	p.ioapic_addr = 1ull << 32;
	expect_refused(RAM_SIZE, BASE, WINDOW, &p);
	p = default_platform();
	p.sleep_status_port = 0;                                    /* half a pair */
	expect_refused(RAM_SIZE, BASE, WINDOW, &p);
	p = default_platform();
	p.uart_count = ACPI_TABLES_MAX_UARTS + 1;
	expect_refused(RAM_SIZE, BASE, WINDOW, &p);
	p = default_platform();
	p.uarts[0].irq = 16;
	expect_refused(RAM_SIZE, BASE, WINDOW, &p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_are_found_and_checksummed),
		cmocka_unit_test(drivers_acpi_reads_them),
		cmocka_unit_test(fadt_fields),
		cmocka_unit_test(optional_registers_and_rtc),
		cmocka_unit_test(dsdt_aml),
		cmocka_unit_test(madt_entries),
		cmocka_unit_test(madt_x2apic_ids),
		cmocka_unit_test(most_cpus),
		cmocka_unit_test(refuses_small_or_misplaced_windows),
		cmocka_unit_test(refuses_bad_platforms),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
