#!/usr/bin/env bash
# `make test`: the QEMU, Bochs, management-shell and Linux suites (the unit suite has run just
# before, from make), then one line summing every suite. At most two Bochs run at a time (one
# per core): the Linux life-cycle session, the longest, runs in one lane from the start; the
# other lane runs the QEMU suite beside the shell suite, then the two-Linux session; then the
# Bochs suite takes both lanes. Each suite's output is shown whole, in order. Exits non-zero
# if anything failed or a suite left no tally.
set -u
. "$(dirname "$0")/lib.sh"
out="$BUILD/test/output"
mkdir -p "$out"
SUITES="unit qemu bochs shell linux-life linux-pair"
for s in $SUITES; do [ "$s" = unit ] || rm -f "$RESULTS/$s.counts"; done
"$TOP/tests/runners/linux-suite.sh" life >"$out/linux-life.txt" 2>&1 &
life_pid=$!
"$TOP/tests/runners/qemu-suite.sh" >"$out/qemu.txt" 2>&1 &
qemu_pid=$!
"$TOP/tests/runners/shell-suite.sh" >"$out/shell.txt" 2>&1 &
shell_pid=$!
wait "$qemu_pid"; cat "$out/qemu.txt"
wait "$shell_pid"; cat "$out/shell.txt"
"$TOP/tests/runners/linux-suite.sh" pair >"$out/linux-pair.txt" 2>&1
cat "$out/linux-pair.txt"
wait "$life_pid"; cat "$out/linux-life.txt"
"$TOP/tests/runners/bochs-suite.sh"
total_p=0 total_f=0
for s in $SUITES; do
	if [ -f "$RESULTS/$s.counts" ]; then
		read -r p f <"$RESULTS/$s.counts"
	else
		echo "suite $s left no results"; p=0; f=1
	fi
	total_p=$((total_p + p)); total_f=$((total_f + f))
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
