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
#   tools/backend-boot.sh [-d] [LIST]  LIST: hakmem.backend= (default on)
#
# -d: the debug kernel (tools/backend-kernel.sh debug: lockdep,
# DEBUG_ATOMIC_SLEEP, DEBUG_VM); its reports fail the run as any other.
#
# no_timer_check: on a loaded host TCG can miss the early IO-APIC timer
# check and panic before init ("IO-APIC + timer doesn't work!"), whatever
# the allocator.
#
# Output: $HAKMEM_CACHE/logs/backend-boot[-debug]/{off,on}/ (tools/vm.sh's
# files).  Environment: SMP (4), VM_TIMEOUT (900), SYSLOAD_FORK,
# SYSLOAD_FILES (and the other SYSLOAD_* counts of tools/backend-guest.sh).
set -euo pipefail

prog=backend-boot
die_status=1
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
log() { note "$@"; }
flavour=
if [[ ${1:-} == -d ]]; then
	flavour=debug
	shift
fi
list=${1:-on}
out=$cache/logs/backend-boot${flavour:+-$flavour}
bzimage=$("$repo/tools/backend-kernel.sh" $flavour)
mkdir -p "$out"
sysload_build "$out/sysload"
counts=$(sysload_counts)

rc=0
for mode in off "$list"; do
	dir=$out/${mode//[^A-Za-z0-9_-]/_}
	rm -rf "$dir"
	test=
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
