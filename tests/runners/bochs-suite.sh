#!/usr/bin/env bash
# Bochs + OVMF suite: the machine where VMX really exists (corei7_skylake_x). Five boots, two
# side by side (one per core): the normal image must report VMX with EPT and run the demo
# config's partition to its end; the fault-test image must dump a deliberate #PF in
# hypervisor code and power the machine off; the partition suite runs every test guest; the
# stress-test image fires NMIs and host interrupts at the hypervisor and wipes vector
# registers while guests check their state; the Multiboot boot runs our Multiboot kernel.
set -u
. "$(dirname "$0")/lib.sh"
work="$BUILD/test/bochs"
mkdir -p "$work"
echo "== Bochs suite"
GUEST_NAMES="cpuid msr vmcall hlt memory pastend hvtouch triple fuzz spin vector cpustate vectoring"

make_esp "$work/esp-normal" "$BUILD/bulkhead.efi" "$TOP/tests/configs/demo.cfg" "$BUILD/guests/hello.elf"
"$TOP/tools/make-disk.sh" "$work/esp-normal" "$work/normal.img" >/dev/null
make_esp "$work/esp-fault" "$BUILD/bulkhead-faulttest.efi" "$TOP/tests/configs/demo.cfg" "$BUILD/guests/hello.elf"
"$TOP/tools/make-disk.sh" "$work/esp-fault" "$work/fault.img" >/dev/null

guest_elfs=()
for g in $GUEST_NAMES; do guest_elfs+=("$BUILD/guests/$g.elf"); done
make_esp "$work/esp-parts" "$BUILD/bulkhead.efi" "$TOP/tests/configs/partitions.cfg" "${guest_elfs[@]}"
head -c 200 "$BUILD/guests/cpuid.elf" >"$work/esp-parts/EFI/BOOT/badelf.elf"
"$TOP/tools/make-disk.sh" "$work/esp-parts" "$work/parts.img" >/dev/null

make_esp "$work/esp-stress" "$BUILD/bulkhead-stresstest.efi" "$TOP/tests/configs/stress.cfg" \
	"$BUILD/guests/vector.elf" "$BUILD/guests/cpustate.elf" "$BUILD/guests/hlt.elf"
"$TOP/tools/make-disk.sh" "$work/esp-stress" "$work/stress.img" >/dev/null

make_esp "$work/esp-mb" "$BUILD/bulkhead.efi" "$TOP/tests/configs/multiboot.cfg" \
	"$BUILD/guests/mbtest.elf" "$TOP/tests/guests/multiboot/module.txt" "$BUILD/guests/hello.elf" \
	"$BUILD/guests/mbfuzz.elf" "$BUILD/guests/cpuid.elf"
"$TOP/tools/make-disk.sh" "$work/esp-mb" "$work/mb.img" >/dev/null

# One core runs the partition suite, then the stress test; the other the demo boot, the fault
# test and the Multiboot boot.
( boot_bochs "$work/parts.img" "$work/parts.log" 'halted|stopping:' 600
  echo "$BOOT_RESULT $BOOT_SECONDS" >"$work/parts.result"
  boot_bochs "$work/stress.img" "$work/stress.log" 'halted|stopping:' 240
  echo "$BOOT_RESULT $BOOT_SECONDS" >"$work/stress.result" ) &
