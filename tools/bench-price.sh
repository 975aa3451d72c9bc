#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Price what SLUB does per operation that hakmem does not: run the UML
# benchmark (tools/bench-uml.sh -b fair, workloads pair and batch) on the
# fair SLUB kernel and on variants of it with one SLUB feature turned on
# (tools/bench-uml-variants/*.config, each in its own build directory),
# ROUNDS times in turn, and tabulate the minimum over the rounds of each
# row's minimum (ns per alloc+free) against the base kernel's.
#
#   tools/bench-price.sh [-r ROUNDS] [-o OUTDIR] [VARIANT ...]
#
# VARIANTs: the names in tools/bench-uml-variants/ (default all of them),
# plus init_on_alloc (the base kernel booted with init_on_alloc=1, which
# both allocators honour).  ROUNDS defaults to 3.  Writes OUTDIR (default
# results/price-<timestamp>): price.txt (the table, with the command, the
# commit and the host load), price.csv, and each run's bench-uml.sh files
# in r<round>-<variant>/.
set -euo pipefail

prog=bench-price.sh
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rounds=3
outdir=
while getopts "r:o:h" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	o) outdir=$OPTARG ;;
	h) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "usage: $prog [-r ROUNDS] [-o OUTDIR] [VARIANT ...]" ;;
	esac
done
shift $((OPTIND - 1))
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "-r takes a number of rounds, not '$rounds'"
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
	for f in "$here"/bench-uml-variants/*.config; do
		f=${f##*/}
		variants+=("${f%.config}")
	done
	variants+=(init_on_alloc)
fi
[ -n "$outdir" ] || outdir=$repo/results/price-$(date +%Y%m%d-%H%M%S)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd -P)
kargs=("hakmem_bench.workloads=pair,batch" hakmem_bench.reps=6)
load_before=$(uptime)

for ((r = 1; r <= rounds; r++)); do
	for v in base "${variants[@]}"; do
		d=$outdir/r$r-$v
		echo "$prog: round $r/$rounds: $v" >&2
		case $v in
		base) "$here/bench-uml.sh" -b fair -o "$d" "${kargs[@]}" ;;
		init_on_alloc) INIT_ON_ALLOC=1 "$here/bench-uml.sh" -b fair -o "$d" "${kargs[@]}" ;;
		*) "$here/bench-uml.sh" -b fair -x "$v" -o "$d" "${kargs[@]}" ;;
		esac > "$d.log" 2>&1 || { cat "$d.log" >&2; die "run $v failed"; }
	done
done

{
	echo "# tools/bench-price.sh -r $rounds ${variants[*]}"
	echo "# commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo +dirty), $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "# host load before: ${load_before#*load average: }; after: $(uptime | sed 's/.*load average: //')"
} > "$outdir/price.txt"
python3 - "$outdir" "$rounds" base "${variants[@]}" >> "$outdir/price.txt" <<'PY'
import csv, glob, os, sys

outdir, rounds, variants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
best = {}
for v in variants:
    for f in glob.glob(os.path.join(outdir, 'r*-%s' % v, 'uml*.csv')):
        for row in csv.DictReader(open(f)):
            if row['workload'] not in ('pair', 'batch'):
                continue
            k = (v, row['workload'], int(row['param']), row['allocator'])
            ns = float(row['min_ns'])
            best[k] = min(best.get(k, ns), ns)
rows = sorted({(w, p) for (_, w, p, a) in best})
print('# UML (native), fair SLUB; ns per alloc+free, minimum over %d rounds'
      ' of the minimum of 6 repetitions; delta: SLUB variant - SLUB base'
      % rounds)
head = ['workload', 'param', 'hakmem', 'slub'] + \
       ['%s (+delta)' % v for v in variants[1:]]
print(' '.join('%-18s' % h for h in head))
out = csv.writer(open(os.path.join(outdir, 'price.csv'), 'w'))
out.writerow(['workload', 'param', 'variant', 'allocator', 'min_ns',
              'delta_ns'])
for w, p in rows:
    base = best.get(('base', w, p, 'slub'))
    hk = best.get(('base', w, p, 'hakmem'))
    cells = [w, str(p), '%.2f' % hk, '%.2f' % base]
    for v in variants[1:]:
        ns = best.get((v, w, p, 'slub'))
        cells.append('%.2f (%+.2f)' % (ns, ns - base))
        out.writerow([w, p, v, 'slub', '%.2f' % ns, '%.2f' % (ns - base)])
        hv = best.get((v, w, p, 'hakmem'))
        out.writerow([w, p, v, 'hakmem', '%.2f' % hv, '%.2f' % (hv - hk)])
    out.writerow([w, p, 'base', 'slub', '%.2f' % base, '0.00'])
    out.writerow([w, p, 'base', 'hakmem', '%.2f' % hk, '0.00'])
    print(' '.join('%-18s' % c for c in cells))
PY
cat "$outdir/price.txt"
