#!/usr/bin/env bash
# `make test`: the QEMU, Bochs and management-shell suites (the unit suite has run just before,
# from make), then one line summing every suite. The QEMU suite and the shell suite (one Bochs)
# run side by side, then the Bochs suite (two Bochs at a time); each suite's output is shown
# whole, in order. Exits non-zero if anything failed or a suite left no tally.
set -u
. "$(dirname "$0")/lib.sh"
out="$BUILD/test/output"
mkdir -p "$out"
for s in qemu bochs shell; do rm -f "$RESULTS/$s.counts"; done
"$TOP/tests/runners/qemu-suite.sh" >"$out/qemu.txt" 2>&1 &
qemu_pid=$!
"$TOP/tests/runners/shell-suite.sh" >"$out/shell.txt" 2>&1 &
shell_pid=$!
wait "$qemu_pid"; cat "$out/qemu.txt"
wait "$shell_pid"; cat "$out/shell.txt"
"$TOP/tests/runners/bochs-suite.sh"
total_p=0 total_f=0
for s in unit qemu bochs shell; do
	if [ -f "$RESULTS/$s.counts" ]; then
		read -r p f <"$RESULTS/$s.counts"
	else
		echo "suite $s left no results"; p=0; f=1
	fi
	total_p=$((total_p + p)); total_f=$((total_f + f))
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
