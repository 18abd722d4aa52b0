#!/usr/bin/env bash
# `make bench`: figures to compare before and after a change.
#   - boot time to the host summary: wall seconds under QEMU TCG and under Bochs, and in Bochs
#     the TSC at the summary, which counts emulated instructions since reset (Bochs advances
#     its TSC once per instruction with clock sync=none), so it is repeatable;
#   - the hypervisor's memory footprint: image sections, reserved region, page tables, heap.
set -euo pipefail
. "$(dirname "$0")/../tests/runners/lib.sh"
work="$BUILD/bench"
mkdir -p "$work"
marker='^boot: host summary at TSC'

echo "== Bulkhead bench ($(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown))"
make_esp "$work/esp" "$BUILD/bulkhead.efi" "$TOP/tests/configs/demo.cfg" "$BUILD/guests/hello.elf"
boot_qemu "$work/esp" "$work/qemu.log" "$marker" 90
qemu_s=$BOOT_SECONDS
"$TOP/tools/make-disk.sh" "$work/esp" "$work/disk.img" >/dev/null
boot_bochs "$work/disk.img" "$work/bochs.log" "$marker" 240
bochs_s=$BOOT_SECONDS
bochs_tsc=$(sed -n 's/^boot: host summary at TSC \([0-9]*\).*/\1/p' "$work/bochs.log" | head -n1)
loader_ms=$(sed -n 's/.*; \([0-9]*\) ms after the loader started/\1/p' "$work/qemu.log" | head -n1)

printf '%-44s %s\n' "boot to host summary, QEMU TCG (wall):" "$(printf '%.2f s' "$qemu_s")"
printf '%-44s %s\n' "  of which loader start -> summary (TSC):" "${loader_ms:-?} ms"
printf '%-44s %s\n' "boot to host summary, Bochs (wall):" "$(printf '%.2f s' "$bochs_s")"
printf '%-44s %s\n' "boot to host summary, Bochs (emulated insns):" "${bochs_tsc:-?} (TSC since reset)"

read -r text data bss _ < <(size "$BUILD/kernel.elf" | tail -n1)
summary=$(grep -m1 '^hypervisor:' "$work/qemu.log" || true)
printf '%-44s %s\n' "kernel image text / data / bss:" "$((text / 1024)) KiB / $((data / 1024)) KiB / $((bss / 1024)) KiB"
printf '%-44s %s\n' "bulkhead.efi (loader + embedded kernel):" "$(( $(stat -c %s "$BUILD/bulkhead.efi") / 1024 )) KiB"
printf '%-44s %s\n' "reserved region and its use:" "${summary#hypervisor: }"

# VM-exit round trips, measured inside a guest with RDTSC over 10,000 iterations each
# (tests/guests/bench.c). Under Bochs one TSC tick is one emulated instruction (clock
# sync=none), so these count the exit path's instructions, not real-hardware cycles.
#   one:     the bench guest alone on CPU 0 (tests/configs/bench.cfg)
#   owned:   the same owning CPU 1 of a two-CPU Bochs (tests/configs/bench-owned.cfg): the
#            exit path on an AP, no time slice
#   sixteen: the same next to fifteen idle partitions (tests/configs/bench16.cfg)
#   pair:    HC_YIELD round trips against a peer partition: two vCPU switches each
#   l1d, verw, ibpb: the same on the measurement kernel with one speculation measure forced on
#            (build/bulkhead-measures.efi; Bochs's CPU model enumerates none of them)
exit_bench() {   # NAME EFI CFG HOSTNAME GUEST...
	local name=$1 efi=$2 cfg=$3 host=$4; shift 4
	make_esp "$work/esp-$name" "$efi" - "$@"
	if [ "$host" = - ]; then cp "$cfg" "$work/esp-$name/EFI/BOOT/bulkhead.cfg"
	else sed "s/^\[hypervisor\]$/[hypervisor]\nhostname = $host/" "$cfg" >"$work/esp-$name/EFI/BOOT/bulkhead.cfg"; fi
	"$TOP/tools/make-disk.sh" "$work/esp-$name" "$work/$name.img" >/dev/null
	boot_bochs "$work/$name.img" "$work/$name.log" 'halted|stopping:' 300
}
bench_elf="$BUILD/guests/bench.elf"
( exit_bench one "$BUILD/bulkhead.efi" "$TOP/tests/configs/bench.cfg" - "$bench_elf"
  exit_bench pair "$BUILD/bulkhead.efi" "$TOP/tests/configs/bench-pair.cfg" - "$bench_elf"
  exit_bench verw "$BUILD/bulkhead-measures.efi" "$TOP/tests/configs/bench.cfg" measure-verw "$bench_elf"
  BOCHS_CPUS=2 exit_bench owned "$BUILD/bulkhead.efi" "$TOP/tests/configs/bench-owned.cfg" - "$bench_elf" ) &
( exit_bench sixteen "$BUILD/bulkhead.efi" "$TOP/tests/configs/bench16.cfg" - "$bench_elf" "$BUILD/guests/idle.elf"
  exit_bench l1d "$BUILD/bulkhead-measures.efi" "$TOP/tests/configs/bench.cfg" measure-l1d "$bench_elf"
  exit_bench ibpb "$BUILD/bulkhead-measures.efi" "$TOP/tests/configs/bench-pair.cfg" measure-ibpb "$bench_elf" ) &
wait

