#!/usr/bin/env bash
# The bare-metal baseline for booting Linux in a Bulkhead partition: boots the Linux guest kit's
# vmlinuz and initrd.img (tools/linux-kit.sh) straight on Bochs + OVMF, no hypervisor, on the very
# machine the Bochs suite uses (tests/runners/bochsrc.in: CPU model, memory, OVMF image, disk
# geometry) with the kernel command line "console=ttyS0" and nothing else, and reports the wall
# seconds from starting Bochs to the initramfs's "bulkhead-linux: shell ready" line. OVMF boots
# tests/linux/efi-linux.c, which starts the kernel's EFI stub with that command line. The
# emulated work is reported too, from the TSC that /init prints beside the marker: in this Bochs
# set-up the TSC counts one per emulated instruction from reset (plus the time skipped while the
# CPU halts), which, unlike wall seconds, does not depend on how fast the host is.
#   usage: tools/bare-linux-bochs.sh [TIMEOUT_SECONDS]     (default 600)
# The last line is "bare-linux-bochs: seconds S tsc T" for scripts to read.
set -euo pipefail
limit=${1:-600}
. "$(dirname "$0")/../tests/runners/lib.sh"
kit="$BUILD/linux"
work="$BUILD/bench/bare-linux"
marker='bulkhead-linux: shell ready'

make -s -C "$TOP" linux-kit linux-efi
mkdir -p "$work"
rm -rf "$work/esp" && mkdir -p "$work/esp/EFI/BOOT"
cp "$kit/efi-linux.efi" "$work/esp/EFI/BOOT/BOOTX64.EFI"
cp "$kit/vmlinuz" "$kit/initrd.img" "$work/esp/"
"$TOP/tools/make-disk.sh" "$work/esp" "$work/disk.img" >/dev/null

log="$work/serial.log"
echo "bare-linux-bochs: booting $(cat "$kit/kernel-version") on bare Bochs + OVMF (timeout ${limit}s)"
# Grace 0: the shell never powers the machine off, so it is stopped as soon as the marker shows.
boot_bochs "$work/disk.img" "$log" "$marker" "$limit" 0
if [ "$BOOT_RESULT" != marker ]; then
	echo "bare-linux-bochs: no '$marker' ($BOOT_RESULT after ${BOOT_SECONDS}s); serial log $log ends:" >&2
	text_of "$log" | tail -n 20 >&2
	exit 1
fi

# /init prints "bulkhead-linux: tsc N uptime U idle I" just before the marker (tests/linux/init);
# the kernel's calibration line says how many TSC ticks it counts as one second. Ticks spent
# halted are not instructions: the kernel's idle seconds at that rate are taken off for an
# estimate of the instructions themselves (firmware's own halts, if any, are not known).
line=$(text_of "$log" | grep -E '^bulkhead-linux: tsc [0-9]+ uptime' | tail -n 1 || true)
read -r _ _ tsc _ uptime _ idle <<<"$line" || true
mhz=$(text_of "$log" | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz processor.*/\1/p' | tail -n 1)
seconds=$(printf '%.1f' "$BOOT_SECONDS")
echo "bare-linux-bochs: command line: $(text_of "$log" | sed -n 's/^\[ *[0-9.]*\] Command line: //p' | head -n 1)"
if [ -n "${tsc:-}" ] && [ -n "${idle:-}" ] && [ -n "$mhz" ]; then
	busy=$(echo "$tsc - $idle * $mhz * 1000000" | bc | cut -d. -f1)
	echo "bare-linux-bochs: TSC at the marker $tsc ticks since reset; the kernel's uptime ${uptime}s," \
		"idle ${idle}s at $mhz MHz, so about $busy emulated instructions"
	# efi-linux prints the TSC when OVMF starts it and when it starts the kernel.
	efi=$(text_of "$log" | sed -n 's/^efi-linux: started at TSC \([0-9]*\);.* at TSC \([0-9]*\)$/\1 \2/p' | tail -n 1)
	if [ -n "$efi" ]; then
		read -r t0 t1 <<<"$efi"
		echo "bare-linux-bochs: of the ticks: $t0 firmware up to the loader, $((t1 - t0)) reading" \
			"vmlinuz and initrd.img, $((tsc - t1)) kernel (EFI stub on) to /init's marker"
	fi
else
	echo "bare-linux-bochs: no TSC line from /init or no TSC rate from the kernel in $log" >&2
fi
echo "bare-linux-bochs: marker after ${seconds}s wall"
echo "bare-linux-bochs: seconds $seconds tsc ${tsc:-?}"
