#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scan kernel console logs for reports that mean something went wrong:
# WARN, BUG, Oops, panic, KASAN/UBSAN, lockdep, RCU stalls, hung tasks,
# hakmem_slab's own "BUG hakmem..." checks.  Used by tools/vm.sh and
# tools/bench-uml.sh.
#
#   tools/logscan.sh [-a ALLOW_ERE] [LOG ...]     (stdin without LOG)
#
# Prints each offending line once (printk timestamps stripped) and exits 1
# when there is any, 0 otherwise.  Lines matching ALLOW_ERE (or
# $LOGSCAN_ALLOW) are not counted.  Known harmless lines are built in:
# the taint notes of unsigned out-of-tree modules, and UML's um_pci_init
# warning when no virtio device is configured.

set -euo pipefail

allow=${LOGSCAN_ALLOW:-}
while getopts "a:" opt; do
	case $opt in
	a) allow=${allow:+$allow|}$OPTARG ;;
	*) echo "usage: logscan.sh [-a ALLOW_ERE] [LOG ...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
for f in "$@"; do
	[ -r "$f" ] || { echo "logscan.sh: error: cannot read '$f'" >&2; exit 2; }
done

# Each pattern starts at a word boundary (\<): "BUG:" is a report,
# "DEBUG: cpu:0" (a driver's debug print) or CONFIG_KASAN in a command
# line are not.
bad='\<(WARNING:|BUG:|BUG [^ ]+ \(|kernel BUG|Oops|general protection|Call Trace'
bad+='|KASAN|UBSAN|Kernel panic|soft lockup|hard LOCKUP|detected stalls?'
bad+='|blocked for more than|[Uu]nable to handle|segfault at|double fault'
bad+='|list_(add|del) corruption|refcount_t: |stack-protector'
bad+='|INFO: |inconsistent lock state|possible (recursive|circular) locking'
bad+='|sleeping function called from invalid context|unreferenced object'
bad+='|BUG hakmem|hakmem[a-z_]*: .*(ERROR|[Ee]rror|corrupt))'
# Harmless: UML's virtio PCI probe without a device, and its call trace.
harmless='um_pci_init|No virtio device ID configured'

out=$(cat -- "$@" | grep -aE -e "$bad" | grep -avE -e "$harmless" |
	{ if [ -n "$allow" ]; then grep -avE -e "$allow"; else cat; fi; } |
	sed -E 's/^\[ *[0-9]+\.[0-9]+\] ?//' | awk 'NF && !seen[$0]++' || true)

# UML's harmless um_pci_init WARNING comes with a "Call Trace:" line of
# its own; do not count that one when it is the only report.
if [ -n "$out" ] && [ "$out" = "Call Trace:" ] &&
   cat -- "$@" | grep -aq 'um_pci_init'; then
	out=
fi
[ -z "$out" ] && exit 0
printf '%s\n' "$out"
exit 1
