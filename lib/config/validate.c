/*
 * Checks of a parsed configuration as a whole, against the machine it is to run on: CPUs that
 * two partitions claim, CPUs that do not exist or did not start, vCPU counts, the RAM all
 * partitions need, one privileged partition. The loader runs it before it reserves memory, the
 * kernel after it has started the CPUs, the shell before it accepts a `set`.
 */
#include "config_text.h"

_Static_assert(MAX_CPUS >= 1 && MAX_CPUS <= 64, "CPU lists are 64-bit masks");

unsigned config_lowest_cpu(uint64_t m)
{
	unsigned n = 0;
	while (!(m & 1)) {
		m >>= 1;
		n++;
	}
	return n;
}

unsigned config_cpu_count_of(uint64_t m)
{
	unsigned n = 0;
	for (; m; m &= m - 1)
		n++;
	return n;
}

unsigned config_vcpu_count(const struct partition_config *pc)
{
	if (pc->vcpus)
		return pc->vcpus;
	if (pc->type == PARTITION_ELF)
		return 1;
	unsigned n = config_cpu_count_of(pc->cpus);
	return n ? n : 1;
}

unsigned config_vcpu_cpu(const struct partition_config *pc, unsigned i)
{
	unsigned n = config_cpu_count_of(pc->cpus);
	if (!n)
		return 0;
	unsigned k = i % n;
	for (unsigned c = 0; c < 64; c++)
		if (((pc->cpus >> c) & 1) && k-- == 0)
			return c;
	return 0;
}

/* A mask in config syntax ("0-1,4"), ranges folded, as far as it fits in buf. */
void config_format_cpu_list(char *buf, size_t size, uint64_t m)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned c = 0; c < 64 && used < size; c++) {
		if (!((m >> c) & 1))
			continue;
		unsigned last = c;
		while (last + 1 < 64 && ((m >> (last + 1)) & 1))
			last++;
		int n;
		if (last == c)
			n = snprintf(buf + used, size - used, "%s%u", used ? "," : "", c);
		else
			n = snprintf(buf + used, size - used, "%s%u-%u", used ? "," : "", c, last);
		if (n < 0)
			break;
		used += (size_t)n;
		c = last;
	}
}

