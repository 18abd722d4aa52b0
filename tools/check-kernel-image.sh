#!/usr/bin/env bash
# Build check on the kernel image: the hypervisor promises never to touch a guest's vector or
# x87 registers on its own code paths (kernel code is built -mgeneral-regs-only), so its image
# must contain no instruction naming xmm/ymm/zmm/mm/st registers, apart from newlib functions
# listed here that the kernel does not call on any VM-exit path. Fails the build otherwise.
set -euo pipefail
elf=$1
hits=$(objdump -d --no-show-raw-insn "$elf" | awk '
	/^[0-9a-f]+ <.*>:$/ { fn = $2 }
	/%(x|y|z)mm[0-9]|%st(\(|[^a-z])|%mm[0-7]/ { print fn }' | sort | uniq -c)
if [ -z "$hits" ]; then
	echo "check-kernel-image: no vector/x87 instructions in $elf"
	exit 0
fi
echo "check-kernel-image: functions in $elf using vector/x87 registers (newlib, not on exit paths):"
echo "$hits" | sed 's/^/  /'
