#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the hakmem_slab KUnit suites with kunit.py in the cached kernel tree
# (tools/ktree.sh).
#
#   tools/kunit.sh [TARGET] [filter_glob]
#
# TARGET is [6.12-]uml, [6.12-]x86_64, x86_64-voluntary, x86_64-kasan or
# 6.12-x86_64-rt; without "6.12-" the kernel is Linux 6.1 (Debian's
# linux-source-6.1), with it 6.12 (linux-source-6.12):
#
#   uml     (default) kunit/.kunitconfig: KASAN, lockdep, fault injection
#   x86_64  kunit/x86_64.kunitconfig under QEMU (TCG, -smp 4): SMP,
#           preemption, atomic-sleep and preemption-safety checks
#   x86_64-voluntary  the same kernel booted with preempt=voluntary
#           (a fast allocation's might_sleep() must take a pending
#           reschedule there; with full preemption preempt_enable() does)
#   x86_64-kasan  the same plus CONFIG_KASAN=y (about 3x slower to run)
#   x86_64-numa  kunit/x86_64-numa.kunitconfig: x86_64 with NUMA and
#           kmemleak, on a guest of two nodes (CPUs 0-1 and 2-3, 512 MiB
#           each); fails unless the guest saw both nodes
#   6.12-x86_64-rt  kunit/x86_64-rt.kunitconfig: PREEMPT_RT with
#           DEBUG_ATOMIC_SLEEP, PROVE_LOCKING and PROVE_RAW_LOCK_NESTING,
#           which make a sleeping lock or a page allocation inside a
#           preemption-disabled section a deterministic report
#
# Build directories: $HAKMEM_CACHE/build-TARGET, kept between runs
# (x86_64-voluntary shares x86_64's).
#
# Fails when kunit.py fails (config, build, test), when any test fails or
# no test ran, or when the kernel log has a KASAN, lockdep, BUG, Oops,
# WARNING, atomic-sleep or similar report (the lines are printed).
#
# Logs: the whole kernel log goes to $HAKMEM_CACHE/logs/kunit-ARCH.log
# and results/kunit-ARCH.log; kunit.py's output and the JSON results sit
# beside it (.out, .json).
#
# Environment:
#   HAKMEM_CACHE          as for tools/ktree.sh
#   HAKMEM_KUNIT_TIMEOUT  seconds for the test run (default 900)
#   HAKMEM_KUNIT_JOBS     build jobs (default nproc)
#   HAKMEM_KUNIT_IGNORE   extended regex: kernel log lines not to count as
#                         reports (tools/logscan.sh -a)
#   HAKMEM_KUNIT_KCONFIG  more CONFIG_X=y options, space-separated, added
#                         with kunit.py --kconfig_add (tools/rename-consumer.sh)
set -euo pipefail

prog=kunit
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

target=${1:-uml}
shift || true
filter=("$@")
case $target in
6.12-*) kver=6.12; arch=${target#6.12-} ;;
*) kver=6.1; arch=$target ;;
esac

timeout=${HAKMEM_KUNIT_TIMEOUT:-900}
jobs=${HAKMEM_KUNIT_JOBS:-$(nproc)}

case $arch in
uml)
	kunitconfig=$repo/kunit/.kunitconfig
	# Every KASAN report, not only the first (hakmem_slab_tools makes two
	# or more on purpose, and an unexpected one must show too).
	arch_args=(--kernel_args=kasan_multi_shot)
	;;
