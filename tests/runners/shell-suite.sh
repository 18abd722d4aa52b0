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
SESSION="$TOP/tests/runners/shell-session.py"
SHELL_LIMIT=${SHELL_LIMIT:-900}      # seconds for the whole shell session (boot included)
# Extra shell-session.py options for the scenario, e.g. SHELL_SESSION_ARGS="--char-delay 0".
read -r -a session_args <<<"${SHELL_SESSION_ARGS:-}"
echo "== management shell suite (Bochs, COM1 on a TCP socket)"
rm -f "$RESULTS/shell.counts"

# boot_bochs_socket DISK LOG PORT: starts Bochs 2.7 + OVMF in the background like lib.sh's
# boot_bochs, with COM1 a socket client of 127.0.0.1:PORT instead of a file (LOG names the
# side files: LOG.bochsrc, LOG.bochs, LOG.screen). Sets BOCHS_PID.
boot_bochs_socket() {
	local disk=$1 log=$2 port=$3
	rm -f "$disk.lock"
	cat "$OVMF_VARS" "$OVMF_CODE" >"$log.ovmf.fd"
	sed -e "s|@MEGS@|${BOCHS_MEGS:-256}|g" -e "s|@DISK@|$disk|" -e "s|@ROM@|$log.ovmf.fd|" -e "s|@BOCHSLOG@|$log.bochs|" \
		-e "s|^com1: .*|com1: enabled=1, mode=socket-client, dev=127.0.0.1:$port|" \
		"$TOP/tests/runners/bochsrc.in" >"$log.bochsrc"
	echo c >"$log.rc"
	setsid script -qec "bochs -q -f '$log.bochsrc' -rc '$log.rc'" /dev/null \
		</dev/null >"$log.screen" 2>&1 &
	BOCHS_PID=$!
}

# run_session DISK LOG COUNTS SECONDS [SESSION ARGS...]: starts the session (it listens and
# writes its port), then Bochs connected to it; waits for the session under a timeout, then
# stops Bochs and removes its disk lock. The session's tally lands in COUNTS. Bochs dies of
# SIGPIPE when it writes to COM1 after the session has closed its end, so whether the machine
# was still up is judged by the session (its connection), not here.
run_session() {
	local disk=$1 log=$2 counts=$3 limit=$4 py
	shift 4
	rm -f "$log" "$log.port" "$counts"
	BOCHS_PID=""
	timeout -k 5 "$limit" python3 "$SESSION" --port-file "$log.port" --log "$log" \
		--counts "$counts" --deadline $((limit - 15)) "$@" &
	py=$!
	for _ in $(seq 1 100); do
		[ -s "$log.port" ] && break
		kill -0 "$py" 2>/dev/null || break
		sleep 0.1
	done
	if [ -s "$log.port" ]; then
		boot_bochs_socket "$disk" "$log" "$(cat "$log.port")"
	else
		echo "  (the session did not start listening)"
	fi
	wait "$py"
	[ -n "$BOCHS_PID" ] && stop_emulator "$BOCHS_PID"
	rm -f "$disk.lock"
}

# add_counts FILE WHAT: adds a session's "P F" to this suite's tally (a missing file is a FAIL).
add_counts() {
	local p f
	if [ -s "$1" ] && read -r p f <"$1"; then
		suite_passed=$((suite_passed + p)); suite_failed=$((suite_failed + f))
	else
		fail "$2 left no tally"
	fi
}

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
for f in "$BUILD/bulkhead.efi" "$BUILD/guests/ticker.elf" "$BUILD/guests/unpriv.elf"; do
	[ -f "$f" ] || missing="$missing ${f#"$TOP"/}"
done
if [ ! -f "$BUILD/mgmt/mgmt.elf" ]; then
	fail "management shell not built (build/mgmt/mgmt.elf is missing): the shell scenario cannot run"
elif [ -n "$missing" ]; then
	fail "shell scenario: images not built:$missing"
else
	make_esp "$work/esp-shell" "$BUILD/bulkhead.efi" "$TOP/tests/configs/shell.cfg" \
		"$BUILD/mgmt/mgmt.elf" "$BUILD/guests/ticker.elf" "$BUILD/guests/unpriv.elf"
	"$TOP/tools/make-disk.sh" "$work/esp-shell" "$work/shell.img" >/dev/null
	start=$(date +%s)
	run_session "$work/shell.img" "$work/shell.log" "$work/session.counts" "$SHELL_LIMIT" \
		${session_args[@]+"${session_args[@]}"}
	echo "  (shell session: $(($(date +%s) - start)) s; serial log $work/shell.log," \
		"steps $work/shell.log.steps)"
	add_counts "$work/session.counts" "shell session"
	log="$work/shell.log"
	check "$log" "^\[hv\] .*'unpriv'.*(refused|not privileged)" \
		"serial output: the hypervisor logs its refusal of unpriv's management hypercall by name"
	check "$log" "^\[hv\] starting 3 partition\(s\); the management shell has the console" \
		"the management partition gets the console at start"
	check_absent "$log" 'EXCEPTION|PANIC' "no hypervisor exception or panic"
	check_absent "$log" "^\[hv\] error: partition '[a-z]+' crashed" "no partition crashed"
	lost=$(grep -cE 'com1: (overrun error|receive FIFO overflow)' "$log.bochs" 2>/dev/null || true)
	echo "  (Bochs logged ${lost:-0} COM1 receive overruns/overflows: typed bytes its UART lost)"
fi

finish_suite shell
