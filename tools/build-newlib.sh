#!/usr/bin/env bash
# Builds newlib (Debian's newlib-source) once for the freestanding x86-64 target and installs it
# under build/newlib/. It is compiled position-independent so that the same libc.a links into
# both the high-half kernel (-mcmodel=kernel) and the PIC EFI loader. Tool wrappers named
# x86_64-elf-* make configure treat the host toolchain as a cross compiler. printf gets long long
# and C99 formats (%llu, %zu), which newlib leaves out by default. Idempotent: an install whose
# build/newlib/.done records the same flags is reused.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/newlib"
flags="-ffreestanding -fpic -mno-red-zone -fno-stack-protector -fno-builtin-malloc -O2"
options="--disable-multilib --disable-newlib-supplied-syscalls --enable-newlib-nano-malloc
 --enable-newlib-io-long-long --enable-newlib-io-c99-formats"
stamp="$flags $options"
[ -f "$out/.done" ] && [ "$(cat "$out/.done")" = "$stamp" ] && exit 0
src_tar=/usr/src/newlib/newlib-3.3.0.tar.xz
if [ ! -f "$src_tar" ]; then
  echo "build-newlib: $src_tar is missing: apt-get install newlib-source" >&2
  exit 1
fi
work="$top/build/newlib-work"
rm -rf "$work" "$out"
mkdir -p "$work/bin" "$out"
for t in ar as ld nm ranlib objcopy objdump readelf strip; do
  printf '#!/bin/sh\nexec %s "$@"\n' "$t" >"$work/bin/x86_64-elf-$t"
done
printf '#!/bin/sh\nexec gcc %s "$@"\n' "$flags" >"$work/bin/x86_64-elf-gcc"
chmod +x "$work/bin/"*
tar -C "$work" -xf "$src_tar"
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'newlib*' | head -n 1)
mkdir -p "$work/obj"
cd "$work/obj"
export PATH="$work/bin:$PATH"
echo "build-newlib: configuring (log: build/newlib-work/build.log)"
# shellcheck disable=SC2086
"$srcdir/configure" --target=x86_64-elf --prefix="$out" $options >"$work/build.log" 2>&1
echo "build-newlib: compiling (about a minute, once)"
make -j"$(nproc)" all-target-newlib >>"$work/build.log" 2>&1
make install-target-newlib >>"$work/build.log" 2>&1
echo "$stamp" >"$out/.done"
echo "build-newlib: installed in build/newlib/x86_64-elf"
