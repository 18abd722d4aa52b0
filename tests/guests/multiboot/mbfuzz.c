/*
 * A hostile Multiboot kernel: for a fixed number of rounds it throws random port I/O (single
 * and REP INS/OUTS of random lengths), random MSR reads and writes (the x2APIC range, the
 * platform's MSRs, the whole low and high MSR ranges), random MMIO to the I/O APIC, the xAPIC
 * page and addresses above its RAM, random I/O APIC programming and random local APIC timer
 * settings (down to a periodic timer of one count) at the virtual platform, after a volley of
 * INIT, start-up, NMI and fixed IPIs at every other APIC there could be, with interrupts
 * off so that nothing it provokes is ever taken. A #GP (a refused MSR) is skipped by its own
 * handler. It leaves alone only what would end it early: the power-off and reset ports, EFER
 * and the UART's transmit register (so the console stays readable). Then it says how many
 * operations it survived and powers its partition off. The suite checks that it got there,
 * that the hypervisor and the partition beside it carried on, and that nothing crashed.
 */
#include <stdint.h>

#define UART 0x3f8
#define ROUNDS 6000

extern void gp_entry(void);
extern void other_entry(void);
static uint64_t seed = 0x9e3779b97f4a7c15ull;
static uint8_t buffer[8192];
static volatile uint32_t gp_count;

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }

static uint32_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint32_t)(seed >> 16);
}

static void putc_uart(char c)
{
	for (int i = 0; i < 100000 && !(inb(UART + 5) & 0x20); i++)
		;
	outb(UART, (uint8_t)c);
}

static void puts_uart(const char *s)
{
	while (*s)
		putc_uart(*s++);
}

static void put_dec(uint32_t v)
{
	char b[11];
	int i = 10;
	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_uart(b + i);
}

/* Ports that would end the test early rather than probe anything. */
static int spared(uint16_t port)
{
	return port == UART || port == 0x600 || port == 0x601 || port == 0xcf9 || port == 0x64;
}

static uint16_t random_port(void)
{
	static const uint16_t near[] = { 0x20, 0x21, 0x40, 0x43, 0x61, 0x70, 0x71, 0x80, 0xa0,
					 0xa1, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,
					 0xcf8, 0xcfc, 0xcfd, 0xcfe, 0xcff, 0x2f8, 0x3e8, 0x60 };
	uint16_t p = (rnd() & 1) ? near[rnd() % (sizeof near / sizeof near[0])] : (uint16_t)rnd();
	return spared(p) ? 0x80 : p;
}

static void port_op(void)
{
	uint16_t port = random_port();
	uint32_t v = rnd();
	switch (rnd() % 8) {
	case 0: outb(port, (uint8_t)v); break;
	case 1: outw(port, (uint16_t)v); break;
	case 2: outl(port, v); break;
	case 3: (void)inb(port); break;
	case 4: (void)inw(port); break;
	case 5: (void)inl(port); break;
	case 6: {
		uint32_t n = rnd() % 2048, off = rnd() % 4096;
		void *dst = buffer + off;
		__asm__ volatile("cld; rep insb" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
		break;
	}
	default: {
		uint32_t n = rnd() % 2048, off = rnd() % 4096;
		const void *src = buffer + off;
		__asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(n) : "d"(port) : "memory");
		break;
	}
	}
}

static uint32_t random_msr(void)
{
	switch (rnd() % 5) {
	case 0: return 0x800 + rnd() % 0x100;            /* x2APIC */
	case 1: { static const uint32_t m[] = { 0x1b, 0x6e0, 0x2ff, 0xfe, 0x11, 0x12, 0x3b,
						0x8b, 0x10, 0x48, 0x49, 0x10b, 0x1d9, 0x277,
						0x4b564d00, 0x4b564d01, 0x3a, 0x480 };
		  return m[rnd() % (sizeof m / sizeof m[0])]; }
	case 2: return rnd() % 0x2000;
	case 3: return 0xc0000000u + rnd() % 0x2000;
	default: return rnd();
	}
}

static void msr_op(void)
{
	uint32_t msr = random_msr();
	if (msr == 0xc0000080u)
		return;                               /* EFER: would break this kernel's own mode */
	uint32_t lo = rnd(), hi = (rnd() & 3) ? 0 : rnd();
	if (rnd() & 1)
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	else
		__asm__ volatile("wrmsr" : : "a"(lo), "d"(hi), "c"(msr));
}

/* MOVs of each size at a device address (the forms the platform decodes). */
static void mmio_op(void)
{
	uint32_t base;
	switch (rnd() % 3) {
	case 0: base = 0xfec00000u; break;
	case 1: base = 0xfee00000u; break;
	default: base = 0x40000000u + (rnd() & 0x3ffffff0u); break;   /* above this partition */
	}
	volatile uint8_t *p = (volatile uint8_t *)(base + (rnd() % 0x40));
	uint32_t v = rnd();
	switch (rnd() % 6) {
	case 0: *(volatile uint32_t *)p = v; break;
	case 1: (void)*(volatile uint32_t *)p; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
	case 3: (void)*(volatile uint16_t *)p; break;
	case 4: *p = (uint8_t)v; break;
	default: (void)*p; break;
	}
}

