#!/usr/bin/env bash
# Build report on the kernel image: lists every function that uses x87/MMX/SSE/AVX registers.
# Kernel code itself is built -mgeneral-regs-only, so these are newlib's (formatted output,
# malloc). Guest vector state is protected from them by lazy XSAVE switching (kernel/fpu.c:
# CR0.TS=1 after every exit, so the first such instruction traps and saves the guest's state
# first), which the stress-test kernel proves in Bochs; this list shows where that can trigger.
set -euo pipefail
elf=$1
hits=$(objdump -d --no-show-raw-insn "$elf" | awk '
	/^[0-9a-f]+ <.*>:$/ { fn = $2 }
	/%(x|y|z)mm[0-9]|%st(\(|[^a-z])|%mm[0-7]/ { print fn }' | sort | uniq -c)
if [ -z "$hits" ]; then
	echo "check-kernel-image: no vector/x87 instructions in $elf"
	exit 0
fi
echo "check-kernel-image: functions in $elf using vector/x87 registers (guarded by lazy XSAVE):"
echo "$hits" | sed 's/^/  /'
