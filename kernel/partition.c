/*
 * Partition life cycle (see partition.h). Creation order matters for "loses nothing": every
 * check that can fail (image present, RAM available, ELF valid) happens before the partition
 * holds anything that others could miss, and each failure gives back what was taken. RAM is
 * zeroed before the guest sees it and again when it is given back, so nothing crosses between
 * tenants. EPT maps exactly [0, memory) of the partition and nothing else: no other partition,
 * no hypervisor memory, no MMIO.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "hypercall.h"
#include "kernel/console.h"
#include "kernel/elf_load.h"
#include "kernel/fpu.h"
#include "kernel/guest_boot.h"
#include "kernel/log.h"
#include "kernel/os_boot.h"
#include "kernel/partition.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "kernel/x86.h"
#include "mm/ept.h"
#include "mm/kernel_map.h"
#include "vdev/platform.h"
#include "vmx/vcpu_switch.h"
#include "vmx/vmx.h"

static struct partition partitions[MAX_PARTITIONS];
static unsigned count;
static struct partition_env env;

void partitions_init(const struct partition_env *e) { env = *e; }
const struct partition_env *partitions_env(void) { return &env; }
unsigned partition_count(void) { return count; }
struct partition *partition_get(unsigned i) { return i < count ? &partitions[i] : NULL; }
struct partition *partition_slot(unsigned id) { return id < MAX_PARTITIONS ? &partitions[id] : NULL; }

const char *partition_state_name(enum partition_state s)
{
	switch (s) {
	case PARTITION_STOPPED: return "stopped";
	case PARTITION_RUNNING: return "running";
	case PARTITION_CRASHED: return "crashed";
	case PARTITION_DESTROYED: return "destroyed";
	}
	return "?";
}

static void pool_free(void *arg, uint64_t *table)
{
	frame_alloc_free(arg, (uint64_t)table, 4096);
}

static struct ept_ctx ept_ctx_for(void)
{
	return (struct ept_ctx){ .alloc_table = kernel_zeroed_page, .free_table = pool_free,
				 .arg = env.hv_pool, .allow_1g = env.ept_1g, .allow_2m = env.ept_2m };
}

static const struct boot_module *find_module(const char *name)
{
	for (unsigned i = 0; i < env.bi->module_count; i++)
		if (strcmp(env.bi->modules[i].name, name) == 0)
			return &env.bi->modules[i];
	return NULL;
}

static enum partition_error refuse(struct partition *p, enum partition_error err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->stop_reason, sizeof p->stop_reason, fmt, ap);
	va_end(ap);
	p->state = PARTITION_STOPPED;
	klog(LOG_ERROR, "partition '%s' not started: %s", p->name, p->stop_reason);
	return err;
}

static void release_ram(struct partition *p)
{
	if (!p->ram_size)
		return;
	memset((void *)p->ram_hpa, 0, p->ram_size);
	frame_alloc_free(env.ram, p->ram_hpa, p->ram_size);
	p->ram_hpa = p->ram_size = 0;
}

/* The CPU vCPU i runs on: its place in the config's list, or the boot CPU if that one is not
 * up (the config validator refuses that; the shell's `cpus` checks it too). */
static unsigned vcpu_home_cpu(const struct partition_config *cfg, unsigned i)
{
	unsigned c = config_vcpu_cpu(cfg, i);
	return smp_cpu(c) ? c : 0;
}

/* The CPUs its built vCPUs are placed on, one bit each. */
static uint64_t vcpu_cpu_mask(const struct partition *p)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < p->vcpu_count; i++)
		m |= 1ull << p->vcpus[i].cpu;
	return m;
}

unsigned partition_vcpus_of_last_run(const struct partition *p)
{
	unsigned n = 0;
	while (n < PARTITION_VCPUS_MAX && p->vcpus[n].partition == p)
		n++;
	return n;
}

