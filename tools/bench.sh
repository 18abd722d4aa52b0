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
make_esp "$work/esp" "$BUILD/bulkhead.efi" "$TOP/samples/bulkhead.cfg" "$BUILD/guests/hello.elf"
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
# (tests/guests/bench.c), alone on the CPU (tests/configs/bench.cfg).
make_esp "$work/esp-exits" "$BUILD/bulkhead.efi" "$TOP/tests/configs/bench.cfg" "$BUILD/guests/bench.elf"
"$TOP/tools/make-disk.sh" "$work/esp-exits" "$work/exits.img" >/dev/null
boot_bochs "$work/exits.img" "$work/exits.log" 'halted|stopping:' 240
echo "VM-exit round trips (Bochs: emulated TSC ticks, a measure of the exit path's length in"
echo "emulated instructions, not real-hardware cycles):"
text_of "$work/exits.log" | sed -n 's/^\[bench\] BENCH \(.*\)/  \1/p'
overhead=$(text_of "$work/exits.log" | sed -n 's/^\[hv\] memory overhead: //p' | head -n1)
part=$(text_of "$work/exits.log" | grep -m1 "^\[hv\] partition 'bench' (id 0)" | sed 's/^\[hv\] //')
printf '%-44s %s\n' "per-partition memory overhead:" "${overhead:-?}"
printf '%-44s %s\n' "the bench partition:" "${part:-?}"
