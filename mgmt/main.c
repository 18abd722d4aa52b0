/*
 * The management partition's program: the administrator's shell on the serial console. This
 * file is the only part that touches the machine; it implements struct shell_ops with the real
 * hypercalls (include/mgmt_abi.h) and runs the input loop. Other partitions share the CPU, so
 * the loop never spins: it asks the virtual UART for a receive interrupt (IER bit 0, vector
 * 0x24), and when no input is waiting it arms a one-shot timer 50 ms out as a fallback tick and
 * halts, then drains whatever arrived. Echo and command output are batched into one
 * HC_CONSOLE_WRITE per burst, since every write is a VM exit.
 */
#include <stdbool.h>
#include "lib/guestrt/guestrt.h"
#include "mgmt/commands.h"
#include "mgmt_abi.h"

#define COM1           0x3f8
#define UART_IER       1
#define UART_LSR       5
#define IER_RX_READY   0x01
#define LSR_DATA_READY 0x01

#define VEC_UART_RX    0x24    /* what the hypervisor raises for typed input (COM1's IRQ 4) */
#define VEC_TICK       0x40    /* our own fallback timer */
#define TICKS_PER_S    20      /* the fallback tick: 50 ms */
/* Bytes handled before the echo is flushed: a paste shows up in pieces instead of only
 * after the whole of it has been read. */
#define DRAIN_MAX      256
#define FALLBACK_TSC_HZ 1000000000ull

static uint64_t tsc_hz;
/* Static rather than on the stack: it is large, and its buffers are handed to the hypervisor
 * by guest-physical address (this partition's memory is identity-mapped, so a pointer is its
 * own guest-physical address; the boot stack below 1 MiB is mapped the same way). */
static struct shell shell;

static uint64_t gpa_of(const void *p) { return (uint64_t)(uintptr_t)p; }

static int64_t mgmt(uint64_t nr, uint64_t a0, uint64_t a1)
{
	return hypercall(nr, a0, a1, 0, 0, 0, 0);
}

/* Interrupts only need to end the HLT; the loop then looks at the UART itself. */
static void on_wakeup(struct trap_frame *f) { (void)f; }

/* ---- shell_ops with the real hypercalls ------------------------------------------------- */

static void op_write(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	while (len) {
		size_t n = len < HC_CONSOLE_WRITE_MAX ? len : HC_CONSOLE_WRITE_MAX;
		/* If the hypervisor refuses the call the bytes still get out, slowly, through the
		 * virtual UART's transmitter. */
		if (hc_console_write(gpa_of(s), n) < 0)
			console_write(s, n);
		s += n;
		len -= n;
	}
}

static void op_sleep_ms(void *ctx, unsigned ms)
{
	(void)ctx;
	uint64_t deadline = rdtsc() + tsc_hz / 1000 * ms;
	/* Loop: an interrupt other than our timer (typed input) may end the HLT early. */
	while (rdtsc() < deadline) {
		if (hc_timer_set(deadline, VEC_TICK) < 0)
			return;                      /* no timer: a short nap is better than a spin */
		sti_hlt_cli();
	}
}

static bool input_waiting(void);

static int op_read_key(void *ctx)
{
	(void)ctx;
	return input_waiting() ? inb(COM1) : -1;
}

static int64_t op_version(void *ctx) { (void)ctx; return mgmt(HC_MGMT_VERSION, 0, 0); }

static int64_t op_host_info(void *ctx, struct mgmt_host_info *out)
{
	(void)ctx;
	return mgmt(HC_MGMT_HOST_INFO, gpa_of(out), 0);
}

static int64_t op_cpu_info(void *ctx, uint32_t cpu, struct mgmt_cpu_info *out)
{
	(void)ctx;
	return mgmt(HC_MGMT_CPU_INFO, cpu, gpa_of(out));
}

static int64_t op_partition_count(void *ctx)
{
	(void)ctx;
	return mgmt(HC_MGMT_PARTITION_COUNT, 0, 0);
}

static int64_t op_partition_info(void *ctx, uint32_t id, struct mgmt_partition_info *out)
{
	(void)ctx;
	return mgmt(HC_MGMT_PARTITION_INFO, id, gpa_of(out));
}

static int64_t op_partition_stats(void *ctx, uint32_t id, struct mgmt_partition_stats *out)
{
	(void)ctx;
	return mgmt(HC_MGMT_PARTITION_STATS, id, gpa_of(out));
}

static int64_t op_start(void *ctx, uint32_t id) { (void)ctx; return mgmt(HC_MGMT_START, id, 0); }
static int64_t op_stop(void *ctx, uint32_t id) { (void)ctx; return mgmt(HC_MGMT_STOP, id, 0); }
static int64_t op_restart(void *ctx, uint32_t id) { (void)ctx; return mgmt(HC_MGMT_RESTART, id, 0); }
static int64_t op_destroy(void *ctx, uint32_t id) { (void)ctx; return mgmt(HC_MGMT_DESTROY, id, 0); }

