#!/usr/bin/env bash
# Management shell suite (Bochs 2.7 + OVMF): the shell is driven end to end over COM1, which
# Bochs connects to a TCP socket on 127.0.0.1 that tests/runners/shell-session.py listens on.
#
# Transport: the session binds port 0 (the kernel picks a free port, so parallel runs never
# collide) and writes the number to a file; only then is Bochs started with
#   com1: enabled=1, mode=socket-client, dev=127.0.0.1:PORT
# and it connects once, while it sets up its devices (well before the firmware runs). The
# other mode, socket-server, makes Bochs block in accept() before the simulation starts until
# a client connects; it would need a port chosen before Bochs binds it (a race with anything
# else on the machine), so it is not used. In client mode a Bochs that cannot connect runs on
# with COM1 unconnected and its output lost (its log says "com1: connect() failed"): the
# session's "Bochs connected" check and the banner checks catch that. Bochs has no flow control
# on the socket (its UART takes one byte per character time, 87 us of emulated time at 115200,
# and drops what its 16-byte FIFO cannot hold, logging "com1: receive FIFO overflow"), and it
# dies of SIGPIPE if it writes to COM1 after the client has closed the connection.
#
# 1. Transport check: the sample config boots with COM1 on the socket; its banner and the demo
#    partition's line must arrive through the session's client (and its log).
# 2. The shell scenario (tests/configs/shell.cfg: mgmt, ticker, unpriv): see shell-session.py.
#    The machine is still running at the end; the suite stops Bochs and removes its disk lock.
# The tally (session checks plus the suite's own) goes to $RESULTS/shell.counts.
set -u
. "$(dirname "$0")/lib.sh"
work="$BUILD/test/shell"
mkdir -p "$work"
SHELL_LIMIT=${SHELL_LIMIT:-900}      # seconds for the whole shell session (boot included)
# Extra shell-session.py options for the scenario, e.g. SHELL_SESSION_ARGS="--char-delay 0".
read -r -a session_args <<<"${SHELL_SESSION_ARGS:-}"
echo "== management shell suite (Bochs, COM1 on a TCP socket)"
rm -f "$RESULTS/shell.counts"

# 1. Transport check on the sample config (powers itself off after the demo partition).
if [ -f "$BUILD/bulkhead.efi" ] && [ -f "$BUILD/guests/hello.elf" ]; then
	make_esp "$work/esp-transport" "$BUILD/bulkhead.efi" "$TOP/tests/configs/demo.cfg" \
		"$BUILD/guests/hello.elf"
	"$TOP/tools/make-disk.sh" "$work/esp-transport" "$work/transport.img" >/dev/null
	echo "-- transport: the sample config with COM1 on a socket"
	run_session "$work/transport.img" "$work/transport.log" "$work/transport.counts" 240 \
		--boot-timeout 200 \
		--expect-only '^Bulkhead [0-9.]+ - type-1 microhypervisor' \
		--expect-only '^\[demo\] hello from the demo partition$' \
		--expect-only 'stopping: all partitions have stopped'
	add_counts "$work/transport.counts" "transport session"
	check "$work/transport.log" '^\[demo\] hello from the demo partition' \
		"transport: the client's log file holds the guest's line too"
else
	fail "transport check: build/bulkhead.efi or build/guests/hello.elf not built"
fi

# 2. The shell scenario.
echo "-- the management shell (tests/configs/shell.cfg)"
missing=""
for f in "$BUILD/bulkhead.efi" "$BUILD/guests/ticker.elf" "$BUILD/guests/unpriv.elf" \
	"$BUILD/guests/busy.elf"; do
	[ -f "$f" ] || missing="$missing ${f#"$TOP"/}"
done
if [ ! -f "$BUILD/mgmt/mgmt.elf" ]; then
	fail "management shell not built (build/mgmt/mgmt.elf is missing): the shell scenario cannot run"
elif [ -n "$missing" ]; then
	fail "shell scenario: images not built:$missing"
elif ! command -v argon2 >/dev/null; then
	fail "shell scenario: Debian's argon2 tool is missing (apt-get install argon2): it makes the console_password hash"
else
	# The login: a fresh password and salt each run, hashed with the standard tool the README
	# tells administrators to use (its default cost: -t 3 -m 12, 4 MiB), put into a copy of
	# shell.cfg. The session gets the password in a file, as bulkhead-ctl does.
	password="bh-$(head -c 9 /dev/urandom | base64 | tr '+/' '-_')"
	printf '%s\n' "$password" >"$work/password"
	hash=$(printf %s "$password" | argon2 "$(head -c 16 /dev/urandom | base64)" -id -e)
	sed "s|^hostname  = bulkhead-shell-test$|&\nconsole_password = $hash|" \
		"$TOP/tests/configs/shell.cfg" >"$work/shell.cfg"
	grep -q '^console_password = \$argon2id\$' "$work/shell.cfg" ||
		fail "shell scenario: console_password did not get into the config"
	session_args+=(--password-file "$work/password")
	make_esp "$work/esp-shell" "$BUILD/bulkhead.efi" "$work/shell.cfg" \
		"$BUILD/mgmt/mgmt.elf" "$BUILD/guests/ticker.elf" "$BUILD/guests/unpriv.elf" \
		"$BUILD/guests/busy.elf"
	"$TOP/tools/make-disk.sh" "$work/esp-shell" "$work/shell.img" >/dev/null
	start=$(date +%s)
	# Two CPUs: busy owns CPU 1 (issue 9); the only multi-CPU Bochs of its lane.
	BOCHS_CPUS=2 run_session "$work/shell.img" "$work/shell.log" "$work/session.counts" "$SHELL_LIMIT" \
		${session_args[@]+"${session_args[@]}"}
	echo "  (shell session: $(($(date +%s) - start)) s; serial log $work/shell.log," \
		"steps $work/shell.log.steps)"
	add_counts "$work/session.counts" "shell session"
	log="$work/shell.log"
	check "$log" "^\[hv\] .*'unpriv'.*(refused|not privileged)" \
		"serial output: the hypervisor logs its refusal of unpriv's management hypercall by name"
	check "$log" "^\[hv\] starting 4 partition\(s\); the management shell has the console" \
		"the management partition gets the console at start"
	check_absent "$log" "^\[hv\] warning: the management console is open" \
		"with console_password set, the boot log does not call the console open"
	check_absent "$log" "$password" "the password never appears on the console"
	check_absent "$log" 'EXCEPTION|PANIC' "no hypervisor exception or panic"
	check "$log" "^\[hv\] partition 'busy' \(id 3\): .*, CPU 1$" \
		"busy is placed on CPU 1, the CPU its config gives it"
	check_absent "$log" "did not let go|did not answer" "every kick across CPUs was answered"
	check_absent "$log" "^\[hv\] error: partition '[a-z]+' crashed" "no partition crashed"
	lost=$(grep -cE 'com1: (overrun error|receive FIFO overflow)' "$log.bochs" 2>/dev/null || true)
	echo "  (Bochs logged ${lost:-0} COM1 receive overruns/overflows: typed bytes its UART lost)"
fi

finish_suite shell
