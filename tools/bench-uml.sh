#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Native-speed benchmark: build a UML kernel with hakmem_slab and
# hakmem_bench built in (tools/bench-uml.config), boot it, and capture the
# results hakmem_bench prints at boot.  UML runs kernel code natively on
# the host CPU, so these are the numbers that mean something in ns; UML
# is uniprocessor in 6.1, so there are no SMP workloads here.
#
#   tools/bench-uml.sh [-b fair|stock] [-x VARIANT] [-o OUTDIR] [KERNEL_ARG ...]
#
#   -b fair   (default) SLUB with its x86 fast path: the kernel is built
#             with tools/kernel-patches/uml-percpu-cmpxchg16b.h
#             force-included, so that this_cpu_cmpxchg_double() is one
#             cmpxchg16b without a lock prefix, as on x86, instead of
#             asm-generic's, which masks and unmasks signals around it
#             (out-of-line calls in UML).  Build directory
#             $HAKMEM_CACHE/build-bench-uml-fair; files uml.*
#   -b stock  UML as it is (that handicap of SLUB's included), build
#             directory $HAKMEM_CACHE/build-bench-uml; files uml-stock.*
#   -x VARIANT  the same kernel with the settings of
#             tools/bench-uml-variants/VARIANT.config on top (a SLUB
#             feature turned on, for Documentation's priced table): build
#             directory <the -b one>-VARIANT, seeded from the -b one on
#             first use (so only what reads the changed symbols is
#             rebuilt), which stays as it is; files <name>-VARIANT.*
#
# KERNEL_ARGs go on the UML command line, e.g. hakmem_bench.reps=5
# hakmem_bench.workloads=pair,batch hakmem_bench.scale=10.
#
# Writes to OUTDIR (default results/uml-<timestamp>), with uml-stock
# for uml under -b stock:
#   uml-console.log   the whole console output
#   uml.csv           the CSV (header + one row per workload, param and
#                     allocator; columns: tools/bench-report.py)
#   uml.txt           uml.csv as a table (tools/bench-report.py table)
#   uml-config.txt    the .config lines that matter for timing, and the
#                     SLUB baseline
#   uml-times.txt     build and run times
#
# UML's userspace does not work on every host (UML 6.1 and 6.12 hard-code
# the host's FPU state size, and a host with a larger XSTATE, e.g. with
# Intel AMX, kills the first process), so nothing runs after the
# initcalls: kunit_shutdown=halt stops the kernel right after
# hakmem_bench's module_init has run.
#
# Environment:
#   HAKMEM_CACHE        cache (default ~/.cache/hakmem_slab), holding the
#                       build directories (see -b)
#   KTREE               use this prepared kernel tree instead of
#                       tools/ktree.sh's
#   BENCH_UML_JOBS      build jobs (default nproc)
#   BENCH_UML_TIMEOUT   seconds for the run (default 600)
#   BENCH_UML_MEM       UML memory (default 1G)
#   INIT_ON_ALLOC       0 or 1: pass init_on_alloc= (default: the config's,
#                       which is off)
#   LOGSCAN_ALLOW       ERE of log lines not to count as errors
#   BENCH_UML_PERF      1: run the kernel under "perf record -e cpu-clock"
#                       (UML's kernel is a host process: its symbols are
#                       vmlinux's); dwarf: the same with --call-graph=dwarf
#                       (much slower).  Writes <name>-perf.data,
#                       <name>-perf.txt (self time per function) and, with
#                       dwarf, <name>-perf-children.txt (with what it
#                       calls).  Timings of such a run are the profiler's:
#                       use it with hakmem_bench.workloads= for where the
#                       time goes, not for the speedups
#
# Exit status: 0 ok; 1 build, run or log check failed; 2 usage/setup.

set -euo pipefail

prog=bench-uml.sh
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

outdir=
baseline=fair
variant=
while getopts "b:x:o:h" opt; do
	case $opt in
	b) baseline=$OPTARG ;;
	x) variant=$OPTARG ;;
	o) outdir=$OPTARG ;;
	h) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "usage: $prog [-b fair|stock] [-x VARIANT] [-o OUTDIR] [KERNEL_ARG ...]" ;;
	esac
done
shift $((OPTIND - 1))
kargs=("$@")
case $baseline in
fair) name=uml bdir=build-bench-uml-fair ;;
stock) name=uml-stock bdir=build-bench-uml ;;
*) die "-b takes fair or stock, not '$baseline'" ;;
esac
fair_h=$here/kernel-patches/uml-percpu-cmpxchg16b.h
if [ "$baseline" = fair ]; then
	[ -f "$fair_h" ] || die "$fair_h not found"
	# The header is x86_64 code and needs the host CPU's cmpxchg16b.
	[ "$(uname -m)" = x86_64 ] ||
		die "-b fair needs an x86_64 host (UML runs the host's instructions); use -b stock"
	grep -qw cx16 /proc/cpuinfo ||
		die "-b fair needs a host CPU with cmpxchg16b (cx16); use -b stock"
