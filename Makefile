# Bulkhead: one plain Makefile with explicit source lists.
#   make        -> build/bulkhead.efi, build/esp/, build/disk.img (Bochs disk)
#   make test   -> unit (cmocka), QEMU TCG and Bochs suites; last line "N passed, N failed"
#   make run    -> boots the default config in the best emulator here, serial on the terminal
#   make bench  -> boot time and memory footprint figures
# Kernel code is freestanding: newlib (built once from Debian's newlib-source into build/newlib)
# is its C library, and no header of the host's libc is on its include path.

BUILD      := build
NEWLIB     := $(BUILD)/newlib/x86_64-elf
NEWLIB_OK  := $(BUILD)/newlib/.done
GCC_INC    := $(shell gcc -print-file-name=include)
CC         := gcc
LD         := ld
OBJCOPY    := objcopy

WARN       := -Wall -Wextra -Werror
# Quiet by default; `make V=1` shows every command.
Q          := $(if $(V),,@)
# Shared by kernel and loader: freestanding, our include paths only, no red zone (interrupts
# and exceptions push onto the current stack), no stack protector (no TLS canary here).
FREESTANDING := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc -isystem $(GCC_INC) \
                -isystem $(NEWLIB)/include -Iinclude -I. -mno-red-zone -fno-stack-protector \
                -fno-omit-frame-pointer -fno-asynchronous-unwind-tables

# The kernel is linked in the top 2 GiB (see linker.ld), hence -mcmodel=kernel. It never
# touches vector registers itself (-mgeneral-regs-only); see README "Vector state". No frame
# pointers: nothing walks the kernel's stack, and every VM exit pays for them.
KERNEL_CFLAGS := $(FREESTANDING) -fno-pic -mcmodel=kernel -mgeneral-regs-only -fomit-frame-pointer \
                 $(KERNEL_EXTRA_CFLAGS)

# gnu-efi side: position independent, MS ABI for firmware calls (efi_main itself is SysV,
# called by Debian's crt0; see boot/efi_main.c). libefi brings its own memset/memcpy, so it is
# linked before newlib.
EFI_CFLAGS := $(FREESTANDING) -I/usr/include/efi -I/usr/include/efi/x86_64 -fpic -fshort-wchar \
              -DGNU_EFI_USE_MS_ABI -mgeneral-regs-only
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -T /usr/lib/elf_x86_64_efi.lds \
               /usr/lib/crt0-efi-x86_64.o

# The shared bulkhead.cfg code (lib/config/config.h), by who needs what: the loader parses and
# checks; the kernel and the shell also write a config back as text.
CONFIG_LOADER_SRCS := lib/config/parse.c lib/config/validate.c lib/config/messages.c
CONFIG_LIB_SRCS := $(CONFIG_LOADER_SRCS) lib/config/write.c
# The Argon2 reference library (lib/argon2/README.md), for the shell's login.
ARGON2_SRCS := lib/argon2/src/argon2.c lib/argon2/src/core.c lib/argon2/src/encoding.c \
               lib/argon2/src/ref.c lib/argon2/src/blake2/blake2b.c
ARGON2_CFLAGS := -DARGON2_NO_THREADS -Ilib/argon2/include -Wno-type-limits

KERNEL_SRCS := \
	kernel/entry.S \
	kernel/isr.S \
	kernel/main.c \
	kernel/gdt.c \
	kernel/idt.c \
	kernel/exception.c \
	kernel/panic.c \
	kernel/log.c \
	kernel/newlib_hooks.c \
	$(CONFIG_LIB_SRCS) \
	kernel/host_summary.c \
	kernel/settings.c \
	kernel/audit.c \
	kernel/percpu.c \
	kernel/smp.c \
	kernel/ap_trampoline.S \
	kernel/partition.c \
	kernel/guest_boot.c \
	kernel/elf_load.c \
	kernel/linux_boot.c \
	kernel/multiboot.c \
	kernel/os_boot.c \
	kernel/scheduler.c \
	kernel/hypercall.c \
	kernel/fpu.c \
	kernel/console.c \
	kernel/mgmt_hypercalls.c \
	mm/frame_alloc.c \
	mm/paging.c \
	mm/memmap.c \
	mm/memmap_seed.c \
	mm/kernel_map.c \
	mm/ept.c \
	drivers/uart16550.c \
	drivers/acpi.c \
	drivers/tsc.c \
	drivers/lapic.c \
	vdev/platform.c \
	vdev/vcpu_post.c \
	vdev/acpi_tables.c \
	vdev/vuart.c \
	vdev/vlapic.c \
	vdev/vioapic.c \
	vdev/vrtc.c \
	vmx/vmx_caps.c \
	vmx/vmx_probe.c \
	vmx/vmx_controls.c \
	vmx/vmx.c \
	vmx/vmcs.c \
	vmx/exit_stub.S \
	vmx/vcpu_switch.c \
	vmx/event_reinject.c \
	vmx/spec_policy.c \
	vmx/exit_dispatch.c \
	vmx/exit_events.c \
	vmx/exit_cpuid.c \
	vmx/exit_msr.c \
	vmx/exit_io.c \
	vmx/mmio_decode.c \
	vmx/guest_walk.c \
	vmx/exit_cr.c \
	vmx/exit_xsetbv.c \
	vmx/cpuid_policy.c \
	vmx/msr_policy.c

