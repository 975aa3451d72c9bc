#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count, per guest kernel instruction, what hakmem_bench's workloads run
# under QEMU TCG on Debian's kernel, for both allocators: the exact
# instructions per call of every function on their paths, with the code
# as the booted kernel patched it (alternatives, static keys, ftrace and
# return-thunk sites).  tools/testing/pcprof/pcprof.c is the QEMU plugin
# (an inline counter per instruction), pcprof.py the reports.
#
#   tools/pcprof.sh [-o DIR] [-k KERNEL] [-i 0|1] [-w WORKLOADS] [-s SIZES]
#                   [-c CPUS]
#
#   -o DIR        output (default: a new directory under /tmp, printed)
#   -k KERNEL     tools/kver.sh name (default 6.1)
#   -i 0|1        init_on_alloc= for the guest (default 0)
#   -w WORKLOADS  hakmem_bench workloads= (default pair,floor,kmalloc-sweep)
#   -s SIZES      hakmem_bench sizes= (default 256)
#   -c CPUS       vCPUs (default 1); with more, QEMU runs them round-robin
#                 on one host thread (-accel tcg,thread=single), so that
#                 the plugin's counters, plain adds, miss no run, and
#                 the multi-CPU workloads (remote-free, mem-prodcons)
#                 can be counted.  One vCPU runs at a time, so how many
#                 objects each remote batch holds, and the spins, are the
#                 round-robin's, not those of two real CPUs (remote-free
#                 at 855726e: a drain per 252 objects, about the ring's
#                 256: the producer fills it while the consumer waits)
#
# -cpu qemu64 (as tools/bench.sh), nokaslr (so that the vmlinux's
# addresses are the running kernel's).  Files: pc.txt
# ("ADDRESS COUNT" of every kernel instruction run, the whole boot),
# kallsyms (the guest's, modules loaded), results.csv (the module's, its
# ns are TCG's and slowed by the counting: not for comparisons), funcs.txt
# (pcprof.py funcs), vmlinux (extracted from /boot/vmlinuz-VER, for
# "pcprof.py annotate DIR FUNC DIR/vmlinux"), modules/*.ko.
#
# The counts cover everything the guest ran, boot included: a function's
# instructions per entry are its own (callees apart), averaged over every
# call, the workloads' millions and the boot's few.

set -euo pipefail

prog=pcprof.sh
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

outdir=
kname=6.1
init=0
workloads=pair,floor,kmalloc-sweep
sizes=256
cpus=1
while getopts "o:k:i:w:s:c:h" opt; do
	case $opt in
	o) outdir=$OPTARG ;;
	k) kname=$OPTARG ;;
	i) init=$OPTARG ;;
	w) workloads=$OPTARG ;;
	s) sizes=$OPTARG ;;
	c) cpus=$OPTARG ;;
	h) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "usage: $prog [-o DIR] [-k KERNEL] [-i 0|1] [-w WORKLOADS] [-s SIZES] [-c CPUS]" ;;
	esac
done
case $init in 0|1) ;; *) die "-i takes 0 or 1, not '$init'" ;; esac
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "-c takes a number of vCPUs, not '$cpus'"
command -v gcc >/dev/null || die "gcc not found"
kv=$(kver "$kname")
[ -n "$outdir" ] || outdir=$(mktemp -d /tmp/pcprof.XXXXXX)
mkdir -p "$outdir/modules"
outdir=$(cd "$outdir" && pwd -P)

gcc -O2 -Wall -shared -fPIC -o "$outdir/pcprof.so" "$here/testing/pcprof/pcprof.c"
make -C "$repo" -s KVER="$kv" modules >/dev/null
cp "$repo/hakmem_slab.ko" "$repo/hakmem_bench.ko" "$outdir/modules/"

x=
for t in "$cache"/linux-source-*/scripts/extract-vmlinux; do
	[ -x "$t" ] && x=$t && break
done
if [ -n "$x" ]; then
	"$x" "/boot/vmlinuz-$kv" > "$outdir/vmlinux" || rm -f "$outdir/vmlinux"
else
	note "no extract-vmlinux in $cache/linux-source-*: no vmlinux to annotate"
fi

cat > "$outdir/guest.sh" <<-EOF
	run insmod hakmem_slab.ko
	run insmod hakmem_bench.ko scale=10 workloads=$workloads sizes=$sizes
	emit results.csv /sys/kernel/debug/hakmem_bench/results.csv
	grep -E ' [tTwW] ' /proc/kallsyms | emit kallsyms
	EOF
qargs=(-plugin "$outdir/pcprof.so,arg=out=$outdir/pc.txt")
# The first -accel wins: vm.sh's own "-accel tcg" comes after it.
[ "$cpus" = 1 ] || qargs+=(-accel "tcg,thread=single")
qemu_wrapper "$outdir/qemu" "${qargs[@]}"
rc=0
QEMU=$outdir/qemu EXTRA_APPEND="nokaslr init_on_alloc=$init" SMP=$cpus CPU=qemu64 \
	"$here/vm.sh" -q -k "$kv" -t "${PCPROF_TIMEOUT:-900}" -o "$outdir/vm" \
	"$outdir/guest.sh" "$outdir/modules/hakmem_slab.ko" \
	"$outdir/modules/hakmem_bench.ko" || rc=$?
[ "$rc" = 0 ] || fail "the guest failed (tools/vm.sh status $rc, $outdir/vm/console.log)"
cp "$outdir/vm/kallsyms" "$outdir/vm/results.csv" "$outdir/"
[ -s "$outdir/pc.txt" ] || fail "no counts from the plugin ($outdir/pc.txt)"
python3 "$here/testing/pcprof/pcprof.py" funcs "$outdir" -n 60 > "$outdir/funcs.txt"
note "kernel $kv, init_on_alloc=$init: $outdir/funcs.txt"
