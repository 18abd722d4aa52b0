/*
 * Binary payloads carried inside BOOTX64.EFI: the kernel ELF, the default configuration (used
 * when no bulkhead.cfg sits next to the loader) and the two programs that configuration runs:
 * the management shell and a demo guest. gnu-efi's link script folds read-only data into .data,
 * so they live there. KERNEL_ELF, DEMO_ELF and MGMT_ELF are paths given by the Makefile.
 */
	.section .data
	.balign 64
	.globl kernel_elf_image, kernel_elf_image_end
kernel_elf_image:
	.incbin KERNEL_ELF
kernel_elf_image_end:

	.balign 16
	.globl default_config_text, default_config_text_end
default_config_text:
	.incbin "boot/default.cfg"
default_config_text_end:
	.byte 0

	.balign 16
	.globl builtin_demo_elf, builtin_demo_elf_end
builtin_demo_elf:
	.incbin DEMO_ELF
builtin_demo_elf_end:

	.balign 16
	.globl builtin_mgmt_elf, builtin_mgmt_elf_end
builtin_mgmt_elf:
	.incbin MGMT_ELF
builtin_mgmt_elf_end:
	.section .note.GNU-stack, "", @progbits
