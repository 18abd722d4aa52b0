#!/usr/bin/env bash
# `make run`: boots Bulkhead with the sample config (build/esp: the management shell, a Linux
# partition and the demo guest; samples/bulkhead.cfg) in the best emulator on this machine,
# serial console on this terminal:
#   - QEMU with KVM and -cpu host when /dev/kvm offers nested VMX (a real Intel CPU);
#   - otherwise Bochs + OVMF, which emulates VMX and EPT (slow: ~10 s of firmware first, about
#     90 s for Linux to reach its shell).
# BULKHEAD_ESP=DIR boots another ESP folder instead (one holding only the loader boots the
# embedded default config: the shell and the demo).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
run="$build/run"
mkdir -p "$run"
esp=${BULKHEAD_ESP:-$build/esp}
# The sample config's partitions and the hypervisor's reservation need 224 MiB.
export BOCHS_MEGS=${BOCHS_MEGS:-512}

nested_vmx() {
	[ -w /dev/kvm ] || return 1
	grep -qw vmx /proc/cpuinfo || return 1
	local n=/sys/module/kvm_intel/parameters/nested
	[ -r "$n" ] && grep -qE '^(Y|1)$' "$n"
}

if nested_vmx; then
	echo "make run: QEMU with KVM (-cpu host, nested VMX). Quit: Ctrl-A then X."
	cp /usr/share/OVMF/OVMF_VARS.fd "$run/vars.fd"
	exec qemu-system-x86_64 -machine q35 -accel kvm -cpu host -m 1024 -smp 2 \
		-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd \
		-drive if=pflash,format=raw,file="$run/vars.fd" \
		-drive format=raw,file=fat:rw:"$esp" \
		-serial mon:stdio -display none -no-reboot -net none
fi

echo "make run: no KVM with nested VMX here; using Bochs + OVMF (emulated VMX/EPT)."
echo "          The firmware takes ~10 s before Bulkhead's first line. Ctrl-\\ quits."
"$top/tools/make-disk.sh" "$esp" "$run/disk.img" >/dev/null
cat /usr/share/OVMF/OVMF_VARS.fd /usr/share/OVMF/OVMF_CODE.fd >"$run/OVMF-2M.fd"
rm -f "$run/disk.img.lock"
sed -e "s|@MEGS@|${BOCHS_MEGS:-256}|g" -e "s|@CPUS@|${BOCHS_CPUS:-2}|g" -e "s|@DISK@|$run/disk.img|" -e "s|@ROM@|$run/OVMF-2M.fd|" -e "s|@BOCHSLOG@|$run/bochs.log|" \
	-e 's|^com1: .*|com1: enabled=1, mode=socket-client, dev=127.0.0.1:@PORT@|' \
	"$top/tests/runners/bochsrc.in" >"$run/bochsrc.in"
echo c >"$run/bochs.rc"
trap 'rm -f "$run/disk.img.lock"' EXIT
# The bridge owns this terminal and starts Bochs (under `script`, which gives Bochs's text
# display a pty of its own) once it knows its port; COM1 connects back to it.
python3 "$top/tools/serial-bridge.py" --log "$run/serial.log" -- sh -c \
	"sed \"s|@PORT@|\$BRIDGE_PORT|\" '$run/bochsrc.in' >'$run/bochsrc' && exec script -qec \"bochs -q -f '$run/bochsrc' -rc '$run/bochs.rc'\" /dev/null"
