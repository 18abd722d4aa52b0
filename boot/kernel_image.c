/*
 * Places the kernel ELF (embedded in this .efi by blobs.S) at the start of the reserved region.
 * The kernel is linked at KERNEL_VIRT_BASE and the boot page tables map that address onto the
 * region, so a segment at virtual V goes to physical dest + (V - KERNEL_VIRT_BASE). Every header
 * field is checked, because a corrupt image must give a clear error, not a jump into garbage.
 */
#include <string.h>
#include "boot/loader.h"
#include "elf64.h"

EFI_STATUS kernel_image_place(const void *elf, UINT64 elf_size, EFI_PHYSICAL_ADDRESS dest,
			      UINT64 room, UINT64 *image_size, UINT64 *entry)
{
	const struct elf64_ehdr *eh = elf;
	if (elf_size < sizeof *eh || memcmp(eh->ident, "\177ELF", 4) != 0 || eh->ident[EI_CLASS] != ELFCLASS64 ||
	    eh->machine != EM_X86_64 || eh->type != ET_EXEC ||
	    eh->phentsize != sizeof(struct elf64_phdr) ||
	    eh->phoff > elf_size || eh->phnum > (elf_size - eh->phoff) / sizeof(struct elf64_phdr)) {
		boot_error("embedded kernel image is not a valid x86-64 ELF executable");
		return EFI_LOAD_ERROR;
	}
	const struct elf64_phdr *ph = (const void *)((const char *)elf + eh->phoff);
	UINT64 end = 0;
	for (UINT16 i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		UINT64 off = ph[i].vaddr - KERNEL_VIRT_BASE;
		if (ph[i].vaddr < KERNEL_VIRT_BASE || ph[i].memsz < ph[i].filesz ||
		    off > room || ph[i].memsz > room - off ||
		    ph[i].offset > elf_size || ph[i].filesz > elf_size - ph[i].offset) {
			boot_error("kernel segment %u does not fit the reserved region", i);
			return EFI_LOAD_ERROR;
		}
		char *to = (char *)(UINTN)(dest + off);
		memcpy(to, (const char *)elf + ph[i].offset, ph[i].filesz);
		memset(to + ph[i].filesz, 0, ph[i].memsz - ph[i].filesz);
		if (off + ph[i].memsz > end)
			end = off + ph[i].memsz;
	}
	if (end == 0 || eh->entry < KERNEL_VIRT_BASE || eh->entry - KERNEL_VIRT_BASE >= end) {
		boot_error("kernel entry point lies outside its image");
		return EFI_LOAD_ERROR;
	}
	*image_size = (end + 4095) & ~4095ull;
	*entry = eh->entry;
	return EFI_SUCCESS;
}