/* vCPU i: the bootstrap processor (0) starts as `start` says; an application processor of an
 * OS partition waits for its start-up IPI (vdev/vcpu_post.c), its VMCS filled with the same
 * valid state until then. */
static int build_vcpu(struct partition *p, unsigned i, unsigned count,
		      const struct vcpu_start *start, const struct guest_regs *regs)
{
	struct vcpu *v = &p->vcpus[i];
	memset(v, 0, sizeof *v);
	v->partition = p;
	v->index = i;
	uint64_t area = frame_alloc_alloc(env.hv_pool, 4096, 4096);   /* XSAVE needs 64-byte alignment */
	if (!area)
		return -1;
	v->xsave_area = (void *)area;
	fpu_vcpu_init(v);
	v->cpu = vcpu_home_cpu(p->cfg, i);
	if (vmx_vcpu_setup(v, this_cpu(), env.hv_pool, p->eptp, start) != 0)
		return -1;
	/* Built here, run there: a VMCS is active on one CPU at a time, and only a clear one may
	 * be loaded on another (SDM Vol. 3C 25.1 "Overview" of VMCS states). */
	if (v->cpu != this_cpu()->index)
		vmx_vmclear(v);
	v->regs = i == 0 ? *regs : (struct guest_regs){ 0 };
	v->unrestricted = start->unrestricted;
	v->state = i == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
	v->cpuid = (struct cpuid_policy){ .vcpu_count = count, .vcpu_index = v->index,
					  .partition_id = p->id, .rdtscp_allowed = vmx.rdtscp,
					  .xcr0_offered = vmx.xcr0_offered,
					  .xsave_size_offered = vmx.xsave_size,
					  .os_platform = start->unrestricted, .tsc_hz = env.tsc_hz,
					  .host_max_leaf = cpuid(0, 0).eax };
	p->overhead_bytes += 3 * 4096;         /* VMCS, virtual-APIC page and XSAVE area */
	return 0;
}

/* An ELF guest: its segments, then the boot area of start_info.h. */
static enum partition_error load_elf(struct partition *p, const struct boot_module *image,
				     struct vcpu_start *start, struct guest_regs *regs)
{
	struct partition_config *cfg = p->cfg;
	struct elf_image_info info;
	enum elf_load_status st = elf_load((const void *)image->base, image->size, (void *)p->ram_hpa,
					   cfg->memory, GUEST_IMAGE_MIN, &info);
	if (st != ELF_OK)
		return refuse(p, PARTITION_EINVAL, "image %s refused: %s", cfg->image, elf_load_status_string(st));
	p->image_end = info.image_end;

	struct start_info si = {
		.magic = START_INFO_MAGIC, .version = START_INFO_VERSION,
		.hypercall_abi = HYPERCALL_ABI_VERSION, .memory_size = cfg->memory, .vcpu_count = 1,
		.partition_id = p->id, .tsc_hz = env.tsc_hz, .image_end = info.image_end,
		.hv_base = env.bi->hv_base, .hv_size = env.bi->hv_size,
	};
	strncpy(si.name, p->name, sizeof si.name - 1);
	if (guest_boot_build((uint8_t *)p->ram_hpa, cfg->memory, &si, cfg->cmdline) != 0)
		return refuse(p, PARTITION_EINVAL, "%llu MiB is more than an ELF partition's boot page tables map",
			      (unsigned long long)(cfg->memory >> 20));
	*start = (struct vcpu_start){ .mode = VCPU_START_LONG, .rip = info.entry,
				      .rsp = GUEST_STACK_TOP, .cr3 = GUEST_PAGE_TABLE_GPA,
				      .gdt_base = GUEST_GDT_BASE, .gdt_limit = GUEST_GDT_LIMIT,
				      .code_selector = 0x08, .data_selector = 0x10,
				      .tss_selector = 0x18, .tss_base = GUEST_TSS_GPA };
	memset(regs, 0, sizeof *regs);
	regs->rdi = START_INFO_GPA;
	return PARTITION_OK;
}

