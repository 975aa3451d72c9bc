#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SMP stress test of hakmem_slab: build the modules, boot Debian's
# kernel under QEMU (tools/vm.sh, SMP=4 by default) and load hakmem_stress.ko
# twice (see tools/hakmem_stress.c): plain caches, then SLAB_TYPESAFE_BY_RCU
# caches with RCU readers (rcu=1), each with at least $OPS allocations plus
# frees.  While each run is in progress the guest takes CPUs offline and
# brings them back (cpu2, cpu3, cpu1, ... one every few seconds).  Then it
# unloads hakmem_stress, prints hakmem_slab's slabinfo and unloads
# hakmem_slab.
#
#   tools/vm-stress.sh [-o DIR] [-n] [-v]
#
# The kernel is $KERNEL (tools/kver.sh names: 6.1 by default, 6.1-rt, 6.12,
# 6.12-rt): the modules are built against its headers (with -n they must
# have been) and the guest boots its image.
#
#   -o DIR  output directory (console.log, the result blocks; tools/vm.sh
#           removes an earlier run's there first); default: a new
#           temporary directory (make test: results/vm-stress-KERNEL)
#   -n      do not run make; use the .ko files already built
#   -v      stream the guest console
#
# The guest kernel runs with Debian's defaults (init_on_alloc=1, so the
# test also checks that objects come zeroed).  EXTRA_APPEND adds kernel
# parameters, e.g. EXTRA_APPEND=page_poison=1 to have writes to freed pages
# reported (it turns init_on_alloc off).
#
# Environment: OPS (10000000: the test's requirement), SMP (4), MEM (2048),
# VM_TIMEOUT (480 s for the whole VM), STRESS_ARGS (more insmod parameters
# for both runs, e.g. "timer_us=200"), STRESS_MAX_SECONDS (300: a run that
# takes longer fails inside the guest).
#
# PASS needs: vm.sh found no WARN/BUG/Oops/"BUG hakmem_slab" line and the
# guest script finished; both results start with "PASS"; each insmod
# returned 0 and saw at least one CPU offline/online cycle; slabinfo lists
# only the hakmem-kmalloc-* caches, with no object in use.  The last line
# printed is "vm-stress: PASS ..." or "vm-stress: FAIL ..."; the exit status
# is 0 on PASS, 1 on FAIL, 2 on a setup problem (no kernel, no module).

set -euo pipefail

prog=vm-stress
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

outdir=
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
shift $((OPTIND - 1))
[ $# -eq 0 ] || die "usage: $prog [-o DIR] [-n] [-v]"

ops=${OPS:-10000000}
smp=${SMP:-4}
timeout_s=${VM_TIMEOUT:-480}
max_seconds=${STRESS_MAX_SECONDS:-300}
extra=${STRESS_ARGS:-}
[[ $ops =~ ^[0-9]+$ ]] || die "OPS='$ops' is not a number"
if ! [[ $smp =~ ^[0-9]+$ ]] || [ "$smp" -lt 2 ]; then
	die "SMP='$smp': need at least 2 CPUs"
fi
[[ $max_seconds =~ ^[0-9]+$ ]] || die "STRESS_MAX_SECONDS='$max_seconds' is not a number"
[[ $extra =~ ^[A-Za-z0-9_=,\ ]*$ ]] || die "STRESS_ARGS='$extra': only key=value words"

t_start=$EPOCHREALTIME
work=$(mktemp -d /tmp/hakmem-stress-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT

# --- build ------------------------------------------------------------------
if [ "$build" = 1 ]; then
	note "building the modules (make -C $repo KERNEL=${KERNEL:-6.1})"
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make -C "$repo" KERNEL="${KERNEL:-6.1}" > "$work/make.log" 2>&1; then
		cat "$work/make.log" >&2
		die "make failed"
	fi
fi
for ko in hakmem_slab.ko hakmem_stress.ko; do
	[ -f "$repo/$ko" ] ||
		die "$repo/$ko not built (Kbuild needs 'obj-\$(CONFIG_HAKMEM_STRESS) += hakmem_stress.o' and 'hakmem_stress-y := tools/hakmem_stress.o', the Makefile CONFIG_HAKMEM_STRESS=m)"
done
# The modules must be $KERNEL's (with -n they are whatever was built
# last), or the test would boot another kernel and name this one.
kver=$("$here/kver.sh" "${KERNEL:-6.1}") || die "no kernel ${KERNEL:-6.1}"
for ko in hakmem_slab.ko hakmem_stress.ko; do
	built=$(modinfo -F vermagic "$repo/$ko" | cut -d' ' -f1)
	[ "$built" = "$kver" ] ||
		die "$repo/$ko is built for $built, not for KERNEL=${KERNEL:-6.1} ($kver): run make KERNEL=${KERNEL:-6.1} first, or drop -n"
done

if [ -z "$outdir" ]; then
	outdir=$(mktemp -d /tmp/hakmem-stress.XXXXXX)
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

# --- guest script -------------------------------------------------------------
# Runs under "set -e" with vm.sh's emit/say/run helpers.
cat > "$work/guest.sh" <<EOF
ops=$ops
extra="$extra"
max_seconds=$max_seconds
smp=$smp
EOF
cat >> "$work/guest.sh" <<'EOF'

# Pick the CPU of hotplug cycle $1: cpu2, cpu3, cpu1, cpu2, ...
hotplug_cpu() {
	case $(($1 % 3)) in
	0) c=2 ;;
	1) c=3 ;;
	*) c=1 ;;
	esac
	[ "$c" -lt "$smp" ] || c=1
	echo "$c"
}

