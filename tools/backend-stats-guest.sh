# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# A diagnostic guest script for the backend-mode kernel (tools/vm.sh -K,
# run by its /init with its helpers emit/say): every tools/sysload workload
# of tools/backend-guest.sh, with hakmem's per-cache counters (debugfs
# hakmem_slab/*/stats, the first column: all CPUs; in backend mode only
# with hakmem_slab.debugfs_caches=1) emitted before and after each, as
# blocks stats-before-W and stats-after-W of "cache counter value" lines;
# their difference is what one workload did in each cache (plus about 600
# operations of reading the counters themselves).  Then
# 30 times "echo 2 > drop_caches" alone (sysload walk of a one-file
# tmpfs tree), twice: what a drop_caches costs.  For example, with an
# ICOUNT wrapper as tools/bench-kernel.sh -i makes:
#
#   SMP=4 VM_HALT=reboot QEMU=DIR/qemu-icount \
#   EXTRA_APPEND="no_timer_check hakmem.backend=on \
#   hakmem_slab.debugfs_caches=1" \
#   tools/vm.sh -q -K DIR/bzImage -o OUT tools/backend-stats-guest.sh DIR/sysload
say "cmdline: $(cat /proc/cmdline)"
snap() {
	for d in /sys/kernel/debug/hakmem_slab/*/; do
		[ -r "$d/stats" ] || continue
		n=$(basename "$d")
		awk -v n="$n" '{ print n, $1, $2 }' "$d/stats"
	done
}
mkdir -p /tmp/files
for w in "fork ${SYSLOAD_FORK:-2000}" "files ${SYSLOAD_FILES:-20000} /tmp/files" \
	 "pipe ${SYSLOAD_PIPE:-1000}" "walk ${SYSLOAD_WALK:-30} /sys" \
	 "tcp ${SYSLOAD_TCP:-3000}" "epoll ${SYSLOAD_EPOLL:-20000}"; do
	# shellcheck disable=SC2086  # the workload and its arguments
	set -- $w
	snap >/tmp/before
	./sysload "$@" >/tmp/out
	snap >/tmp/after
	cat /tmp/out
	emit "stats-before-$1" /tmp/before
	emit "stats-after-$1" /tmp/after
done
mkdir -p /tmp/empty/a
echo x >/tmp/empty/a/f
./sysload walk 30 /tmp/empty
./sysload walk 30 /tmp/empty