static void init_slot(struct partition *p, unsigned id, struct partition_config *cfg)
{
	memset(p, 0, sizeof *p);
	if (id >= count)
		count = id + 1;
	p->id = id;
	p->cfg = cfg;
	strncpy(p->name, cfg->name, sizeof p->name - 1);
	vuart_init(&p->uart, p->name, id);
}

void partition_declare(struct partition *p, unsigned id, struct partition_config *cfg)
{
	init_slot(p, id, cfg);
	p->state = PARTITION_STOPPED;
	snprintf(p->stop_reason, sizeof p->stop_reason, "not started (autostart = no)");
}

static void stop_vcpus(struct partition *p);
static void halt_vcpus(struct partition *p);

/* Everything from the image to a runnable vCPU, from p->cfg. */
static enum partition_error build(struct partition *p)
{
	struct partition_config *cfg = p->cfg;
	unsigned id = p->id;
	bool os = cfg->type != PARTITION_ELF;

	if (!os && cfg->initrd[0])
		return refuse(p, PARTITION_EINVAL, "initrd %s: only type = linux or multiboot "
			      "partitions take an initrd (this one is type elf)", cfg->initrd);
	if (os && !vmx.unrestricted)
		return refuse(p, PARTITION_EINVAL, "type %s needs the CPU's \"unrestricted guest\" "
			      "VMX feature, which this CPU lacks", config_partition_type_name(cfg->type));
	unsigned vcpus = config_vcpu_count(cfg);
	if (vcpus > PARTITION_VCPUS_MAX || (vcpus > 1 && !os))
		return refuse(p, PARTITION_EINVAL, "%u vCPUs: a type %s partition runs 1 to %u",
			      vcpus, config_partition_type_name(cfg->type), os ? PARTITION_VCPUS_MAX : 1);
	const struct boot_module *image = find_module(cfg->image);
	if (!image)
		return refuse(p, PARTITION_EINVAL, "image %s was not loaded", cfg->image);
	const struct boot_module *initrd = NULL;
	if (cfg->initrd[0] && !(initrd = find_module(cfg->initrd)))
		return refuse(p, PARTITION_EINVAL, "initrd %s was not loaded", cfg->initrd);
	uint64_t ram = frame_alloc_alloc(env.ram, cfg->memory, PARTITION_MEM_ALIGN);
	if (!ram)
		return refuse(p, PARTITION_ENOMEM, "not enough free RAM: %llu MiB asked, largest free block %llu MiB",
			      (unsigned long long)(cfg->memory >> 20),
			      (unsigned long long)(frame_alloc_largest(env.ram, PARTITION_MEM_ALIGN) >> 20));
	p->ram_hpa = ram;
	p->ram_size = cfg->memory;
	memset((void *)ram, 0, cfg->memory);
	p->os_version[0] = 0;

	struct vcpu_start start;
	struct guest_regs regs;
	if (os) {
		char why[sizeof p->stop_reason];
		if (os_boot_load(p, (uint8_t *)ram, image, initrd, &start, &regs, why, sizeof why) != 0) {
			release_ram(p);
			return refuse(p, PARTITION_EINVAL, "%s", why);
		}
	} else if (load_elf(p, image, &start, &regs) != PARTITION_OK) {
		release_ram(p);
		return PARTITION_EINVAL;
	}