fi

[ -n "$outdir" ] || outdir=$repo/results/uml-$(date +%Y%m%d-%H%M%S)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd -P)

jobs=${BENCH_UML_JOBS:-$(nproc)}
run_timeout=${BENCH_UML_TIMEOUT:-600}
[[ $run_timeout =~ ^[0-9]+$ ]] || die "BENCH_UML_TIMEOUT '$run_timeout' is not a number of seconds"
fragment=$here/bench-uml.config
[ -f "$fragment" ] || die "$fragment not found"
if [ -n "$variant" ]; then
	[[ $variant =~ ^[a-z0-9-]+$ ]] || die "-x takes a variant name, not '$variant'"
	vfrag=$here/bench-uml-variants/$variant.config
	[ -f "$vfrag" ] || die "$vfrag not found"
	# The base settings, less the symbols the variant sets, then its own.
	vsyms=$(grep -oE '^(# )?CONFIG_[A-Z0-9_]+' "$vfrag" | sed 's/^# //' | paste -sd'|')
	mkdir -p "$outdir"
	{
		grep -vE "^(# )?($vsyms)[= ]" "$fragment"
		cat "$vfrag"
	} > "$outdir/bench-uml-$variant.config"
	fragment=$outdir/bench-uml-$variant.config
fi
for t in make gcc flex bison bc; do
	command -v $t >/dev/null || die "$t not found: run 'make setup'"
done

mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)

if [ -n "${KTREE:-}" ]; then
	tree=$KTREE
else
	[ -x "$here/ktree.sh" ] || die "tools/ktree.sh not found (and KTREE not set)"
	# The tree lock (tools/ktree.sh), held over the build and the run.
	exec 7>"$cache/.tree-6.1.lock"
	if ! flock -n 7; then
		note "the 6.1 tree is in use by another run; waiting"
		flock 7
	fi
	export HAKMEM_TREE_LOCKED=6.1
	tree=$(HAKMEM_CACHE=$cache "$here/ktree.sh" 6.1) || die "tools/ktree.sh failed"
fi
{ [ -f "$tree/Makefile" ] && [ -d "$tree/arch/um" ]; } || die "'$tree' is not a kernel tree"
[ -e "$tree/drivers/hakmem_slab/Kconfig" ] ||
	die "$tree has no drivers/hakmem_slab (tools/ktree.sh links the repository there)"

base_build=$cache/$bdir
if [ -n "$variant" ]; then
	bdir=$bdir-$variant
	name=$name-$variant
	if [ ! -d "$cache/$bdir" ] && [ -f "$base_build/.config" ]; then
		note "seeding $cache/$bdir from $base_build"
		exec 9>"$cache/.${base_build##*/}.lock"
		flock 9
		cp -a "$base_build" "$cache/$bdir.tmp"
		mv "$cache/$bdir.tmp" "$cache/$bdir"
		exec 9>&-
	fi
fi
build=$cache/$bdir
mkdir -p "$build"

# One user of the build directory at a time.
exec 8>"$cache/.$bdir.lock"
if ! flock -n 8; then
	note "$build is in use by another run; waiting"
	flock 8
fi

# --- configure --------------------------------------------------------------
# Rewrite .config from the fragment when the fragment changed (or there is
# none); otherwise keep it so that make rebuilds only what changed.
umake=(make -C "$tree" ARCH=um O="$build" -j"$jobs")
if [ "$baseline" = fair ]; then
	# A fixed path inside the build directory, whichever checkout runs
	# this (the path is part of every command line: a new one would
	# rebuild everything), copied only when it changed (make then
	# rebuilds what includes it: all of it).
	# A variant keeps its base's path: the same command lines.
	mkdir -p "$base_build/hakmem"
	cmp -s "$fair_h" "$base_build/hakmem/${fair_h##*/}" ||
		cp "$fair_h" "$base_build/hakmem/${fair_h##*/}"
	umake+=("KCPPFLAGS=-include $base_build/hakmem/${fair_h##*/}")
fi
t0=$SECONDS
want_sum=$(sha1sum < "$fragment" | cut -d' ' -f1)
if [ ! -f "$build/.config" ] || [ "$(cat "$build/.hakmem-fragment" 2>/dev/null)" != "$want_sum" ]; then
	note "configuring $build from ${fragment#"$repo"/}"
	grep -E '^(CONFIG_|# CONFIG_)' "$fragment" > "$build/.config"
	rm -f "$build/.hakmem-fragment"