( BOCHS_CPUS=2 boot_bochs "$work/normal.img" "$work/normal.log" 'halted|stopping:' 240
  echo "$BOOT_RESULT $BOOT_SECONDS" >"$work/normal.result"
  boot_bochs "$work/fault.img" "$work/fault.log" 'halted|stopping: exception' 240
  echo "$BOOT_RESULT $BOOT_SECONDS" >"$work/fault.result"
  BOCHS_CPUS=2 boot_bochs "$work/mb.img" "$work/mb.log" 'halted|stopping:' 240
  echo "$BOOT_RESULT $BOOT_SECONDS" >"$work/mb.result" ) &
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
# Two CPUs (issue 9). Bochs's OVMF publishes no ACPI tables: the firmware's MP Services list,
# taken by the loader, is what says there are two; the AP starts and enters VMX operation.
check "$log" '^boot: firmware lists 2 CPU\(s\), 2 enabled' "2 CPUs: the loader takes the firmware's MP Services list"
check "$log" "^cpus: 2 found in the firmware's MP Services list, 2 up; local APIC at 0xfee00000" "2 CPUs: no MADT, so the firmware's list is used; both up"
check "$log" '^cpus: no ACPI MADT \(no RSDP\)' "2 CPUs: the summary says why the MADT was not used"
check "$log" '^  cpu 1  apic 1   started in [0-9]+ us, VMX on$' "2 CPUs: the AP started, locked IA32_FEATURE_CONTROL and did VMXON"
# Bochs's Skylake-X enumerates no mitigation at all (CPUID.7:EDX = 0): all needed, none there.
check "$log" '^speculation: IBPB on partition switch: needed but unavailable .*; L1D flush on VM entry: needed but unavailable \(L1TF.*; VERW on VM entry: needed but unavailable \(MDS' "host summary states the speculation measures (none available on this CPU model)"
check "$log" '^speculation: no IA32_ARCH_CAPABILITIES \(CPUID.7:EDX = 0\)' "host summary names the enumeration behind them"
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
check "$log" '^cpus: 2 found in .*, 1 up' "a CPU that does not answer is counted, not up"
check "$log" '^  cpu 1  apic 126 did not start \(no answer to INIT and start-up IPIs\): left out$' "a CPU that does not start is reported and left out"
check "$log" 'EXCEPTION #PF page fault \(vector 14\) on CPU 0, error code 0' "dump names the vector, CPU and error code"
check "$log" 'RIP=ffffffff8[0-9a-f]{7} CS=0008' "dump shows RIP in the kernel and our code selector"
check "$log" 'CR2=0000000000000008' "dump shows the faulting address in CR2"
check "$log" 'RBX=5e1f7e57c0ffee00' "dump shows the real general registers"
check "$log" 'R13=[0-9a-f]{16} R14=[0-9a-f]{16} R15=[0-9a-f]{16}' "dump shows every register"
check "$log" 'stopping: exception in hypervisor code' "hypervisor stops cleanly after the dump"
check_absent "$log" 'did not fault' "page 0 really is unmapped"
if [ "$result" = exited ]; then pass "fault-test machine powered off by itself"; else fail "fault-test machine did not power off ($result)"; fi

log="$work/mb.log"
read -r result seconds <"$work/mb.result"
echo "  (Multiboot boot: $result after ${seconds}s)"
check "$log" "^\[hv\] partition 'mbtest' boots Multiboot kernel \(multiboot\)" "the Multiboot kernel is loaded"
check "$log" "^\[hv\] error: partition 'notmb' not started: hello\.elf: .*Multiboot header" \
	"an image without a Multiboot header is refused with its line"
for what in "EAX holds the Multiboot loader magic" "32-bit protected mode with paging off" \
	"info flags: memory, cmdline, modules, memory map, loader name" \
	"the command line starts with the image's file name" "mem_lower is 639 KiB" \
	"mem_upper is the partition's RAM above 1 MiB" "the memory map ends exactly at the partition's end" \
	"the BIOS area 0xA0000-0xFFFFF is reserved" "one boot module" "the module holds module.txt's bytes" \
	"the module's string is its file name"; do
	check "$log" "^\[mbtest\] PASS $what" "Multiboot kernel: $what"
done
check "$log" '^\[mbtest\] DONE [0-9]+ passed, 0 failed$' "the Multiboot kernel's checks all pass"
check "$log" "^\[hv\] partition 'mbtest' powered off by its guest \(ACPI S5\)" \
	"the Multiboot kernel powers its partition off through ACPI"
check "$log" '^\[mbfuzz\] mbfuzz: survived [0-9]+ operations' \
	"a hostile kernel's random ports, MSRs, MMIO and interrupt programming neither crash nor stall anything"
check "$log" "^\[hv\] partition 'mbfuzz' powered off by its guest" "the hostile kernel reaches its own power-off"
check "$log" "^\[hv\] partition 'mbfuzz' \(id 2\): .*, CPU 1$" "the hostile kernel runs on CPU 1, which it owns"
sent=$(text_of "$log" | sed -n 's/^\[mbfuzz\] mbfuzz: sent \([0-9]*\) IPIs at other CPUs.*/\1/p' | head -n1)
dropped=$(text_of "$log" | sed -n "s/^\[hv\]   mbfuzz .*, IPIs dropped \([0-9]*\) on CPU 1.*/\1/p" | head -n1)
echo "  (mbfuzz sent ${sent:-?} INIT, start-up, NMI and fixed IPIs at other CPUs; the hypervisor dropped ${dropped:-?} IPIs of its in all)"
if [ -n "$sent" ] && [ -n "$dropped" ] && [ "$sent" -ge 1000 ] && [ "$dropped" -ge "$sent" ]; then
	pass "every IPI the hostile kernel aimed at other CPUs ($sent) was dropped and counted ($dropped with the random ones)"
else
	fail "the hostile kernel's IPIs were not all dropped and counted (sent '${sent}', dropped '${dropped}')"
