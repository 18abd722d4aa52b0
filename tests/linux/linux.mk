# The Linux guest kit: a Makefile fragment included by the top-level Makefile after it has
# defined BUILD, CC, LD, OBJCOPY, WARN and Q. It is not part of `all`, because its first build
# downloads Debian's cloud kernel (about 27 MB); targets that boot Linux depend on it.
#   make linux-kit         build/linux/{vmlinuz,kernel-version,initrd.img,bad/*}  (tools/linux-kit.sh)
#   make linux-efi         build/linux/efi-linux.efi, the loader of tools/bare-linux-bochs.sh

# Defining rules here must not change the including Makefile's default goal.
linux_saved_default_goal := $(.DEFAULT_GOAL)

LINUX_DIR := $(BUILD)/linux
LINUX_KIT_INPUTS := tools/linux-kit.sh tests/linux/init tests/linux/profile tests/linux/tsc.c

.PHONY: linux-kit linux-efi
linux-kit: $(LINUX_DIR)/.stamp
linux-efi: $(LINUX_DIR)/efi-linux.efi

# The script leaves unchanged outputs untouched, so only the stamp tells make it ran.
$(LINUX_DIR)/.stamp: $(LINUX_KIT_INPUTS)
	tools/linux-kit.sh $(LINUX_DIR)
	@touch $@

# Built with gnu-efi alone (no newlib): the loader needs nothing but firmware calls and
# libefi, so the bare-Linux baseline does not wait for newlib. Same flags otherwise as the
# hypervisor's loader (see the top-level Makefile), including Debian crt0's SysV efi_main.
LINUX_EFI_CFLAGS := -std=gnu11 -O2 $(WARN) -ffreestanding -fno-stack-protector -fpic -fshort-wchar \
                    -mno-red-zone -mgeneral-regs-only -DGNU_EFI_USE_MS_ABI \
                    -I/usr/include/efi -I/usr/include/efi/x86_64
$(LINUX_DIR)/efi-linux.o: tests/linux/efi-linux.c
	@mkdir -p $(dir $@)
	@echo "  CC/EFI  $<"
	$(Q)$(CC) $(LINUX_EFI_CFLAGS) -c $< -o $@
$(LINUX_DIR)/efi-linux.efi: $(LINUX_DIR)/efi-linux.o
	@echo "  EFI     $@"
	$(Q)$(LD) -nostdlib -znocombreloc -shared -Bsymbolic -z noexecstack -T /usr/lib/elf_x86_64_efi.lds \
		/usr/lib/crt0-efi-x86_64.o $< -L/usr/lib -lefi -lgnuefi -o $@.so
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* \
		-j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $@.so $@

.DEFAULT_GOAL := $(linux_saved_default_goal)
