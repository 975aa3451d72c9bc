#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the real modules on Debian's stock kernel (part of
# "make test"): build them, boot QEMU (TCG, -smp 2) with tools/vm.sh,
# insmod hakmem_slab.ko and hakmem_bench.ko with tiny loop counts, read
# every debugfs file, re-run through hakmem_bench/run, insmod and rmmod
# the renamed consumer (lib/test_meminit.c of the kernel's source tree on
# hakmem, tools/rename-consumer.sh), validate and shrink every hakmem
# cache, rmmod the modules, and check on the host:
#   - the guest script succeeded (insmod, reads, writes, rmmod; the
#     consumer's insmod fails when one of its tests fails),
#   - the consumer's log says "test_meminit_hakmem: all N tests passed!",
#   - the kernel log has no WARN/BUG/Oops/KASAN/lockdep/... report,
#   - results.csv parses and has every workload for both allocators
#     (smp-pair and remote-free too: the guest has 2 CPUs).
#
#   tools/vm-smoke.sh [-o OUTDIR]
#
# The kernel is $KERNEL (tools/kver.sh names: 6.1 by default, 6.1-rt, 6.12,
# 6.12-rt): the modules are built against its headers and the guest boots
# its image.
#
# OUTDIR (default results/vm-smoke-$KERNEL) gets the console log and every file
# read in the guest.  Timings under TCG are emulated: this checks
# behaviour, not speed.
#
# Environment: SMOKE_SCALE (1), SMOKE_REPS (5), SMOKE_TIMEOUT (240 s),
# SMOKE_NO_BUILD=1 (use the .ko files as they are), and those of vm.sh.

set -euo pipefail

prog=vm-smoke.sh
fail_tag=vm-smoke
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start=$SECONDS

kernel=${KERNEL:-6.1}
outdir=$repo/results/vm-smoke-$kernel
while getopts "o:h" opt; do
	case $opt in
	o) outdir=$OPTARG ;;
	h) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "usage: $prog [-o OUTDIR]" ;;
	esac
done

scale=${SMOKE_SCALE:-1}
reps=${SMOKE_REPS:-5}

if [ "${SMOKE_NO_BUILD:-0}" != 1 ]; then
	"$here/rename-consumer.sh" -g "$kernel" ||
		die "tools/rename-consumer.sh -g $kernel failed"
	echo "$prog: building the modules (make KERNEL=$kernel CONFIG_HAKMEM_CONSUMER_MEMINIT=m)"
	make -C "$repo" -s KERNEL="$kernel" CONFIG_HAKMEM_CONSUMER_MEMINIT=m \
		modules >/dev/null ||
		die "'make KERNEL=$kernel' failed: the modules do not build"
fi
slab_ko=$repo/hakmem_slab.ko
bench_ko=$repo/hakmem_bench.ko
consumer_ko=$repo/consumers/test_meminit_hakmem.ko
[ -f "$slab_ko" ] || die "$slab_ko not found after make"
[ -f "$bench_ko" ] || die "$bench_ko not found after make"
[ -f "$consumer_ko" ] || die "$consumer_ko not found after make"

