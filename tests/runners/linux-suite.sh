#!/usr/bin/env bash
# Linux partition suite (Bochs 2.7 + OVMF): Debian's stock cloud kernel with the kit's BusyBox
# initramfs (tools/linux-kit.sh) in partitions, driven over COM1 on a TCP socket by
# tests/runners/shell-session.py, as the shell suite drives the shell.
#
#   linux-suite.sh life   tests/configs/linux.cfg (shell, linux, ticker): the console, its
#                         kernel release, MemTotal, UART interrupts, date; stop and start;
#                         poweroff and reboot from inside; a panic that harms no one
#   linux-suite.sh pair   tests/configs/linux-pair.cfg: two Linux partitions with their own
#                         consoles, alpha with two vCPUs on two CPUs (nproc, IPIs), beta's
#                         panic=5 rebooting it by itself, and every bad image refused with its
#                         own line while the rest boot
#
# Each part writes its tally to $RESULTS/linux-PART.counts; run-all.sh sums them. A Linux
# boot takes about 90 s of wall time under Bochs, so each part runs in its own Bochs.
set -u
. "$(dirname "$0")/lib.sh"
part=${1:?usage: linux-suite.sh life|pair}
work="$BUILD/test/linux-$part"
mkdir -p "$work"
kit="$BUILD/linux"
echo "== Linux suite, $part (Bochs, COM1 on a TCP socket)"
rm -f "$RESULTS/linux-$part.counts"

missing=""
for f in "$BUILD/bulkhead.efi" "$BUILD/mgmt/mgmt.elf" "$BUILD/guests/ticker.elf" \
	"$BUILD/guests/hello.elf" "$kit/vmlinuz" "$kit/initrd.img" "$kit/kernel-version"; do
	[ -f "$f" ] || missing="$missing ${f#"$TOP"/}"
done
if [ -n "$missing" ]; then
	fail "Linux suite: not built:$missing (make linux-kit)"
	finish_suite "linux-$part"
	exit 0
fi
release=$(cat "$kit/kernel-version")

case $part in
life)
	make_esp "$work/esp" "$BUILD/bulkhead.efi" "$TOP/tests/configs/linux.cfg" \
		"$BUILD/mgmt/mgmt.elf" "$BUILD/guests/ticker.elf" "$kit/vmlinuz" "$kit/initrd.img"
	"$TOP/tools/make-disk.sh" "$work/esp" "$work/disk.img" >/dev/null
	start=$(date +%s)
	BOCHS_MEGS=512 run_session "$work/disk.img" "$work/serial.log" "$work/session.counts" 1500 \
		--scenario linux-life --kernel-version "$release" --linux-mib 128 \
		--boot-timeout 240 --linux-timeout 400
	echo "  (session: $(($(date +%s) - start)) s; serial log $work/serial.log)"
	add_counts "$work/session.counts" "Linux life-cycle session"
	log="$work/serial.log"
	check "$log" "partition 'linux' boots $release .*\(linux\)" \
		"the hypervisor names the kernel it loaded (from the bzImage header)"
	check_absent "$log" 'EXCEPTION|PANIC' "no hypervisor exception or panic"
	check_absent "$log" "^\[hv\] error: partition '(mgmt|ticker)' crashed" \
		"the shell and the test guest never crash"
	;;
pair)
	big="$work/big-initrd.img"
	head -c $((16 << 20)) /dev/zero >"$big"
	make_esp "$work/esp" "$BUILD/bulkhead.efi" "$TOP/tests/configs/linux-pair.cfg" \
		"$BUILD/mgmt/mgmt.elf" "$BUILD/guests/hello.elf" "$kit/vmlinuz" "$kit/initrd.img" \
		"$kit/bad/not-bzimage" "$kit/bad/truncated" "$kit/bad/old-protocol" "$big"
	"$TOP/tools/make-disk.sh" "$work/esp" "$work/disk.img" >/dev/null
	start=$(date +%s)
	# Two CPUs: alpha's two vCPUs run on CPUs 0 and 1, beta on CPU 1 beside alpha's vCPU 1
	# (the only multi-CPU Bochs of its lane at this point).
	BOCHS_MEGS=1024 BOCHS_CPUS=2 run_session "$work/disk.img" "$work/serial.log" "$work/session.counts" 1200 \
		--scenario linux-pair --kernel-version "$release" \
		--boot-timeout 240 --linux-timeout 500 \
		--refuse "notbz=not a Linux bzImage" \
		--refuse "trunc=shorter than its setup header" \
		--refuse "oldproto=boot protocol is older than 2.12" \
		--refuse "small=does not fit in the partition's memory" \
		--refuse "bigrd=initrd does not fit" \
		--refuse "elfrd=only type = linux or multiboot partitions take an initrd"
	echo "  (session: $(($(date +%s) - start)) s; serial log $work/serial.log)"
	add_counts "$work/session.counts" "Linux pair session"
	log="$work/serial.log"
	check_count "$log" "partition '[a-z]+' not started: " 6 \
		"exactly the six bad partitions are refused, one line each"
	check "$log" "^\[hv\] partition 'alpha' \(id 1\): .*, CPU 0; vCPU 1 on CPU 1 \(waits for its start-up IPI\)$" \
		"alpha's vCPU 0 is placed on CPU 0, its vCPU 1 on CPU 1"
	check "$log" "^\[hv\] partition 'beta' \(id 2\): .*, CPU 1$" "beta is placed on CPU 1"
	check "$log" "^\[hv\] warning: the management console is open: whoever reaches this serial line" \
		"without console_password the boot log warns that the console is open"
	check_absent "$log" "did not let go|did not answer" "every kick across CPUs was answered"
	check_absent "$log" 'EXCEPTION|PANIC' "no hypervisor exception or panic"
	;;
*)
	echo "unknown part $part"; exit 2 ;;
esac
finish_suite "linux-$part"
