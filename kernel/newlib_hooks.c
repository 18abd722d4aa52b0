/*
 * The system hooks newlib calls (built with --disable-newlib-supplied-syscalls, newlib's
 * x86_64-elf reentrant wrappers call them by their plain names: write, sbrk...). The hypervisor
 * has no files or processes: stdout/stderr go to the console and log ring, the heap is one
 * fixed arena from the reserved region (set by heap_init), and everything else fails cleanly
 * with an errno rather than pretending to work.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "kernel/log.h"
#include "kernel/panic.h"

#undef errno
extern int errno;

static char *heap_base, *heap_end, *heap_brk;

void heap_init(void *base, size_t size)
{
	heap_base = heap_brk = base;
	heap_end = heap_base + size;
}

void *sbrk(ptrdiff_t incr)
{
	if (!heap_base || incr > heap_end - heap_brk || incr < heap_base - heap_brk) {
		errno = ENOMEM;
		return (void *)-1;
	}
	char *old = heap_brk;
	heap_brk += incr;
	return old;
}

int write(int fd, const char *buf, int len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	if (len > 0)
		log_write(buf, (size_t)len, 1);
	return len;
}

int read(int fd, char *buf, int len) { (void)fd; (void)buf; (void)len; errno = EBADF; return -1; }
int close(int fd) { (void)fd; errno = EBADF; return -1; }
int lseek(int fd, int off, int whence) { (void)fd; (void)off; (void)whence; errno = ESPIPE; return -1; }
int isatty(int fd) { return fd >= 0 && fd <= 2; }
int fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int getpid(void) { return 1; }
int kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
__attribute__((noreturn)) void _exit(int code) { panic("newlib _exit(%d) called", code); }
