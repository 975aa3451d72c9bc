#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench": time hakmem_slab against SLUB in two environments and
# collect everything under results/<timestamp>/ (results/latest points to
# the newest):
#
#   1. UML, native speed (tools/bench-uml.sh): a UML kernel with both built
#      in; kernel code runs natively, so its ns are real (one CPU: UML 6.1
#      is uniprocessor, so no SMP workloads).  Twice: the headline column
#      "UML native" against SLUB with its x86 fast path (bench-uml.sh -b
#      fair: this_cpu_cmpxchg_double() as one cmpxchg16b), then "UML
#      stock SLUB" against UML's own, which masks signals around it
#      (-b stock; UML_STOCK=0 skips it).
#   2. QEMU TCG, Debian's kernel (tools/vm.sh, -smp 2): insmod
#      hakmem_slab.ko and hakmem_bench.ko, read debugfs.  Every instruction
#      is emulated: only the ratios between the allocators mean anything.
#      Two configurations, each booted BOOTS times: the kernel's default
#      (Debian's: init_on_alloc=1), then init_on_alloc=0 (both allocators
#      zero every object, or neither).  The summary's column of a
#      configuration is from the minimum over its boots, with the range
#      of the per-boot speedups: what one boot's placement does shows.
#      A third configuration boots -smp 4 (SMP_WIDE) for the multi-CPU
#      workloads only: those the module's list of workloads says need
#      several CPUs (a thread per CPU, or a producer/consumer pair per
#      two CPUs; read from the first boot's workloads.txt).
#
#   tools/bench.sh [-o DIR] [-s uml|qemu]
#
#   -o DIR   output directory (default results/<timestamp>)
#   -s ENV   skip one of the two environments
#
# Files: uml.csv, uml.txt, uml-console.log, uml-config.txt, uml.png (and
# the same as uml-stock.*);
# qemu-bK.csv, qemu-bK.txt, qemu-bK-run.txt, qemu-bK-console.log,
# qemu-bK.png for boot K of the default configuration, the same as
# qemu-init0-bK.* (init_on_alloc=0) and qemu-smp4-bK.* (-smp 4);
# summary.txt (speedups per workload, one column per configuration,
# memory, and the legend of every workload); workloads.txt (the module's
# list of workloads); meta.txt (commit, host, settings, times).  The
# module writes only the CSV (X.csv; X-run.txt: the run's parameters and
# notes); tools/bench-report.py makes every table from it (X.txt:
# "bench-report.py table X.csv"; the columns: tools/bench-report.py -h).
#
# Each run that gets as far as a summary appends it, with its command,
# commit, date and host load, to results/history.md: the measurements'
# history, written only by this script (commit it with the change whose
# performance it shows; README.md carries the current table).
# BENCH_HISTORY=0 leaves the file alone (make bench-quick).
#
# Environment:
#   BENCH_REPS        measured repetitions (default: the module's, 6; even,
#                     so that each arm runs first equally often)
#   BENCH_WORKLOADS   comma list (default: all)
#   BENCH_HISTORY     0: do not append to results/history.md (default 1)
#   BENCH_SCALE_UML   percent of the default loop counts in UML (100)
#   UML_STOCK         0: no "UML stock SLUB" column (default 1)
#   BENCH_SCALE_QEMU  the same under TCG, 20-50x slower (default 10)
#   INIT_ON_ALLOC     0/1: pass init_on_alloc= to both kernels, and boot
#                     the QEMU guest once only (default: each kernel's own,
#                     off in UML, on in Debian's, and a second QEMU boot
#                     with init_on_alloc=0)
#   BOOTS             boots of each QEMU configuration (default 2)
#   SMP, MEM          for the QEMU guest (2, 2048)
#   SMP_WIDE          CPUs of the multi-CPU configuration (default 4; 0:
#                     none).  On a host with fewer cores the vCPUs share
#                     them, and what spins waits for a descheduled peer
#   BOOTS_WIDE        its boots (default 1: on a 2-core host one boot
#                     of it took 124-171 s at load 9, and its spreads
#                     were 1.3-3x whatever the number of boots)
#   CPU               QEMU guest CPU model (default qemu64, QEMU's own
#                     default: with -cpu max the kernel zeroes objects
#                     with "rep stosb" (ERMS), which TCG emulates slowly:
#                     pair-256 took 1350-1700 ns instead of 520-730 ns,
#                     and the zeroing both allocators pay squeezed the
#                     ratios towards 1)
#   ICOUNT            1: QEMU with -icount shift=0,sleep=off: the guest's
#                     clock counts its instructions (1 ns = 1 instruction,
#                     each iteration of a rep-prefixed one counted), so the
#                     TCG rows are instruction counts, the same under any
#                     host load and from boot to boot.  One vCPU (SMP=1;
#                     SMP_WIDE=0, so the multi-CPU workloads are not run:
#                     with -smp 2 the guest did not get past the firmware
#                     in 3.5 minutes).  What it does not see: what an
#                     instruction costs TCG (a rep stosb iteration, a
#                     helper call), which real-time rows include
#   BENCH_QEMU_TIMEOUT  seconds (default 900)
#   KERNELS           the kernels the QEMU guest boots, by tools/kver.sh
#                     name (default "6.1 6.12 6.12-rt": the kernels of
#                     issue 14's targets; KERNELS=6.1 for the 6.1 columns
#                     only: 294 s at 6c40a22 on a quiet host, the whole
#                     about 13 min).  The first gets every
#                     configuration above; each other one its
#                     default and init_on_alloc=0 boots, columns
#                     "TCG NAME" and "TCG NAME init_on_alloc=0", each
#                     against that kernel's own SLUB in the same boot
#   KVER              instead of KERNELS: one kernel by its version
#   HAKMEM_CACHE, BENCH_UML_*: see tools/bench-uml.sh

