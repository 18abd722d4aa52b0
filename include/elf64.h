/*
 * The ELF64 vocabulary both ELF readers use: the UEFI loader placing the kernel
 * (boot/kernel_image.c) and the kernel loading guest images (kernel/elf_load.c). Layouts and
 * constants from the System V gABI and its x86-64 supplement.
 */
#ifndef BULKHEAD_ELF64_H
#define BULKHEAD_ELF64_H

#include <stdint.h>

struct elf64_ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");

#define EI_CLASS      4
#define EI_DATA       5
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define ET_EXEC       2
#define EM_X86_64     62
#define PT_LOAD       1

#endif
