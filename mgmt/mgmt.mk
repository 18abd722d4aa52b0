# The management partition (mgmt/): a Makefile fragment included by the top-level Makefile after
# tests/guests/guests.mk, whose GUEST_CFLAGS, GUEST_LDFLAGS, GUESTRT_OBJS and guest.ld it reuses,
# so the shell is built and linked exactly like a test guest (64-bit ELF at 1 MiB
# guest-physical, newlib's libc.a, no vector registers). It also compiles lib/config for the
# guest: `mem`, `cpus` and `set` parse values with the same functions as bulkhead.cfg, so the
# administrator types the same spellings and gets the same errors in both places.
#   make build/mgmt/mgmt.elf   (or: make mgmt)

# Defining rules here must not change the including Makefile's default goal.
mgmt_saved_default_goal := $(.DEFAULT_GOAL)

MGMT_DIR := mgmt
MGMT_OBJ := $(BUILD)/mgmt/obj
MGMT_SRCS := main.c commands.c settings_cmds.c top.c json_out.c line_edit.c format.c login.c
MGMT_OBJS := $(patsubst %,$(MGMT_OBJ)/%.o,$(MGMT_SRCS)) $(patsubst %,$(MGMT_OBJ)/%.o,$(CONFIG_LIB_SRCS)) \
             $(patsubst %,$(MGMT_OBJ)/%.o,$(ARGON2_SRCS))

$(MGMT_OBJ)/%.c.o: $(MGMT_DIR)/%.c $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  CC/M    $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(MGMT_OBJ)/lib/config/%.c.o: lib/config/%.c $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  CC/M    $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

# The Argon2 reference library (lib/argon2/README.md): not our code, so built with its own
# warnings relaxed only where its style differs from ours, and one lane at a time.
$(MGMT_OBJ)/lib/argon2/%.c.o: lib/argon2/%.c $(NEWLIB_OK)
	@mkdir -p $(dir $@)
	@echo "  CC/M    $<"
	$(Q)$(CC) $(GUEST_CFLAGS) $(ARGON2_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/mgmt/mgmt.elf: $(MGMT_OBJS) $(GUESTRT_OBJS) $(GUEST_DIR)/guest.ld $(NEWLIB_OK)
	@echo "  LD/M    $@"
	$(Q)$(LD) $(GUEST_LDFLAGS) $(MGMT_OBJS) $(GUESTRT_OBJS) $(NEWLIB)/lib/libc.a -o $@

.PHONY: mgmt
mgmt: $(BUILD)/mgmt/mgmt.elf

-include $(wildcard $(MGMT_OBJ)/*.d $(MGMT_OBJ)/lib/config/*.d $(MGMT_OBJ)/lib/argon2/src/*.d \
                    $(MGMT_OBJ)/lib/argon2/src/blake2/*.d)

.DEFAULT_GOAL := $(mgmt_saved_default_goal)
