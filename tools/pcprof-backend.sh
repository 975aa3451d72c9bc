#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Count, per kernel function, what the backend kernel runs in one boot with
# SLUB (hakmem.backend=off) and one with hakmem (on), under QEMU TCG with
# tools/testing/pcprof's plugin (exact instructions per guest instruction
# address), and print the functions whose counts differ most
# (tools/testing/pcprof/pcprof.py diff).  The guest is tools/bench-kernel.sh's
# (tools/backend-guest.sh), with the SYSLOAD_* counts of the environment:
# by default every workload once and walk 30 times, as the walk analysis in
# Documentation/hakmem_slab.rst ("Memory return") ran it.
#
#   tools/pcprof-backend.sh [-o DIR]
#
# -o: output directory (default: a new one under /tmp, printed); it gets
# off/ and on/ (pc.txt, kallsyms from the vmlinux's symbols, funcs.txt, the
# boot's tools/vm.sh files under vm/) and diff.txt.  The 4 vCPUs run
# round-robin on one host thread (-accel tcg,thread=single), so that the
# plugin's plain counters miss nothing; nokaslr, so that the vmlinux's
# addresses are the running kernel's.  The counts cover the whole boot,
# so what depends on host timing differs between two boots of the same
# kernel: calibrate_delay() and delay_loop() (tens of millions), the
# scheduler's and the idle loop's functions, the guest script's polls.
#
# Environment: SYSLOAD_FORK, SYSLOAD_FILES, SYSLOAD_PIPE, SYSLOAD_WALK,
# SYSLOAD_TCP, SYSLOAD_EPOLL (defaults 1, 1, 1, 30, 1, 1), PCPROF_TIMEOUT
# (1500 s per boot).
set -euo pipefail

prog=pcprof-backend
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

outdir=
while getopts "o:h" opt; do
	case $opt in
	o) outdir=$OPTARG ;;
	h) sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) die "usage: $prog [-o DIR]" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die "usage: $prog [-o DIR]"
[ -n "$outdir" ] || outdir=$(mktemp -d /tmp/pcprof-backend.XXXXXX)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd -P)

: "${SYSLOAD_FORK:=1}" "${SYSLOAD_FILES:=1}" "${SYSLOAD_PIPE:=1}"
: "${SYSLOAD_WALK:=30}" "${SYSLOAD_TCP:=1}" "${SYSLOAD_EPOLL:=1}"
export SYSLOAD_FORK SYSLOAD_FILES SYSLOAD_PIPE SYSLOAD_WALK SYSLOAD_TCP \
	SYSLOAD_EPOLL

bzimage=$("$here/backend-kernel.sh")
vmlinux=${bzimage%/arch/x86/boot/bzImage}/vmlinux
[ -f "$vmlinux" ] || die "no vmlinux next to $bzimage"
cp "$bzimage" "$outdir/bzImage"
nm "$vmlinux" | awk '$2 ~ /^[tTwW]$/' >"$outdir/kallsyms"
sysload_build "$outdir/sysload"
gcc -O2 -Wall -shared -fPIC -o "$outdir/pcprof.so" \
	"$here/testing/pcprof/pcprof.c"
counts=$(sysload_counts)

for mode in off on; do
	d=$outdir/$mode
	mkdir -p "$d"
	cp "$outdir/kallsyms" "$d/"
	qemu_wrapper "$outdir/qemu-$mode" \
		-plugin "$outdir/pcprof.so,arg=out=$d/pc.txt" \
		-accel tcg,thread=single
	note "boot: hakmem.backend=$mode (SYSLOAD_*:$counts)"
	QEMU=$outdir/qemu-$mode SMP=4 VM_HALT=reboot \
		VM_TIMEOUT=${PCPROF_TIMEOUT:-1500} \
		EXTRA_APPEND="nokaslr no_timer_check hakmem.backend=$mode$counts" \
		"$here/vm.sh" -q -K "$outdir/bzImage" -o "$d/vm" \
		"$here/backend-guest.sh" "$outdir/sysload" ||
		fail "the hakmem.backend=$mode boot failed ($d/vm/console.log)"
	[ -s "$d/pc.txt" ] || fail "no counts from the plugin ($d/pc.txt)"
	python3 "$here/testing/pcprof/pcprof.py" funcs "$d" -n 80 >"$d/funcs.txt"
done
python3 "$here/testing/pcprof/pcprof.py" diff "$outdir/off" "$outdir/on" \
	-n 60 | tee "$outdir/diff.txt"
note "A: hakmem.backend=off (SLUB), B: on; in $outdir"