set -euo pipefail

prog=bench.sh
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

outdir=
skip=
while getopts "o:s:h" opt; do
	case $opt in
	o) outdir=$OPTARG ;;
	s) skip=$OPTARG ;;
	h) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "usage: $prog [-o DIR] [-s uml|qemu]" ;;
	esac
done
case $skip in ""|uml|qemu) ;; *) die "-s takes uml or qemu, not '$skip'" ;; esac
command -v python3 >/dev/null || die "python3 not found"
command -v gnuplot >/dev/null || note "gnuplot not found (apt-get install gnuplot-nox): no charts"

stamp=$(date +%Y%m%d-%H%M%S)
if [ -z "$outdir" ]; then
	outdir=$repo/results/$stamp
	mkdir -p "$outdir"
	ln -sfn "$stamp" "$repo/results/latest"
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd -P)
start=$SECONDS

reps=${BENCH_REPS:-}
wl=${BENCH_WORKLOADS:-}
scale_uml=${BENCH_SCALE_UML:-100}
scale_qemu=${BENCH_SCALE_QEMU:-10}
qemu_cpu=${CPU:-qemu64}
icount=${ICOUNT:-0}
case $icount in 0|1) ;; *) die "ICOUNT='$icount' is neither 0 nor 1" ;; esac
qemu_smp=${SMP:-2}
if [ "$icount" = 1 ]; then
	qemu_smp=${SMP:-1}
	[ "$qemu_smp" = 1 ] || die "ICOUNT=1 runs one vCPU, not SMP=$qemu_smp"
fi
boots=${BOOTS:-2}
[[ $boots =~ ^[1-9][0-9]*$ ]] || die "BOOTS='$boots' is not a number of boots"
# The kernels, by name, and their versions (tools/kver.sh).
if [ -n "${KVER:-}" ] && [ -z "${KERNELS:-}" ]; then
	knames=("$KVER")
	kvers=("$KVER")
else
	read -r -a knames <<< "${KERNELS:-6.1 6.12 6.12-rt}"
	kvers=()
	for k in "${knames[@]}"; do
		v=$(kver "$k")
		kvers+=("$v")
	done
fi

