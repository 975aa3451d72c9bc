#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare (once, cached) a writable Linux tree (Debian's linux-source-6.1
# or linux-source-6.12) with this repository in it as drivers/hakmem_slab,
# for kunit.py (UML and x86_64) and checkpatch.pl.
#
#   tree=$(tools/ktree.sh [6.1|6.12])        (default 6.1)
#
# stdout: the tree's path, nothing else.  Logs go to stderr.
#
# Environment:
#   HAKMEM_CACHE  cache directory (default $HOME/.cache/hakmem_slab).  The
#                 tree is $HAKMEM_CACHE/linux-source-VER; kernel build
#                 directories for 6.1 must be named $HAKMEM_CACHE/build-*
#                 (but not build-6.12-*), those for 6.12
#                 $HAKMEM_CACHE/build-6.12-* (this script clears parts of
#                 them, see below).
#   HAKMEM_KSRC   tarball (default /usr/src/linux-source-VER.tar.xz, from
#                 the linux-source-VER package).
#
# The tree is extracted from the tarball when missing, when it is only
# partly extracted (no stamp file), or when the tarball has changed (a new
# linux-source-6.1); a re-extraction wipes $HAKMEM_CACHE/build-*, whose
# objects would otherwise look newer than the sources.
#
# drivers/hakmem_slab is a symlink to this repository (kbuild and Kconfig
# follow it, with or without O=).  When it pointed at another checkout
# (say a CI clone), the objects of drivers/hakmem_slab in every build
# directory of this version are removed (not the other version's, which
# may be building under that tree's lock): their mtimes mean nothing against another
# checkout's sources, and only those few files are rebuilt.
set -euo pipefail

prog=ktree
die_status=1
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log() { note "$@"; }

ver=${1:-6.1}
case $ver in
6.1 | 6.12) ;;
*) die "usage: ktree.sh [6.1|6.12]" ;;
esac
tarball=${HAKMEM_KSRC:-/usr/src/linux-source-$ver.tar.xz}
name=linux-source-$ver
tree=$cache/$name
stamp=$tree/.hakmem-extracted

[[ -f $repo/Kconfig && -f $repo/Kbuild ]] ||
	die "$repo does not look like the hakmem_slab repository (no Kconfig/Kbuild)"
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)
tree=$cache/$name
stamp=$tree/.hakmem-extracted

# Is build directory $1 one of this tree's?  The other version's builds may
# be in use under that tree's lock: never touch them.
ours() {
	case ${1##*/} in
	build-6.12-*) [[ $ver == 6.12 ]] ;;
	*) [[ $ver == 6.1 ]] ;;
	esac
}

# The tree lock: one user of the tree at a time per cache.  drivers/hakmem_slab
# names one checkout, so a build in the tree must hold the lock from this
# script until it has finished: callers that build (tools/kunit.sh,
# tools/bench-uml.sh) take it themselves, over the whole run, and say so in
# HAKMEM_TREE_LOCKED=VER.  Other callers hold it only while this runs.
if [[ ${HAKMEM_TREE_LOCKED:-} != "$ver" ]]; then
	exec 9>"$cache/.tree-$ver.lock"
	if ! flock -n 9; then
		log "the $ver tree is in use by another run; waiting"
		flock 9
	fi
fi

if [[ ! -f $tarball ]]; then
	# Without the tarball, a complete extracted tree is still usable.
	[[ -f $stamp ]] ||
		die "$tarball not found: run 'make setup' (installs linux-source-$ver)"
	want=$(cat "$stamp")
else
	want=$(stat -c '%s %Y' "$tarball")
fi

if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
	if [[ -d $tree ]]; then
		log "$tree is incomplete or stale: extracting it again"
	fi
	log "extracting $tarball into $cache (about 10 s, 1.5 GB)"
	tmp=$(mktemp -d "$cache/.extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -C "$tmp" -xf "$tarball" ||
		die "extracting $tarball failed (disk full?)"
	[[ -f $tmp/$name/Makefile ]] ||
		die "$tarball has no $name/ directory"
	if [[ -e $tree ]]; then
		mv "$tree" "$tmp/old"
	fi
	mv "$tmp/$name" "$tree"
	# Objects built from the old tree must not survive it.
	for b in "$cache"/build-*; do
		[[ -d $b ]] || continue
		ours "$b" || continue
		log "removing $b (built from the previous tree)"
		rm -rf "$b"
	done
	rm -rf "$tmp"
	trap - EXIT
	echo "$want" >"$stamp"
fi

# drivers/hakmem_slab -> this repository.
link=$tree/drivers/hakmem_slab
if [[ -L $link ]]; then
	old=$(readlink "$link")
	if [[ $old != "$repo" ]]; then
		log "drivers/hakmem_slab pointed at $old; now $repo"
		ln -sfn "$repo" "$link"
		for b in "$cache"/build-*/drivers/hakmem_slab; do
			[[ -d $b ]] || continue
			ours "${b%/drivers/hakmem_slab}" || continue
			log "removing stale objects $b"
			rm -rf "$b"
		done
	fi
elif [[ -e $link ]]; then
	die "$link exists and is not a symlink; remove it"
else
	ln -s "$repo" "$link"
fi

tree_hook "$tree"

echo "$tree"
