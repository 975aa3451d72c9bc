# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest script of tools/backend-boot.sh (run by tools/vm.sh's /init, with
# its helpers emit/say/run): what the backend serves, then the workloads.
say "cmdline: $(cat /proc/cmdline)"
dmesg | grep 'hakmem_slab: backend:' | emit backend || true
mkdir -p /tmp/files
run ./sysload fork "${SYSLOAD_FORK:-2000}" >/tmp/sysload.txt
run ./sysload files "${SYSLOAD_FILES:-20000}" /tmp/files >>/tmp/sysload.txt
emit sysload /tmp/sysload.txt
grep -E '^(MemFree|Slab):' /proc/meminfo | emit meminfo
[ ! -r /sys/kernel/debug/hakmem_slab/slabinfo ] ||
	emit hakmem-slabinfo /sys/kernel/debug/hakmem_slab/slabinfo
