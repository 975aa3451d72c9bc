# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The shared prelude of the scripts in tools/ and .ci/run.  Source it
# after setting prog, the name a script's messages start with:
#
#   prog=vm-smoke
#   # shellcheck source=tools/lib.sh
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It sets, and exports nothing but HAKMEM_CACHE:
#   here          tools/, the directory of this file (physical path)
#   repo          the repository, here's parent (physical path)
#   HAKMEM_CACHE  the kernel cache: as given, or ~/.cache/hakmem_slab (the
#                 one default: $HOME, or the user's home from passwd when
#                 HOME is unset); not created here
#   cache         the same, for the scripts that say $cache
# and defines:
#   die MSG...    "$prog: error: MSG" on stderr (and, if fail_tag is set,
#                 "$fail_tag: FAIL (MSG)" on stdout: a test's last line),
#                 exit $die_status (default 2)
#   fail MSG...   "$prog: FAIL: MSG" on stderr, exit 1
#   note MSG...   "$prog: MSG" on stderr
#   kver NAME     the version of a kernel by name (tools/kver.sh: 6.1,
#                 6.1-rt, 6.12, 6.12-rt), or die
#   tree_hook TREE
#                 make TREE's drivers/Kconfig and drivers/Makefile read
#                 drivers/hakmem_slab (idempotent; the link is the caller's)
#   sysload_build OUT
#                 build tools/sysload statically into OUT, or die
#   sysload_counts
#                 print " SYSLOAD_X=N" for each SYSLOAD_* count set in the
#                 environment (kernel command line words for the guest)

: "${prog:=$(basename "$0")}"
: "${die_status:=2}"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck disable=SC2034  # for the sourcing script
repo=$(cd "$here/.." && pwd -P)

HAKMEM_CACHE=${HAKMEM_CACHE:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/hakmem_slab}
export HAKMEM_CACHE
# shellcheck disable=SC2034
cache=$HAKMEM_CACHE

die() {
	echo "$prog: error: $*" >&2
	[ -z "${fail_tag:-}" ] || echo "$fail_tag: FAIL ($*)"
	exit "$die_status"
}

fail() {
	echo "$prog: FAIL: $*" >&2
	exit 1
}

note() { echo "$prog: $*" >&2; }

kver() {
	"$here/kver.sh" "$1" || die "kernel '$1': see tools/kver.sh"
}

tree_hook() {
	local kconfig=$1/drivers/Kconfig makefile=$1/drivers/Makefile
	local src_line='source "drivers/hakmem_slab/Kconfig"' last obj_line

	# Kconfig: source ours just before the final endmenu.
	if ! grep -qxF "$src_line" "$kconfig"; then
		last=$(grep -n '^endmenu' "$kconfig" | tail -n 1 | cut -d: -f1)
		[[ -n $last ]] || die "no endmenu in $kconfig"
		sed -i "${last}i $src_line\\n" "$kconfig"
		grep -qxF "$src_line" "$kconfig" || die "could not edit $kconfig"
	fi
	# shellcheck disable=SC2016 # a make variable, not a shell one
	obj_line='obj-$(CONFIG_HAKMEM_SLAB) += hakmem_slab/'
	grep -qxF "$obj_line" "$makefile" ||
		printf '%s\n' "$obj_line" >>"$makefile"
}

sysload_build() {
	gcc -static -O2 -Wall -Wextra -Werror -o "$1" \
		"$repo/tools/sysload/sysload.c" || die "building sysload failed"
}

sysload_counts() {
	local v var counts=
	for v in FORK FILES PIPE WALK TCP EPOLL; do
		var=SYSLOAD_$v
		[[ -z ${!var:-} ]] || counts+=" $var=${!var}"
	done
	printf '%s' "$counts"
}

# qemu_wrapper FILE ARG...: write FILE, a QEMU that adds ARGs to every
# command line (tools/vm.sh runs "$QEMU"), from $QEMU or the default; prints
# nothing.  The caller sets QEMU=FILE for the runs that want it.
qemu_wrapper() {
	local file=$1 arg args=
	shift
	for arg in "$@"; do
		args+=" $(printf '%q' "$arg")"
	done
	printf '#!/bin/sh\nexec %s%s "$@"\n' "${QEMU:-qemu-system-x86_64}" \
		"$args" >"$file"
	chmod +x "$file"
}
