# Shared helpers for the emulator test suites (sourced, not run). A suite boots Bulkhead under
# QEMU or Bochs with the serial console going to a log file, waits under a timeout until the
# log shows an end marker (or the emulator exits by itself), and then judges the log with
# check/check_absent: every test is a fact about the serial output, never an exit code alone.
# Each suite records its tallies in $RESULTS/<suite>.counts for run-all.sh to sum.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD="$TOP/build"
RESULTS="$BUILD/test/results"
mkdir -p "$RESULTS"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd

suite_passed=0
suite_failed=0

pass() { suite_passed=$((suite_passed + 1)); echo "  PASS  $1"; }
fail() { suite_failed=$((suite_failed + 1)); echo "  FAIL  $1"; }

# The serial console ends lines with CR LF; checks judge the text without the CRs.
text_of() { tr -d '\r' <"$1"; }
# check LOG REGEX DESCRIPTION: the serial log has a line matching the extended regex.
check() {
	if text_of "$1" | grep -Eq -- "$2"; then pass "$3"; else fail "$3  (no line matching: $2)"; fi
}
# check_absent LOG REGEX DESCRIPTION: no line matches.
check_absent() {
	if text_of "$1" | grep -Eq -- "$2"; then
		fail "$3  (unexpected: $(text_of "$1" | grep -Em1 -- "$2"))"
	else
		pass "$3"
	fi
}
# check_count LOG REGEX N DESCRIPTION: exactly N lines match.
check_count() {
	local n; n=$(text_of "$1" | grep -Ec -- "$2" || true)
	if [ "$n" -eq "$3" ]; then pass "$4"; else fail "$4  (expected $3 lines matching $2, found $n)"; fi
}

finish_suite() {
	echo "$suite_passed $suite_failed" >"$RESULTS/$1.counts"
	echo "$1: $suite_passed passed, $suite_failed failed"
}

# wait_for_marker PID LOG REGEX SECONDS: returns 0 when REGEX shows up in LOG, 1 when the
# process ended without it, 2 on timeout. The caller kills the emulator afterwards.
wait_for_marker() {
	local pid=$1 log=$2 re=$3 limit=$4 t=0
	while [ "$t" -lt $((limit * 5)) ]; do
		if [ -f "$log" ] && grep -Eq -- "$re" "$log"; then return 0; fi
		if ! kill -0 "$pid" 2>/dev/null; then
			grep -Eq -- "$re" "$log" 2>/dev/null && return 0
			return 1
		fi
		sleep 0.2
		t=$((t + 1))
	done
	return 2
}

