/* efi-linux: a minimal UEFI boot loader for the Linux guest kit's bare-metal baseline
 * (tools/bare-linux-bochs.sh). Placed as \EFI\BOOT\BOOTX64.EFI beside \vmlinuz and \initrd.img on
 * the same FAT volume, it starts the kernel's own EFI stub with the command line "console=ttyS0"
 * and nothing else, and hands the initramfs over through the LoadFile2 protocol on the
 * LINUX_EFI_INITRD_MEDIA_GUID vendor device path, the way the 6.1 stub looks for it first, so no
 * "initrd=" option has to appear on the command line. It exists because OVMF boots a bare
 * vmlinuz with an empty command line, and its UEFI shell's startup.nsh costs a 5 s countdown of
 * emulated time before anything runs.
 * efi_main is called by Debian's gnu-efi crt0 with the SysV convention, so it is not EFIAPI. */
#include <efi.h>
#include <efilib.h>

#define KERNEL_PATH L"\\vmlinuz"
#define INITRD_PATH L"\\initrd.img"
static CHAR16 cmdline[] = L"console=ttyS0";

static EFI_GUID load_file2_guid = { 0x4006c0c1, 0xfcb3, 0x403e,
				    { 0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d } };

/* The device path the stub asks LocateDevicePath about: one vendor media node, then the end. */
static struct __attribute__((packed)) {
	VENDOR_DEVICE_PATH vendor;
	EFI_DEVICE_PATH_PROTOCOL end;
} initrd_path = {
	{ { MEDIA_DEVICE_PATH, MEDIA_VENDOR_DP, { sizeof(VENDOR_DEVICE_PATH), 0 } },
	  { 0x5568e427, 0x68fc, 0x4f3d, { 0xac, 0x74, 0xca, 0x55, 0x52, 0x31, 0xcc, 0x68 } } },
	{ END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE, { END_DEVICE_PATH_LENGTH, 0 } },
};

static VOID *initrd_data;
static UINTN initrd_size;

/* LoadFile2: the stub first asks with no buffer for the size, then with a buffer of that size. */
static EFI_STATUS EFIAPI initrd_load(EFI_LOAD_FILE_PROTOCOL *this, EFI_DEVICE_PATH *path,
				     BOOLEAN boot_policy, UINTN *size, VOID *buffer)
{
	(void)this;
	(void)path;
	if (boot_policy)
		return EFI_UNSUPPORTED;   /* LoadFile2 never boots anything itself */
	if (size == NULL)
		return EFI_INVALID_PARAMETER;
	if (buffer == NULL || *size < initrd_size) {
		*size = initrd_size;
		return EFI_BUFFER_TOO_SMALL;
	}
	CopyMem(buffer, initrd_data, initrd_size);
	*size = initrd_size;
	return EFI_SUCCESS;
}

static EFI_LOAD_FILE_PROTOCOL initrd_protocol = { initrd_load };

static EFI_STATUS read_file(EFI_FILE_HANDLE root, CHAR16 *name, VOID **data, UINTN *size)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st = root->Open(root, &fh, name, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	EFI_FILE_INFO *info = LibFileInfo(fh);
	if (info == NULL) {
		fh->Close(fh);
		return EFI_DEVICE_ERROR;
	}
	*size = info->FileSize;
	FreePool(info);
	st = BS->AllocatePool(EfiLoaderData, *size, data);
	if (!EFI_ERROR(st))
		st = fh->Read(fh, size, *data);
	fh->Close(fh);
	return st;
}

/* The TSC counts emulated instructions under Bochs (see tests/linux/tsc.c), so printing it when
 * this loader starts and when it hands over splits the boot into firmware, loading and kernel. */
static UINT64 rdtsc(void)
{
	UINT32 lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((UINT64)hi << 32) | lo;
}

static EFI_STATUS fail(const CHAR16 *what, EFI_STATUS st)
{
	Print(L"efi-linux: %s failed: %r\n", what, st);
	return st;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	UINT64 tsc_start = rdtsc();
	InitializeLib(image, systab);
	BS->SetWatchdogTimer(0, 0, 0, NULL);   /* emulated boots are slow; the kernel decides */

	EFI_LOADED_IMAGE *self;
	EFI_STATUS st = BS->HandleProtocol(image, &LoadedImageProtocol, (VOID **)&self);
	if (EFI_ERROR(st))
		return fail(L"LoadedImage of this loader", st);
	EFI_FILE_HANDLE root = LibOpenRoot(self->DeviceHandle);
	if (root == NULL)
		return fail(L"opening this loader's volume", EFI_NOT_FOUND);

	st = read_file(root, INITRD_PATH, &initrd_data, &initrd_size);
	if (EFI_ERROR(st))
		return fail(INITRD_PATH, st);
	EFI_HANDLE initrd_handle = NULL;
	st = BS->InstallMultipleProtocolInterfaces(&initrd_handle, &DevicePathProtocol, &initrd_path,
						   &load_file2_guid, &initrd_protocol, NULL);
	if (EFI_ERROR(st))
		return fail(L"installing the initrd LoadFile2 protocol", st);

	/* Loaded from the device path rather than from a buffer, so that the kernel's LoadedImage
	 * names the volume and file it came from, as after a firmware boot. */
	EFI_DEVICE_PATH *kernel_path = FileDevicePath(self->DeviceHandle, KERNEL_PATH);
	EFI_HANDLE kernel;
	st = BS->LoadImage(FALSE, image, kernel_path, NULL, 0, &kernel);
	if (EFI_ERROR(st))
		return fail(KERNEL_PATH, st);
	EFI_LOADED_IMAGE *k;
	st = BS->HandleProtocol(kernel, &LoadedImageProtocol, (VOID **)&k);
	if (EFI_ERROR(st))
		return fail(L"LoadedImage of the kernel", st);
	k->LoadOptions = cmdline;
	k->LoadOptionsSize = sizeof cmdline;   /* bytes, with the terminating NUL */
	Print(L"efi-linux: started at TSC %lu; starting %s (initrd %lu bytes) with \"%s\" at TSC %lu\n",
	      tsc_start, KERNEL_PATH, (UINT64)initrd_size, cmdline, rdtsc());
	st = BS->StartImage(kernel, NULL, NULL);
	return fail(L"StartImage (the kernel returned)", st);
}