	struct ept_ctx ctx = ept_ctx_for();
	p->ept_pml4 = ept_alloc_root(&ctx);
	if (!p->ept_pml4 || ept_map(&ctx, p->ept_pml4, 0, ram, cfg->memory, EPT_R | EPT_W | EPT_X,
				    EPT_MT_WB) != 0) {
		if (p->ept_pml4)
			ept_destroy(&ctx, p->ept_pml4);
		p->ept_pml4 = NULL;
		release_ram(p);
		return refuse(p, PARTITION_ENOMEM, "the hypervisor's reserved memory is exhausted (EPT tables)");
	}
	p->ept_tables = ctx.tables_allocated;
	p->eptp = ept_pointer((uint64_t)p->ept_pml4);
	p->overhead_bytes = (uint64_t)p->ept_tables * 4096;
	/* A rebuild starts clean: vCPUs past this run's count keep no figures of the last. */
	memset(&p->vcpus[vcpus], 0, (PARTITION_VCPUS_MAX - vcpus) * sizeof p->vcpus[0]);
	for (unsigned i = 0; i < vcpus; i++) {
		if (build_vcpu(p, i, vcpus, &start, &regs) != 0) {
			p->vcpu_count = i + 1;             /* what partition_destroy frees */
			partition_destroy(p);
			return refuse(p, PARTITION_ENOMEM, "the hypervisor's reserved memory is "
				      "exhausted (VMCS)");
		}
	}
	p->vcpu_count = vcpus;
	if (os)
		vplatform_reset(p);
	vmx_invept_single(p->eptp);
	p->start_tsc = rdtsc();
	p->stop_reason[0] = 0;
	p->input_head = p->input_tail = 0;
	/* Everything above is visible before its CPU can see the partition running. */
	__atomic_store_n(&p->state, PARTITION_RUNNING, __ATOMIC_RELEASE);
	for (uint64_t m = vcpu_cpu_mask(p); m; m &= m - 1) {
		unsigned c = (unsigned)__builtin_ctzll(m);
		if (!smp_kick(c, SMP_KICK_TIMEOUT_US))
			klog(LOG_WARN, "partition '%s': CPU %u did not answer; it runs once that CPU "
			     "looks", p->name, c);
	}
	char more[96] = "";
	for (unsigned i = 1, at = 0; i < vcpus && at < sizeof more; i++)
		at += (unsigned)snprintf(more + at, sizeof more - at, "%s%u on CPU %u",
					 i == 1 ? "; vCPU " : ", ", i, p->vcpus[i].cpu);
	klog(LOG_INFO, "partition '%s' (id %u): %llu MiB at host %#llx, entry %#llx, EPT %u tables, "
	     "VPID %u, CPU %u%s%s", p->name, id, (unsigned long long)(cfg->memory >> 20),
	     (unsigned long long)ram, (unsigned long long)start.rip, p->ept_tables,
	     p->vcpus[0].vpid, p->vcpus[0].cpu, more, vcpus > 1 ? " (waits for its start-up IPI)" : "");
	if (os) {
		klog(LOG_INFO, "partition '%s' boots %s (%s)", p->name, p->os_version,
		     config_partition_type_name(cfg->type));
		/* The console ring outlives a restart: this line in it says where a boot begins,
		 * for the administrator scrolling back (and for the test harness). */
		char mark[96];
		int n = snprintf(mark, sizeof mark, "\r\n--- bulkhead: partition '%s' started ---\r\n",
				 p->name);
		vuart_write(&p->uart, mark, (uint64_t)n);
	}
	return PARTITION_OK;
}

enum partition_error partition_create(struct partition *p, unsigned id, struct partition_config *cfg)
{
	init_slot(p, id, cfg);
	return build(p);
}

void partition_stop(struct partition *p, const char *reason)
{
	p->reset_pending = false;              /* the administrator's word wins */
	if (p->state == PARTITION_RUNNING)
		stop_vcpus(p);
	if (!partition_destroy(p)) {
		klog(LOG_ERROR, "partition '%s': %s", p->name, p->stop_reason);
		return;
	}
	if (p->state != PARTITION_DESTROYED)
		p->state = PARTITION_STOPPED;
	snprintf(p->stop_reason, sizeof p->stop_reason, "%s", reason);
	klog(LOG_INFO, "partition '%s' %s", p->name, reason);
}