# field RUN NAME KEY: one number from a run's "BENCH NAME ... KEY=N" line.
field() { text_of "$work/$1.log" | sed -n "s/^\[bench\] BENCH $2 .*$3=\([0-9]*\).*/\1/p" | head -n1; }
row() {  # LABEL RUN NAME
	printf '  %-44s %6s %7s %6s\n' "$1" "$(field "$2" "$3" avg)" "$(field "$2" "$3" median)" "$(field "$2" "$3" min)"
}
cost() {  # LABEL RUN BASE NAME DIVISOR
	local with base
	with=$(field "$2" "$4" median); base=$(field "$3" "$4" median)
	if [ -n "$with" ] && [ -n "$base" ]; then
		printf '  %-44s %s\n' "$1" "+$(( (with - base) / $5 )) ticks ($4 median $base -> $with)"
	else
		printf '  %-44s %s\n' "$1" "? (a run did not finish; see $work)"
	fi
}
echo "VM-exit round trips (Bochs: emulated TSC ticks, a measure of the exit path's length in"
echo "emulated instructions, not real-hardware cycles):"
printf '  %-44s %6s %7s %6s\n' "" avg median min
row "CPUID exit, 1 partition on the CPU" one cpuid_exit
row "CPUID exit, 16 partitions on the CPU" sixteen cpuid_exit
row "CPUID exit, owning CPU 1 (an AP)" owned cpuid_exit
row "VMCALL (HC_NOP), 1 partition on the CPU" one vmcall
row "VMCALL (HC_NOP), 16 partitions on the CPU" sixteen vmcall
row "VMCALL (HC_NOP), owning CPU 1 (an AP)" owned vmcall
row "HC_YIELD to another partition and back" pair yield
printf '  %-44s %6s\n' "timing baseline (no exit)" "$(text_of "$work/one.log" | sed -n 's/^\[bench\] BENCH baseline avg=\([0-9]*\).*/\1/p')"
echo "speculation measures (forced on in turn by the measurement kernel):"
cost "L1D flush before VM entry, per exit" l1d one cpuid_exit 1
cost "VERW before VM entry, per exit" verw one cpuid_exit 1
cost "IBPB on a partition switch, per switch" ibpb pair yield 2
overhead=$(text_of "$work/one.log" | sed -n 's/^\[hv\] memory overhead: //p' | head -n1)
part=$(text_of "$work/one.log" | grep -m1 "^\[hv\] partition 'bench' (id 0)" | sed 's/^\[hv\] //')
printf '%-44s %s\n' "per-partition memory overhead:" "${overhead:-?}"
printf '%-44s %s\n' "the bench partition:" "${part:-?}"

# Linux: the same kernel and initramfs to the same marker on bare Bochs (OVMF starts the
# kernel's EFI stub through tests/linux/efi-linux.c) and in a Bulkhead partition, side by side
# (two Bochs). Both TSCs count emulated instructions since reset (firmware included in both).
# Bare Bochs has no CPUID leaf 0x15, so the bare kernel believes the TSC runs at the model's
# 3.5 GHz and its delay loops spin 35 times longer than under Bulkhead, which states the real
# rate (100 MHz here): compare the wall seconds with that in mind.
kit="$BUILD/linux"
make -s -C "$TOP" linux-kit linux-efi
"$TOP/tools/bare-linux-bochs.sh" 900 >"$work/bare-linux.txt" 2>&1 &
bare_pid=$!
make_esp "$work/esp-linux" "$BUILD/bulkhead.efi" "$TOP/tests/configs/bench-linux.cfg" \
	"$BUILD/mgmt/mgmt.elf" "$kit/vmlinuz" "$kit/initrd.img"
"$TOP/tools/make-disk.sh" "$work/esp-linux" "$work/linux.img" >/dev/null
BOCHS_MEGS=512 run_session "$work/linux.img" "$work/linux.log" "$work/linux.counts" 900 \
	--scenario linux-bench --linux-timeout 800 --boot-timeout 240 >"$work/linux-session.txt" 2>&1
wait "$bare_pid" || true
read -r _ _ bare_s _ bare_tsc <<<"$(grep '^bare-linux-bochs: seconds' "$work/bare-linux.txt" || echo "- - ? - ?")"
read -r _ _ hv_s _ hv_tsc <<<"$(grep '^bench-linux: seconds' "$work/linux-session.txt" || echo "- - ? - ?")"
echo "Linux boot to its shell marker ($(cat "$kit/kernel-version"), console=ttyS0), Bochs:"
printf '  %-30s %12s %18s\n' "" "wall seconds" "emulated insns"
printf '  %-30s %12s %18s\n' "bare Bochs (OVMF, EFI stub)" "$bare_s" "$bare_tsc"
printf '  %-30s %12s %18s\n' "in a Bulkhead partition" "$hv_s" "$hv_tsc"
if [[ "$bare_tsc" =~ ^[0-9]+$ && "$hv_tsc" =~ ^[0-9]+$ ]]; then
	printf '  %-30s %12s %18s\n' "ratio (Bulkhead / bare)" "$(echo "scale=2; $hv_s / $bare_s" | bc)" \
		"$(echo "scale=2; $hv_tsc / $bare_tsc" | bc)"
fi
echo "  VM exits of that Linux boot, by reason (the shell's 'stats linux' at the marker):"
sed -n 's/^bench-linux-stats: /    /p' "$work/linux-session.txt"