static int64_t op_set_memory(void *ctx, uint32_t id, uint64_t bytes)
{
	(void)ctx;
	return mgmt(HC_MGMT_SET_MEMORY, id, bytes);
}

static int64_t op_set_cpus(void *ctx, uint32_t id, uint64_t mask)
{
	(void)ctx;
	return mgmt(HC_MGMT_SET_CPUS, id, mask);
}

static int64_t op_console_attach(void *ctx, uint32_t id)
{
	(void)ctx;
	return mgmt(HC_MGMT_CONSOLE_ATTACH, id, 0);
}

static int64_t op_console_focus(void *ctx) { (void)ctx; return mgmt(HC_MGMT_CONSOLE_FOCUS, 0, 0); }

static int64_t op_log_read(void *ctx, char *buf, size_t size)
{
	(void)ctx;
	return mgmt(HC_MGMT_LOG_READ, gpa_of(buf), size);
}

static int64_t op_power(void *ctx, uint32_t action) { (void)ctx; return mgmt(HC_MGMT_POWER, action, 0); }

static int64_t op_config_change(void *ctx, struct mgmt_config_change *req)
{
	(void)ctx;
	return mgmt(HC_MGMT_CONFIG_CHANGE, gpa_of(req), 0);
}

static int64_t op_config_save(void *ctx, uint32_t how)
{
	(void)ctx;
	return mgmt(HC_MGMT_CONFIG_SAVE, how, 0);
}

static int64_t op_config_read(void *ctx, uint32_t which, struct mgmt_config_text *out)
{
	(void)ctx;
	return mgmt(HC_MGMT_CONFIG_READ, which, gpa_of(out));
}

static int64_t op_login_info(void *ctx, struct mgmt_login_info *out)
{
	(void)ctx;
	return mgmt(HC_MGMT_LOGIN_INFO, gpa_of(out), 0);
}

static int64_t op_login_event(void *ctx, uint32_t event, uint32_t failures)
{
	(void)ctx;
	return mgmt(HC_MGMT_LOGIN_EVENT, event, failures);
}

static uint64_t op_now_ms(void *ctx)
{
	(void)ctx;
	return rdtsc() / (tsc_hz / 1000);
}

static const struct shell_ops real_ops = {
	.ctx = NULL,
	.write = op_write,
	.sleep_ms = op_sleep_ms,
	.read_key = op_read_key,
	.version = op_version,
	.host_info = op_host_info,
	.cpu_info = op_cpu_info,
	.partition_count = op_partition_count,
	.partition_info = op_partition_info,
	.partition_stats = op_partition_stats,
	.start = op_start,
	.stop = op_stop,
	.restart = op_restart,
	.destroy = op_destroy,
	.set_memory = op_set_memory,
	.set_cpus = op_set_cpus,
	.config_change = op_config_change,
	.config_read = op_config_read,
	.config_save = op_config_save,
	.console_attach = op_console_attach,
	.console_focus = op_console_focus,
	.log_read = op_log_read,
	.power = op_power,
	.login_info = op_login_info,
	.login_event = op_login_event,
	.now_ms = op_now_ms,
};

/* ---- the input loop ---------------------------------------------------------------------- */

static bool input_waiting(void) { return inb(COM1 + UART_LSR) & LSR_DATA_READY; }

int guest_main(const struct start_info *si)
{
	tsc_hz = si->tsc_hz;
	if (tsc_hz < 1000) {
		int64_t hz = hc_tsc_hz();
		tsc_hz = hz >= 1000 ? (uint64_t)hz : FALLBACK_TSC_HZ;
	}
	/* The heap is the RAM after the image: Argon2 takes the memory cost of the password's
	 * hash from it (bulkhead.cfg's validator keeps that below half the partition). */
	guestrt_heap_init((void *)(uintptr_t)si->image_end, (void *)(uintptr_t)si->memory_size);
	trap_set_handler(VEC_UART_RX, on_wakeup);
	trap_set_handler(VEC_TICK, on_wakeup);
	outb(COM1 + UART_IER, IER_RX_READY);

	shell_init(&shell, &real_ops, si->partition_id);
	shell_start(&shell);
	for (;;) {
		unsigned n = 0;
		while (n < DRAIN_MAX && input_waiting()) {
			shell_feed(&shell, inb(COM1));
			n++;
		}
		if (!n)
			shell_tick(&shell);
		shell_flush(&shell);
		if (n == DRAIN_MAX)
			continue;                    /* more may be waiting: read on before sleeping */
		/* A byte that arrives between the last LSR read and the HLT raises the receive
		 * interrupt, which is delivered at STI and ends the HLT at once; the tick only
		 * covers input that came without one (before IER was set, or a lost interrupt). */
		hc_timer_set(rdtsc() + tsc_hz / TICKS_PER_S, VEC_TICK);
		sti_hlt_cli();
	}
}
