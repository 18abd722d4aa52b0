#!/usr/bin/env bash
# Makes sure the Debian packages Bulkhead's build and tests need (tools/packages.txt) are here.
# As root it installs the missing ones with apt-get; otherwise it names them and fails, so
# `make run` and `make test` say exactly what is missing instead of failing somewhere later.
set -euo pipefail
list="$(dirname "$0")/packages.txt"
missing=()
while read -r p; do
	[ -n "$p" ] || continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done <"$list"
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "Bulkhead needs these Debian packages: ${missing[*]}" >&2
	echo "install them with: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
