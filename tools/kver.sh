#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Name a Debian kernel by its short name and print the version of its
# installed headers (and image), e.g. "6.12-rt" -> 6.12.117+deb12-rt-amd64.
# Every script that builds or boots for a kernel asks this one: a kernel is
# always chosen by name, never as "the newest installed" (which is the -rt
# flavour whenever both are there).
#
#   tools/kver.sh NAME          NAME: 6.1, 6.1-rt, 6.12 or 6.12-rt
#   tools/kver.sh -l            the names whose headers are installed
#
# Exit status 1 (with a message naming the packages) if NAME's headers are
# not installed.
set -euo pipefail

names=(6.1 6.1-rt 6.12 6.12-rt)

# The newest /usr/src/linux-headers-* of a name's series and flavour.
kver_of() {
	local series flavour pat
	case $1 in
	6.1) series='6.1.[0-9]*'; flavour=amd64 ;;
	6.1-rt) series='6.1.[0-9]*'; flavour=rt-amd64 ;;
	6.12) series='6.12.[0-9]*'; flavour=amd64 ;;
	6.12-rt) series='6.12.[0-9]*'; flavour=rt-amd64 ;;
	*) return 2 ;;
	esac
	pat="/usr/src/linux-headers-$series-$flavour"
	# shellcheck disable=SC2086 # the glob is the point
	for d in $pat; do
		[[ -d $d ]] || continue
		v=${d#/usr/src/linux-headers-}
		# "6.1.0-57-amd64" must not match the -rt-amd64 flavour.
		if [[ $flavour == amd64 && $v == *-rt-amd64 ]]; then
			continue
		fi
		echo "$v"
	done | sort -V | tail -n 1
}

package_of() {
	case $1 in
	6.1) echo "linux-headers-amd64 linux-image-amd64" ;;
	6.1-rt) echo "linux-headers-rt-amd64 linux-image-rt-amd64" ;;
	6.12) echo "linux-headers-6.12-amd64 linux-image-6.12-amd64" ;;
	6.12-rt) echo "linux-headers-6.12-rt-amd64 linux-image-6.12-rt-amd64" ;;
	esac
}

if [[ ${1:-} == -l ]]; then
	for n in "${names[@]}"; do
		[[ -z $(kver_of "$n") ]] || echo "$n"
	done
	exit 0
fi
[[ $# -eq 1 ]] || { echo "usage: kver.sh NAME (${names[*]}) | -l" >&2; exit 2; }
if ! v=$(kver_of "$1"); then
	echo "kver.sh: unknown kernel '$1' (known: ${names[*]})" >&2
	exit 2
fi
if [[ -z $v ]]; then
	echo "kver.sh: no headers for kernel $1: run 'make setup' (installs $(package_of "$1"))" >&2
	exit 1
fi
echo "$v"