rm -rf "$outdir"
mkdir -p "$outdir"
guest=$outdir/guest.sh
cat > "$guest" <<EOF
# Runs in the guest (tools/vm.sh: set -e, helpers emit/say/run).
say "kernel \$(uname -r), \$(nproc) CPUs online"
run insmod hakmem_slab.ko
run insmod hakmem_bench.ko scale=$scale reps=$reps
b=/sys/kernel/debug/hakmem_bench
emit results \$b/results
emit results.csv \$b/results.csv
emit workloads \$b/workloads
say "re-run through \$b/run"
echo "workloads=pair,remote-free scale=$scale reps=$reps" > \$b/run
emit rerun.csv \$b/results.csv
run insmod test_meminit_hakmem.ko
run rmmod test_meminit_hakmem
d=/sys/kernel/debug/hakmem_slab
if [ -d \$d ]; then
	[ ! -e \$d/slabinfo ] || emit slabinfo \$d/slabinfo
	for c in \$d/*/; do
		[ -d "\$c" ] || continue
		n=\$(basename "\$c" | tr -c 'A-Za-z0-9._\n-' _)
		[ ! -e "\$c/stats" ] || emit "stats.\$n" "\$c/stats"
		if [ -e "\$c/validate" ]; then echo 1 > "\$c/validate"; say "validated \$n"; fi
		if [ -e "\$c/shrink" ]; then echo 1 > "\$c/shrink"; say "shrank \$n"; fi
	done
else
	say "no \$d: skipping slabinfo/stats/validate"
fi
run rmmod hakmem_bench
run rmmod hakmem_slab
if grep -q '^hakmem' /proc/modules; then say "modules still loaded"; exit 1; fi
say "smoke done"
EOF

set +e
SMP=${SMP:-2} "$here/vm.sh" -t "${SMOKE_TIMEOUT:-240}" -o "$outdir" "$guest" \
	"$slab_ko" "$bench_ko" "$consumer_ko"
vm_rc=$?
set -e

problems=()
case $vm_rc in
0) ;;
1) problems+=("kernel log has WARN/BUG/oops-style reports (see above)") ;;
3) problems+=("guest script failed: $(grep -E '^guest(#|:)' "$outdir/console.log" | tail -1)") ;;
4) problems+=("guest did not finish (timeout, panic or crash)") ;;
*) problems+=("tools/vm.sh failed (status $vm_rc)") ;;
esac

# Every workload the module lists with both allocators as arms ("name:
# arm arm ...; ..." lines of its debugfs file workloads).
all_workloads=$(awk -F: '/^[a-z0-9-]+:/ {
		n = split($2, w, /[ ;]+/); h = s = 0
		for (i = 1; i <= n; i++) { h += w[i] == "hakmem"; s += w[i] == "slub" }
		if (h && s) print $1
	}' "$outdir/workloads" 2>/dev/null | paste -sd, -)
[ -n "$all_workloads" ] || problems+=("no workload list came out of the guest")
if [ -f "$outdir/results.csv" ] && [ -n "$all_workloads" ]; then
	python3 "$here/bench-report.py" check "$outdir/results.csv" \
		--env qemu-tcg --workloads "$all_workloads" --allocators hakmem,slub ||
		problems+=("results.csv is incomplete or malformed")
	cpus=$(awk -F, 'NR == 2 { print $3 }' "$outdir/results.csv")
	[ "$cpus" = "${SMP:-2}" ] || problems+=("results.csv says $cpus CPUs, the guest had ${SMP:-2}")
else
	[ $vm_rc = 4 ] || problems+=("no results.csv came out of the guest")
fi
# The consumer's own verdict (its insmod fails on a failure, too).
consumer=$(grep -aoE 'test_meminit_hakmem: (all [0-9]+ tests passed!|failures: .*)' \
	"$outdir/dmesg" 2>/dev/null | tail -1 || true)
case $consumer in
*"tests passed!") echo "$prog: $consumer" ;;
*) problems+=("the renamed consumer did not pass: ${consumer:-no result line}") ;;
esac
if [ -f "$outdir/rerun.csv" ]; then
	python3 "$here/bench-report.py" check "$outdir/rerun.csv" \
		--env qemu-tcg --workloads pair,remote-free --allocators hakmem,slub ||
		problems+=("the re-run through debugfs 'run' gave incomplete results")
fi

elapsed=$((SECONDS - start))
if [ -f "$outdir/vm-times.txt" ]; then
	echo "$prog: VM: $(tr '\n' ' ' < "$outdir/vm-times.txt")"
fi
# The debugfs numbers add up: for every cache, allocations - frees from its
# stats = objects in use in slabinfo, and each segment has from one page to
# 2^seg_order (64) pages.
if [ -f "$outdir/slabinfo" ]; then
	while read -r name _ _ inuse _ pages segs _; do
		st=$outdir/stats.$name
		if [ ! -f "$st" ]; then
			problems+=("no stats for cache $name"); continue
		fi
		diff=$(awk '$1 ~ /^alloc_(fast|slow|locked)$/ { a += $2 }
			    $1 ~ /^free_(fast|slow)$/ { f += $2 }
			    END { print a - f }' "$st")
		[ "$diff" = "$inuse" ] ||
			problems+=("$name: allocs - frees = $diff, slabinfo says $inuse in use")
		{ [ "$pages" -ge "$segs" ] && [ "$pages" -le $((segs * 64)) ]; } ||
			problems+=("$name: $pages pages for $segs segments")
	done < <(grep -v '^#' "$outdir/slabinfo")
	"$here/hakmem-slabinfo" -r "$outdir" > "$outdir/hakmem-slabinfo.txt" ||
		problems+=("tools/hakmem-slabinfo failed on the saved run")
	echo "vm-smoke: debugfs counters checked for $(grep -vc '^#' "$outdir/slabinfo") caches"
else
	problems+=("no slabinfo came out of the guest")
fi

if [ ${#problems[@]} -gt 0 ]; then
	for p in "${problems[@]}"; do echo "$prog: $p" >&2; done
	echo "vm-smoke: FAIL (${elapsed}s; logs in $outdir)"
	exit 1
fi
echo "vm-smoke: PASS (kernel $kernel, ${elapsed}s; $(($(wc -l < "$outdir/results.csv") - 1)) measurements; consumer ${consumer#*: }; logs in $outdir)"