# stress NAME [insmod parameters...]: one run, with CPU hotplug meanwhile.
stress() {
	name=$1
	shift
	rm -f /tmp/insmod.rc
	say "$name: insmod hakmem_stress.ko ops=$ops max_seconds=$max_seconds $extra $*"
	(
		rc=0
		# shellcheck disable=SC2086
		insmod /hakmem/hakmem_stress.ko ops="$ops" \
			max_seconds="$max_seconds" $extra "$@" || rc=$?
		echo "$rc" > /tmp/insmod.rc
	) &
	cycles=0
	hotplug_failed=0
	pause=1
	while [ ! -e /tmp/insmod.rc ]; do
		sleep "$pause"
		pause=3
		[ ! -e /tmp/insmod.rc ] || break
		cpu=$(hotplug_cpu "$cycles")
		f=/sys/devices/system/cpu/cpu$cpu/online
		say "$name: cpu$cpu offline"
		if ! echo 0 > "$f"; then
			say "$name: taking cpu$cpu offline failed"
			hotplug_failed=1
			break
		fi
		sleep 2
		if ! echo 1 > "$f"; then
			say "$name: bringing cpu$cpu online failed"
			hotplug_failed=1
			break
		fi
		say "$name: cpu$cpu online ($(cat /sys/devices/system/cpu/online))"
		cycles=$((cycles + 1))
	done
	wait
	rc=$(cat /tmp/insmod.rc)
	echo "insmod_rc=$rc hotplug_cycles=$cycles hotplug_failed=$hotplug_failed" |
		emit "$name-info"
	if [ "$rc" = 0 ]; then
		emit "$name" /sys/kernel/debug/hakmem_stress/result
		run rmmod hakmem_stress
	fi
}

run insmod /hakmem/hakmem_slab.ko
stress stress
stress stress-rcu rcu=1
emit slabinfo /sys/kernel/debug/hakmem_slab/slabinfo
run rmmod hakmem_slab
EOF

# --- run ----------------------------------------------------------------------
note "booting the VM (SMP=$smp, ops=$ops per run, output in $outdir)"
vm_rc=0
SMP=$smp "$here/vm.sh" -k "$kver" -o "$outdir" -t "$timeout_s" $verbose "$work/guest.sh" \
	"$repo/hakmem_slab.ko" "$repo/hakmem_stress.ko" || vm_rc=$?

# --- verdict ------------------------------------------------------------------
fail=()
why=$(cat "$outdir/vm-verdict.txt" 2>/dev/null || echo "no verdict")
case $vm_rc in
0) ;;
1) fail+=("the kernel log has WARN/BUG/Oops/hakmem reports: $why") ;;
3) fail+=("the guest script failed: $why") ;;
4) fail+=("the guest did not finish: $why") ;;
*) fail+=("vm.sh failed with status $vm_rc") ;;
esac

for name in stress stress-rcu; do
	info=$outdir/$name-info
	if [ ! -s "$info" ]; then
		fail+=("$name: did not run")
		continue
	fi
	read -r rc_kv cycles_kv hpfail_kv < "$info" || true
	if [ "$rc_kv" != insmod_rc=0 ]; then
		fail+=("$name: insmod failed (${rc_kv#insmod_rc=})")
		continue
	fi
	[ "$hpfail_kv" = hotplug_failed=0 ] || fail+=("$name: CPU hotplug failed in the guest")
	first=$(head -n 1 "$outdir/$name" 2>/dev/null || true)
	case $first in
	PASS*)
		note "$name: $first (${cycles_kv#hotplug_cycles=} CPU hotplug cycles)"
		# A run that stopped early on a failure may have had no cycle.
		[ "${cycles_kv#hotplug_cycles=}" -ge 1 ] 2>/dev/null ||
			fail+=("$name: no CPU offline/online cycle happened during the run")
		;;
	FAIL*) fail+=("$name: ${first#FAIL }") ;;
	*) fail+=("$name: no result") ;;
	esac
done

if [ -s "$outdir/slabinfo" ]; then
	left=$(awk '!/^#/ && NF && ($1 !~ /^hakmem-kmalloc-/ || $4 != 0) { print $1 " inuse=" $4 }' \
		"$outdir/slabinfo")
	[ -z "$left" ] || fail+=("slabinfo before rmmod: $(echo "$left" | tr '\n' ' ')")
else
	fail+=("no slabinfo")
fi

elapsed=$(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
if [ ${#fail[@]} -eq 0 ]; then
	echo "vm-stress: PASS (kernel ${KERNEL:-6.1}, 2 runs of $ops ops, SMP=$smp, CPU hotplug, ${elapsed}s; output in $outdir)"
	exit 0
fi
msg=$(printf '%s; ' "${fail[@]}")
echo "vm-stress: FAIL (kernel ${KERNEL:-6.1}) ${msg%; } (output in $outdir)"
exit 1