# Files compiled for the UEFI loader: its own, plus the pure modules it shares with the kernel.
LOADER_SRCS := \
	boot/efi_main.c \
	boot/console.c \
	boot/esp_files.c \
	boot/kernel_image.c \
	boot/memory_map.c \
	boot/handoff.c \
	boot/cpu_list.c \
	boot/saved_settings.c \
	boot/blobs.S \
	$(CONFIG_LOADER_SRCS) \
	mm/paging.c \
	mm/memmap.c \
	drivers/uart16550.c

UNIT_TESTS := config frame_alloc paging memmap acpi vmx_caps tsc log ept elf_load vmx_controls \
              cpuid_policy msr_policy guest_boot line_edit shell spec_policy event_reinject \
              mmio_decode guest_walk linux_boot multiboot acpi_tables \
              vlapic vioapic vrtc vuart

KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(KERNEL_SRCS))
# Test kernels (below): build/bulkhead-NAME.efi for each.
TEST_KERNELS := faulttest stresstest measures savetest
LOADER_OBJS := $(patsubst %,$(BUILD)/loader/%.o,$(LOADER_SRCS))

.PHONY: all newlib unit test run bench clean distclean guests
# Keep intermediate files (stripped kernels, blob objects): rebuilding them is pointless, and
# make's clean-up would print after `make test`'s closing summary line.
.SECONDARY:
all: $(BUILD)/bulkhead.efi $(patsubst %,$(BUILD)/bulkhead-%.efi,$(TEST_KERNELS)) \
	$(BUILD)/esp/.stamp $(BUILD)/disk.img guests $(BUILD)/mgmt/mgmt.elf

# Debian packages first (installed when root, else named), then newlib once.
$(BUILD)/.packages-ok: tools/packages.txt tools/need-packages.sh
	@mkdir -p $(BUILD)
	tools/need-packages.sh
	@touch $@

newlib: $(NEWLIB_OK)
$(NEWLIB_OK): $(BUILD)/.packages-ok tools/build-newlib.sh
	tools/build-newlib.sh

# --- kernel -------------------------------------------------------------------------------
$(BUILD)/kernel/%.c.o: %.c $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/kernel/%.S.o: %.S $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

KERNEL_LIBS := $(NEWLIB)/lib/libc.a

KERNEL_LINK = $(LD) -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T linker.ld

$(BUILD)/kernel.elf: $(KERNEL_OBJS) linker.ld $(NEWLIB_OK)
	@echo "  LD      $@"
	$(Q)$(KERNEL_LINK) $(KERNEL_OBJS) $(KERNEL_LIBS) -o $@
	tools/check-kernel-image.sh $@

# Test kernels: the same objects plus the test hooks of tests/selftest/ named for each. The
# fault test raises a deliberate #PF after the host summary (the Bochs suite checks the dump);
# the stress test wipes x87/SSE registers after VM exits and fires NMIs and host interrupts at
# the hypervisor (the guests must not notice), with the speculation measures its config's host
# name names forced on; the measurement kernel forces them alone, so that `make bench` can
# price each one.
SELFTEST := $(BUILD)/kernel/tests/selftest
TEST_KERNEL_OBJS_faulttest := $(SELFTEST)/fault.c.o
TEST_KERNEL_OBJS_stresstest := $(SELFTEST)/stress.c.o $(SELFTEST)/clobber_vector.S.o \
                               $(SELFTEST)/measures.c.o
TEST_KERNEL_OBJS_measures := $(SELFTEST)/measures.c.o
TEST_KERNEL_OBJS_savetest := $(SELFTEST)/saved_settings.c.o
define test_kernel_rule
$(BUILD)/kernel-$(1).elf: $(KERNEL_OBJS) $(TEST_KERNEL_OBJS_$(1)) linker.ld
	@echo "  LD      $$@"
	$(Q)$(KERNEL_LINK) $(KERNEL_OBJS) $(TEST_KERNEL_OBJS_$(1)) $(KERNEL_LIBS) -o $$@