enum partition_error partition_start(struct partition *p)
{
	p->reset_pending = false;
	if (!partition_destroy(p)) {          /* a crashed or exited one still holds its RAM */
		char why[sizeof p->stop_reason];
		snprintf(why, sizeof why, "%s", p->stop_reason);
		return refuse(p, PARTITION_EINVAL, "%s", why);
	}
	/* The console ring (its history) outlives a restart; the UART registers do not. */
	p->uart.line_len = 0;
	p->uart.rx_count = p->uart.rx_head = 0;
	p->uart.ier = p->uart.mcr = p->uart.fcr = 0;
	p->uart.lcr = 0x03;
	p->uart.thre_pending = false;
	p->exit_code = 0;
	p->overhead_bytes = 0;
	p->stop_tsc = 0;
	return build(p);
}

bool partition_halted(const struct partition *p)
{
	if (p->state != PARTITION_RUNNING || !p->vcpu_count)
		return false;
	for (unsigned i = 0; i < p->vcpu_count; i++)
		if (p->vcpus[i].state != VCPU_HALTED && p->vcpus[i].state != VCPU_WAIT_SIPI)
			return false;                 /* one waiting for its start-up IPI is idle too */
	return true;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	uint64_t hz = env.tsc_hz ? env.tsc_hz : 1;
	return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

static void dump_vcpu(const struct vcpu *v)
{
	if (this_cpu()->current != v)
		return;                       /* its VMCS is not loaded: registers unknown here */
	kprintf("  RIP=%016llx RSP=%016llx RFLAGS=%08llx CR0=%08llx CR3=%08llx CR4=%08llx\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_RIP), (unsigned long long)vmcs_read(VMCS_GUEST_RSP),
		(unsigned long long)vmcs_read(VMCS_GUEST_RFLAGS),
		(unsigned long long)vmcs_read(VMCS_CR0_READ_SHADOW),
		(unsigned long long)vmcs_read(VMCS_GUEST_CR3), (unsigned long long)vmcs_read(VMCS_CR4_READ_SHADOW));
	const struct guest_regs *r = &v->regs;
	kprintf("  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n", (unsigned long long)r->rax,
		(unsigned long long)r->rbx, (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	kprintf("  RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx\n", (unsigned long long)r->rsi,
		(unsigned long long)r->rdi, (unsigned long long)r->rbp, (unsigned long long)r->r8);
	kprintf("  R9 =%016llx R10=%016llx R11=%016llx R12=%016llx\n", (unsigned long long)r->r9,
		(unsigned long long)r->r10, (unsigned long long)r->r11, (unsigned long long)r->r12);
	kprintf("  R13=%016llx R14=%016llx R15=%016llx exits=%llu\n", (unsigned long long)r->r13,
		(unsigned long long)r->r14, (unsigned long long)r->r15, (unsigned long long)vcpu_exits_total(v));
}

/* Takes its vCPUs off every run queue; its console stays where it is. A CPU other than this
 * one that runs any of them is told (smp_notify): it leaves the guest at once and its
 * scheduler sees the partition stopped; a vCPU spinning with interrupts off still exits,
 * since the notification is a host interrupt. */
static void halt_vcpus(struct partition *p)
{
	for (unsigned i = 0; i < p->vcpu_count; i++) {
		struct vcpu *v = &p->vcpus[i];
		v->state = VCPU_STOPPED;
		v->entry_work |= VCPU_WORK_STATE;
		v->timer_deadline = 0;
		memset(v->pending, 0, sizeof v->pending);
	}
	for (uint64_t m = vcpu_cpu_mask(p); m; m &= m - 1)
		smp_notify((unsigned)__builtin_ctzll(m));
	p->stop_tsc = rdtsc();
}

/* Stops its vCPUs and gives the console back to the shell if it had it. */
static void stop_vcpus(struct partition *p)
{
	console_partition_stopped((int)p->id);
	halt_vcpus(p);
}

void partition_fault(struct partition *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->stop_reason, sizeof p->stop_reason, fmt, ap);
	va_end(ap);
	stop_vcpus(p);
	p->state = PARTITION_CRASHED;
	klog(LOG_ERROR, "partition '%s' crashed: %s", p->name, p->stop_reason);
	/* The vCPU whose exit brought this here is the one loaded on this CPU. */
	struct vcpu *cur = this_cpu()->current;
	dump_vcpu(cur && cur->partition == p ? cur : &p->vcpus[0]);
}

void partition_exit(struct partition *p, int64_t code)
{
	stop_vcpus(p);
	p->state = PARTITION_STOPPED;
	p->exit_code = code;
	snprintf(p->stop_reason, sizeof p->stop_reason, "exited with code %lld", (long long)code);
	klog(LOG_INFO, "partition '%s' %s", p->name, p->stop_reason);
}

void partition_guest_poweroff(struct partition *p, const char *how)
{
	stop_vcpus(p);
	p->state = PARTITION_STOPPED;
	snprintf(p->stop_reason, sizeof p->stop_reason, "%s", how);
	klog(LOG_INFO, "partition '%s' %s", p->name, p->stop_reason);
}

void partition_guest_reset(struct partition *p, const char *how)
{
	halt_vcpus(p);                         /* an attached console stays attached */
	p->state = PARTITION_STOPPED;
	p->reset_pending = true;
	p->guest_resets++;
	snprintf(p->stop_reason, sizeof p->stop_reason, "%s; booting again", how);
	klog(LOG_INFO, "partition '%s' %s", p->name, p->stop_reason);
}

void partitions_service_resets(void)
{
	for (unsigned i = 0; i < count; i++) {
		struct partition *p = &partitions[i];
		if (!p->reset_pending)
			continue;
		p->reset_pending = false;
		if (p->state == PARTITION_STOPPED)     /* not stopped or destroyed meanwhile */
			partition_start(p);
	}
}

unsigned partition_home_cpu(const struct partition_config *cfg)
{
	for (unsigned i = 0; i < MAX_CPUS && i < 64; i++)
		if (((cfg->cpus >> i) & 1) && smp_cpu(i))
			return i;
	return 0;
}

bool partition_destroy(struct partition *p)
{
	struct percpu *cpu = this_cpu();
	for (unsigned i = 0; i < sizeof p->vcpus / sizeof p->vcpus[0]; i++)
		if (p->vcpus[i].vmcs && !smp_release_vcpu(&p->vcpus[i])) {
			snprintf(p->stop_reason, sizeof p->stop_reason, "its CPU %u does not answer; "
				 "its memory stays reserved", p->vcpus[i].cpu);
			p->state = PARTITION_CRASHED;
			p->vcpu_count = 0;
			return false;
		}
	for (unsigned i = 0; i < sizeof p->vcpus / sizeof p->vcpus[0]; i++) {
		struct vcpu *v = &p->vcpus[i];
		vcpu_forget(cpu, v);
		if (v->vmcs) {
			vmx_vmclear(v);
			vmx_invvpid_single(v->vpid);
			frame_alloc_free(env.hv_pool, (uint64_t)v->vmcs, 4096);
			v->vmcs = NULL;
		}
		if (v->virtual_apic) {
			frame_alloc_free(env.hv_pool, (uint64_t)v->virtual_apic, 4096);
			v->virtual_apic = NULL;
		}
		if (v->xsave_area) {
			frame_alloc_free(env.hv_pool, (uint64_t)v->xsave_area, 4096);
			v->xsave_area = NULL;
		}
	}
	if (p->ept_pml4) {
		struct ept_ctx ctx = ept_ctx_for();
		vmx_invept_single(p->eptp);
		ept_destroy(&ctx, p->ept_pml4);
		p->ept_pml4 = NULL;
	}
	release_ram(p);
	p->vcpu_count = 0;
	return true;
}
