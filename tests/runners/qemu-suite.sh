#!/usr/bin/env bash
# QEMU TCG + OVMF suite: the fast boot-path tests. TCG has no VMX, so these prove the loader,
# the kernel's take-over, the host summary, the clean "no VMX" stop (the machine powers itself
# off), the embedded default config, and that bad configs and missing images stop everything
# before the kernel starts, with file:line errors, as does a reservation the RAM cannot hold.
set -u
. "$(dirname "$0")/lib.sh"
work="$BUILD/test/qemu"
mkdir -p "$work"
efi="$BUILD/bulkhead.efi"
hello="$BUILD/guests/hello.elf"
echo "== QEMU TCG suite"

# 1. The sample config: full boot to the no-VMX stop.
make_esp "$work/sample" "$efi" "$TOP/tests/configs/demo.cfg" "$hello"
boot_qemu "$work/sample" "$work/sample.log" 'stopping: no VMX|halted' 90
log="$work/sample.log"
echo "  (booted in ${BOOT_SECONDS}s: $BOOT_RESULT)"
check "$log" '^boot: Bulkhead [0-9.]+ loader' "loader starts and announces itself"
check "$log" 'boot: config: .*EFI.BOOT.bulkhead\.cfg' "loader reads bulkhead.cfg from its own folder"
check "$log" 'boot: loaded hello\.elf \([0-9]+ KiB\) for partition .demo.' "loader loads the image the config names"
check "$log" 'exiting boot services' "loader reaches ExitBootServices"
check "$log" 'kernel entered on CPU 0; own GDT, TSS and IDT loaded' "kernel takes over with its own GDT/TSS/IDT"
check "$log" 'own page tables loaded \(W\^X' "kernel switches to its own page tables"
check "$log" '^Bulkhead [0-9.]+ - type-1 microhypervisor' "banner with version"
check "$log" '^host: bulkhead-demo$' "host name from the config"
check "$log" '^cpu: (GenuineIntel|AuthenticAMD) .*family [0-9]+ model [0-9]+' "CPU vendor and model"
check "$log" '^cpus: 1 found in the ACPI MADT, 1 up; local APIC at 0xfee00000, xAPIC mode' "CPU count and local APIC from the ACPI MADT"
check "$log" '^ram: 2[0-9][0-9] MiB total, 1[0-9][0-9] MiB usable by partitions' "RAM total and usable"
check "$log" '^hypervisor: 64 MiB reserved at 0x[0-9a-f]+ \(image [0-9]+ KiB, page tables [0-9]+ KiB' "hypervisor region reported"
check "$log" '^tsc: [0-9]+\.[0-9]{3} MHz \(' "TSC frequency reported"
check "$log" '^  partition demo +32 MiB +cpus 0 +elf image hello\.elf, autostart' "partition from the config listed"
check "$log" '^module: hello\.elf, [0-9]+ bytes at 0x' "boot module handed to the kernel"
check "$log" '^vmx: not available on this CPU \(CPUID\.1:ECX\.VMX = 0\)' "summary says VMX is missing"
check "$log" '^speculation: IBPB on partition switch: [a-z ]+ \(.*\); L1D flush on VM entry: [a-z ]+ \(.*\); VERW on VM entry: [a-z ]+ \(.*\); IA32_SPEC_CTRL ' "summary states the speculation measures and why"
check_count "$log" 'error: this CPU has no VMX \(Intel VT-x\): Bulkhead cannot run partitions here' 1 "one clear no-VMX line"
check "$log" 'stopping: no VMX \(on_stop = poweroff\)' "kernel stops cleanly"
if [ "$BOOT_RESULT" = exited ]; then pass "machine powered off by itself (UEFI ResetSystem)"; else fail "machine did not power off ($BOOT_RESULT)"; fi
check_absent "$log" 'EXCEPTION|PANIC' "no exception or panic on the way"

# 1a. Several CPUs (issue 9): QEMU's MADT lists them; every AP is started (INIT and start-up
# IPIs, the trampoline below 1 MiB, long mode, the kernel's own tables) and reports back, and
# the machine then stops as cleanly as with one CPU. Then 2 sockets of 3 cores, whose APIC IDs
# are not contiguous (0-2, 4-6): CPU numbers are list positions, never APIC IDs.
make_esp "$work/smp4" "$efi" "$TOP/tests/configs/demo.cfg" "$hello"
QEMU_CPUS=4 boot_qemu "$work/smp4" "$work/smp4.log" 'stopping: no VMX|halted' 90
log="$work/smp4.log"
check "$log" '^cpus: 4 found in the ACPI MADT, 4 up; local APIC at 0xfee00000, xAPIC mode' "-smp 4: four CPUs from the MADT, all up"
check "$log" '^  cpu 0  apic 0   boot CPU$' "-smp 4: CPU 0 is the boot CPU"
check_count "$log" '^  cpu [1-3]  apic [1-3]   started in [0-9]+ us$' 3 "-smp 4: each of the three APs started and reported"
check "$log" 'stopping: no VMX \(on_stop = poweroff\)' "-smp 4: then the clean no-VMX stop"
if [ "$BOOT_RESULT" = exited ]; then pass "-smp 4: the machine powered off by itself"; else fail "-smp 4: no power-off ($BOOT_RESULT)"; fi
check_absent "$log" 'EXCEPTION|PANIC|did not start|left out' "-smp 4: no CPU left out, no exception"
make_esp "$work/smp6" "$efi" "$TOP/tests/configs/demo.cfg" "$hello"
QEMU_CPUS=6,sockets=2,cores=3 boot_qemu "$work/smp6" "$work/smp6.log" 'stopping: no VMX|halted' 90
log="$work/smp6.log"
check "$log" '^cpus: 6 found in the ACPI MADT, 6 up' "2 sockets x 3 cores: six CPUs, all up"
check "$log" '^  cpu 3  apic 4   started in' "2 sockets x 3 cores: CPU 3 is APIC ID 4 (IDs are not contiguous)"
check "$log" '^  cpu 5  apic 6   started in' "2 sockets x 3 cores: CPU 5 is APIC ID 6"