fi
check "$log" "^\[hv\] warning: partition 'mbfuzz': INIT IPI \(vector 0, APIC ID 0\) dropped: no other vCPU in this partition" \
	"the first dropped IPIs are logged by partition and kind"
check "$log" '^\[hv\] CPU 0: 0 NMIs while guests ran, 0 in hypervisor code' \
	"no NMI reached CPU 0, where the other partitions run (the guest's NMI IPIs went nowhere)"
check "$log" '^\[cpuid\] DONE [0-9]+ passed, 0 failed' "the partition beside it passes its own checks"
check_absent "$log" "crashed|EXCEPTION|PANIC|FAIL" "no crash, no hypervisor exception, no failed check"
if [ "$result" = exited ]; then pass "Multiboot machine powered off by itself"; else fail "Multiboot machine did not finish ($result)"; fi

log="$work/parts.log"
read -r result seconds <"$work/parts.result"
echo "  (partition suite boot: $result after ${seconds}s)"
check "$log" '^\[hv\] starting 15 partition\(s\)' "all 15 test partitions built and started"
check "$log" "^\[hv\] error: partition 'badelf' not started: image badelf\.elf refused: " "a malformed ELF image is refused with a clear line, the others start"
# Guests that must run to their end, each with its own PASS/FAIL tally.
for g in cpuid msr vmcall hlt memory fuzz spin_a spin_b vector keeper reader; do
	check "$log" "^\[$g\] DONE [1-9][0-9]* passed, 0 failed" "guest '$g' runs to its end with every check passing"
	check_absent "$log" "^\[$g\] FAIL" "guest '$g' reports no failure"
done
check "$log" '^\[cpuid\] PASS .*[Hh]ypervisor' "CPUID leaf checks ran (hypervisor bit / signature)"
check_count "$log" '^\[cpuid\] PASS setting CR4\.[A-Z0-9]+ \(bit [0-9]+\), not offered, is refused with #GP' 8 "CR4 bits of the 8 features not offered (LA57, VMXE, SMXE, KL, CET, PKS, UINTR, PKE) are refused"
check "$log" '^\[msr\] PASS .*#GP' "denied MSRs raise #GP in the guest"
check "$log" "partition 'msr': (read|write) of MSR 0x[0-9a-f]+.* refused \(#GP\)" "refused MSR accesses are logged with the partition's name"
check "$log" '^\[vmcall\] console write reached the hypervisor' "HC_CONSOLE_WRITE output reaches the console"
check "$log" '^\[fuzz\] PASS .*10000' "10,000 random hypercalls, no harm done"
check "$log" '^\[memory\] PASS .*pattern' "a guest writes and verifies a pattern over its own memory"
check "$log" "^\[hv\] error: partition 'pastend' crashed: read at guest-physical 0x800000, outside its 8 MiB" "touching memory just past the end stops that partition with a clear line"
check "$log" "^\[hv\] error: partition 'hvtouch' crashed: write at guest-physical 0x[0-9a-f]+, outside its 8 MiB" "touching the hypervisor's region stops that partition with a clear line"
check "$log" "^\[hv\] error: partition 'vectoring' crashed: read at guest-physical 0x800[0-9a-f]{3}, outside its 8 MiB, while delivering vector 3 \(software exception\)" "an EPT violation during event delivery names the interrupted event (IDT-vectoring information)"
check_count "$log" '^\[(pastend|hvtouch|vectoring)\] ' 3 "the faulting guests printed nothing after their announcement"
# Isolation of the CPU state VMX does not switch (issue: CR2 and DR0 leaked between partitions).
for r in CR2 DR0 DR1 DR2 DR3 DR6 DR7 'CR8 \(TPR\)' IA32_DEBUGCTL XCR0 IA32_KERNEL_GS_BASE IA32_STAR \
	IA32_LSTAR IA32_CSTAR IA32_FMASK IA32_TSC_AUX 'x87 control word' MXCSR 'xmm15 \(SSE\)' \
	'ymm15 upper half \(AVX\)'; do
	check "$log" "^\[reader\] PASS reader: $r kept its own value across [0-9]+ switches" "reader never sees the keeper's $r"
	check "$log" "^\[keeper\] PASS keeper: $r kept its own value across [0-9]+ switches" "keeper's $r survives sharing the CPU"
