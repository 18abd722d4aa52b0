/*
 * The shell's login (README "Login"). With console_password set in bulkhead.cfg (an Argon2
 * hash), the shell takes no command until the password is typed: it asks without echoing,
 * checks the password against the hash with the Argon2 reference library (lib/argon2), waits
 * longer after each wrong one in a row, and has the hypervisor log every attempt, logout and
 * idle logout with the time (HC_MGMT_LOGIN_EVENT). A session is logged out after idle_logout
 * without a byte typed on the console, also while a partition has the console or `top` runs.
 * Without a password the console is open, and the shell says so at start. Part of the pure
 * shell module: time, input and the hypervisor come through struct shell_ops.
 */
#ifndef MGMT_LOGIN_H
#define MGMT_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

struct shell;

#define LOGIN_PROMPT "password: "
/* After the n-th wrong password in a row, the shell waits 2^n seconds (at most this long)
 * before it asks again, and throws away what was typed meanwhile. */
#define LOGIN_DELAY_MAX_S 32
/* How often the idle time is asked for while nothing is typed. */
#define LOGIN_IDLE_CHECK_MS 1000

/* Reads the policy from the hypervisor; at shell start, before the banner's last line. */
void login_start(struct shell *sh);
/* True while the shell takes commands (logged in, or no password is set). */
bool login_open(const struct shell *sh);
/* One byte typed at the password prompt. */
void login_feed(struct shell *sh, uint8_t byte);
/* `logout`. */
void login_logout(struct shell *sh);
/* Called when nothing is typed (the input loop's tick, `top`, `console`): asks how long the
 * console has been idle, at most every LOGIN_IDLE_CHECK_MS, and returns true once the session
 * has been idle for idle_logout. The caller returns to the prompt, where login_tick logs out. */
bool login_idle_expired(struct shell *sh);
/* The input loop's tick: logs an expired session out and asks for the password. */
void login_tick(struct shell *sh);

#endif