/* The I/O APIC through its window, and the local APIC's timer: random but well-formed. */
static void irq_op(void)
{
	volatile uint32_t *sel = (volatile uint32_t *)0xfec00000u, *win = (volatile uint32_t *)0xfec00010u;
	uint32_t msr_lo;
	switch (rnd() % 3) {
	case 0:
		*sel = 0x10 + rnd() % 48;
		*win = rnd();
		break;
	case 1:   /* timer: periodic, one-shot or TSC-deadline, any vector, tiny counts */
		msr_lo = (rnd() & 0x600ff) | 0x20;
		__asm__ volatile("wrmsr" : : "a"(msr_lo), "d"(0), "c"(0x832));
		__asm__ volatile("wrmsr" : : "a"(rnd() % 4), "d"(0), "c"(0x838));
		break;
	default:
		__asm__ volatile("wrmsr" : : "a"(rnd()), "d"(0), "c"(0x6e0));
		break;
	}
}

static uint32_t gp_count_now(void) { return gp_count; }

/* Every kind of IPI a kernel could use to reach another CPU (INIT, start-up, NMI, fixed), at
 * every x2APIC ID, by the all-but-self and all shorthands and by logical broadcast. This
 * partition has one vCPU (x2APIC ID 0), so none of them has anywhere to go: the hypervisor
 * must drop and count every one, and no physical CPU may see any. Returns how many the ICR
 * took (a write refused with #GP sends nothing). */
static uint32_t send_ipis(void)
{
	static const uint32_t kinds[] = {
		0x4500,          /* INIT, level assert */
		0x4610,          /* start-up, vector 0x10 (code at 0x10000) */
		0x4400,          /* NMI */
		0x4040,          /* fixed, vector 0x40 */
	};
	uint32_t tried = 0, refused_before = gp_count_now();
	for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		/* A fixed IPI to itself is an ordinary self-IPI, not an escape attempt. */
		for (uint32_t id = (kinds[k] & 0x700) ? 0 : 1; id < 256; id++, tried++)
			__asm__ volatile("wrmsr" : : "a"(kinds[k]), "d"(id), "c"(0x830));
		__asm__ volatile("wrmsr" : : "a"(kinds[k] | 0xc0000), "d"(0), "c"(0x830));
		__asm__ volatile("wrmsr" : : "a"(kinds[k] | 0x80000), "d"(0), "c"(0x830));
		__asm__ volatile("wrmsr" : : "a"(kinds[k] | 0x800), "d"(0xffffffffu), "c"(0x830));
		tried += 3;
	}
	return tried - (gp_count_now() - refused_before);
}

/* Its own GDT, as a Multiboot kernel must have before anything that loads a segment (the
 * specification leaves GDTR undefined): flat code 0x08 and data 0x10. */
static const uint64_t gdt[3] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull };
static struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr;

static void load_gdt(void)
{
	gdtr.limit = sizeof gdt - 1;
	gdtr.base = (uint32_t)gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\n\t"
			 "movw $0x10, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs" : : "m"(gdtr) : "eax", "memory");
}

/* 32-bit IDT: #GP (vector 13) skips the two-byte RDMSR/WRMSR that raised it; anything else
 * is a failure of this test, reported by other_entry. */
static uint64_t idt[32];
static struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;

static uint64_t gate(void (*fn)(void))
{
	uint32_t a = (uint32_t)fn;
	return (uint64_t)(a & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((uint64_t)(a >> 16) << 48);
}

void gp_count_up(void) { gp_count++; }

void other_exception(uint32_t vector, uint32_t eip)
{
	puts_uart("mbfuzz: FAIL unexpected exception ");
	put_dec(vector);
	puts_uart(" at EIP ");
	put_dec(eip);
	puts_uart("\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}

void mbtest_main(uint32_t magic, const void *info)
{
	(void)magic;
	(void)info;
	load_gdt();
	for (unsigned i = 0; i < 32; i++)
		idt[i] = gate(other_entry);
	idt[13] = gate(gp_entry);
	idtr.limit = sizeof idt - 1;
	idtr.base = (uint32_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr));
	puts_uart("mbfuzz: hostile Multiboot kernel starts\n");
	uint32_t ipis = send_ipis();
	puts_uart("mbfuzz: sent ");
	put_dec(ipis);
	puts_uart(" IPIs at other CPUs\n");
	for (uint32_t round = 0; round < ROUNDS; round++) {
		switch (rnd() % 4) {
		case 0: port_op(); break;
		case 1: msr_op(); break;
		case 2: mmio_op(); break;
		default: irq_op(); break;
		}
	}
	/* The UART back to a sane state for the last words (the fuzzing reprogrammed it). */
	outb(UART + 3, 0x03);
	outb(UART + 4, 0x00);
	outb(UART + 1, 0x00);
	puts_uart("\nmbfuzz: survived ");
	put_dec(ROUNDS);
	puts_uart(" operations (");
	put_dec(gp_count);
	puts_uart(" refused with #GP)\n");
	outb(0x600, 0x34);                         /* ACPI soft-off */
}