done
check "$log" '^\[keeper\] PASS keeper: CR2 in the #PF handler is still the faulting address' "CR2 survives a switch between a page fault and its handler's read"
check "$log" '^\[reader\] PASS reader: zmm31 is in its initial state when first enabled' "AVX-512 state first enabled by the reader is clean, not the keeper's"
check "$log" '^\[hlt\] PASS the held-back interrupt arrives as soon as CR8 drops' "the guest's TPR (CR8 shadow) holds back and then releases an interrupt"
check "$log" "^\[hv\] error: partition 'triple' crashed: triple fault" "a triple fault marks its partition crashed"
check "$log" '^\[hv\]   triple +crashed ' "the summary lists the triple-faulting partition as crashed"
# Two CPU-bound guests sharing CPU 0 both progress: their progress lines interleave.
order=$(text_of "$log" | grep -Eo '^\[spin_[ab]\] progress [0-9]+' | cut -c2-7 | uniq | wc -l)
if [ "$order" -ge 4 ]; then pass "two CPU-bound guests on one CPU both make progress (interleaved $order times)"
else fail "CPU-bound guests did not interleave (runs: $order)"; fi
saves=$(text_of "$log" | sed -n 's/^\[hv\]   vector .* vector-state saves \([0-9]*\).*/\1/p')
if [ "${saves:-0}" -gt 0 ]; then pass "vector guest's state was saved and restored by the hypervisor ($saves times) and survived"
else fail "the vector guest's state was never switched, so the test proved nothing"; fi
check "$log" 'stopping: all partitions have stopped' "the hypervisor outlives every guest and stops cleanly"
check_absent "$log" 'EXCEPTION|PANIC' "no hypervisor exception or panic"
if [ "$result" = exited ]; then pass "partition suite machine powered off by itself"; else fail "partition suite did not finish ($result)"; fi

log="$work/stress.log"
read -r result seconds <"$work/stress.result"
echo "  (stress-test boot: $result after ${seconds}s)"
check "$log" '^\[hv\] selftest: NMIs from the PIT' "stress kernel armed its NMI and interrupt sources"
for g in vector keeper reader hlt; do
	check "$log" "^\[$g\] DONE [1-9][0-9]* passed, 0 failed" "under NMIs, host interrupts and vector wiping, guest '$g' passes every check"
done
check_absent "$log" '^\[[a-z]+\] FAIL' "no guest saw an NMI, a host interrupt or a changed register"
saves=$(text_of "$log" | sed -n 's/^\[hv\]   vector .* vector-state saves \([0-9]*\).*/\1/p')
if [ "${saves:-0}" -ge 1000 ]; then pass "the lazy #NM save ran on those exits ($saves saves)"
else fail "too few lazy saves (${saves:-0}): the wiping hook did not exercise the #NM path"; fi
counts=$(text_of "$log" | sed -n 's/^\[hv\] CPU 0: \([0-9]*\) NMIs while guests ran, \([0-9]*\) in hypervisor code; \([0-9]*\) host interrupts.*/\1 \2 \3/p')
read -r nmi_guest nmi_hv host_irq <<<"${counts:-0 0 0}"
if [ "$nmi_guest" -ge 5 ]; then pass "NMIs that arrived while guests ran exited to the hypervisor ($nmi_guest)"
else fail "too few NMIs taken from guests (${nmi_guest}): NMI exiting or the unblocking after it is broken"; fi
if [ "$nmi_hv" -ge 5 ]; then pass "NMIs in hypervisor code were handled and survived ($nmi_hv)"
else fail "too few NMIs handled in hypervisor code (${nmi_hv})"; fi
if [ "$host_irq" -ge 10 ]; then pass "host interrupts kept coming, so each got its EOI ($host_irq)"
else fail "only $host_irq host interrupts: without an EOI the local APIC delivers just one"; fi
check "$log" '^\[hv\] selftest: measures forced on for .stress-ibpb-l1d-verw.: IBPB on, L1D flush on, VERW on' "stress kernel forces every speculation measure on"
barriers=$(text_of "$log" | sed -n 's/^\[hv\] CPU 0: .*; \([0-9]*\) IBPBs on partition switches, \([0-9]*\) VM entries with L1D flush or VERW$/\1 \2/p')
read -r ibpbs entries <<<"${barriers:-0 0}"
if [ "$ibpbs" -ge 100 ]; then pass "IBPB ran on partition switches ($ibpbs), and the guests' checks still pass"
else fail "IBPB ran on only ${ibpbs} partition switches"; fi
if [ "$entries" -ge 1000 ]; then pass "L1D flush and VERW ran before VM entries ($entries)"
else fail "the entry barriers ran on only ${entries} VM entries"; fi
check "$log" 'stopping: all partitions have stopped' "the stress machine outlives every guest and stops cleanly"
check_absent "$log" 'EXCEPTION|PANIC|nested exception' "no hypervisor exception under NMIs and interrupts"

finish_suite bochs