endef
$(foreach k,$(TEST_KERNELS),$(eval $(call test_kernel_rule,$(k))))

# --- loader -------------------------------------------------------------------------------
$(BUILD)/loader/%.c.o: %.c $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  CC/EFI  $<"
	$(Q)$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

# blobs.S pulls in the kernel ELF (without debug info) and the default config with .incbin.
$(BUILD)/%.stripped: $(BUILD)/%.elf
	$(Q)$(OBJCOPY) --strip-debug $< $@
DEMO_ELF := $(BUILD)/guests/hello.elf
MGMT_ELF := $(BUILD)/mgmt/mgmt.elf
BLOB_INPUTS := boot/default.cfg $(DEMO_ELF) $(MGMT_ELF)
BLOB_DEFS = -DDEMO_ELF=\"$(DEMO_ELF)\" -DMGMT_ELF=\"$(MGMT_ELF)\"
$(BUILD)/loader/boot/blobs.S.o: boot/blobs.S $(BUILD)/kernel.stripped $(BLOB_INPUTS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(EFI_CFLAGS) -DKERNEL_ELF=\"$(BUILD)/kernel.stripped\" $(BLOB_DEFS) -c $< -o $@
$(BUILD)/loader-%/blobs.S.o: boot/blobs.S $(BUILD)/kernel-%.stripped $(BLOB_INPUTS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(EFI_CFLAGS) -DKERNEL_ELF=\"$(BUILD)/kernel-$*.stripped\" $(BLOB_DEFS) -c $< -o $@

LOADER_COMMON := $(filter-out $(BUILD)/loader/boot/blobs.S.o,$(LOADER_OBJS))

define efi_link
	@echo "  EFI     $(2)"
	$(Q)$(LD) $(EFI_LDFLAGS) -z noexecstack $(1) -L/usr/lib -lefi -lgnuefi $(NEWLIB)/lib/libc.a -o $(2).so
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* \
		-j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $(2).so $(2)
endef

$(BUILD)/bulkhead.efi: $(LOADER_OBJS)
	$(call efi_link,$(LOADER_OBJS),$@)
$(BUILD)/bulkhead-%.efi: $(LOADER_COMMON) $(BUILD)/loader-%/blobs.S.o
	$(call efi_link,$(LOADER_COMMON) $(BUILD)/loader-$*/blobs.S.o,$@)

# --- test guest images (loaded as boot modules; run under VMX from a later version) --------
$(BUILD)/guests/hello.elf: tests/guests/hello.S tests/guests/guest.ld
	@mkdir -p $(dir $@)
	$(CC) -nostdlib -static -ffreestanding -Wl,-T,tests/guests/guest.ld -Wl,-z,noexecstack \
		-Wl,--build-id=none tests/guests/hello.S -o $@

# The test guests (tests/guests/): GUESTS and their rules; then the management partition's
# program (mgmt/), which shares the guest runtime (lib/guestrt/) defined there.
include tests/guests/guests.mk
include mgmt/mgmt.mk
# The Linux guest kit (Debian's kernel and a BusyBox initramfs; not part of `all`).
include tests/linux/linux.mk

# --- ESP folder and the Bochs disk image ---------------------------------------------------
# The sample config boots the shell, Debian's kernel with the kit's initramfs, and the demo.
$(BUILD)/esp/.stamp: $(BUILD)/bulkhead.efi samples/bulkhead.cfg $(BUILD)/guests/hello.elf $(MGMT_ELF) \
		$(LINUX_DIR)/.stamp
	rm -rf $(BUILD)/esp && mkdir -p $(BUILD)/esp/EFI/BOOT
	cp $(BUILD)/bulkhead.efi $(BUILD)/esp/EFI/BOOT/BOOTX64.EFI
	cp samples/bulkhead.cfg $(BUILD)/esp/EFI/BOOT/bulkhead.cfg
	cp $(BUILD)/guests/hello.elf $(BUILD)/esp/EFI/BOOT/hello.elf
	cp $(MGMT_ELF) $(BUILD)/esp/EFI/BOOT/mgmt.elf
	cp $(LINUX_DIR)/vmlinuz $(LINUX_DIR)/initrd.img $(BUILD)/esp/EFI/BOOT/
	touch $@

$(BUILD)/disk.img: $(BUILD)/esp/.stamp tools/make-disk.sh
	tools/make-disk.sh $(BUILD)/esp $@

# --- unit tests (host, cmocka) -------------------------------------------------------------
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -I. -fsanitize=address,undefined

$(BUILD)/unit/test_config: tests/unit/test_config.c $(CONFIG_LIB_SRCS)
$(BUILD)/unit/test_frame_alloc: tests/unit/test_frame_alloc.c mm/frame_alloc.c
$(BUILD)/unit/test_paging: tests/unit/test_paging.c mm/paging.c
$(BUILD)/unit/test_memmap: tests/unit/test_memmap.c mm/memmap.c mm/memmap_seed.c mm/frame_alloc.c
$(BUILD)/unit/test_acpi: tests/unit/test_acpi.c drivers/acpi.c
$(BUILD)/unit/test_vmx_caps: tests/unit/test_vmx_caps.c vmx/vmx_caps.c
$(BUILD)/unit/test_tsc: tests/unit/test_tsc.c drivers/tsc.c
$(BUILD)/unit/test_log: tests/unit/test_log.c kernel/log.c
$(BUILD)/unit/test_ept: tests/unit/test_ept.c mm/ept.c
$(BUILD)/unit/test_elf_load: tests/unit/test_elf_load.c kernel/elf_load.c
$(BUILD)/unit/test_vmx_controls: tests/unit/test_vmx_controls.c vmx/vmx_controls.c
$(BUILD)/unit/test_cpuid_policy: tests/unit/test_cpuid_policy.c vmx/cpuid_policy.c
$(BUILD)/unit/test_msr_policy: tests/unit/test_msr_policy.c vmx/msr_policy.c
$(BUILD)/unit/test_guest_boot: tests/unit/test_guest_boot.c kernel/guest_boot.c
$(BUILD)/unit/test_linux_boot: tests/unit/test_linux_boot.c kernel/linux_boot.c
$(BUILD)/unit/test_multiboot: tests/unit/test_multiboot.c kernel/multiboot.c
$(BUILD)/unit/test_acpi_tables: tests/unit/test_acpi_tables.c vdev/acpi_tables.c drivers/acpi.c
$(BUILD)/unit/test_spec_policy: tests/unit/test_spec_policy.c vmx/spec_policy.c
$(BUILD)/unit/test_event_reinject: tests/unit/test_event_reinject.c vmx/event_reinject.c
$(BUILD)/unit/test_mmio_decode: tests/unit/test_mmio_decode.c vmx/mmio_decode.c
$(BUILD)/unit/test_guest_walk: tests/unit/test_guest_walk.c vmx/guest_walk.c
$(BUILD)/unit/test_vlapic: tests/unit/test_vlapic.c vdev/vlapic.c
$(BUILD)/unit/test_vioapic: tests/unit/test_vioapic.c vdev/vioapic.c
$(BUILD)/unit/test_vrtc: tests/unit/test_vrtc.c vdev/vrtc.c
$(BUILD)/unit/test_vuart: tests/unit/test_vuart.c vdev/vuart.c
$(BUILD)/unit/test_line_edit: tests/unit/test_line_edit.c mgmt/line_edit.c
$(BUILD)/unit/test_shell: tests/unit/test_shell.c mgmt/commands.c mgmt/settings_cmds.c mgmt/top.c mgmt/json_out.c mgmt/line_edit.c mgmt/format.c \
	mgmt/login.c $(CONFIG_LIB_SRCS) $(ARGON2_SRCS)
$(BUILD)/unit/test_shell: HOST_CFLAGS += $(ARGON2_CFLAGS)
$(BUILD)/unit/test_%: | $(BUILD)/.packages-ok
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) $(filter %.c,$^) -lcmocka -pthread -o $@

unit: $(patsubst %,$(BUILD)/unit/test_%,$(UNIT_TESTS))
	tests/runners/run-unit.sh $(UNIT_TESTS)

# --- test, run, bench ----------------------------------------------------------------------
test: all unit
	tests/runners/run-all.sh

run: all
	tools/run.sh

bench: all
	tools/bench.sh

clean:
	rm -rf $(BUILD)/kernel $(BUILD)/loader $(BUILD)/loader-* $(BUILD)/unit $(BUILD)/guests \
		$(BUILD)/esp $(BUILD)/*.efi $(BUILD)/*.so $(BUILD)/*.elf $(BUILD)/*.stripped \
		$(BUILD)/disk.img $(BUILD)/test $(BUILD)/bench $(BUILD)/run
distclean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/kernel $(BUILD)/loader -name '*.d' 2>/dev/null)
