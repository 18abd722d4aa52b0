#!/usr/bin/env bash
# Bochs + OVMF suite: the machine where VMX really exists (corei7_skylake_x). Two boots run side
# by side, one per core: the normal image must report VMX with EPT and run the sample config's
# demo partition to its end; the fault-test image must dump a deliberate #PF in hypervisor code
# and power the machine off.
set -u
. "$(dirname "$0")/lib.sh"
work="$BUILD/test/bochs"
mkdir -p "$work"
echo "== Bochs suite"

make_esp "$work/esp-normal" "$BUILD/bulkhead.efi" "$TOP/samples/bulkhead.cfg" "$BUILD/guests/hello.elf"
"$TOP/tools/make-disk.sh" "$work/esp-normal" "$work/normal.img" >/dev/null
make_esp "$work/esp-fault" "$BUILD/bulkhead-faulttest.efi" "$TOP/samples/bulkhead.cfg" "$BUILD/guests/hello.elf"
"$TOP/tools/make-disk.sh" "$work/esp-fault" "$work/fault.img" >/dev/null

( boot_bochs "$work/normal.img" "$work/normal.log" 'halted|stopping:' 240
  echo "$BOOT_RESULT $BOOT_SECONDS" >"$work/normal.result" ) &
( boot_bochs "$work/fault.img" "$work/fault.log" 'halted|stopping: exception' 240
  echo "$BOOT_RESULT $BOOT_SECONDS" >"$work/fault.result" ) &
wait

log="$work/normal.log"
read -r result seconds <"$work/normal.result"
echo "  (normal boot: $result after ${seconds}s)"
check "$log" '^Bulkhead [0-9.]+ - type-1 microhypervisor' "banner in Bochs"
check "$log" '^vmx: present; IA32_FEATURE_CONTROL (was unlocked; Bulkhead enabled VMX and locked it|locked, VMX enabled by firmware)' "VMX present, IA32_FEATURE_CONTROL settled"
check "$log" '^vmx: EPT yes \(2 MiB pages yes' "EPT with 2 MiB pages reported"
check "$log" '^vmx: .*VPID yes' "VPID reported"
check "$log" '^vmx: .*unrestricted guest yes' "unrestricted guest reported"
check "$log" '^vmx: .*preemption timer yes' "VMX-preemption timer reported"
check "$log" '^cpus: [0-9]+' "CPU count reported without ACPI tables or with them"
check "$log" '^boot: host summary at TSC [0-9]+' "boot-time marker"
check "$log" "^\[hv\] partition 'demo' \(id 0\): 32 MiB at host 0x[0-9a-f]+, entry 0x100000, EPT [0-9]+ tables" "demo partition built (RAM carve, EPT, entry)"
check "$log" '^\[demo\] hello from the demo partition$' "guest output reaches the console with its partition prefix"
check "$log" "^\[hv\] partition 'demo' exited with code 0" "guest ends itself with the exit hypercall"
check "$log" 'stopping: all partitions have stopped' "hypervisor stops when nothing is left to run"
check_absent "$log" 'EXCEPTION|PANIC|no VMX|crashed' "no exception, panic, VMX refusal or crash"

log="$work/fault.log"
read -r result seconds <"$work/fault.result"
echo "  (fault-test boot: $result after ${seconds}s)"
check "$log" 'selftest: reading address 0x8 on purpose' "fault test starts"
check "$log" 'EXCEPTION #PF page fault \(vector 14\) on CPU 0, error code 0' "dump names the vector, CPU and error code"
check "$log" 'RIP=ffffffff8[0-9a-f]{7} CS=0008' "dump shows RIP in the kernel and our code selector"
check "$log" 'CR2=0000000000000008' "dump shows the faulting address in CR2"
check "$log" 'RBX=5e1f7e57c0ffee00' "dump shows the real general registers"
check "$log" 'R13=[0-9a-f]{16} R14=[0-9a-f]{16} R15=[0-9a-f]{16}' "dump shows every register"
check "$log" 'stopping: exception in hypervisor code' "hypervisor stops cleanly after the dump"
check_absent "$log" 'did not fault' "page 0 really is unmapped"
if [ "$result" = exited ]; then pass "fault-test machine powered off by itself"; else fail "fault-test machine did not power off ($result)"; fi

finish_suite bochs