fi
"${umake[@]}" -s olddefconfig > "$build/config.log" 2>&1 ||
	{ cat "$build/config.log" >&2; fail "make olddefconfig failed"; }
missing=()
while IFS= read -r line; do
	case $line in
	CONFIG_*)
		grep -qxF "$line" "$build/.config" || missing+=("$line") ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		grep -qE "^$sym=" "$build/.config" && missing+=("$line") ;;
	esac
done < <(grep -E '^(CONFIG_|# CONFIG_)' "$fragment")
if [ ${#missing[@]} -gt 0 ]; then
	printf '  %s\n' "${missing[@]}" >&2
	fail "these tools/bench-uml.config settings did not hold after olddefconfig (missing dependency, or a Kconfig symbol not in the tree: is drivers/hakmem_slab sourced?)"
fi
echo "$want_sum" > "$build/.hakmem-fragment"

# --- build ------------------------------------------------------------------
note "building UML kernel in $build (-j$jobs)"
if ! "${umake[@]}" > "$build/build.log" 2>&1; then
	grep -E 'error|Error' "$build/build.log" | head -30 >&2 || true
	tail -20 "$build/build.log" >&2
	fail "UML kernel build failed (full log: $build/build.log)"
fi
[ -x "$build/linux" ] || fail "build produced no $build/linux"
build_s=$((SECONDS - t0))
note "build took ${build_s}s"

# The fair build must have SLUB's x86 fast path, the stock one UML's: in
# kmem_cache_alloc() and kmem_cache_free() (slab_alloc_node() and
# do_slab_free() inlined), a cmpxchg16b without a lock prefix and no call
# that masks signals (UML is built with -mcmodel=large: a call loads the
# address with movabs, then calls through a register), or none and some.
# fastpath FUNC: "CMPXCHG16B LOCKED SIGNAL_CALLS" in FUNC.
fastpath() {
	local dis
	dis=$(objdump -d --no-show-raw-insn --disassemble="$1" "$build/vmlinux")
	printf '%s %s %s\n' "$(grep -c 'cmpxchg16b' <<< "$dis")" \
		"$(grep -c 'lock cmpxchg16b' <<< "$dis")" \
		"$(grep -cE "$sigcall" <<< "$dis")"
}
if command -v objdump >/dev/null && command -v nm >/dev/null; then
	sigcall=$(nm "$build/vmlinux" |
		awk '$3 ~ /^(um_set_signals|um_set_signals_trace|block_signals|unblock_signals)$/ {
			sub(/^0+/, "", $1); a = a (a ? "|" : "") $1 }
			END { print "\\$0x(" a ")\\>|<(um_set_signals|um_set_signals_trace|block_signals|unblock_signals)>" }')
	for f in kmem_cache_alloc kmem_cache_free; do
		read -r n16 nlock nsig < <(fastpath "$f")
		note "$f: $n16 cmpxchg16b ($nlock with lock), $nsig loads of a signal-masking function"
		if [ "$baseline" = fair ] && [ -n "$variant" ]; then
			# A variant's feature may mask interrupts on its own
			# paths (memcg's charging does): the cmpxchg16b only.
			{ [ "$n16" -ge 1 ] && [ "$nlock" = 0 ]; } ||
				fail "the fair build's $f is not SLUB's x86 fast path (is ${fair_h##*/} included?)"
		elif [ "$baseline" = fair ]; then
			{ [ "$n16" -ge 1 ] && [ "$nlock" = 0 ] && [ "$nsig" = 0 ]; } ||
				fail "the fair build's $f is not SLUB's x86 fast path (is ${fair_h##*/} included?)"
		else
			{ [ "$n16" = 0 ] && [ "$nsig" -ge 1 ]; } ||
				fail "the stock build's $f is not UML's own fast path: is $build stock?"
		fi
	done
else
	note "warning: no objdump or nm: the SLUB fast path of $build is not checked"
fi

# What matters for timing, for the record.
grep -E '^(# )?CONFIG_(HAKMEM|KASAN|PROVE_LOCKING|DEBUG_LOCK_ALLOC|SLUB|SLAB|SLOB|INIT_ON|DEBUG_VM|DEBUG_KERNEL|HZ=|PREEMPT|SMP|CC_OPTIMIZE|FRAME_POINTER|STACKPROTECTOR|FORTIFY|INIT_STACK|RANDOMIZE|KFENCE|MEMCG|KUNIT)' \
	"$build/.config" > "$outdir/$name-config.txt" || true
if [ "$baseline" = fair ]; then
	echo "# SLUB baseline: fair (this_cpu_cmpxchg_double: cmpxchg16b, tools/kernel-patches/${fair_h##*/})"
else
	echo "# SLUB baseline: stock (this_cpu_cmpxchg_double: asm-generic, signals masked)"
fi >> "$outdir/$name-config.txt"

# --- run ----------------------------------------------------------------------
log=$outdir/$name-console.log
cmdline=("mem=${BENCH_UML_MEM:-1G}" console=tty kunit_shutdown=halt)
[ -z "${INIT_ON_ALLOC:-}" ] || cmdline+=("init_on_alloc=$INIT_ON_ALLOC")
cmdline+=("${kargs[@]}")
note "running $build/linux ${cmdline[*]} (timeout ${run_timeout}s)"
t1=$EPOCHREALTIME
set +e
# UML needs a writable TMPDIR for its memory file; stdin must not be a tty.
perf=()
case ${BENCH_UML_PERF:-} in
"") ;;
1) perf=(perf record -q -e cpu-clock -o "$outdir/$name-perf.data" --) ;;
dwarf) perf=(perf record -q -e cpu-clock --call-graph=dwarf -o "$outdir/$name-perf.data" --) ;;
*) die "BENCH_UML_PERF takes 1 or dwarf, not '$BENCH_UML_PERF'" ;;
esac
[ ${#perf[@]} = 0 ] || command -v perf >/dev/null ||
	die "BENCH_UML_PERF is set but perf is not installed"
(cd "$outdir" && timeout -k 10 "$run_timeout" "${perf[@]}" "$build/linux" "${cmdline[@]}" \
	</dev/null >"$log" 2>&1)
rc=$?
set -e
t2=$EPOCHREALTIME
run_s=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }')
# UML's console lines end in \r\n.
sed -i 's/\r$//' "$log"
{
	echo "build_s $build_s"
	echo "run_s $run_s"
	echo "linux_exit $rc"
} > "$outdir/$name-times.txt"
note "run took ${run_s}s (exit status $rc); console: $log"

problems=()
if [ ${#perf[@]} -gt 0 ] && [ -s "$outdir/$name-perf.data" ]; then
	views=(no-children)
	[ "$BENCH_UML_PERF" != dwarf ] || views+=(children)
	for v in "${views[@]}"; do
		out=$outdir/$name-perf.txt
		[ "$v" = no-children ] || out=$outdir/$name-perf-$v.txt
		perf report -i "$outdir/$name-perf.data" --stdio "--$v" -g none \
			--sort symbol --percent-limit 0.3 > "$out" 2>/dev/null ||
			problems+=("perf report failed")
	done
	note "profile: $outdir/$name-perf*.txt"
fi
if [ $rc = 124 ] || [ $rc = 137 ]; then
	problems+=("the UML kernel did not finish within ${run_timeout}s")
elif [ $rc != 0 ]; then
	problems+=("the UML kernel exited with status $rc (crash or panic?)")
fi

# --- extract -------------------------------------------------------------------
# hakmem_bench prints, with its "hakmem_bench: " prefix (after the printk
# timestamp, if any): "BEGIN CSV", the CSV lines, "END CSV" (the only row
# format it has).  Strip the timestamp and the prefix from every line.
strip() { sed -E -e 's/^\[ *[0-9]+\.[0-9]+\] ?//' -e 's/^hakmem_bench: ?//'; }
awk '/hakmem_bench: BEGIN CSV/ { on = 1; next } /hakmem_bench: END CSV/ { on = 0 } on' "$log" |
	strip > "$outdir/$name.csv"
if [ ! -s "$outdir/$name.csv" ]; then
	problems+=("no 'hakmem_bench: BEGIN CSV' ... 'END CSV' block in the console log")
elif ! head -1 "$outdir/$name.csv" | grep -q '^env,kernel,cpus,'; then
	problems+=("the CSV block does not start with the header line: $(head -1 "$outdir/$name.csv")")
fi
python3 "$here/bench-report.py" table "$outdir/$name.csv" > "$outdir/$name.txt" 2>/dev/null || true

if scan=$("$here/logscan.sh" "$log"); then :; else
	problems+=("kernel log has errors:")
fi

if [ ${#problems[@]} -gt 0 ]; then
	for f in "$outdir/$name.csv" "$outdir/$name.txt"; do
		[ -s "$f" ] || rm -f "$f"
	done
	tail -30 "$log" >&2
	for p in "${problems[@]}"; do echo "$prog: FAIL: $p" >&2; done
	[ -z "${scan:-}" ] || printf '%s\n' "$scan" | head -40 >&2
	exit 1
fi
note "ok: $(($(wc -l < "$outdir/$name.csv") - 1)) measurements in $outdir/$name.csv"
