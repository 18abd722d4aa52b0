/*
 * Reading files from the EFI System Partition: the folder the loader itself was loaded from
 * (LoadedImage->FilePath) is where bulkhead.cfg and the images it names live, so an
 * administrator can keep several Bulkhead setups in separate folders of one ESP.
 */
#include <string.h>
#include "boot/loader.h"

EFI_STATUS esp_open_folder(EFI_HANDLE image, struct esp_folder *esp)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	esp->root = LibOpenRoot(li->DeviceHandle);
	if (!esp->root)
		return EFI_NOT_FOUND;

	/* The loader's own path, e.g. \EFI\BOOT\BOOTX64.EFI; keep everything up to the last '\'. */
	CHAR16 *path = DevicePathToStr(li->FilePath);
	UINTN len = path ? StrLen(path) : 0, cut = 0;
	for (UINTN i = 0; i < len; i++)
		if (path[i] == L'\\' || path[i] == L'/')
			cut = i + 1;
	if (cut == 0 || cut >= sizeof esp->folder / sizeof esp->folder[0] - 1) {
		esp->folder[0] = L'\\';
		cut = 1;
	} else {
		for (UINTN i = 0; i < cut; i++)
			esp->folder[i] = path[i] == L'/' ? L'\\' : path[i];
	}
	esp->folder[cut] = 0;
	for (UINTN i = 0; i <= cut; i++)
		esp->folder_ascii[i] = (char)esp->folder[i];
	if (path)
		FreePool(path);
	return EFI_SUCCESS;
}

EFI_STATUS esp_read_file(struct esp_folder *esp, const char *name, EFI_MEMORY_TYPE type,
			 UINT64 max, EFI_PHYSICAL_ADDRESS *buf, UINT64 *size)
{
	CHAR16 path[512];
	UINTN n = 0;
	for (const CHAR16 *f = esp->folder; *f && n < 255; f++)
		path[n++] = *f;
	for (const char *c = name; *c && n < 510; c++)
		path[n++] = *c == '/' ? L'\\' : (CHAR16)(unsigned char)*c;
	path[n] = 0;

	EFI_FILE_HANDLE fh;
	EFI_STATUS st = esp->root->Open(esp->root, &fh, path, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	EFI_FILE_INFO *info = LibFileInfo(fh);
	if (!info) {
		fh->Close(fh);
		return EFI_DEVICE_ERROR;
	}
	UINT64 file_size = info->FileSize;
	UINT64 attributes = info->Attribute;
	FreePool(info);
	if (attributes & EFI_FILE_DIRECTORY) {
		fh->Close(fh);
		return EFI_NOT_FOUND;
	}
	if (max && file_size > max) {
		fh->Close(fh);
		return EFI_BAD_BUFFER_SIZE;
	}
	/* One extra zero byte after the content so text files are NUL-terminated. */
	UINTN pages = EFI_SIZE_TO_PAGES(file_size + 1);
	EFI_PHYSICAL_ADDRESS addr = 0;
	st = BS->AllocatePages(AllocateAnyPages, type, pages, &addr);
	if (EFI_ERROR(st)) {
		fh->Close(fh);
		return st;
	}
	UINTN got = file_size;
	st = fh->Read(fh, &got, (void *)(UINTN)addr);
	fh->Close(fh);
	if (EFI_ERROR(st) || got != file_size) {
		BS->FreePages(addr, pages);
		return EFI_ERROR(st) ? st : EFI_END_OF_FILE;
	}
	((char *)(UINTN)addr)[file_size] = 0;
	*buf = addr;
	*size = file_size;
	return EFI_SUCCESS;
}
