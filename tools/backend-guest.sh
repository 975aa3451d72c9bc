# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest script of tools/backend-boot.sh and tools/bench-kernel.sh (run by
# tools/vm.sh's /init, with its helpers emit/say/run): what the backend
# serves, then every tools/sysload workload with the counts of the kernel
# command line's SYSLOAD_* variables, then the memory held after the
# workloads and after "echo 3 > drop_caches" (/proc/meminfo's MemFree and
# Slab, and hakmem's debugfs slabinfo: its own page counts), and hakmem's
# pages once more after a write to each of its caches' debugfs "shrink"
# (hakmem_cache_shrink(): the per-CPU caches drained, empty segments
# freed), a check on drop_caches, whose call of hakmem's shrinker does the
# same for every cache.
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
grep -E '^(MemFree|Slab):' /proc/meminfo | emit meminfo
[ ! -r $slabinfo ] || emit hakmem-slabinfo $slabinfo
sync
echo 3 >/proc/sys/vm/drop_caches
# hakmem's shrinker leaves the objects that RCU callbacks free (dentries,
# inodes) to a work that waits for them: both allocators get 1 s to settle.
sleep 1
grep -E '^(MemFree|Slab):' /proc/meminfo | emit meminfo-dropped
[ ! -r $slabinfo ] || emit hakmem-slabinfo-dropped $slabinfo
n=0
for f in /sys/kernel/debug/hakmem_slab/*/shrink; do
	[ -w "$f" ] || continue
	echo 1 >"$f"
	n=$((n + 1))
done
say "shrank $n hakmem caches"
[ ! -r $slabinfo ] || emit hakmem-slabinfo-shrunk $slabinfo
