#!/usr/bin/env bash
# Builds the Linux guest kit into OUTDIR: Debian 12's stock cloud kernel (OUTDIR/vmlinuz, bytes
# exactly as Debian ships them, and its version in OUTDIR/kernel-version), a BusyBox initramfs
# whose /init prints "bulkhead-linux: shell ready" and keeps a shell on the console
# (OUTDIR/initrd.img), and broken kernel images for the hypervisor's refusal tests (OUTDIR/bad/).
# The .deb files come from Debian's mirror through apt-get download and are kept in
# build/linux/cache/ (or $LINUX_KIT_CACHE), so once they are there the kit builds offline and
# in a few seconds. Running it again gives byte-identical outputs and leaves unchanged files
# untouched, so make does not rebuild what depends on them.
#   usage: tools/linux-kit.sh OUTDIR
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$(realpath -m "$1")
cache=$(realpath -m "${LINUX_KIT_CACHE:-$TOP/build/linux/cache}")
meta=linux-image-cloud-amd64
CC=${CC:-gcc}

# Every tool this needs, with the Debian package that has it, checked up front so that a
# missing one is named instead of failing half-way (tools/packages.txt lists the same ones).
missing=() packages=()
need() { command -v "$1" >/dev/null 2>&1 || { missing+=("$1 (Debian package $2)"); packages+=("$2"); }; }
need apt-get apt
need apt-cache apt
need dpkg-deb dpkg
need cpio cpio
need gzip gzip
need "$CC" gcc
if [ ${#missing[@]} -gt 0 ]; then
	printf 'linux-kit: missing: %s\n' "${missing[@]}" >&2
	echo "linux-kit: install with: apt-get install $(printf '%s\n' "${packages[@]}" | sort -u | xargs)" >&2
	exit 1
fi

mkdir -p "$cache" "$out/bad"
tmp=$(mktemp -d "$out/.kit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# cached_deb PACKAGE: the newest cached .deb of PACKAGE (its file name carries the version,
# with the epoch's colon written %3a), or nothing.
cached_deb() {
	find "$cache" -maxdepth 1 -name "$1_*_amd64.deb" | sort -V | tail -n 1
}

# fetch_deb PACKAGE: the path of PACKAGE's .deb in the cache, downloaded only when none is there.
# apt-get download runs inside the cache folder (it writes to the current one). As root, apt
# drops to the user _apt for downloads and warns when _apt cannot write there; the cache is
# ours, so the download runs as root on purpose.
fetch_deb() {
	local deb
	deb=$(cached_deb "$1")
	if [ -z "$deb" ]; then
		echo "linux-kit: downloading $1" >&2
		( cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$1" >&2 ) ||
			{ echo "linux-kit: apt-get download $1 failed (no network and nothing cached?)" >&2; exit 1; }
		deb=$(cached_deb "$1")
		[ -n "$deb" ] || { echo "linux-kit: apt-get download $1 left no .deb in $cache" >&2; exit 1; }
	fi
	echo "$deb"
}

# put SRC DST: DST gets SRC's bytes, but is left alone (same mtime) when it has them already.
put() {
	if ! cmp -s "$1" "$2"; then cp "$1" "$2.new" && mv "$2.new" "$2"; fi
}

# --- the kernel --------------------------------------------------------------------------
# The meta-package depends on the current ABI's image package (linux-image-6.1.0-NN-cloud-amd64,
# the signed build; its vmlinuz carries an Authenticode signature, which nothing here checks).
# Without apt's package lists (or offline before any apt-get update) fall back to the newest
# kernel already in the cache.
kpkg=$(apt-cache depends "$meta" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1 || true)
if [ -z "$kpkg" ]; then
	kdeb=$(find "$cache" -maxdepth 1 -name 'linux-image-*-cloud-amd64_*_amd64.deb' | sort -V | tail -n 1)
	[ -n "$kdeb" ] || { echo "linux-kit: cannot resolve $meta (run apt-get update) and no kernel is cached" >&2; exit 1; }
	echo "linux-kit: apt cannot resolve $meta; using the cached $(basename "$kdeb")" >&2
else
	kdeb=$(fetch_deb "$kpkg")
fi

# dpkg-deb -x unpacks all of the package (about 100 MiB of modules); only boot/ is kept, next to
# the .deb and named after it, so later runs skip the unpacking too.
kboot="$cache/$(basename "$kdeb" .deb).boot"
if [ ! -d "$kboot" ]; then
	dpkg-deb -x "$kdeb" "$tmp/kernel"
	rm -rf "$kboot.new" && mv "$tmp/kernel/boot" "$kboot.new" && mv "$kboot.new" "$kboot"
	rm -rf "$tmp/kernel"
fi
vmlinuz=$(find "$kboot" -maxdepth 1 -name 'vmlinuz-*' | head -n 1)
[ -n "$vmlinuz" ] || { echo "linux-kit: $kdeb has no boot/vmlinuz-*" >&2; exit 1; }
version=${vmlinuz##*/vmlinuz-}
# Refuse anything that is not a bzImage before building on it: "HdrS" at 0x202 is the boot
# protocol's header magic, and the bad images below patch fields relative to it.
[ "$(dd if="$vmlinuz" bs=1 skip=$((0x202)) count=4 status=none)" = HdrS ] ||
	{ echo "linux-kit: $vmlinuz is not a bzImage (no HdrS at 0x202)" >&2; exit 1; }
put "$vmlinuz" "$out/vmlinuz"
echo "$version" >"$tmp/kernel-version"
put "$tmp/kernel-version" "$out/kernel-version"

# --- the initramfs -----------------------------------------------------------------------
bdeb=$(fetch_deb busybox-static)
root="$tmp/root"
dpkg-deb -x "$bdeb" "$tmp/busybox"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc}
cp "$tmp/busybox/bin/busybox" "$root/bin/busybox"
# Applet links made here rather than by `busybox --install` at boot: the archive then shows
# everything it offers, and /init's first commands need no set-up step. linuxrc and sbin/init
# are left out so that a broken /init makes the kernel stop with a clear message instead of
# falling back to BusyBox's own init.
"$root/bin/busybox" --list-full | while read -r applet; do
	case "$applet" in linuxrc | sbin/init | bin/busybox) continue ;; esac
	ln -s /bin/busybox "$root/$applet"
done
"$CC" -std=gnu11 -O2 -Wall -Wextra -Werror -static -nostdlib -ffreestanding -fno-pie -no-pie \
	-fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-Wl,--build-id=none -Wl,-z,noexecstack -s "$TOP/tests/linux/tsc.c" -o "$root/bin/tsc"
install -m 755 "$TOP/tests/linux/init" "$root/init"
install -m 644 "$TOP/tests/linux/profile" "$root/etc/profile"
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
# Same bytes every run: fixed timestamps, sorted names, owner root, no inode or device numbers
# from this machine (--reproducible), and no name or time in the gzip header (-n).
find "$root" -exec touch -h -d @946684800 {} +
( cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible ) | gzip -9 -n >"$tmp/initrd.img"
put "$tmp/initrd.img" "$out/initrd.img"

# --- bad images for the hypervisor's kernel-image checks ---------------------------------
# not-bzimage: plain text, so no boot sector signature at 0x1fe and no "HdrS" at 0x202: the
# image must be refused as not a Linux kernel at all.
for i in $(seq 1 64); do
	echo "line $i: this is a text file, not a Linux bzImage; a loader must refuse it."
done >"$tmp/not-bzimage"
put "$tmp/not-bzimage" "$out/bad/not-bzimage"
# truncated: a real kernel's first 64 KiB. The setup header is intact and valid, but the file
# ends long before the setup sectors plus the syssize paragraphs it announces (0x1f1, 0x1f4):
# the image must be refused as short, not loaded past its end.
head -c 65536 "$vmlinuz" >"$tmp/truncated"
put "$tmp/truncated" "$out/bad/truncated"
# old-protocol: the kernel with its boot protocol version (the 16-bit word at 0x206) set to 2.05.
# A loader learns that a kernel has the 64-bit entry point only from xloadflags (XLF_KERNEL_64,
# at 0x236), a field that exists from protocol 2.12 on, so a hypervisor that enters the kernel
# in 64-bit mode must refuse anything older, even though the rest of this image is fine.
cp "$vmlinuz" "$tmp/old-protocol"
printf '\x05\x02' | dd of="$tmp/old-protocol" bs=1 seek=$((0x206)) conv=notrunc status=none
put "$tmp/old-protocol" "$out/bad/old-protocol"

echo "linux-kit: $out: kernel $version ($(stat -c %s "$out/vmlinuz") bytes)," \
	"initrd.img $(stat -c %s "$out/initrd.img") bytes, bad/{not-bzimage,truncated,old-protocol}"