x86_64 | x86_64-voluntary | x86_64-kasan | x86_64-rt | x86_64-numa)
	kunitconfig=$repo/kunit/x86_64.kunitconfig
	[[ $arch != x86_64-rt ]] || kunitconfig=$repo/kunit/x86_64-rt.kunitconfig
	[[ $arch != x86_64-numa ]] || kunitconfig=$repo/kunit/x86_64-numa.kunitconfig
	# TCG: KVM is not relied on (on the machines this was developed on,
	# guests under KVM hung or died emulating "lock cmpxchg16b").
	# init_on_alloc/init_on_free on here (off in UML): the tests of
	# zeroing, and of what must not be zeroed, run in one of the two.
	arch_args=(--arch=x86_64 "--qemu_args=-smp 4"
		--kernel_args=init_on_alloc=1 --kernel_args=init_on_free=1)
	[[ $arch != x86_64-kasan ]] ||
		arch_args+=(--kconfig_add=CONFIG_KASAN=y --kernel_args=kasan_multi_shot)
	[[ $arch != x86_64-voluntary ]] || arch_args+=(--kernel_args=preempt=voluntary)
	# kunit.py gives the guest 1024 MiB (-m 1024): two nodes of half.
	# One socket a node: CPUs of one last-level cache on two nodes make
	# the scheduler's topology check WARN.
	[[ $arch != x86_64-numa ]] || arch_args+=("--qemu_args=$(printf '%s ' \
		-smp 4,sockets=2,cores=2,threads=1 \
		-object memory-backend-ram,id=hk_m0,size=512M \
		-object memory-backend-ram,id=hk_m1,size=512M \
		-numa node,nodeid=0,cpus=0-1,memdev=hk_m0 \
		-numa node,nodeid=1,cpus=2-3,memdev=hk_m1)")
	command -v qemu-system-x86_64 >/dev/null ||
		die "qemu-system-x86_64 not found: run 'make setup'"
	;;
*)
	die "usage: $0 [[6.12-]uml|[6.12-]x86_64|x86_64-voluntary|x86_64-kasan|x86_64-numa|6.12-x86_64-rt] [filter_glob]"
	;;
esac
for opt in ${HAKMEM_KUNIT_KCONFIG:-}; do
	arch_args+=("--kconfig_add=$opt")
done
[[ -f $kunitconfig ]] || die "$kunitconfig not found"
command -v python3 >/dev/null || die "python3 not found: run 'make setup'"
[[ -x $repo/tools/logscan.sh ]] || die "$repo/tools/logscan.sh not found"

# The tree lock (tools/ktree.sh), held until the run ends: another
# checkout's run would point drivers/hakmem_slab at itself mid-build.
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)
exec 7>"$cache/.tree-$kver.lock"
if ! flock -n 7; then
	echo "kunit: the $kver tree is in use by another run; waiting" >&2
	flock 7
fi
export HAKMEM_TREE_LOCKED=$kver
tree=$(HAKMEM_CACHE=$cache "$repo/tools/ktree.sh" "$kver")
bname=${target%-voluntary}
build=$cache/build-$bname
logdir=$cache/logs
mkdir -p "$build" "$logdir" "$repo/results"
out=$logdir/kunit-$target.out
json=$logdir/kunit-$target.json
rawlog=$logdir/kunit-$target.log

# One run per build directory at a time.
exec 8>"$cache/.build-$bname.lock"
if ! flock -n 8; then
	echo "kunit: $build is in use by another run; waiting" >&2
	flock 8
fi

rm -f "$build/test.log" "$json"
echo "kunit: $target (Linux $kver, $arch), tree $tree, build $build" >&2
start=$SECONDS
set +e
(cd "$tree" && python3 tools/testing/kunit/kunit.py run \
	--kunitconfig="$kunitconfig" --build_dir="$build" --jobs="$jobs" \
	--timeout="$timeout" --json="$json" "${arch_args[@]}" \
	"${filter[@]}" </dev/null) 2>&1 |
	grep --line-buffered -v "^stty: 'standard input'" | tee "$out"
kunit_rc=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - start))

# kunit.py tees the kernel's whole console output to $build/test.log.
rm -f "$repo/results/kunit-$target".{log,out,json}
if [[ -f $build/test.log ]]; then
	cp "$build/test.log" "$rawlog"
else
	: >"$rawlog"
