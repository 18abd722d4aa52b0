# Test guests: a Makefile fragment included by the top-level Makefile after it has defined BUILD,
# NEWLIB, NEWLIB_OK, GCC_INC, CC, LD, WARN and Q (rule targets use them as they are read). Each
# guest is tests/guests/NAME.c (plus any GUEST_EXTRA_NAME sources) linked with the guest runtime
# (lib/guestrt/, shared with the management partition), the test helpers in
# tests/guests/runtime/ and newlib's libc.a into $(BUILD)/guests/NAME.elf at 1 MiB
# guest-physical (tests/guests/guest.ld).
#   make build/guests/cpuid.elf     one guest
#   make guests                     all of them

GUESTS := cpuid msr vmcall hlt memory pastend hvtouch triple fuzz spin vector bench ticker unpriv \
          cpustate vectoring idle busy

# Defining rules here must not change the including Makefile's default goal.
guests_saved_default_goal := $(.DEFAULT_GOAL)

GUEST_DIR := tests/guests
GUEST_OBJ := $(BUILD)/guests/obj

# C code never touches vector registers (-mgeneral-regs-only): interrupt stubs do not save
# them, and the vector guest's own checks must be the only code that sets them.
GUEST_CFLAGS := -std=gnu11 -O2 $(WARN) -ffreestanding -nostdinc -isystem $(GCC_INC) \
                -isystem $(NEWLIB)/include -Iinclude -I. -mno-red-zone -fno-pic \
                -fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables
GUEST_LDFLAGS := -nostdlib -static -T $(GUEST_DIR)/guest.ld --build-id=none -z noexecstack -S \
                 -z max-page-size=0x1000

GUESTRT := entry.S isr.S start.c trap.c console.c newlib_hooks.c
GUESTRT_OBJS := $(patsubst %,$(BUILD)/guestrt/%.o,$(GUESTRT))
GUEST_TESTLIB := report.c msr_safe.c phys_window.c
GUEST_RUNTIME_OBJS := $(GUESTRT_OBJS) $(patsubst %,$(GUEST_OBJ)/runtime/%.o,$(GUEST_TESTLIB))

# Guests built from more than NAME.c.
GUEST_EXTRA_vmcall := vmcall_regs.S
GUEST_EXTRA_vector := vector_regs.S

guest_objs = $(patsubst %,$(GUEST_OBJ)/%.o,$(1).c $(GUEST_EXTRA_$(1)))

$(BUILD)/guestrt/%.c.o: lib/guestrt/%.c $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  CC/G    $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/guestrt/%.S.o: lib/guestrt/%.S $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  AS/G    $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(GUEST_OBJ)/%.c.o: $(GUEST_DIR)/%.c $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  CC/G    $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(GUEST_OBJ)/%.S.o: $(GUEST_DIR)/%.S $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  AS/G    $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

define guest_rule
$(BUILD)/guests/$(1).elf: $(call guest_objs,$(1)) $(GUEST_RUNTIME_OBJS) $(GUEST_DIR)/guest.ld \
		$(NEWLIB_OK)
	@echo "  LD/G    $$@"
	$(Q)$(LD) $(GUEST_LDFLAGS) $(call guest_objs,$(1)) $(GUEST_RUNTIME_OBJS) \
		$(NEWLIB)/lib/libc.a -o $$@
endef
$(foreach g,$(GUESTS),$(eval $(call guest_rule,$(g))))

.PHONY: guests
guests: $(patsubst %,$(BUILD)/guests/%.elf,$(GUESTS)) $(BUILD)/guests/mbtest.elf \
	$(BUILD)/guests/mbfuzz.elf

# The Multiboot test kernels (tests/guests/multiboot/): 32-bit ELFs of their own, no runtime,
# no C library, linked at 1 MiB with the Multiboot header first. mbtest checks what the loader
# gave it; mbfuzz is the hostile one.
MBTEST_DIR := $(GUEST_DIR)/multiboot
MBTEST_CFLAGS := -m32 -std=gnu11 -O2 $(WARN) -ffreestanding -nostdinc -isystem $(GCC_INC) -fno-pic \
                 -fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables
$(BUILD)/guests/mbtest.elf: $(MBTEST_DIR)/entry.S $(MBTEST_DIR)/mbtest.c $(MBTEST_DIR)/mbtest.ld
	@mkdir -p $(dir $@)
	@echo "  CC/MB   $@"
	$(Q)$(CC) $(MBTEST_CFLAGS) -nostdlib -static -Wl,-m,elf_i386 -Wl,-T,$(MBTEST_DIR)/mbtest.ld \
		-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments $(MBTEST_DIR)/entry.S $(MBTEST_DIR)/mbtest.c -o $@

-include $(wildcard $(GUEST_OBJ)/*.d $(GUEST_OBJ)/runtime/*.d $(BUILD)/guestrt/*.d)

.DEFAULT_GOAL := $(guests_saved_default_goal)
$(BUILD)/guests/mbfuzz.elf: $(MBTEST_DIR)/entry.S $(MBTEST_DIR)/fuzz_isr.S $(MBTEST_DIR)/mbfuzz.c \
		$(MBTEST_DIR)/mbtest.ld
	@mkdir -p $(dir $@)
	@echo "  CC/MB   $@"
	$(Q)$(CC) $(MBTEST_CFLAGS) -nostdlib -static -Wl,-m,elf_i386 -Wl,-T,$(MBTEST_DIR)/mbtest.ld \
		-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments $(MBTEST_DIR)/entry.S \
		$(MBTEST_DIR)/fuzz_isr.S $(MBTEST_DIR)/mbfuzz.c -o $@
