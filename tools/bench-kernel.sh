#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The backend-mode benchmark (Documentation/hakmem_slab.rst, "Backend
# mode"): build the backend kernel once (tools/backend-kernel.sh, cached),
# boot it under QEMU TCG alternately with SLUB (hakmem.backend=off) and
# with hakmem (hakmem.backend=LIST, default on), BOOTS times each, run every
# tools/sysload workload in each boot (tools/backend-guest.sh), and print
# per workload the hakmem/SLUB ops/s ratio of the medians and of the best
# boots with each side's boot-to-boot spread, then the memory held after
# the workloads and after "echo 3 > drop_caches" twice (1 s after each:
# the steady state; tools/backend-guest.sh): MemFree and Slab: of
# /proc/meminfo for both, and for hakmem its own pages (the sum of its
# debugfs slabinfo's pages column; the caches it declines stay on SLUB and
# are in Slab:), and hakmem's pages after a shrink of every cache, a check
# on drop_caches, whose pass over the shrinkers drains hakmem's caches
# already (SLUB's slabs are not shrunk).  Then tools/backend-mem.py: per
# boot, the bytes held and the bytes live (objects in use), the dentries
# and inodes left, and the caches whose memory differs most.
# TCG is an emulator: ratios only, never absolute speed.
#
#   tools/bench-kernel.sh [-i] [-n BOOTS] [-o DIR] [LIST]
#
# -i (or ICOUNT=1): QEMU with -icount shift=0,sleep=off.  TCG then runs
# the vCPUs (still SMP of them) round-robin on one host thread and the
# guest's clock counts the instructions they execute (1 ns = 1
# instruction, summed over the vCPUs' turns; when every vCPU idles, the
# clock jumps to the next timer, so a wait counts at the guest's timer
# resolution and costs no host time), so the ops/s that sysload measures
# with CLOCK_MONOTONIC are operations per 10^9 guest instructions (and
# waits): the same under any host load.  What they do not
# show: what an instruction costs (cache misses, TCG's helpers and rep
# iterations), and real parallelism (the vCPUs take turns, so lock
# contention and cache-line bouncing between CPUs are mostly absent).
#
# -n: boots per allocator (default 3, at least 3 for a spread worth
# reading).  -o: output directory (default results/kernel-<timestamp>,
# with results/kernel-latest pointing to it).  Writes summary.txt there
# (what this prints), ops.txt (every boot's ops/s), memory.txt, the
# bzImage booted and each boot's tools/vm.sh files under boots/.  Any
# boot that fails (a kernel report, a workload error, a timeout) fails the
# run; its numbers are left out.
#
# Environment: SMP (4), MEM (2048), VM_TIMEOUT (900), SYSLOAD_FORK,
# SYSLOAD_FILES, SYSLOAD_PIPE, SYSLOAD_WALK, SYSLOAD_TCP, SYSLOAD_EPOLL
# (operation counts, defaults in tools/backend-guest.sh).
set -euo pipefail

prog=bench-kernel
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
boots=3
outdir=
icount=${ICOUNT:-0}
while getopts "in:o:h" opt; do
	case $opt in
	i) icount=1 ;;
	n) boots=$OPTARG ;;
	o) outdir=$OPTARG ;;
	h) sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) die "usage: bench-kernel.sh [-i] [-n BOOTS] [-o DIR] [LIST]" ;;
	esac
done
shift $((OPTIND - 1))
list=${1:-on}
[[ $boots =~ ^[1-9][0-9]*$ ]] || die "-n $boots is not a number of boots"
[[ $list != off ]] || die "LIST must name what hakmem serves, not off"
case $icount in 0 | 1) ;; *) die "ICOUNT='$icount' is neither 0 nor 1" ;; esac
if [[ -z $outdir ]]; then
	stamp=kernel-$(date -u +%Y%m%d-%H%M%S)
	outdir=$repo/results/$stamp
	mkdir -p "$outdir"
	ln -sfn "$stamp" "$repo/results/kernel-latest"
fi
mkdir -p "$outdir/boots"
outdir=$(cd "$outdir" && pwd -P)

# A copy: another run may rebuild the cached kernel while these boot.
cp "$("$repo/tools/backend-kernel.sh")" "$outdir/bzImage"
bzimage=$outdir/bzImage
# -i: tools/vm.sh runs QEMU through a wrapper that adds -icount.
if [[ $icount == 1 ]]; then
	qemu_wrapper "$outdir/qemu-icount" -icount shift=0,sleep=off
	export QEMU=$outdir/qemu-icount
fi
sysload_build "$outdir/sysload"
counts=$(sysload_counts)

