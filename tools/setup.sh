#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package hakmem_slab needs (Debian 12), then prepare
# the cached kernel tree (tools/ktree.sh).  Idempotent and non-interactive:
# when everything is installed already it does not touch apt at all.
#
#   tools/setup.sh            (what `make setup` runs; needs root)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

packages=(
	# kernel sources for kunit.py/UML and checkpatch.pl
	linux-source-6.1 xz-utils
	# out-of-tree module build; install the two meta-packages together so
	# the headers match the image the VM boots
	linux-headers-amd64 linux-image-amd64
	gcc make libc6-dev perl bc flex bison libelf-dev libssl-dev kmod
	# KUnit on x86_64 and the VM (busybox initramfs)
	qemu-system-x86 busybox-static cpio
	# tools: kunit.py, sparse, benchmark plots, misc
	python3 sparse gnuplot-nox rsync git util-linux
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[[ $status == ii* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "setup: all ${#packages[@]} packages already installed" >&2
else
	echo "setup: installing: ${missing[*]}" >&2
	if [[ $(id -u) -ne 0 ]]; then
		if command -v sudo >/dev/null; then
			sudo=(sudo)
		else
			echo "setup: error: need root (or sudo) to install: ${missing[*]}" >&2
			exit 1
		fi
	else
		sudo=()
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt_opts=(-y -q -o Dpkg::Options::=--force-confdef
		  -o Dpkg::Options::=--force-confold)
	ok=
	for try in 1 2 3; do
		if "${sudo[@]}" apt-get update -q </dev/null &&
		   "${sudo[@]}" apt-get install "${apt_opts[@]}" "${missing[@]}" </dev/null; then
			ok=1
			break
		fi
		echo "setup: apt-get failed (attempt $try of 3), retrying" >&2
		sleep $((try * 5))
	done
	if [[ -z $ok ]]; then
		echo "setup: error: apt-get could not install: ${missing[*]}" >&2
		exit 1
	fi
fi

# The headers and the image should be the same version.
kver=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' -printf '%f\n' |
	sed 's/^linux-headers-//' | sort -V | tail -n 1)
if [[ -z $kver ]]; then
	echo "setup: error: no /usr/src/linux-headers-*-amd64 after install" >&2
	exit 1
fi
if [[ ! -e /boot/vmlinuz-$kver ]]; then
	echo "setup: warning: headers $kver have no matching /boot/vmlinuz-$kver;" \
	     "run apt-get install linux-image-amd64 linux-headers-amd64" >&2
fi
echo "setup: kernel headers $kver" >&2

# Extract the writable kernel tree once (cached in $HAKMEM_CACHE).
"$here/ktree.sh" >/dev/null
echo "setup: done" >&2
