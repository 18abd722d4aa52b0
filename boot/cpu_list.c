/*
 * What the loader learns about the CPUs while the firmware still runs, for the kernel to use
 * after ExitBootServices: the firmware's own list of processors from the PI specification's
 * EFI_MP_SERVICES_PROTOCOL (PI 1.7, Vol. 2, 13.4; gnu-efi has no header for it, so the few
 * members used are declared here), and the pages below 1 MiB where the kernel will put the
 * start-up code of the application processors. The kernel prefers the ACPI MADT where there is
 * one; under Bochs's OVMF there is no ACPI at all, and this list is what says how many CPUs exist.
 */
#include "boot/loader.h"

#define MP_SERVICES_GUID \
	{ 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }

/* StatusFlag bits of EFI_PROCESSOR_INFORMATION. */
#define PROCESSOR_AS_BSP       0x1
#define PROCESSOR_ENABLED      0x2
#define PROCESSOR_HEALTHY      0x4

struct processor_information {
	UINT64 processor_id;             /* the APIC ID */
	UINT32 status_flag;
	UINT32 package, core, thread;    /* EFI_CPU_PHYSICAL_LOCATION (unused: wrong under Bochs) */
};

struct mp_services {
	EFI_STATUS (EFIAPI *get_number_of_processors)(struct mp_services *self, UINTN *count,
						       UINTN *enabled);
	EFI_STATUS (EFIAPI *get_processor_info)(struct mp_services *self, UINTN number,
						struct processor_information *info);
	/* StartupAllAPs, StartupThisAP, SwitchBSP, EnableDisableAP, WhoAmI follow: not used. */
};

void boot_take_cpu_list(struct boot_info *bi)
{
	EFI_GUID guid = MP_SERVICES_GUID;
	struct mp_services *mp = NULL;
	if (EFI_ERROR(BS->LocateProtocol(&guid, NULL, (void **)&mp)) || !mp)
		return;
	UINTN count = 0, enabled = 0;
	if (EFI_ERROR(mp->get_number_of_processors(mp, &count, &enabled)) || count == 0)
		return;
	for (UINTN i = 0; i < count; i++) {
		struct processor_information info;
		if (EFI_ERROR(mp->get_processor_info(mp, i, &info)))
			continue;
		if (!(info.status_flag & PROCESSOR_ENABLED) || !(info.status_flag & PROCESSOR_HEALTHY)) {
			bi->fw_cpus_disabled++;
			continue;
		}
		if (info.status_flag & PROCESSOR_AS_BSP)
			bi->fw_bsp_apic_id = (UINT32)info.processor_id;
		if (bi->fw_cpus_listed < MAX_CPUS)
			bi->fw_cpu_apic_ids[bi->fw_cpus_listed++] = (UINT32)info.processor_id;
	}
	bi->fw_cpu_count = (UINT32)count;
	boot_say("firmware lists %llu CPU(s), %llu enabled", (unsigned long long)count,
		 (unsigned long long)enabled);
}

/* A start-up IPI gives the page number of the code to run in 8 bits: below 1 MiB, and under the
 * EBDA/legacy area at 0xA0000. The kernel marks these pages its own in the memory map. */
void boot_reserve_ap_trampoline(struct boot_info *bi, UINT64 size)
{
	EFI_PHYSICAL_ADDRESS addr = 0x9ffff;
	if (EFI_ERROR(BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, EFI_SIZE_TO_PAGES(size),
					&addr))) {
		boot_say("no free memory below 1 MiB for the CPU start-up code: the other CPUs will "
			 "stay off");
		return;
	}
	bi->ap_trampoline = addr;
	bi->ap_trampoline_size = size;
}