# Module parameters, for insmod and (prefixed) for the UML command line:
# params SCALE [WORKLOADS] (default BENCH_WORKLOADS, or all).
params() {
	local p=("scale=$1") w=${2:-$wl}
	[ -z "$reps" ] || p+=("reps=$reps")
	[ -z "$w" ] || p+=("workloads=$w")
	echo "${p[@]}"
}

smp_wide=${SMP_WIDE:-4}
[ "$icount" = 0 ] || smp_wide=${SMP_WIDE:-0}
[ "$icount" = 0 ] || [ "$smp_wide" = 0 ] || die "ICOUNT=1 runs one vCPU, not SMP_WIDE=$smp_wide"
[[ $smp_wide =~ ^[0-9]+$ ]] || die "SMP_WIDE='$smp_wide' is not a number of CPUs"

# The workloads of the SMP_WIDE boot: those the module's table says need
# several CPUs ("; needs N CPUs" in workloads.txt, saved by an earlier
# boot), of BENCH_WORKLOADS only when it is set; empty: no such boot.
wide_workloads() {
	local w list=

	while read -r w; do
		if [ -z "$wl" ] || [[ ,$wl, == *,$w,* || ,$wl, == *,all,* ]]; then
			list+=${list:+,}$w
		fi
	done < <(awk '/^[a-z0-9-]+:.*; needs [0-9]+ CPUs/ {
			sub(/:.*/, ""); if (!seen[$0]++) print }' "$outdir/workloads.txt")
	echo "$list"
}

load=$(cut -d' ' -f1 /proc/loadavg)
{
	echo "date $(date -Is)"
	echo "commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$repo" status --porcelain 2>/dev/null | grep -q . && echo ' (uncommitted changes)')"
	echo "host $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "loadavg_at_start $load"
	echo "uml_params $(params "$scale_uml")"
	echo "qemu_params $(params "$scale_qemu")"
	echo "qemu_cpu $qemu_cpu"
	echo "qemu_icount $icount"
	echo "qemu_boots $boots"
	echo "qemu_smp_wide $smp_wide (the multi-CPU workloads), ${BOOTS_WIDE:-1} boot(s)"
	echo "kver ${kvers[*]}"
	echo "init_on_alloc ${INIT_ON_ALLOC:-kernel default}"
} > "$outdir/meta.txt"
if awk -v l="$load" 'BEGIN { exit !(l > 1.0) }'; then
	note "warning: load average is $load: other work is running, timings will be noisy"
fi

failed=()

# --- 1. UML, native speed -----------------------------------------------------
if [ "$skip" != uml ]; then
	note "=== 1/2: UML, native speed (build + run) ==="
	t=$SECONDS
	uml_args=()
	for p in $(params "$scale_uml"); do uml_args+=("hakmem_bench.$p"); done
	if "$here/bench-uml.sh" -o "$outdir" "${uml_args[@]}"; then :; else
		failed+=("UML run (tools/bench-uml.sh)")
	fi
	echo "uml_total_s $((SECONDS - t))" >> "$outdir/meta.txt"
	# The module's list of workloads, from its console block.
	awk '/hakmem_bench: BEGIN WORKLOADS/ { on = 1; next }
	     /hakmem_bench: END WORKLOADS/ { on = 0 }
	     on { sub(/^.*hakmem_bench: /, ""); print }' \
		"$outdir/uml-console.log" > "$outdir/workloads.txt" 2>/dev/null || true
	[ -s "$outdir/workloads.txt" ] || rm -f "$outdir/workloads.txt"
	if [ "${UML_STOCK:-1}" != 0 ]; then
		note "=== 1/2: UML, native speed, stock SLUB (build + run) ==="
		t=$SECONDS
		if "$here/bench-uml.sh" -b stock -o "$outdir" "${uml_args[@]}"; then :; else
			failed+=("UML run, stock SLUB (tools/bench-uml.sh -b stock)")
		fi
		echo "uml_stock_total_s $((SECONDS - t))" >> "$outdir/meta.txt"
	fi
fi

