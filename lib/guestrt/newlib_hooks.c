/*
 * The system hooks newlib's libc.a refers to (it is built without its own syscalls and calls
 * them by their plain names). A guest has no files or processes: stdout and stderr go to the
 * console and the rest fail cleanly with an errno. There is a heap (malloc) only if the guest
 * gives one to guestrt_heap_init; a test guest does not, and its sbrk always fails.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "console.h"
#include "hcall.h"

#undef errno
extern int errno;   /* newlib's reentrant wrappers copy this into the caller's reent */

static char *heap_next, *heap_end;

void guestrt_heap_init(void *start, void *end)
{
	heap_next = (char *)(((uintptr_t)start + 4095) & ~(uintptr_t)4095);
	heap_end = end;
}

void *sbrk(ptrdiff_t incr)
{
	if (!heap_next || incr < 0 || (uintptr_t)incr > (uintptr_t)(heap_end - heap_next)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	void *old = heap_next;
	heap_next += incr;
	return old;
}

int write(int fd, const char *buf, int len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	if (len > 0)
		console_write(buf, (size_t)len);
	return len;
}

int read(int fd, char *buf, int len) { (void)fd; (void)buf; (void)len; errno = EBADF; return -1; }
int close(int fd) { (void)fd; errno = EBADF; return -1; }
int lseek(int fd, int off, int whence) { (void)fd; (void)off; (void)whence; errno = ESPIPE; return -1; }
int isatty(int fd) { return fd >= 0 && fd <= 2; }
int fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int getpid(void) { return 1; }
int kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }

__attribute__((noreturn)) void _exit(int code)
{
	hc_exit((uint64_t)(int64_t)code);
	for (;;)
		asm volatile("cli; hlt");
}
