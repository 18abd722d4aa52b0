/* tsc: a tiny static x86-64 Linux program for the guest kit's initramfs that prints the time-stamp
 * counter (RDTSC) as one decimal line. Under Bochs the TSC advances with emulated time (one tick
 * per instruction, plus the ticks skipped while the CPU halts), starting from reset, so the value
 * printed beside the shell-ready marker tells how much emulated work firmware plus kernel boot
 * took, which wall seconds alone (host-dependent) do not. BusyBox has no way to read the TSC, hence
 * this program. It uses no C library: two system calls (write, exit) through inline assembly, so
 * it needs only gcc, not a static libc. */

static long sys_call3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

void _start(void)
{
	unsigned int lo, hi;
	/* LFENCE first so the read is not taken before the exec that led here has finished. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	unsigned long v = ((unsigned long)hi << 32) | lo;
	char buf[24];
	int i = sizeof buf;
	buf[--i] = '\n';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	long rc = sys_call3(1 /* write */, 1, (long)(buf + i), (long)(sizeof buf - i));
	sys_call3(60 /* exit */, rc < 0, 0, 0);
	__builtin_unreachable();
}