# --- 2. QEMU TCG ----------------------------------------------------------------
# ICOUNT=1: vm.sh runs QEMU through a wrapper that adds -icount.
if [ "$icount" = 1 ]; then
	qemu_wrapper "$outdir/qemu-icount" -icount shift=0,sleep=off
	export QEMU=$outdir/qemu-icount
fi
# run_qemu NAME INIT SMP [WORKLOADS]: one boot of the guest; files
# NAME.csv, NAME.txt, NAME-console.log, NAME-slabinfo.txt, NAME-vm/; INIT
# is init_on_alloc= for the guest ("" for the kernel's default), SMP its
# CPUs.
run_qemu() {
	local name=$1 init=$2 smp=$3 wls=${4:-} kodir=${5:-$repo} t=$SECONDS
	local vmdir=$outdir/$1-vm append rc

	note "=== QEMU TCG ($name): Debian kernel, -smp $smp -cpu $qemu_cpu, init_on_alloc=${init:-default} (emulated: ratios only) ==="
	mkdir -p "$vmdir"
	cat > "$vmdir/guest.sh" <<-EOF
		run insmod hakmem_slab.ko
		run insmod hakmem_bench.ko $(params "$scale_qemu" "$wls")
		emit run /sys/kernel/debug/hakmem_bench/results
		emit results.csv /sys/kernel/debug/hakmem_bench/results.csv
		emit workloads /sys/kernel/debug/hakmem_bench/workloads
		[ ! -e /sys/kernel/debug/hakmem_slab/slabinfo ] ||
			emit slabinfo /sys/kernel/debug/hakmem_slab/slabinfo
		run rmmod hakmem_bench
		run rmmod hakmem_slab
	EOF
	append=${EXTRA_APPEND:-}
	[ -z "$init" ] || append+=" init_on_alloc=$init"
	set +e
	EXTRA_APPEND=$append SMP=$smp CPU=$qemu_cpu "$here/vm.sh" -t "${BENCH_QEMU_TIMEOUT:-900}" \
		-o "$vmdir" "$vmdir/guest.sh" "$kodir/hakmem_slab.ko" "$kodir/hakmem_bench.ko"
	rc=$?
	set -e
	[ $rc = 0 ] || failed+=("QEMU run $name (tools/vm.sh status $rc, log $vmdir/console.log)")
	cp "$vmdir/console.log" "$outdir/$name-console.log"
	[ ! -f "$vmdir/results.csv" ] || cp "$vmdir/results.csv" "$outdir/$name.csv"
	[ ! -f "$vmdir/run" ] || cp "$vmdir/run" "$outdir/$name-run.txt"
	[ ! -f "$vmdir/workloads" ] || cp "$vmdir/workloads" "$outdir/workloads.txt"
	[ ! -f "$vmdir/slabinfo" ] || cp "$vmdir/slabinfo" "$outdir/$name-slabinfo.txt"
	sed "s/^/${name//-/_}_vm_/" "$vmdir/vm-times.txt" >> "$outdir/meta.txt"
	echo "${name//-/_}_total_s $((SECONDS - t))" >> "$outdir/meta.txt"
}

# The QEMU configurations, NAME|summary column|init_on_alloc|CPUs|workloads:
# the kernel's default (Debian's: init_on_alloc=1), then init_on_alloc=0,
# unless INIT_ON_ALLOC asks for one of them only; then the multi-CPU
# workloads on SMP_WIDE CPUs, with the kernel's default.
# Each configuration has a fifth field: the index of its kernel in
# knames/kvers.
configs=("qemu|QEMU TCG|${INIT_ON_ALLOC:-}|$qemu_smp||0")
[ -n "${INIT_ON_ALLOC:-}" ] ||
	configs+=("qemu-init0|TCG init_on_alloc=0|0|$qemu_smp||0")
boots_wide=${BOOTS_WIDE:-1}
[[ $boots_wide =~ ^[1-9][0-9]*$ ]] || die "BOOTS_WIDE='$boots_wide' is not a number of boots"
# config_boots NAME: the boots of configuration NAME.
config_boots() {
	case $1 in
	qemu-smp*) echo "$boots_wide" ;;
	*) echo "$boots" ;;
	esac
}
# Its workloads field, @wide, is resolved by wide_workloads() when it runs.
if [ "$smp_wide" -gt 0 ]; then
	configs+=("qemu-smp$smp_wide|TCG -smp $smp_wide|${INIT_ON_ALLOC:-}|$smp_wide|@wide|0")