# 1b. The sample config as README tells a server's owner to use it (what `make run` boots: the
# shell, Debian's kernel with the kit's initramfs on CPU 1, the demo): valid against a 512 MiB,
# two-CPU machine, every image it names loaded, then the same clean no-VMX stop.
kit="$BUILD/linux"
if [ -f "$kit/vmlinuz" ] && [ -f "$kit/initrd.img" ] && [ -f "$BUILD/mgmt/mgmt.elf" ]; then
	make_esp "$work/samplecfg" "$efi" "$TOP/samples/bulkhead.cfg" "$hello" "$BUILD/mgmt/mgmt.elf" \
		"$kit/vmlinuz" "$kit/initrd.img"
	QEMU_MEGS=512 QEMU_CPUS=2 boot_qemu "$work/samplecfg" "$work/samplecfg.log" 'stopping: no VMX|halted|nothing was started' 120
	log="$work/samplecfg.log"
	check "$log" "^config: .*3 partition" "the sample config (shell, Linux, demo) is valid"
	check "$log" "boot: loaded vmlinuz \([0-9]+ KiB\) for partition 'linux'" "its Linux kernel loads from the ESP"
	check "$log" "boot: loaded initrd\.img \([0-9]+ KiB\) for partition 'linux'" "its initramfs loads from the ESP"
	check "$log" '^  partition linux +128 MiB +cpus 1 +linux image vmlinuz' "the Linux partition is listed as type linux, on CPU 1"
	check "$log" 'stopping: no VMX' "and the machine stops cleanly where there is no VMX"
else
	fail "sample config: the Linux kit or the shell is not built (make linux-kit)"
fi

# 1c. Saved settings across reboots (tests/selftest/saved_settings.c): four boots in one QEMU
# run, OVMF's variables on a writable flash copy, reboots allowed. Boot 1 stores a set that
# changes a key only the file may set, boot 2 finds it refused for that and stores one that
# does not fit the config, boot 3 finds it ignored and saves a real change through the
# hypervisor's settings code and SetVariable, boot 4 has it in force and drops it again.
savetest="$BUILD/bulkhead-savetest.efi"
if [ -f "$savetest" ]; then
	make_esp "$work/saved" "$savetest" "$TOP/tests/configs/demo.cfg" "$hello"
	QEMU_REBOOT= boot_qemu "$work/saved" "$work/saved.log" 'savetest: the saved set is dropped|savetest: .*fail|stopping: no VMX \(' 120
	log="$work/saved.log"
	echo "  (four boots in ${BOOT_SECONDS}s: $BOOT_RESULT)"
	check "$log" '^\[hv\] savetest: boot 1: storing a set' "boot 1: the hypervisor stores a set through SetVariable and reboots"
	check "$log" "^boot: saved settings \(UEFI variable BulkheadSettings, [0-9]+ bytes\) change image, which only bulkhead\.cfg may set, and are ignored, all of them\$" \
		"boot 2: the loader refuses a stored set that changes a file-only key (demo's image), all of it"
	check "$log" '^\[hv\] savetest: boot 2: the forged set was refused' "boot 2: the kernel was told why it was refused"
	check_absent "$log" '^host: forged$' "boot 2: not even the forged set's host name was applied"
	check "$log" "^boot: saved settings \(UEFI variable BulkheadSettings, 32 bytes\) do not fit this bulkhead\.cfg and are ignored, all of them:\$" \
		"boot 3: the loader finds the stored set and refuses all of it"
	check "$log" "^boot:   BulkheadSettings:1: no partition named 'nosuch' \(partitions are added in bulkhead\.cfg\)\$" \
		"boot 3: with the config parser's error, its line in the stored set"
	check "$log" '^\[hv\] savetest: boot 3: the stored set was ignored' "boot 3: the kernel was told it was ignored, and boots the file as it is"
	check "$log" "^\[hv\] settings changed by 'savetest':\$" "boot 3: a change through the settings code is logged"
	check "$log" '^\[hv\] settings: changes saved for the next boot \(UEFI variable BulkheadSettings, [0-9]+ bytes\)$' \
		"boot 3: save writes the variable at run time"
	check "$log" '^boot: saved settings \(UEFI variable BulkheadSettings, [0-9]+ bytes\) applied on top of bulkhead\.cfg:$' \
		"boot 4: the loader applies the saved set on top of bulkhead.cfg and says so"
	check "$log" '^boot:   hostname = saved-in-qemu$' "boot 4: the loader lists the saved lines"
	check "$log" '^host: saved-in-qemu$' "boot 4: the saved host name is in force"
	check "$log" '^hypervisor: 80 MiB reserved at' "boot 4: the loader made the saved reservation (80 MiB, the file says 64)"
	check "$log" '^\[hv\] settings: saved changes \(.* bytes\) in force on top of bulkhead\.cfg$' "boot 4: the kernel says they are in force"
	check "$log" '^\[hv\] savetest: the saved set is dropped$' "boot 4: config revert's path deletes the variable"
	n=$(grep -c '^boot: config: ' "$log" || true)
	[ "$n" = 4 ] && pass "four boots in the run ($n)" || fail "four boots in the run (saw $n)"
