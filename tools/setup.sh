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
	linux-source-6.1 linux-source-6.12 xz-utils
	# out-of-tree module builds for the four supported kernels; install
	# each pair of meta-packages together so the headers match the image
	# the VM boots (the images are only booted by QEMU, never on the host)
	linux-headers-amd64 linux-image-amd64
	linux-headers-rt-amd64 linux-image-rt-amd64
	linux-headers-6.12-amd64 linux-image-6.12-amd64
	linux-headers-6.12-rt-amd64 linux-image-6.12-rt-amd64
	# modules against Debian's 6.12 headers are linked with BTF
	pahole
	gcc make libc6-dev perl bc flex bison libelf-dev libssl-dev kmod
	# KUnit on x86_64 and the VM (busybox initramfs)
	qemu-system-x86 busybox-static cpio
	# tools: kunit.py, sparse, benchmark plots, misc
	python3 sparse gnuplot-nox rsync git util-linux shellcheck
	# make check: every .rst parsed by docutils (tools/rst-check.py)
	python3-docutils
	# the userspace harness: ThreadSanitizer, ASan/UBSan, libFuzzer,
	# instruction counts
	clang libclang-rt-14-dev valgrind
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

# Each supported kernel: headers and the image of the same version.
for name in 6.1 6.1-rt 6.12 6.12-rt; do
	kver=$("$here/kver.sh" "$name") || exit 1
	if [[ ! -e /boot/vmlinuz-$kver ]]; then
		echo "setup: warning: headers $kver have no matching /boot/vmlinuz-$kver" >&2
	fi
	echo "setup: kernel $name: $kver" >&2
done

# Extract the writable kernel trees once (cached in $HAKMEM_CACHE).
"$here/ktree.sh" 6.1 >/dev/null
"$here/ktree.sh" 6.12 >/dev/null
echo "setup: done" >&2