fi
for ((ki = 1; ki < ${#knames[@]}; ki++)); do
	k=${knames[ki]}
	configs+=("qemu-$k|TCG $k|${INIT_ON_ALLOC:-}|$qemu_smp||$ki")
	[ -n "${INIT_ON_ALLOC:-}" ] ||
		configs+=("qemu-$k-init0|TCG $k init_on_alloc=0|0|$qemu_smp||$ki")
done
if [ "$skip" != qemu ]; then
	# The modules of each kernel, built one after another into a copy.
	for ((ki = 0; ki < ${#kvers[@]}; ki++)); do
		kodir=$outdir/modules-${knames[ki]}
		mkdir -p "$kodir"
		if make -C "$repo" -s KVER="${kvers[ki]}" modules >/dev/null; then
			cp "$repo/hakmem_slab.ko" "$repo/hakmem_bench.ko" "$kodir/"
		else
			failed+=("'make KVER=${kvers[ki]}' (the modules do not build)")
		fi
	done
	for c in "${configs[@]}"; do
		IFS='|' read -r name _ init smp wls ki <<< "$c"
		kodir=$outdir/modules-${knames[ki]}
		[ -f "$kodir/hakmem_bench.ko" ] || continue
		if [ "$wls" = @wide ]; then
			if [ ! -s "$outdir/workloads.txt" ]; then
				failed+=("$name: no workloads.txt from an earlier boot to pick its workloads")
				continue
			fi
			wls=$(wide_workloads)
			echo "${name//-/_}_workloads ${wls:-none}" >> "$outdir/meta.txt"
			[ -n "$wls" ] || continue
		fi
		for ((b = 1; b <= $(config_boots "$name"); b++)); do
			run_qemu "$name-b$b" "$init" "$smp" "$wls" "$kodir"
		done
	done
fi

# --- report ----------------------------------------------------------------------
# plot NAME: NAME.png from NAME.csv.
plot() {
	local e=$1 f=$outdir/$1.csv mopslabel sub
	p_env='' p_envlabel='' p_kernel='' p_cpus='' p_init_on_alloc=''
	p_init_on_free='' p_header_mode='' p_reps='' p_geomean=''
	# Sets the p_* variables.
	eval "$(python3 "$here/bench-report.py" plotdata "$f" "$outdir/$e.dat")"
	if [ "$p_env" = qemu-tcg ]; then
		mopslabel="million ops per second (log), EMULATED"
		p_kernel="$p_kernel (guest CPU $qemu_cpu)"
	else
		mopslabel="million ops per second (log)"
	fi
	sub="kernel $p_kernel, $p_cpus CPU(s), init_on_alloc=$p_init_on_alloc, init_on_free=$p_init_on_free, default header mode $p_header_mode, $p_reps reps in ABBA order; speedup from the minimums, geomean ${p_geomean}x"
	if ! gnuplot -e "datafile='$outdir/$e.dat'; outfile='$outdir/$e.png'; title='hakmem_slab vs SLUB - $p_envlabel'; subtitle='$sub'; mopslabel='$mopslabel'" \
		"$here/plot.gp" 2> "$outdir/$e-gnuplot.log"; then
		cat "$outdir/$e-gnuplot.log" >&2
		failed+=("gnuplot for $e.csv")
	fi
	[ -s "$outdir/$e-gnuplot.log" ] || rm -f "$outdir/$e-gnuplot.log"
}

# Checks NAME.csv and plots it; true if it is there and well-formed.
report_one() {
	local f=$outdir/$1.csv
	[ -s "$f" ] || return 1
	if ! python3 "$here/bench-report.py" check "$f" >/dev/null; then
		failed+=("$1.csv is malformed")
		return 1
	fi
	python3 "$here/bench-report.py" table "$f" > "$outdir/$1.txt"
	if command -v gnuplot >/dev/null; then plot "$1"; fi
}

columns=()
! report_one uml || columns+=("UML native=$outdir/uml.csv")
! report_one uml-stock || columns+=("UML stock SLUB=$outdir/uml-stock.csv")
for c in "${configs[@]}"; do
	IFS='|' read -r name label _ _ _ _ <<< "$c"
	list=
	for ((b = 1; b <= $(config_boots "$name"); b++)); do
		! report_one "$name-b$b" || list+=${list:+,}$outdir/$name-b$b.csv
	done
	[ -z "$list" ] || columns+=("$label=$list")
done
if [ ${#columns[@]} -gt 0 ]; then
	{
		legend=()
		[ ! -s "$outdir/workloads.txt" ] || legend=(--workloads "$outdir/workloads.txt")
		python3 "$here/bench-report.py" summary "${legend[@]}" "${columns[@]}"
		if [ "$skip" != uml ]; then
			echo
			echo "UML native: SLUB with its x86 fast path (this_cpu_cmpxchg_double() is one"
			echo "cmpxchg16b without lock, tools/kernel-patches/uml-percpu-cmpxchg16b.h); UML"
			echo "stock SLUB: UML's own (asm-generic: signals masked and unmasked around it,"
			echo "out-of-line calls in UML), an artefact of UML, shown for comparison."
		fi
		if [ "$skip" != qemu ]; then
			echo
			wide=
			[ "$smp_wide" = 0 ] || wide=" ($boots_wide for -smp $smp_wide)"
			echo "QEMU guest: -cpu $qemu_cpu, scale=$scale_qemu, $boots boot(s) per column$wide; UML: scale=$scale_uml."
			if [ "$icount" = 1 ]; then
				echo "QEMU ran with -icount shift=0 (ICOUNT=1): its ns are guest instructions."
			else
				echo "QEMU TCG timings are emulated: compare the columns' ratios, never their ns."
			fi
		fi
	} > "$outdir/summary.txt"
fi
total=$((SECONDS - start))
echo "bench_total_s $total" >> "$outdir/meta.txt"

# The history: this run's summary with what produced it.
if [ -s "$outdir/summary.txt" ] && [ "${BENCH_HISTORY:-1}" != 0 ]; then
	cmd=
	for v in KERNELS KVER BOOTS BOOTS_WIDE SMP SMP_WIDE MEM CPU ICOUNT INIT_ON_ALLOC \
		BENCH_REPS BENCH_WORKLOADS BENCH_SCALE_UML BENCH_SCALE_QEMU; do
		[ -z "${!v:-}" ] || cmd+="$v=${!v} "
	done
	cmd+="tools/bench.sh${skip:+ -s $skip}"
	hist=$repo/results/history.md
	[ -f "$hist" ] || printf '%s\n\n%s\n' "# hakmem_bench results" \
		"Written by tools/bench.sh (make bench), one section per run; never edited by hand." > "$hist"
	{
		echo
		echo "## $(sed -n 's/^date //p' "$outdir/meta.txt"), commit $(sed -n 's/^commit //p' "$outdir/meta.txt")"
		echo
		echo "\`$cmd\`: ${total} s, load average $load at the start; host $(sed -n 's/^host //p' "$outdir/meta.txt")${failed[*]:+; FAILED: ${failed[*]}}"
		echo
		sed 's/^/    /; s/ *$//' "$outdir/summary.txt"
	} >> "$hist"
	note "summary appended to $hist"
fi

echo
if [ -s "$outdir/summary.txt" ]; then
	echo "========================= summary ==========================="
	cat "$outdir/summary.txt"
	echo
fi
note "per-run tables: $outdir/*.txt (tools/bench-report.py table X.csv)"
note "results in $outdir"
note "took ${total}s"
if [ ${#failed[@]} -gt 0 ]; then
	for f in "${failed[@]}"; do note "FAILED: $f"; done
	echo "bench: FAIL"
	exit 1
fi
echo "bench: done"
