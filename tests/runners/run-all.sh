#!/usr/bin/env bash
# `make test`: the QEMU and Bochs suites (the unit suite has run just before, from make), then
# one line summing every suite. Exits non-zero if anything failed or a suite left no tally.
set -u
. "$(dirname "$0")/lib.sh"
for s in qemu bochs; do rm -f "$RESULTS/$s.counts"; done
"$TOP/tests/runners/qemu-suite.sh"
"$TOP/tests/runners/bochs-suite.sh"
total_p=0 total_f=0
for s in unit qemu bochs; do
	if [ -f "$RESULTS/$s.counts" ]; then
		read -r p f <"$RESULTS/$s.counts"
	else
		echo "suite $s left no results"; p=0; f=1
	fi
	total_p=$((total_p + p)); total_f=$((total_f + f))
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
