#!/usr/bin/env bash
# Builds the Bochs boot disk from an ESP folder: an MBR disk image with one FAT partition
# (type 0xEF, starting at 1 MiB) holding the folder's files, made with mtools so no root or
# loop device is needed. Geometry is 16 heads x 63 sectors, which Bochs's ata line repeats.
set -euo pipefail
esp=$1 out=$(realpath -m "$2")
# 130 cylinders x 16 heads x 63 sectors (just under 64 MiB): tests/runners/bochsrc.in names the
# same geometry, and Bochs wants the image size to match it exactly.
cylinders=130
total=$((cylinders * 16 * 63))
tmp="$out.tmp"
rm -f "$tmp"
truncate -s $((total * 512)) "$tmp"
# MBR partition entry 1 at byte 446: not active, CHS fields saturated (LBA is what counts),
# type 0xEF (EFI System), first LBA 2048, length in sectors; then the 0x55AA signature.
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
entry="\\x00\\xfe\\xff\\xff\\xef\\xfe\\xff\\xff$(le32 2048)$(le32 $((total - 2048)))"
printf "$entry" | dd of="$tmp" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$tmp" bs=1 seek=510 conv=notrunc status=none
mkfs.fat -F 16 --offset=2048 -n BULKHEAD "$tmp" >/dev/null
( cd "$esp" && find . -type d ! -name . | sed 's|^\./||' | while read -r d; do
	mmd -i "$tmp@@1M" "::/$d"; done
  find . -type f ! -name .stamp | sed 's|^\./||' | while read -r f; do
	mcopy -i "$tmp@@1M" "$f" "::/$f"; done )
mv "$tmp" "$out"
echo "make-disk: $out ($((total / 2048)) MiB, FAT16 ESP from $esp)"
