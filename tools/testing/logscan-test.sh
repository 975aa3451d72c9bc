#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of tools/logscan.sh: lines that only contain a pattern inside
# a word ("DEBUG: cpu:0", CONFIG_KASAN) pass, kernel reports fail.
#
#   tools/testing/logscan-test.sh
#
# Exit status: 0 ok, 1 a line was misjudged.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
scan=$here/../logscan.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0

# Harmless lines, each must pass on its own.
while IFS= read -r line; do
	printf '%s\n' "$line" > "$tmp/log"
	if ! "$scan" "$tmp/log" >/dev/null; then
		echo "logscan-test: FAIL: counted as a report: $line" >&2
		bad=1
	fi
done <<'LINES'
[    0.100000] DEBUG: cpu:0 ready
[    0.100001] mydrv: DEBUG: cpu:1 up
[    0.100002] Kernel command line: mem=1G CONFIG_KASAN_GENERIC=y
[    0.100003] DEBUG_INFO: 1
[    0.100004] hakmem_bench: pair 256 hakmem 3.4 ns
LINES

# Reports, each must fail on its own.
while IFS= read -r line; do
	printf '%s\n' "$line" > "$tmp/log"
	if "$scan" "$tmp/log" >/dev/null; then
		echo "logscan-test: FAIL: not counted as a report: $line" >&2
		bad=1
	fi
done <<'LINES'
[    1.000000] BUG: KASAN: slab-out-of-bounds in foo+0x10/0x20
[    1.000001] [    T1] WARNING: CPU: 0 PID: 1 at mm/slub.c:1 foo
[    1.000002] kernel BUG at mm/slub.c:42!
[    1.000003] BUG hakmem-64 (Not tainted): double free
[    1.000004] INFO: task kworker/0:1:12 blocked for more than 120 seconds.
[    1.000005] UBSAN: shift-out-of-bounds in x.c:1:2
[    1.000006] Oops: 0000 [#1] PREEMPT SMP
[    1.000007] BUG: sleeping function called from invalid context at x.c:1
[    1.000008] hakmem_slab: hakmem-64: corrupt free list
BUG: unable to handle page fault for address: 0000000000000008
LINES

[ $bad = 0 ] || exit 1
echo "logscan-test: ok"
