# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest script of tools/backend-boot.sh and tools/bench-kernel.sh (run by
# tools/vm.sh's /init, with its helpers emit/say/run): what the backend
# serves, then every tools/sysload workload with the counts of the kernel
# command line's SYSLOAD_* variables, then the memory held after the
# workloads (state "after"), after "echo 3 > drop_caches" and 1 s
# ("dropped"), after a second drop_caches and 1 s ("dropped2": the steady
# state; a drop only clears the referenced bit of the dentries and inodes
# used since the last, so one leaves a count that varies from boot to
# boot, for SLUB as for hakmem), and after a write to every cache's shrink
# file, SLUB's /sys/kernel/slab/*/shrink (which hakmem's served caches
# route to hakmem_cache_shrink()) and hakmem's debugfs one where
# hakmem_slab.debugfs_caches=1, then "echo 2 > drop_caches" twice for the
# dentries those lookups made ("shrunk": per-CPU state drained, empty
# slabs and segments freed; SLUB's /proc/slabinfo counts the free objects
# of its per-CPU slabs as active until then, so only this state's count is
# its live objects).  The slab figures are copied with shell builtins and
# the waits are reads that time out: no process runs between a drop and
# its reading, whose allocations would refill per-CPU caches (emitted at
# the end).  Per state, blocks meminfo[-STATE] (MemFree, Slab,
# SReclaimable, SUnreclaim), fs[-STATE] (dentry-state, inode-nr),
# slabinfo[-STATE] (/proc/slabinfo: SLUB's caches, the declined ones in a
# hakmem boot) and hakmem-slabinfo[-STATE] (its debugfs slabinfo: objects
# in use, pages); and slab-sizes, each SLUB cache's object_size
# (/proc/slabinfo has the stride).
say "cmdline: $(cat /proc/cmdline)"
dmesg | grep 'hakmem_slab: backend:' | emit backend || true
mkdir -p /tmp/files
{
	run ./sysload fork "${SYSLOAD_FORK:-2000}"
	run ./sysload files "${SYSLOAD_FILES:-20000}" /tmp/files
	run ./sysload pipe "${SYSLOAD_PIPE:-1000}"
	run ./sysload walk "${SYSLOAD_WALK:-30}" /sys
	run ./sysload tcp "${SYSLOAD_TCP:-3000}"
	run ./sysload epoll "${SYSLOAD_EPOLL:-20000}"
} >/tmp/sysload.txt
emit sysload /tmp/sysload.txt
slabinfo=/sys/kernel/debug/hakmem_slab/slabinfo
mkdir -p /tmp/mem
mkfifo /tmp/mem/fifo
# copy FILE: print it with shell builtins only, so that reading the
# figures starts no process (a fork refills the per-CPU caches of a dozen
# slab caches).
copy() {
	[ -r "$1" ] || return 0
	while IFS= read -r _l; do echo "$_l"; done <"$1"
}
# snap STATE: the figures of one state (suffix "" or -NAME), into /tmp/mem;
# the sysctl files last, with cat: read's one-byte reads get one byte of
# them (a sysctl read at an offset returns nothing).
snap() {
	copy /proc/meminfo >"/tmp/mem/meminfo$1"
	copy /proc/slabinfo >"/tmp/mem/slabinfo$1"
	copy $slabinfo >"/tmp/mem/hakmem-slabinfo$1"
	cat /proc/sys/fs/dentry-state /proc/sys/fs/inode-nr >"/tmp/mem/fs$1"
}
# settle: 1 s, without a process (read times out on a FIFO no one writes).
# shellcheck disable=SC3045  # busybox ash has read -t
settle() { read -r -t 1 _l <>/tmp/mem/fifo || true; }
snap ""
# hakmem's shrinker leaves the objects that RCU callbacks free (dentries,
# inodes) to a work that waits for them: both allocators get 1 s to settle.
sync
echo 3 >/proc/sys/vm/drop_caches
settle
snap -dropped
echo 3 >/proc/sys/vm/drop_caches
settle
snap -dropped2
for f in /sys/kernel/slab/*/shrink /sys/kernel/debug/hakmem_slab/*/shrink; do
	[ -w "$f" ] || continue
	echo 1 >"$f"
done
# The shrink files' lookups made dentries and inodes: drop them, twice
# (one drop_caches only clears the referenced bit of those just used).
echo 2 >/proc/sys/vm/drop_caches
settle
echo 2 >/proc/sys/vm/drop_caches
settle
snap -shrunk
for s in "" -dropped -dropped2 -shrunk; do
	grep -E '^(MemFree|Slab|SReclaimable|SUnreclaim):' "/tmp/mem/meminfo$s" |
		emit "meminfo$s"
	awk 'NR == 1 { print "dentry-state", $0 } NR == 2 { print "inode-nr", $0 }' \
		"/tmp/mem/fs$s" | emit "fs$s"
	for f in slabinfo hakmem-slabinfo; do
		[ ! -s "/tmp/mem/$f$s" ] || emit "$f$s" "/tmp/mem/$f$s"
	done
done
for d in /sys/kernel/slab/*/; do
	[ -r "$d/object_size" ] && echo "$(basename "$d") $(cat "$d/object_size")"
done | emit slab-sizes
