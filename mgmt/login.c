/*
 * The shell's login (login.h). The password never leaves this partition and is never echoed
 * or kept: it is typed into a line editor of its own (so it is not in the command history),
 * checked with argon2_verify (lib/argon2, which compares in constant time) and wiped at once.
 * The hypervisor only hears what happened and logs it with the time, so the record is outside
 * the reach of the session it describes. The delay after a wrong password is spent here,
 * with what is typed meanwhile thrown away, so a script cannot queue guesses behind it.
 */
#include <string.h>
#include "lib/argon2/include/argon2.h"
#include "mgmt/commands.h"
#include "mgmt/login.h"
#include "mgmt/shell_internal.h"

static void event(struct shell *sh, uint32_t what, uint32_t failures)
{
	sh->ops->login_event(sh->ops->ctx, what, failures);
}

/* Writes through a volatile pointer, so the compiler cannot drop it as a dead store. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *b = p;
	while (n--)
		*b++ = 0;
}

static void forget_password(struct login *l)
{
	wipe(&l->pw, sizeof l->pw);
	line_edit_init(&l->pw);
}

void login_start(struct shell *sh)
{
	struct login *l = &sh->login;
	memset(l, 0, sizeof *l);
	line_edit_init(&l->pw);
	int64_t rc = sh->ops->login_info(sh->ops->ctx, &l->info);
	l->info.password_hash[sizeof l->info.password_hash - 1] = '\0';
	l->required = rc >= 0 && l->info.password_hash[0];
	l->in = !l->required;
	if (rc < 0)
		out_line(sh, "warning: the hypervisor gives no login policy (code %lld): this console "
			 "is open", (long long)rc);
	else if (l->required)
		out_line(sh, "This console is locked: type the password (console_password in "
			 "bulkhead.cfg).");
	else
		out_line(sh, "warning: no console_password is set: whoever reaches this serial line "
			 "controls the machine (README \"Login\")");
}

bool login_open(const struct shell *sh) { return sh->login.in; }

static argon2_type hash_type(const char *hash)
{
	if (!strncmp(hash, "$argon2id$", 10))
		return Argon2_id;
	return !strncmp(hash, "$argon2d$", 9) ? Argon2_d : Argon2_i;
}

/* Throws away what is waiting; bounded, so a flood on the line cannot hold the shell here. */
static void discard_typed(struct shell *sh)
{
	for (unsigned i = 0; i < 64 && sh->ops->read_key(sh->ops->ctx) >= 0; i++)
		;
}

/* Waits for the delay of the failures-th wrong password, discarding typed bytes. */
static void delay_after_failure(struct shell *sh, unsigned failures)
{
	unsigned s = LOGIN_DELAY_MAX_S;
	if (failures < 31 && (1u << failures) < s)
		s = 1u << failures;
	uint64_t until = sh->ops->now_ms(sh->ops->ctx) + (uint64_t)s * 1000;
	for (uint64_t now; (now = sh->ops->now_ms(sh->ops->ctx)) < until;) {
		discard_typed(sh);
		uint64_t left = until - now;
		sh->ops->sleep_ms(sh->ops->ctx, left > 100 ? 100 : (unsigned)left);
	}
	discard_typed(sh);
}

static void check(struct shell *sh, const char *pw, size_t len)
{
	struct login *l = &sh->login;
	/* The check takes a while (that is Argon2's point): the line end shows it was taken. */
	shell_flush(sh);
	int rc = argon2_verify(l->info.password_hash, pw, len, hash_type(l->info.password_hash));
	forget_password(l);
	if (rc == ARGON2_OK) {
		event(sh, MGMT_LOGIN_OK, l->failures);
		if (l->failures)
			out_line(sh, "logged in; %u wrong password(s) before this one were logged",
				 l->failures);
		else
			out_line(sh, "logged in");
		l->failures = 0;
		l->in = true;
		l->idle_expired = false;
		return;
	}
	l->failures++;
	if (rc == ARGON2_VERIFY_MISMATCH) {
		event(sh, MGMT_LOGIN_FAILED, l->failures);
		out_line(sh, "wrong password");
	} else {
		/* Fail closed: a hash the library will not read lets nobody in. */
		event(sh, MGMT_LOGIN_UNCHECKABLE, l->failures);
		out_line(sh, "error: console_password cannot be checked (%s); nobody can log in "
			 "until it is fixed in bulkhead.cfg", argon2_error_message(rc));
	}
	shell_flush(sh);
	delay_after_failure(sh, l->failures);
}

void login_feed(struct shell *sh, uint8_t byte)
{
	struct login *l = &sh->login;
	struct line_echo echo;                  /* not shown: nothing of the password is echoed */
	enum line_event ev = line_edit_feed(&l->pw, byte, &echo);
	wipe(&echo, sizeof echo);
	if (ev == LINE_PENDING)
		return;
	out_str(sh, "\r\n");
	/* An empty line (Enter to wake the console) is not an attempt. check() wipes what it
	 * was given; anything else typed is wiped here. */
	const char *pw = line_edit_text(&l->pw);
	if (ev == LINE_DONE && pw[0])
		check(sh, pw, strlen(pw));
	else
		forget_password(l);
	out_str(sh, l->in ? SHELL_PROMPT : LOGIN_PROMPT);
}

static void lock(struct shell *sh, uint32_t why)
{
	struct login *l = &sh->login;
	l->in = false;
	l->idle_expired = false;
	l->failures = 0;
	/* The next person at the console must not page through this session's commands. */
	line_edit_init(&sh->le);
	forget_password(l);
	event(sh, why, 0);
}

void login_logout(struct shell *sh)
{
	if (!sh->login.required) {
		out_line(sh, "error: no console_password is set, so there is no login to end");
		return;
	}
	lock(sh, MGMT_LOGIN_LOGOUT);
	out_line(sh, "logged out");
}

bool login_idle_expired(struct shell *sh)
{
	struct login *l = &sh->login;
	if (!l->required || !l->in)
		return false;
	if (l->idle_expired)
		return true;
	uint64_t now = sh->ops->now_ms(sh->ops->ctx);
	if (now < l->next_check_ms)
		return false;
	l->next_check_ms = now + LOGIN_IDLE_CHECK_MS;
	struct mgmt_login_info info;
	if (sh->ops->login_info(sh->ops->ctx, &info) < 0)
		return false;
	l->info.idle_logout_s = info.idle_logout_s;       /* `set idle_logout` is in force now */
	if (info.idle_logout_s && info.console_idle_ms >= (uint64_t)info.idle_logout_s * 1000)
		l->idle_expired = true;
	return l->idle_expired;
}

void login_tick(struct shell *sh)
{
	if (!login_idle_expired(sh))
		return;
	uint32_t s = sh->login.info.idle_logout_s;
	lock(sh, MGMT_LOGIN_IDLE);
	out_str(sh, "\r\n");
	if (s % 60)
		out_line(sh, "logged out: nothing was typed for %u s", (unsigned)s);
	else
		out_line(sh, "logged out: nothing was typed for %u min", (unsigned)(s / 60));
	out_str(sh, LOGIN_PROMPT);
	shell_flush(sh);
}
