#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The destroy/debugfs/hotplug deadlock test (part of "make test"): boot
# Debian's kernel under QEMU (tools/vm.sh, SMP=2) and, for $CHURN_SECONDS
# (120 by default), at the same time:
#   - hakmem_churn.ko creates and destroys the cache "hakmem_churn" in a
#     loop (tools/hakmem_churn.c),
#   - a shell loop writes its debugfs files validate and shrink,
#   - a shell loop takes cpu1 offline and brings it back.
# hakmem_cache_destroy() once held the list mutex across the debugfs
# removal that waits for those writers, while the writers waited for the
# hotplug lock and the CPU going down for the mutex: all three hung within
# seconds.  PASS needs the module's result "PASS", at least one hotplug
# cycle and one write, and a clean kernel log (vm.sh: no hung task, no
# WARN/BUG/lockdep report); a deadlock ends in vm.sh's timeout.
#
#   tools/vm-churn.sh [-o DIR] [-n] [-v]
#
#   -o DIR  output directory (default: results/vm-churn-$KERNEL)
#   -n      do not run make; use the .ko files already built
#   -v      stream the guest console
#
# Environment: KERNEL (6.1; tools/kver.sh names), CHURN_SECONDS (120).

set -euo pipefail

prog=vm-churn
fail_tag=vm-churn
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kernel=${KERNEL:-6.1}
seconds=${CHURN_SECONDS:-120}
outdir=$repo/results/vm-churn-$kernel
build=1
verbose=
while getopts "o:nvh" opt; do
	case $opt in
	o) outdir=$OPTARG ;;
	n) build=0 ;;
	v) verbose=-v ;;
	h) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "usage: $prog [-o DIR] [-n] [-v]" ;;
	esac
done
[[ $seconds =~ ^[0-9]+$ ]] || die "CHURN_SECONDS='$seconds' is not a number"

if [ "$build" = 1 ]; then
	note "building the modules (make KERNEL=$kernel)"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make -C "$repo" -s KERNEL="$kernel" modules >/dev/null ||
		die "make KERNEL=$kernel failed"
fi
for ko in hakmem_slab.ko hakmem_churn.ko; do
	[ -f "$repo/$ko" ] || die "$repo/$ko not built"
done
rm -rf "$outdir"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

guest=$outdir/guest.sh
echo "seconds=$seconds" > "$guest"
cat >> "$guest" <<'GUEST'
d=/sys/kernel/debug/hakmem_slab/hakmem_churn
run insmod /hakmem/hakmem_slab.ko
run insmod /hakmem/hakmem_churn.ko seconds="$seconds"
rm -f /tmp/stop
# The debugfs writer: validate and shrink of the churned cache.
(
	n=0
	while [ ! -e /tmp/stop ]; do
		if { echo 1 > $d/validate; } 2>/dev/null; then n=$((n + 1)); fi
		if { echo 1 > $d/shrink; } 2>/dev/null; then n=$((n + 1)); fi
	done
	echo "$n" > /tmp/writes
) &
# The hotplug loop.
(
	n=0
	while [ ! -e /tmp/stop ]; do
		echo 0 > /sys/devices/system/cpu/cpu1/online || break
		echo 1 > /sys/devices/system/cpu/cpu1/online || break
		n=$((n + 1))
	done
	echo "$n" > /tmp/cycles
) &
while grep -q RUNNING /sys/kernel/debug/hakmem_churn/result; do
	sleep 2
done
touch /tmp/stop
wait
echo 1 > /sys/devices/system/cpu/cpu1/online 2>/dev/null || true
echo "writes=$(cat /tmp/writes) cycles=$(cat /tmp/cycles)" | emit counts
emit result /sys/kernel/debug/hakmem_churn/result
run rmmod hakmem_churn
run rmmod hakmem_slab
GUEST

vm_rc=0
SMP=2 "$here/vm.sh" -o "$outdir" -t $((seconds + 180)) $verbose "$guest" \
	"$repo/hakmem_slab.ko" "$repo/hakmem_churn.ko" || vm_rc=$?

fail=()
case $vm_rc in
0) ;;
1) fail+=("the kernel log has reports (see $outdir/console.log)") ;;
3) fail+=("the guest script failed") ;;
4) fail+=("the guest did not finish: a hang (timeout) or a crash") ;;
*) fail+=("vm.sh failed with status $vm_rc") ;;
esac
result=$(cat "$outdir/result" 2>/dev/null || true)
counts=$(cat "$outdir/counts" 2>/dev/null || true)
case $result in
PASS*) ;;
*) fail+=("hakmem_churn: '${result:-no result}'") ;;
esac
writes=$(sed -n 's/.*writes=\([0-9]*\).*/\1/p' <<<"$counts")
cycles=$(sed -n 's/.*cycles=\([0-9]*\).*/\1/p' <<<"$counts")
[ "${writes:-0}" -ge 1 ] || fail+=("no debugfs write went through")
[ "${cycles:-0}" -ge 1 ] || fail+=("no CPU hotplug cycle")
if [ ${#fail[@]} -eq 0 ]; then
	echo "vm-churn: PASS (kernel $kernel, $result, $writes debugfs writes, $cycles hotplug cycles; output in $outdir)"
	exit 0
fi
msg=$(printf '%s; ' "${fail[@]}")
echo "vm-churn: FAIL (kernel $kernel) ${msg%; } (output in $outdir)"
exit 1