fi
cp "$rawlog" "$repo/results/kunit-$target.log"
cp "$out" "$repo/results/kunit-$target.out"
[[ -f $json ]] && cp "$json" "$repo/results/kunit-$target.json"

fail=()
((kunit_rc == 0)) || fail+=("kunit.py exited with status $kunit_rc")

# Summary: "Testing complete. Ran N tests: passed: N, failed: N, ..."
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -o 'Testing complete\..*' |
	tail -n 1 || true)
count() {
	local n
	n=$(grep -oE "\\b$1: [0-9]+" <<<"$summary" | grep -oE '[0-9]+$' || true)
	echo "${n:-0}"
}
passed=$(count passed)
failed=$(($(count failed) + $(count crashed)))
skipped=$(count skipped)
errors=$(count errors)
total=$(grep -oE 'Ran [0-9]+ tests' <<<"$summary" | grep -oE '[0-9]+' || true)
total=${total:-0}
if [[ -z $summary ]]; then
	fail+=("no KUnit summary line (build failure, crash or timeout?)")
elif ((total == 0)); then
	fail+=("no KUnit test ran")
fi
((failed == 0)) || fail+=("$failed test(s) failed or crashed")
((errors == 0)) || fail+=("kunit.py reports $errors error(s) in the test output")
# The NUMA target is for nothing if the guest had one node.
if [[ $arch == x86_64-numa ]] && ! grep -q 'hakmem_numa: 2 nodes with normal memory' "$rawlog" &&
	grep -q 'hakmem_cache_alloc_node_places_on_each_node' "$rawlog"; then
	fail+=("the guest did not see two NUMA nodes")
fi

# Kernel reports anywhere in the log, tests passing or not: KASAN,
# lockdep, BUG, Oops, WARNING, atomic sleep, ... (tools/logscan.sh has the
# list, shared with the VM and UML benchmark scripts).
# The error-path tests provoke hakmem_slab's own reports on purpose, on
# caches named hakmem_test_err_* and hakmem_test_leak_*: those are expected
# (the tests check the error counters themselves).
# hakmem_slab_tools provokes KASAN reports from hk_tools_bad_read() and
# hk_tools_bad_write() (and counts them itself); their "Call Trace:" lines
# are allowed, any other report still has a line of its own that is not.
expected='BUG hakmem_slab (hakmem_test_(err|leak)_|.*caller (hakmem_kfree_reports_|hakmem_krealloc_reports_|hakmem_test_kfree_stack))|hakmem_slab: INFO: 0x.* instead of 0x'
expected+='|BUG: KASAN: [a-z-]+ in hk_tools_bad_(read|write)'
if grep -qE 'BUG: KASAN: [a-z-]+ in hk_tools_bad_(read|write)' "$rawlog"; then
	expected+='|(^|\] )Call Trace:$'
fi
scan_args=(-a "$expected${HAKMEM_KUNIT_IGNORE:+|$HAKMEM_KUNIT_IGNORE}")
set +e
bad=$("$repo/tools/logscan.sh" "${scan_args[@]}" "$rawlog")
scan_rc=$?
set -e
case $scan_rc in
0) ;;
1) fail+=("kernel reports in the log ($rawlog):") ;;
*) fail+=("tools/logscan.sh failed (status $scan_rc)") ;;
esac

echo
echo "kunit: $target: ${elapsed}s; kernel log: $rawlog"
[[ -z $summary ]] || echo "$summary"
((skipped == 0)) || echo "$skipped skipped"
echo "$passed passed, $failed failed"
if ((${#fail[@]})); then
	for f in "${fail[@]}"; do
		echo "kunit: FAIL ($target): $f" >&2
	done
	if [[ -n $bad ]]; then
		head -n 60 <<<"$bad" >&2
		n=$(wc -l <<<"$bad")
		((n <= 60)) || echo "... $((n - 60)) more in $rawlog" >&2
	fi
	exit 1
fi
echo "kunit: PASS ($target)"