rc=0
: >"$outdir/ops.txt"
: >"$outdir/memory.txt"
for ((i = 1; i <= boots; i++)); do
	for mode in off "$list"; do
		side=hakmem
		[[ $mode != off ]] || side=SLUB
		dir=$outdir/boots/$side-$i
		note "boot $i/$boots: $side (hakmem.backend=$mode)"
		if ! SMP=${SMP:-4} VM_TIMEOUT=${VM_TIMEOUT:-900} VM_HALT=reboot \
		     EXTRA_APPEND="no_timer_check hakmem.backend=$mode$counts" \
		     "$repo/tools/vm.sh" -q -K "$bzimage" -o "$dir" \
		     "$repo/tools/backend-guest.sh" "$outdir/sysload"; then
			note "boot $i/$boots ($side) failed: left out (output in $dir)"
			rc=1
			continue
		fi
		awk -v s="$side" -v b="$i" '/^sysload:/ { print s, b, $2, $8 }' \
			"$dir/sysload" >>"$outdir/ops.txt"
		for when in after dropped dropped2 shrunk; do
			sfx=
			[[ $when == after ]] || sfx=-$when
			[[ ! -f $dir/meminfo$sfx ]] ||
			awk -v s="$side" -v b="$i" -v w="$when" \
				'/^(MemFree|Slab):/ { sub(":", "", $1); print s, b, w, $1, $2 }' \
				"$dir/meminfo$sfx" >>"$outdir/memory.txt"
			[[ ! -f $dir/hakmem-slabinfo$sfx ]] ||
				awk -v s="$side" -v b="$i" -v w="$when" \
					'!/^#/ { p += $6 } END { print s, b, w, "hakmem", p * 4 }' \
					"$dir/hakmem-slabinfo$sfx" >>"$outdir/memory.txt"
		done
		[[ $side == SLUB ]] || [[ -f $outdir/served.txt ]] ||
			grep -E ': (served|declined)' "$dir/backend" \
				>"$outdir/served.txt" 2>/dev/null || true
	done
done

{
	echo "# tools/bench-kernel.sh: commit $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# host: $(nproc) CPUs, load average at the end:$(uptime | sed 's/.*load average://')"
	echo "# QEMU TCG (emulated), ${SMP:-4} vCPUs, ${MEM:-2048} MiB; hakmem.backend=$list; $boots boots each, alternating"
	if [[ $icount == 1 ]]; then
		echo "# -icount shift=0,sleep=off (-i): guest time is instructions, ops/s = ops per 10^9 guest instructions"
	fi
	if [[ -f $outdir/served.txt ]]; then
		echo "# hakmem served $(grep -c ': served' "$outdir/served.txt" || true) caches, declined $(grep -c ': declined' "$outdir/served.txt" || true)"
	fi
	echo "# RATIOS ONLY: TCG emulates the CPU, so ops/s are not a machine's speed"
	python3 - "$outdir/ops.txt" "$outdir/memory.txt" <<'PY'
import statistics as st
import sys

ops = {}
for line in open(sys.argv[1]):
    side, _, work, rate = line.split()
    ops.setdefault(work, {}).setdefault(side, []).append(float(rate))
mem = {}
for line in open(sys.argv[2]):
    side, _, when, what, kb = line.split()
    mem.setdefault((when, what), {}).setdefault(side, []).append(float(kb))


def spread(v):
    return (max(v) - min(v)) / st.median(v) * 100 if v else 0


print()
print("%-6s %6s %12s %12s %12s %12s %8s %8s" % (
    "work", "boots", "SLUB med", "hakmem med", "ratio med", "ratio best",
    "SLUB +-", "hakmem +-"))
for work in ["fork", "files", "pipe", "walk", "tcp", "epoll"]:
    d = ops.get(work, {})
    s, h = d.get("SLUB", []), d.get("hakmem", [])
    if not s or not h:
        print("%-6s (no complete pair of boots)" % work)
        continue
    print("%-6s %3d/%-2d %12.0f %12.0f %11.2fx %11.2fx %7.0f%% %8.0f%%" % (
        work, len(s), len(h), st.median(s), st.median(h),
        st.median(h) / st.median(s), max(h) / max(s), spread(s), spread(h)))
print()
print("ratio med: hakmem/SLUB of the median boots' ops/s; ratio best: of the")
print("best boots; +-: (max - min) / median over one allocator's boots.")
print()
print("memory, kB (median over boots): after the workloads / after drop_caches twice")
print("%-22s %14s %14s" % ("", "SLUB", "hakmem"))
for what, label in [("Slab", "Slab: (SLUB's caches)"),
                    ("hakmem", "hakmem pages"),
                    ("MemFree", "MemFree")]:
    row = []
    for side in ["SLUB", "hakmem"]:
        a = mem.get(("after", what), {}).get(side)
        b = mem.get(("dropped2", what), {}).get(side)
        if what == "hakmem" and side == "SLUB":
            row.append("-")
        elif a and b:
            row.append("%d / %d" % (st.median(a), st.median(b)))
        else:
            row.append("?")
    print("%-22s %14s %14s" % (label, row[0], row[1]))
tot = {}
for side in ["SLUB", "hakmem"]:
    for when in ["after", "dropped2"]:
        v = st.median(mem.get((when, "Slab"), {}).get(side, [0]))
        if side == "hakmem":
            v += st.median(mem.get((when, "hakmem"), {}).get(side, [0]))
        tot[side, when] = v
print("%-22s %14s %14s" % ("slab total", "%d / %d" % (tot["SLUB", "after"], tot["SLUB", "dropped2"]),
      "%d / %d" % (tot["hakmem", "after"], tot["hakmem", "dropped2"])))
sh = mem.get(("shrunk", "hakmem"), {}).get("hakmem")
if sh:
    print("hakmem pages after a shrink of every cache: %d kB" %
          st.median(sh))
if tot["SLUB", "dropped2"]:
    print("hakmem/SLUB slab total after drop_caches twice: %.2fx" % (
        tot["hakmem", "dropped2"] / tot["SLUB", "dropped2"]))
PY
	echo
	python3 "$repo/tools/backend-mem.py" "$outdir"
} >"$outdir/summary.txt"
cat "$outdir/summary.txt"
note "results in $outdir"
[[ $rc == 0 ]] || note "FAIL: a boot failed (see above)"
exit $rc