else
	fail "saved settings: build/bulkhead-savetest.efi not built"
fi

# 2. No bulkhead.cfg: the embedded default config.
make_esp "$work/default" "$efi" -
boot_qemu "$work/default" "$work/default.log" 'stopping: no VMX|halted' 90
log="$work/default.log"
check "$log" 'boot: config: embedded default config' "loader falls back to the embedded default"
check "$log" '^config: embedded default, 2 partition' "kernel reports the embedded default (shell and demo)"
check "$log" "boot: loaded mgmt\.elf \([0-9]+ KiB\) for partition 'mgmt'" "embedded config's management shell comes from inside the loader"
check "$log" "boot: loaded hello\.elf \([0-9]+ KiB\) for partition 'demo'" "embedded config's demo image comes from inside the loader"
check "$log" '^host: bulkhead$' "default host name"

# 3. A config with syntax errors: every error reported with its line, nothing started.
make_esp "$work/badsyntax" "$efi" "$TOP/tests/configs/bad-syntax.cfg" "$hello"
boot_qemu "$work/badsyntax" "$work/badsyntax.log" 'nothing was started' 90
log="$work/badsyntax.log"
check "$log" 'bulkhead\.cfg:3: .*lots' "bad size reported at line 3"
check "$log" 'bulkhead\.cfg:4: .*colour' "unknown key reported at line 4"
check "$log" 'bulkhead\.cfg:5: console_password is not an Argon2 hash' \
	"a plain console_password is refused at line 5"
check_absent "$log" 'plain-Secret-99' "... and the error does not repeat it (it may be the password)"
check "$log" 'bulkhead\.cfg:8: .*2 MiB' "unaligned partition memory reported at line 8"
check "$log" 'bulkhead\.cfg:12: .*web' "duplicate partition name reported at line 12"
check "$log" 'bulkhead\.cfg:18: .*3-1' "reversed CPU range reported at line 18"
check "$log" '[0-9]+ error\(s\) in bulkhead\.cfg: nothing was started' "bad config stops the boot"
check_absent "$log" 'exiting boot services|kernel entered' "kernel never started on a bad config"

# 4. A config that parses but does not fit the machine.
make_esp "$work/badres" "$efi" "$TOP/tests/configs/bad-resources.cfg" "$hello"
boot_qemu "$work/badres" "$work/badres.log" 'nothing was started' 90
log="$work/badres.log"
check "$log" 'bulkhead\.cfg:1[0-9]: .*CPU 0.*big1.*big2|bulkhead\.cfg:1[0-9]: .*CPU 0.*big2.*big1' "overlapping CPUs reported with both partitions"
check "$log" 'bulkhead\.cfg:1[0-9]: .*256 MiB.*MiB' "memory beyond RAM minus reservation reported"
check_absent "$log" 'kernel entered' "kernel never started when resources are short"

# 5. A config naming a missing image.
make_esp "$work/missing" "$efi" "$TOP/tests/configs/missing-image.cfg"
boot_qemu "$work/missing" "$work/missing.log" 'back to the firmware' 90
log="$work/missing.log"
check "$log" "cannot read .*no-such-guest\.elf for partition 'ghost': no such file" "missing image named clearly"
check_absent "$log" 'kernel entered' "kernel never started without its images"

# 6. A reservation larger than the machine: the firmware allocation fails.
make_esp "$work/noram" "$efi" "$TOP/tests/configs/huge-reserve.cfg"
boot_qemu "$work/noram" "$work/noram.log" 'back to the firmware' 90
log="$work/noram.log"
check "$log" 'cannot reserve 1024 MiB for the hypervisor: not enough free memory' "too little memory for the reservation named clearly"
check "$log" 'loader stopped \(Out of Resources\); back to the firmware' "loader returns to the firmware with the status in words"
check_absent "$log" 'kernel entered' "kernel never started without its reservation"

finish_suite qemu
