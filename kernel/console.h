/*
 * The console multiplexer: the hypervisor owns the physical UART and decides, byte by byte,
 * what reaches it and who gets typed input. With a privileged (management) partition the shell
 * has the console by default; `console NAME` attaches another partition (its recent output is
 * replayed, then it goes live) until the administrator types the escape byte, which the
 * hypervisor itself handles so it works even when the partition is wedged. Without a
 * management partition every partition's output reaches the wire line by line, prefixed with
 * "[name] ". Hypervisor log lines always reach it, prefixed "[hv] ".
 */
#ifndef BULKHEAD_CONSOLE_H
#define BULKHEAD_CONSOLE_H

#include <stdint.h>
#include "drivers/uart16550.h"
#include "vdev/vuart.h"

#define CONSOLE_FOCUS_NONE (-1)
#define CONSOLE_REPLAY_BYTES 4096

void console_init(struct uart *wire, uint8_t escape_char);
uint8_t console_escape_char(void);
/* A new escape byte from the shell's `set escape`: the next one typed counts. */
void console_set_escape(uint8_t escape_char);
/* The partition whose shell owns the console by default (CONSOLE_FOCUS_NONE: none). */
void console_set_shell(int partition_id);
int console_focus(void);
/* The TSC when the last byte was typed on the console (or when the console was set up). */
uint64_t console_last_input_tsc(void);
/* Gives the console to a partition, replaying its recent output first. */
void console_attach(int partition_id);
/* A partition stopped: if it had the console, the shell (or nobody) gets it back. */
void console_partition_stopped(int partition_id);
/* Output path of every partition's virtual UART. */
void console_route(struct vuart *u, char c);
/* Reads what the administrator typed and delivers it (or handles the escape byte); on the
 * boot CPU only. Input for a partition on another CPU goes through its mailbox. */
void console_poll_input(void);
/* On the CPU that runs partition p: hands it the typed input waiting in its mailbox. */
struct partition;
void console_take_mail(struct partition *p);

#endif