# await_boot PID LOG REGEX SECONDS START GRACE: waits for the end marker, then gives a machine
# that is powering itself off GRACE seconds to finish before stopping it. Sets BOOT_SECONDS
# (from START to the marker) and BOOT_RESULT: "exited" (it powered off by itself), "marker"
# (it had to be stopped) or "timeout" (the marker never came).
await_boot() {
	local pid=$1 log=$2 re=$3 limit=$4 start=$5 grace=$6 rc
	wait_for_marker "$pid" "$log" "$re" "$limit"; rc=$?
	BOOT_SECONDS=$(echo "$(date +%s.%N) - $start" | bc)
	if [ $rc -eq 0 ]; then
		for _ in $(seq 1 $((grace * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	fi
	if kill -0 "$pid" 2>/dev/null; then
		stop_emulator "$pid"
		BOOT_RESULT=$([ $rc -eq 2 ] && echo timeout || echo marker)
	else
		wait "$pid" 2>/dev/null || true
		BOOT_RESULT=$([ $rc -eq 2 ] && echo timeout || echo exited)
	fi
}

# stop_emulator PID: end the emulator and anything it started (script wraps Bochs).
stop_emulator() {
	local pid=$1
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# make_esp DIR EFI CFG [FILES...]: an ESP folder with the loader as the removable-media path,
# an optional bulkhead.cfg ("-" for none) and extra files beside it.
make_esp() {
	local dir=$1 efi=$2 cfg=$3; shift 3
	rm -rf "$dir"; mkdir -p "$dir/EFI/BOOT"
	cp "$efi" "$dir/EFI/BOOT/BOOTX64.EFI"
	[ "$cfg" = "-" ] || cp "$cfg" "$dir/EFI/BOOT/bulkhead.cfg"
	for f in "$@"; do cp "$f" "$dir/EFI/BOOT/"; done
}

# boot_qemu ESP_DIR LOG END_REGEX SECONDS: QEMU TCG + OVMF, serial to LOG. Sets BOOT_RESULT to
# "marker", "exited" (the guest powered off) or "timeout", and BOOT_SECONDS to wall time.
# A reboot ends QEMU (-no-reboot) unless QEMU_REBOOT is set to an empty string, and the
# variable store (a copy of OVMF_VARS, ESP_DIR.vars.fd) lives as long as the run.
boot_qemu() {
	local esp=$1 log=$2 re=$3 limit=$4 vars="$1.vars.fd" start
	cp "$OVMF_VARS" "$vars"
	rm -f "$log"; : >"$log"
	start=$(date +%s.%N)
	setsid qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m "${QEMU_MEGS:-256}" -smp "${QEMU_CPUS:-1}" \
		-drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,file="$vars" \
		-drive format=raw,file=fat:rw:"$esp" \
		-serial file:"$log" -display none -monitor none ${QEMU_REBOOT--no-reboot} -net none \
		>"$log.qemu" 2>&1 &
	await_boot $! "$log" "$re" "$limit" "$start" 5
}

# boot_bochs DISK LOG END_REGEX SECONDS [GRACE]: Bochs 2.7 + OVMF (2 MiB image),
# COM1 to LOG; GRACE (default 10) is how long a machine that powers itself off gets after the
# marker (0 for a guest that never does). Debian's Bochs has no headless display and stops in
# its debugger at start, so it runs under `script` (a pty for the term display) with a command
# file that says "c".
boot_bochs() {
	local disk=$1 log=$2 re=$3 limit=$4 grace=${5:-10} dir start
	dir=$(dirname "$log")
	rm -f "$disk.lock" "$log"; : >"$log"
	cat /usr/share/OVMF/OVMF_VARS.fd /usr/share/OVMF/OVMF_CODE.fd >"$dir/OVMF-2M.fd"
	sed -e "s|@MEGS@|${BOCHS_MEGS:-256}|g" -e "s|@CPUS@|${BOCHS_CPUS:-1}|g" -e "s|@DISK@|$disk|" -e "s|@LOG@|$log|" -e "s|@ROM@|$dir/OVMF-2M.fd|" \
		-e "s|@BOCHSLOG@|$log.bochs|" "$TOP/tests/runners/bochsrc.in" >"$log.bochsrc"
	echo c >"$log.rc"
	start=$(date +%s.%N)
	setsid script -qec "bochs -q -f '$log.bochsrc' -rc '$log.rc'" /dev/null \
		</dev/null >"$log.screen" 2>&1 &
	await_boot $! "$log" "$re" "$limit" "$start" "$grace"
	rm -f "$disk.lock"
}

# --- socket sessions (tests/runners/shell-session.py drives COM1 over TCP) ----------------
SESSION="$TOP/tests/runners/shell-session.py"

# boot_bochs_socket DISK LOG PORT: starts Bochs 2.7 + OVMF in the background like lib.sh's
# boot_bochs, with COM1 a socket client of 127.0.0.1:PORT instead of a file (LOG names the
# side files: LOG.bochsrc, LOG.bochs, LOG.screen). Sets BOCHS_PID.
boot_bochs_socket() {
	local disk=$1 log=$2 port=$3
	rm -f "$disk.lock"
	cat "$OVMF_VARS" "$OVMF_CODE" >"$log.ovmf.fd"
	sed -e "s|@MEGS@|${BOCHS_MEGS:-256}|g" -e "s|@CPUS@|${BOCHS_CPUS:-1}|g" -e "s|@DISK@|$disk|" -e "s|@ROM@|$log.ovmf.fd|" -e "s|@BOCHSLOG@|$log.bochs|" \
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
