#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the backend-mode kernel (tools/backend-kernel.sh) under QEMU TCG,
# once with SLUB (hakmem.backend=off) and once with hakmem serving the
# caches that hakmem.backend= names, and run tools/sysload in each: a first
# end-to-end check of backend mode, not a benchmark (one boot each, no
# spread).  Prints which caches hakmem served and declined, each boot's
# ops/s and the hakmem/SLUB ratio (tools/bench-kernel.sh is the
# benchmark).  With hakmem.backend=on the kernel also runs the backend's
# self-test of its hooks (hakmem.backend_test), which must pass.
#
#   tools/backend-boot.sh [-d|-r] [-s] [LIST]   LIST: hakmem.backend= (on)
#
# -d: the debug kernel (tools/backend-kernel.sh debug: KASAN, lockdep,
# DEBUG_ATOMIC_SLEEP, DEBUG_VM, ...); -r: the same checks but KASAN, on
# PREEMPT_RT (tools/backend-kernel.sh debug-rt).  Their reports (those of
# tools/logscan.sh: KASAN, lockdep, BUG, WARNING, atomic sleep, ...) fail
# the run as any other; -d boots with kasan_multi_shot (every report).
#
# -s: the short form of make test: every workload at a tenth of its
# operations (SYSLOAD_* counts in the environment still win), and the hakmem
# boot only; SLUB is booted too, as the control, only when the hakmem boot
# fails, to say whether SLUB's boot has the same reports.  Ends with one
# line "backend-boot[-FLAVOUR]: PASS|FAIL (...)" on stdout, also written to
# results/backend-boot[-FLAVOUR].out (.ci/run's summary prints it).
#
# no_timer_check: on a loaded host TCG can miss the early IO-APIC timer
# check and panic before init ("IO-APIC + timer doesn't work!"), whatever
# the allocator.
#
# Output: $HAKMEM_CACHE/logs/backend-boot[-FLAVOUR]/{off,on}/ (tools/vm.sh's
# files).  Environment: SMP (4), VM_TIMEOUT (900), SYSLOAD_FORK,
# SYSLOAD_FILES (and the other SYSLOAD_* counts of tools/backend-guest.sh).
set -euo pipefail

prog=backend-boot
die_status=1
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log() { note "$@"; }
usage="usage: backend-boot.sh [-d|-r] [-s] [LIST]"
flavour=
short=0
while getopts "drs" opt; do
	case $opt in
	d) flavour=debug ;;
	r) flavour=debug-rt ;;
	s) short=1 ;;
	*) die "$usage" ;;
	esac
done
shift $((OPTIND - 1))
(($# <= 1)) || die "$usage"
list=${1:-on}
name=backend-boot${flavour:+-$flavour}
out=$cache/logs/$name
if ((short)); then
	# A tenth of tools/backend-guest.sh's default counts.
	: "${SYSLOAD_FORK:=200}" "${SYSLOAD_FILES:=2000}" "${SYSLOAD_PIPE:=100}"
	: "${SYSLOAD_WALK:=3}" "${SYSLOAD_TCP:=300}" "${SYSLOAD_EPOLL:=2000}"
	export SYSLOAD_FORK SYSLOAD_FILES SYSLOAD_PIPE SYSLOAD_WALK SYSLOAD_TCP \
		SYSLOAD_EPOLL
fi
# result LINE: the short form's last line, on stdout and in results/.
result() {
	mkdir -p "$repo/results"
	echo "$name: $*" | tee "$repo/results/$name.out"
}
start=$SECONDS
if ! bzimage=$("$repo/tools/backend-kernel.sh" $flavour); then
	((!short)) || result "FAIL (the kernel build failed)"
	exit 1
fi
built=$((SECONDS - start))
mkdir -p "$out"
sysload_build "$out/sysload"
counts=$(sysload_counts)
[[ $flavour != debug ]] || counts+=" kasan_multi_shot"

# boot MODE: one boot with hakmem.backend=MODE; 1 when it was not clean.
boot() {
	local mode=$1 dir test='' rc=0 n
	dir=$out/${mode//[^A-Za-z0-9_-]/_}
	rm -rf "$dir"
	[[ $mode != on ]] || test=hakmem.backend_test
	log "booting hakmem.backend=$mode $test"
	SMP=${SMP:-4} VM_TIMEOUT=${VM_TIMEOUT:-900} VM_HALT=reboot \
	EXTRA_APPEND="no_timer_check hakmem.backend=$mode $test$counts" \
		"$repo/tools/vm.sh" -q -K "$bzimage" -o "$dir" \
		"$repo/tools/backend-guest.sh" "$out/sysload" || rc=1
	if [[ -f $dir/backend ]]; then
		log "hakmem.backend=$mode: $(grep -c ': served' "$dir/backend" || true) caches served, $(grep -c ': declined' "$dir/backend" || true) declined"
		grep ': declined' "$dir/backend" | sed 's/^.*backend: /  /' >&2 || true
	fi
	if [[ -n $test ]]; then
		if grep -q 'backend: selftest: passed' "$dir/backend" 2>/dev/null; then
			log "hakmem.backend=$mode: the self-test passed"
		else
			log "hakmem.backend=$mode: the self-test did not pass:"
			grep 'selftest' "$dir/backend" >&2 || log "  (no selftest line)"
			rc=1
		fi
	fi
	[[ ! -f $dir/sysload ]] || sed 's/^/  /' "$dir/sysload" >&2
	# Every workload of tools/backend-guest.sh printed its ops/s.
	n=$(grep -c '^sysload:' "$dir/sysload" 2>/dev/null || true)
	if [[ ${n:-0} != 6 ]]; then
		log "hakmem.backend=$mode: ${n:-0} of the 6 workloads finished"
		rc=1
	fi
	return $rc
}

if ((short)); then
	boots=$SECONDS
	rc=0
	boot "$list" || rc=1
	on_s=$((SECONDS - boots))
	args="hakmem.backend=$list"
	result="PASS ($args: every workload, self-test passed, no report"
	if ((rc)); then
		log "booting SLUB too, as the control for the reports above"
		if boot off; then
			control="SLUB's boot is clean"
		else
			control="SLUB's boot has reports too"
		fi
		result="FAIL ($args; $control; logs in $out"
	fi
	result "$result; build ${built} s, boot ${on_s} s)"
	exit $rc
fi

rc=0
for mode in off "$list"; do
	boot "$mode" || rc=1
done
off=$out/off/sysload
on=$out/${list//[^A-Za-z0-9_-]/_}/sysload
if [[ -f $off && -f $on ]]; then
	echo "workload  SLUB ops/s  hakmem ops/s  hakmem/SLUB (one TCG boot each: ratios only, no spread)"
	join <(awk '/^sysload:/ { print $2, $8 }' "$off" | sort) \
	     <(awk '/^sysload:/ { print $2, $8 }' "$on" | sort) |
		awk '{ printf "%-9s %11s %13s %12.2fx\n", $1, $2, $3, $3 / $2 }'
fi
exit $rc
