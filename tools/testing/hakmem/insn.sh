#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# insn.sh BENCH THRESHOLDS: count the instructions per operation of each
# benchmark named in THRESHOLDS under callgrind (the timed loop only: the
# bench toggles collection) and fail if one is above its threshold.
#
# THRESHOLDS lines: "name max_insn_per_op [iterations]", # comments.
set -euo pipefail

bench=${1:?usage: insn.sh BENCH THRESHOLDS}
thresholds=${2:?usage: insn.sh BENCH THRESHOLDS}
command -v valgrind > /dev/null || { echo "insn: valgrind not installed" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

while read -r name max iters _; do
	[[ -z $name || $name == \#* ]] && continue
	iters=${iters:-100000}
	out=$tmp/$name.cg
	log=$tmp/$name.log
	if ! valgrind --tool=callgrind --collect-atstart=no \
		--callgrind-out-file="$out" "$bench" "$name" "$iters" > "$log" 2>&1; then
		echo "insn: $name: the benchmark failed:" >&2
		cat "$log" >&2
		failed=1
		continue
	fi
	total=$(awk '/^totals:/ { print $2 }' "$out")
	ops=$(sed -n 's/.* ops=\([0-9]*\) .*/\1/p' "$log")
	per=$(awk -v t="$total" -v o="$ops" 'BEGIN { printf "%.1f", t / o }')
	if awk -v p="$per" -v m="$max" 'BEGIN { exit !(p > m) }'; then
		echo "insn: $name: FAIL: $per instructions/op, threshold $max"
		failed=1
	else
		echo "insn: $name: ok: $per instructions/op (threshold $max)"
	fi
done < "$thresholds"

if ((failed)); then
	echo "insn: FAILED (a fast path grew: look at it, or re-measure and raise the threshold with a reason)"
	exit 1
fi
echo "insn: all within thresholds"
