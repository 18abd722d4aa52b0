#!/usr/bin/env bash
# Runs each cmocka unit-test binary named on the command line and sums their results from
# cmocka's own "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)" lines. A binary that
# crashes or prints no summary counts as one failure, so a broken test can never pass; a skipped
# one (cmocka's "[  SKIPPED ]") is shown and counted neither way.
set -u
. "$(dirname "$0")/lib.sh"
echo "== unit tests (cmocka)"
for t in "$@"; do
	out=$("$BUILD/unit/test_$t" 2>&1); rc=$?
	p=$(echo "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	f=$(echo "$out" | sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	k=$(echo "$out" | sed -n 's/.*\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -n1)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	suite_passed=$((suite_passed + p)); suite_failed=$((suite_failed + f))
	echo "  test_$t: $p passed, $f failed${k:+ ($k skipped: not counted as passed)}"
	[ "$f" -gt 0 ] && echo "$out" | grep -E 'FAILED|ERROR|error|Assert' | head -n 20 | sed 's/^/    /'
done
finish_suite unit