int config_validate(const struct config *cfg, const struct config_limits *lim, struct config_errors *errs)
{
	unsigned before = errs->count + errs->dropped;
	unsigned first_kept = errs->count;
	unsigned n = cfg->partition_count < MAX_PARTITIONS ? cfg->partition_count : MAX_PARTITIONS;
	uint64_t total = 0, running = 0;
	bool memory_reported = false;
	int privileged = -1;

	/* Saturating: a hand-built config must not wrap the sum around to something small. */
	for (unsigned i = 0; i < n; i++)
		total = cfg->partitions[i].memory > UINT64_MAX - total ? UINT64_MAX
								      : total + cfg->partitions[i].memory;

	/* Partition by partition, so that the errors come out roughly in file order. */
	for (unsigned i = 0; i < n; i++) {
		const struct partition_config *pc = &cfg->partitions[i];
		unsigned cpus_line = pc->cpus_line ? pc->cpus_line : pc->line;

		/*
		 * A physical CPU belongs to one partition: that is the isolation Bulkhead offers.
		 * Time-sharing one gives that up (each partition sees the other's load, and
		 * caches and TLBs are shared), so it takes an explicit yes from both sides.
		 */
		for (unsigned j = 0; j < i; j++) {
			uint64_t shared = pc->cpus & cfg->partitions[j].cpus;
			if (!shared || (pc->share_cpus && cfg->partitions[j].share_cpus))
				continue;
			unsigned more = config_cpu_count_of(shared) - 1;
			char extra[24] = "";
			if (more)
				snprintf(extra, sizeof extra, " (and %u more)", more);
			REPORT(errs, cpus_line, "CPU %u%s is used by both partitions '%s' and '%s' (set "
			       "share_cpus = yes in both to time-share it)", config_lowest_cpu(shared), extra,
			       cfg->partitions[j].name, pc->name);
		}

		/* An ELF guest has no way to start another vCPU (no local APIC, no ACPI tables):
		 * only an operating system's partition runs several. */
		unsigned vcpus = config_vcpu_count(pc);
		if (pc->type == PARTITION_ELF && pc->vcpus > 1) {
			REPORT(errs, pc->vcpus_line, "partition '%s' is type elf, which runs one vCPU "
			       "(vcpus = 1); types linux and multiboot run up to %u", pc->name,
			       CONFIG_VCPUS_MAX);
		} else if (pc->type == PARTITION_ELF && lim && lim->runnable_cpus &&
			   config_cpu_count_of(pc->cpus) > 1) {
			REPORT(errs, cpus_line, "partition '%s' lists %u CPUs, but type elf runs one "
			       "vCPU: list one CPU (types linux and multiboot run one vCPU per CPU)",
			       pc->name, config_cpu_count_of(pc->cpus));
		} else if (!pc->vcpus && vcpus > CONFIG_VCPUS_MAX) {
			REPORT(errs, cpus_line, "partition '%s' lists %u CPUs, one vCPU each, but a "
			       "partition has at most %u vCPUs (set vcpus = %u or fewer)", pc->name,
			       vcpus, CONFIG_VCPUS_MAX, CONFIG_VCPUS_MAX);
		}

		uint64_t missing = 0;
		if (lim && lim->cpu_count && lim->cpu_count < 64) {
			missing = pc->cpus & ~((1ull << lim->cpu_count) - 1);
			if (missing) {
				if (lim->cpu_count == 1)
					REPORT(errs, cpus_line, "partition '%s' uses CPU %u, but this "
					       "machine has only CPU 0", pc->name, config_lowest_cpu(missing));
				else
					REPORT(errs, cpus_line, "partition '%s' uses CPU %u, but this "
					       "machine has only CPUs 0-%u", pc->name,
					       config_lowest_cpu(missing), lim->cpu_count - 1);
			}
		}

		/* What this version can run, as opposed to what the machine has. A CPU that does
		 * not exist was reported just above; saying it is not runnable as well would only
		 * repeat it. */
		if (lim && lim->runnable_cpus) {
			uint64_t refused = pc->cpus & ~lim->runnable_cpus & ~missing;
			if (refused) {
				char list[CONFIG_ERROR_MESSAGE_MAX];
				config_format_cpu_list(list, sizeof list, lim->runnable_cpus);
				if (lim->runnable_cpus == 1)
					REPORT(errs, cpus_line, "CPU %u is not up (it did not start): "
					       "partitions can run only on the boot CPU (cpus = 0)",
					       config_lowest_cpu(refused));
				else
					REPORT(errs, cpus_line, "CPU %u is not up (it did not start): "
					       "partitions can run on CPU%s %s", config_lowest_cpu(refused),
					       config_cpu_count_of(lim->runnable_cpus) > 1 ? "s" : "", list);
			}
			/* The management partition builds partitions from the hypervisor's pool,
			 * which only the boot CPU touches (kernel/smp.c). */
			if (pc->privileged && pc->cpus != 1)
				REPORT(errs, cpus_line, "partition '%s' is privileged: it runs on the "
				       "boot CPU (cpus = 0)", pc->name);
		}

		running = pc->memory > UINT64_MAX - running ? UINT64_MAX : running + pc->memory;
		if (lim && !memory_reported && running > lim->ram_available) {
			struct num need, have;
			/* Round the need up and the supply down, so the two never print equal. */
			uint64_t need_mib = (total >> 20) + ((total & ((1ull << 20) - 1)) != 0);
			REPORT(errs, pc->memory_line ? pc->memory_line : pc->line,
			       "partitions need %s MiB in all, but only %s MiB of RAM is available "
			       "besides the hypervisor's reservation", num_str(&need, need_mib),
			       num_str(&have, lim->ram_available >> 20));
			memory_reported = true;
		}

		if (pc->privileged) {
			if (privileged < 0)
				privileged = (int)i;
			else
				REPORT(errs, pc->line, "partitions '%s' and '%s' are both privileged; only "
				       "one may be", cfg->partitions[privileged].name,
				       pc->name);
			/* The shell checks the password in this partition, with the hash's memory
			 * cost taken from its heap: half its RAM leaves room for the shell itself. */
			uint64_t kib = config_argon2_memory_kib(cfg->hv.console_password);
			struct num need_mib, m, have_mib;
			if (kib && kib * 1024 > pc->memory / 2)
				REPORT(errs, cfg->hv.password_line, "console_password needs %s MiB to "
				       "check (m=%s), more than half of '%s' (%s MiB): use a smaller "
				       "argon2 -m", num_str(&need_mib, (kib + 1023) >> 10),
				       num_str(&m, kib), pc->name, num_str(&have_mib, pc->memory >> 20));
		}
	}
	config_sort_errors(errs, first_kept);
	return (int)(errs->count + errs->dropped - before);
}

/* Keys that the file alone sets: they decide what a partition is (its image, type, rights) or
 * how the machine is wired (the console's port and speed), and changing them under a running
 * system is a re-install, not a setting. */
const char *config_file_only_change(const struct config *a, const struct config *b)
{
	if (a->hv.serial_port != b->hv.serial_port)
		return "serial";
	if (a->hv.baud != b->hv.baud)
		return "baud";
	if (a->hv.on_stop != b->hv.on_stop)
		return "on_stop";
	/* The console's own password is not the console's to change: whoever holds the ESP
	 * (the root of trust for the whole config) sets it, and can always reset it. */
	if (strcmp(a->hv.console_password, b->hv.console_password))
		return "console_password";
	for (unsigned i = 0; i < a->partition_count; i++) {
		const struct partition_config *x = &a->partitions[i], *y = &b->partitions[i];
		if (strcmp(x->image, y->image))
			return "image";
		if (strcmp(x->initrd, y->initrd))
			return "initrd";
		if (x->type != y->type)
			return "type";
		if (x->privileged != y->privileged)
			return "privileged";
		if (x->share_cpus != y->share_cpus)
			return "share_cpus";
	}
	return NULL;
}

bool config_key_is_file_only(const char *key)
{
	/* The names of what config_file_only_change compares, kept beside it. */
	static const char names[][20] = {
		"serial", "baud", "on_stop", "console_password", "image", "initrd", "type",
		"privileged", "share_cpus",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(names[i], key))
			return true;
	return false;
}
