#!/usr/bin/env bash
# `make run`: boots Bulkhead with its embedded default config (an ESP holding only the loader)
# in the best emulator on this machine, serial console on this terminal:
#   - QEMU with KVM and -cpu host when /dev/kvm offers nested VMX (a real Intel CPU);
#   - otherwise Bochs + OVMF, which emulates VMX and EPT (slow: ~10 s of firmware first).
# BULKHEAD_ESP=DIR boots another ESP folder instead (e.g. build/esp, with the sample config).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
run="$build/run"
mkdir -p "$run"
esp=${BULKHEAD_ESP:-}
if [ -z "$esp" ]; then
	esp="$run/esp"
	rm -rf "$esp"; mkdir -p "$esp/EFI/BOOT"
	cp "$build/bulkhead.efi" "$esp/EFI/BOOT/BOOTX64.EFI"
fi

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
echo "          The firmware takes ~10 s before Bulkhead's first line. Quit: Ctrl-C."
"$top/tools/make-disk.sh" "$esp" "$run/disk.img" >/dev/null
cat /usr/share/OVMF/OVMF_VARS.fd /usr/share/OVMF/OVMF_CODE.fd >"$run/OVMF-2M.fd"
rm -f "$run/disk.img.lock"
tty=$(tty 2>/dev/null || true)
sed -e "s|@DISK@|$run/disk.img|" -e "s|@ROM@|$run/OVMF-2M.fd|" -e "s|@BOCHSLOG@|$run/bochs.log|" \
	-e "s|^com1: .*|com1: enabled=1, mode=file, dev=$run/serial.log|" \
	"$top/tests/runners/bochsrc.in" >"$run/bochsrc"
echo c >"$run/bochs.rc"
: >"$run/serial.log"
# Bochs's term display needs a pty of its own (script gives it one, in its own session), so the
# serial log is followed on this terminal. Ctrl-C, TERM or the end of Bochs stops both and
# leaves no emulator or disk lock behind.
tail -n +1 -F "$run/serial.log" 2>/dev/null &
tail_pid=$!
setsid script -qec "bochs -q -f '$run/bochsrc' -rc '$run/bochs.rc'" /dev/null </dev/null \
	>"$run/screen.log" 2>&1 &
bochs_pid=$!
cleanup() {
	kill -TERM -- "-$bochs_pid" 2>/dev/null || true
	sleep 0.5
	kill -KILL -- "-$bochs_pid" 2>/dev/null || true
	kill "$tail_pid" 2>/dev/null || true
	rm -f "$run/disk.img.lock"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wait "$bochs_pid" || true
sleep 0.5
