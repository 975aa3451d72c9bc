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
