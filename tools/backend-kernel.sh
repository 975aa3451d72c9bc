#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the backend-mode kernel (Documentation/hakmem_slab.rst, "Backend
# mode"): Linux 6.12 with tools/kernel-patches/6.12/*.patch applied and this
# repository built in as drivers/hakmem_slab with CONFIG_HAKMEM_SLAB_BACKEND.
#
#   tools/backend-kernel.sh [debug|debug-rt]   prints the bzImage's path
#
# debug: the same kernel with tools/backend-kernel-debug.config (lockdep,
# DEBUG_ATOMIC_SLEEP, DEBUG_VM, ...) and tools/backend-kernel-kasan.config
# added, in backend-6.12/build-debug; debug-rt: the debug fragment and
# tools/backend-kernel-rt.config (PREEMPT_RT, no KASAN), in
# backend-6.12/build-debug-rt.
#
# The tree is a copy of its own, $HAKMEM_CACHE/linux-source-6.12-backend,
# extracted from the tarball (about 10 s): the shared linux-source-6.12
# of tools/ktree.sh, which every other build uses, is never patched.  The
# patches are applied once: when they change, the tree is extracted and
# patched again, and every file that comes out the same as before keeps
# its old mtime, so that the build directory rebuilds only what changed
# (a patched header included everywhere would otherwise rebuild it all).
# The config is small: x86_64 tinyconfig plus
# tools/backend-kernel.config (a QEMU guest with a serial console, an
# initramfs, tmpfs, SMP and the backend), into
# $HAKMEM_CACHE/backend-6.12/build.  Builds run under nice -n 10.  The
# build directories are not named build-*: tools/ktree.sh clears parts of
# those whenever the shared trees' drivers/hakmem_slab changes checkout.
#
# Environment:
#   HAKMEM_CACHE   cache directory (default $HOME/.cache/hakmem_slab)
#   HAKMEM_KSRC    tarball (default /usr/src/linux-source-6.12.tar.xz)
#   HAKMEM_JOBS    build jobs (default nproc)
set -euo pipefail

prog=backend-kernel
die_status=1
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log() { note "$@"; }
tarball=${HAKMEM_KSRC:-/usr/src/linux-source-6.12.tar.xz}
jobs=${HAKMEM_JOBS:-$(nproc)}
flavour=${1:-}
case $flavour in
'' | debug | debug-rt) ;;
*) die "usage: backend-kernel.sh [debug|debug-rt]" ;;
esac
# The fragments after tools/backend-kernel.config, tools/backend-kernel-*.
case $flavour in
'') frags=() ;;
debug) frags=(debug kasan) ;;
debug-rt) frags=(debug rt) ;;
esac
name=linux-source-6.12
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)
tree=$cache/$name-backend
build=$cache/backend-6.12/build${flavour:+-$flavour}
stamp=$tree/.hakmem-extracted
patches=("$repo"/tools/kernel-patches/6.12/*.patch)
[[ -f ${patches[0]} ]] || die "no patches in $repo/tools/kernel-patches/6.12"
[[ -f $tarball ]] || die "$tarball not found: run 'make setup'"

# One user of this tree and build directory at a time.
exec 9>"$cache/.tree-6.12-backend.lock"
if ! flock -n 9; then
	log "the backend tree is in use by another run; waiting"
	flock 9
fi

# What the tree must be: the tarball and every patch, by content.
want=$(stat -c '%s %Y' "$tarball"; sha256sum "${patches[@]}" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
	log "extracting $tarball into $tree (about 10 s)"
	tmp=$(mktemp -d "$cache/.extract-backend.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -C "$tmp" -xf "$tarball" "$name" || die "extracting $tarball failed"
	for p in "${patches[@]}"; do
		log "applying ${p##*/}"
		patch -d "$tmp/$name" -p1 -s -N <"$p" || die "${p##*/} does not apply"
	done
	# The files patched now or before: new mtimes only where they differ.
	sed -n 's|^+++ \([^[:space:]]*\).*|\1|p' "${patches[@]}" |
		sed 's|^b/||' >"$tmp/$name/.hakmem-patched"
	lists=("$tmp/$name/.hakmem-patched")
	[[ ! -f $tree/.hakmem-patched ]] || lists+=("$tree/.hakmem-patched")
	sort -u "${lists[@]}" | while read -r f; do
		[[ $f != /dev/null ]] || continue
		if [[ -f $tree/$f && -f $tmp/$name/$f ]] &&
		   cmp -s "$tree/$f" "$tmp/$name/$f"; then
			touch -r "$tree/$f" "$tmp/$name/$f"
		elif [[ -f $tmp/$name/$f ]]; then
			touch "$tmp/$name/$f"
		fi
	done
	rm -rf "$tree"
	mv "$tmp/$name" "$tree"
	rm -rf "$tmp"
	trap - EXIT
	echo "$want" >"$stamp"
fi

# drivers/hakmem_slab -> this repository, sourced from drivers/Kconfig and
# built from drivers/Makefile (as tools/ktree.sh does for its trees).
link=$tree/drivers/hakmem_slab
if [[ ! -L $link || $(readlink "$link") != "$repo" ]]; then
	[[ ! -e $link || -L $link ]] || die "$link is not a symlink; remove it"
	ln -sfn "$repo" "$link"
	rm -rf "$cache"/backend-6.12/build*/drivers/hakmem_slab
fi
tree_hook "$tree"

# The config: tinyconfig and our fragments, redone when they changed.
mkdir -p "$build"
frag=$build/.hakmem-config
cat "$repo/tools/backend-kernel.config" >"$frag.new"
for f in "${frags[@]}"; do
	cat "$repo/tools/backend-kernel-$f.config" >>"$frag.new"
done
kmake() { nice -n 10 make -C "$tree" O="$build" ARCH=x86_64 "$@"; }
if [[ ! -f $build/.config || ! -f $frag ]] || ! cmp -s "$frag" "$frag.new"; then
	mv "$frag.new" "$frag"
	log "configuring $build (tinyconfig + backend-kernel${flavour:+ + $flavour} fragments)"
	kmake -s KCONFIG_ALLCONFIG="$frag" tinyconfig >&2
	# tinyconfig merges kernel/configs/tiny.config after our fragments:
	# ours once more on top (its SLUB_TINY stays out only without EXPERT).
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$build" \
		"$build/.config" "$frag" >/dev/null
	kmake -s olddefconfig >&2
	# Each option as the last fragment that names it sets it (a later
	# "# CONFIG_X is not set" or CONFIG_X=... overrides an earlier one).
	missing=0
	while read -r line; do
		[[ $line =~ ^CONFIG_ ]] || continue
		grep -qxF "$line" "$build/.config" ||
			{ log "not set in .config: $line"; missing=1; }
	done < <(awk 'match($0, /^(# )?CONFIG_[A-Za-z0-9_]+/) {
			sym = substr($0, RSTART, RLENGTH); sub(/^# /, "", sym)
			if (!(sym in last)) order[n++] = sym
			last[sym] = $0
		}
		END { for (i = 0; i < n; i++) print last[order[i]] }' "$frag")
	if [[ $missing != 0 ]]; then
		rm -f "$frag"
		die "the fragments ask for options the tree does not give"
	fi
fi
rm -f "$frag.new"

log "building bzImage in $build (-j$jobs, nice 10)"
kmake -s -j"$jobs" bzImage >&2 || die "the kernel build failed"
echo "$build/arch/x86/boot/bzImage"
