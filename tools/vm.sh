#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's stock kernel under QEMU (TCG) with a throw-away busybox
# initramfs, run a guest shell script in it, and check the console log.
#
#   tools/vm.sh [options] GUEST_SCRIPT [FILE ...]
#
# FILEs (typically .ko modules) are copied into /hakmem in the guest; the
# guest script runs there with "set -e", as root, with proc, sysfs, devtmpfs
# and debugfs mounted, and with these helpers defined:
#
#   emit NAME [FILE]   print FILE (or stdin) between "=== BEGIN NAME ===" and
#                      "=== END NAME ===" lines on the guest's second serial
#                      port (ttyS1, which only the guest's programs write:
#                      the kernel's console is ttyS0), into OUTDIR/blocks.log;
#                      the host cuts each block out into OUTDIR/NAME.  On a
#                      console with kernel messages a message printed
#                      meanwhile (a console thread of PREEMPT_RT 6.1 prints
#                      late) could land inside a block or split its marker.
#   say TEXT...        print "guest: TEXT" (progress lines)
#   run CMD...         print "guest# CMD" and run it
#
# After the script the guest prints its whole dmesg as block "dmesg", then
# "=== GUEST EXIT rc=N ===" on the console, then powers off.  If ttyS1
# cannot be set up, blocks go to the console (with kernel messages
# silenced meanwhile) and the host finds them there.
#
# Options:
#   -o DIR    output directory (console.log, blocks.log, extracted blocks,
#             vm-times.txt)
#             default: a new temporary directory, printed at the end
#   -t SECS   wall-clock limit for QEMU (default $VM_TIMEOUT or 300)
#   -k VER    kernel version (default: the vermagic of the first .ko given,
#             else the newest /boot/vmlinuz-VER with /lib/modules/VER/build)
#   -K FILE   boot this kernel image instead of /boot/vmlinuz-VER (the
#             backend-mode bzImage of tools/backend-kernel.sh)
#   -q        do not stream the console to stdout (default: stream if
#             VM_VERBOSE=1, otherwise print only a summary)
#   -v        stream the console to stdout
#
# Environment: SMP (2), MEM (2048), CPU (max), EXTRA_APPEND, QEMU
# (qemu-system-x86_64), VM_TIMEOUT, VM_VERBOSE, VM_LOGLEVEL (console log
# level in the guest once init runs, default 7: everything), VM_HALT (how
# the guest ends: poweroff, the default, or reboot, which QEMU's -no-reboot
# turns into an exit too, for kernels without ACPI),
# VM_ALLOW (ERE: log lines matching it are not counted as errors).
#
# Exit status: 0 clean; 1 errors found in the log; 2 usage or host setup
# error; 3 guest script failed; 4 guest did not finish (timeout, panic,
# crash).

set -euo pipefail

prog=vm.sh
# shellcheck source=tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

outdir=
timeout_s=${VM_TIMEOUT:-300}
kver=
kimage=
verbose=${VM_VERBOSE:-0}
while getopts "o:t:k:K:qvh" opt; do
	case $opt in
	o) outdir=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	k) kver=$OPTARG ;;
	K) kimage=$OPTARG ;;
	q) verbose=0 ;;
	v) verbose=1 ;;
	h) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "usage: $prog [-o DIR] [-t SECS] [-k VER] [-K FILE] [-q|-v] GUEST_SCRIPT [FILE ...]" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || die "usage: $prog [-o DIR] [-t SECS] [-k VER] [-K FILE] [-q|-v] GUEST_SCRIPT [FILE ...]"
guest_script=$1
shift
[ -f "$guest_script" ] || die "guest script '$guest_script' not found"
for f in "$@"; do
	[ -f "$f" ] || die "file '$f' not found (did 'make' run?)"
done
[[ $timeout_s =~ ^[0-9]+$ ]] || die "timeout '$timeout_s' is not a number of seconds"

QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"
BUSYBOX=${BUSYBOX:-}
if [ -z "$BUSYBOX" ]; then
	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then BUSYBOX=$b; break; fi
	done
fi
[ -n "$BUSYBOX" ] || die "no statically linked busybox found (apt-get install busybox-static)"

# --- kernel ---------------------------------------------------------------
if [ -n "$kimage" ]; then
	[ -r "$kimage" ] || die "kernel image '$kimage' not found"
	kver=${kver:-$(basename "$kimage")}
fi
if [ -z "$kver" ]; then
	for f in "$@"; do
		case $f in
		*.ko)
			kver=$(modinfo -F vermagic "$f" 2>/dev/null | awk '{print $1}') || true
			[ -n "$kver" ] && break ;;
		esac
	done
fi
if [ -z "$kver" ]; then
	for v in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V -r); do
		[ -e "/lib/modules/$v/build" ] || continue
		if [ -r "/boot/vmlinuz-$v" ]; then kver=$v; break; fi
	done
fi
[ -n "$kver" ] || die "no kernel: need /boot/vmlinuz-VER and /lib/modules/VER/build (apt-get install linux-image-amd64 linux-headers-amd64)"
kernel=${kimage:-/boot/vmlinuz-$kver}
[ -r "$kernel" ] || die "$kernel not found (kernel $kver, from -k or the modules' vermagic): install linux-image-$kver"

# --- output ---------------------------------------------------------------
if [ -z "$outdir" ]; then
	outdir=$(mktemp -d /tmp/hakmem-vm.XXXXXX)
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
log=$outdir/console.log
# The block files of an earlier run into this directory, and its verdict,
# must not pass for this run's (a block this run does not print).
for f in "$log" "$outdir/blocks.log"; do
	if [ -f "$f" ]; then
		sed -n 's/^=== BEGIN \([A-Za-z0-9._-]*\) ===$/\1/p' "$f"
	fi
done | sort -u | while read -r name; do
	rm -f "$outdir/$name"
done
rm -f "$outdir/vm-verdict.txt"
: > "$log"

# --- initramfs --------------------------------------------------------------
work=$(mktemp -d /tmp/hakmem-initramfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,hakmem,etc}
cp "$BUSYBOX" "$root/bin/busybox"
cp "$guest_script" "$root/hakmem/guest.sh"
for f in "$@"; do
	cp "$f" "$root/hakmem/"
done

cat > "$root/hakmem/vmlib.sh" <<'EOF'
# Helpers for guest scripts (sourced by /init).
_vm_loglevel=$(cut -f1 /proc/sys/kernel/printk)
_vm_data=
if [ -c /dev/ttyS1 ] && stty -F /dev/ttyS1 raw -echo 2>/dev/null; then
	_vm_data=/dev/ttyS1
fi
_vm_block() {
	echo "=== BEGIN $1 ==="
	if [ $# -ge 2 ]; then cat "$2" || _rc=$?; else cat || _rc=$?; fi
	echo "=== END $1 ==="
}
# Each block is written to ttyS1 and the device closed, which waits until
# the UART has sent it: nothing of it is lost at power-off.
emit() {
	_rc=0
	if [ -n "$_vm_data" ]; then
		_vm_block "$@" > "$_vm_data"
	else
		echo 1 > /proc/sys/kernel/printk
		_vm_block "$@"
		echo "$_vm_loglevel" > /proc/sys/kernel/printk
	fi
	return $_rc
}
say() { echo "guest: $*"; }
run() { echo "guest# $*"; "$@"; }
EOF

loglevel=${VM_LOGLEVEL:-7}
halt=${VM_HALT:-poweroff}
case $halt in
poweroff | reboot) ;;
*) die "VM_HALT must be poweroff or reboot, not '$halt'" ;;
esac
cat > "$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
echo $loglevel > /proc/sys/kernel/printk
echo "=== VM READY uptime=\$(cut -d' ' -f1 /proc/uptime) cpus=\$(nproc) kernel=\$(uname -r) ==="
cd /hakmem
sh -c 'set -e; . /hakmem/vmlib.sh; . /hakmem/guest.sh' </dev/null
rc=\$?
echo $loglevel > /proc/sys/kernel/printk
. /hakmem/vmlib.sh
echo "guest: script exit status \$rc, uptime \$(cut -d' ' -f1 /proc/uptime) s"
dmesg | emit dmesg
echo "=== GUEST EXIT rc=\$rc ==="
$halt -f
EOF
chmod +x "$root/init" "$root/bin/busybox"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz" ||
	die "could not pack the initramfs"

# --- boot -------------------------------------------------------------------
smp=${SMP:-2}
mem=${MEM:-2048}
cpu=${CPU:-max}
# tsc=reliable: TCG's TSC and HPET both follow the host's clock, so the
# clocksource watchdog's "skew" is host scheduling noise.  When it marked
# the TSC unstable mid-run the kernel re-patched static keys with
# text_poke_bp(), and about one 6.12 boot in a dozen under load then took
# an "Oops: int3" in sched_clock_cpu() from a breakpoint byte TCG still
# executed after the patch had completed (vm-stress, 2026-12-02).
# no_timer_check: at boot, x86's check_timer() gives the timer interrupt
# some 40 ms of TSC time to advance jiffies, through the IO-APIC, then
# the 8259A, virtual wire and ExtINT, and panics when none did ("IO-APIC
# + timer doesn't work!"); on a starved host the vCPU that takes the
# interrupt may not run that long: 1 of 59 6.1-rt vm-stress boots under
# nice -n 19 next to a CI run died so, 0.056 s into its boot.  KVM
# guests skip the check the same way.
append="console=ttyS0 quiet panic=-1 tsc=reliable no_timer_check ${EXTRA_APPEND:-}"
qemu_cmd=("$QEMU" -accel tcg -smp "$smp" -m "$mem" -cpu "$cpu"
	  -kernel "$kernel" -initrd "$work/initramfs.gz" -append "$append"
	  -nographic -serial mon:stdio -serial "file:$work/blocks.raw"
	  -no-reboot -nic none)
note "booting $kernel (QEMU TCG, -smp $smp -m $mem -cpu $cpu, timeout ${timeout_s}s); log: $log"
echo "${qemu_cmd[*]}" > "$outdir/qemu-cmdline.txt"

# QEMU 7.2's multi-threaded TCG breaks now and then on a loaded host, in
# ways no x86 CPU can: it runs a stale translation of kernel text that
# another vCPU's text_poke_bp() has finished patching (the guest executes an
# int3 no longer in memory, finds no patch in progress and oopses: "Oops:
# int3" in core kernel text, the byte before the one the Code: line marks is
# not 0xcc; seen on the sched_clock static key that sched_clock_init_late()
# enables, and on the one the TSC watchdog clears), or it delivers an
# exception with reserved EFLAGS bits (22-31) set, which the CPU cannot hold
# (a "double fault" with EFLAGS 0x41aa1602 in SLUB's kmalloc).  About one
# 6.12 boot in ten did one or the other on 2026-12-02, under load.  Such a
# boot is rerun, at most $VM_TCG_RERUNS (2) times, its log kept as
# console.log.tcg-N and the rerun said on stderr and in vm-times.txt; any
# other report, an earlier one, or an int3 in a module's code fails as
# before.  Prints the reason.
tcg_fault() {
	awk '/Oops: /{ exit } / PANIC: double fault/{ exit } { print }' "$1" |
		"$here/logscan.sh" -a "${VM_ALLOW:-^\$}" >/dev/null || return 1
	awk '
		!seen && (/Oops: / || / PANIC: double fault/) { seen = 1; int3 = /Oops: int3: /; next }
		seen && /RIP: / && !rip { rip = 1; if ($0 ~ /\/0x[0-9a-f]+ \[/) mod = 1; next }
		seen && /EFLAGS: [0-9a-f]+/ && !fl {
			fl = 1; v = $0; sub(/.*EFLAGS: /, "", v); sub(/[^0-9a-f].*/, "", v)
			while (length(v) < 8) v = "0" v
			# bits 22-31: the first two digits and the top two of the third
			if (length(v) > 8 || substr(v, 1, 2) != "00" || substr(v, 3, 1) ~ /[4-9a-f]/)
				bad = "EFLAGS " v " has reserved bits set"
		}
		seen && rip && int3 && /Code: / && !code {
			code = 1
			for (i = 2; i <= NF; i++)
				if ($i ~ /^<[0-9a-f][0-9a-f]>$/) { prev = $(i - 1); break }
			if (!mod && prev ~ /^[0-9a-f][0-9a-f]$/ && prev != "cc")
				why = "int3 in kernel text with no int3 there"
		}
		END {
			if (why == "" && bad != "") why = bad
			if (why == "") exit 1
			print why
		}
	' "$1"
}

# One boot: the console into $log (and stdout with -v), $t0/$t1 and $qemu_rc.
boot() {
	t0=$EPOCHREALTIME
	rm -f "$ready_file" "$work/qemu-rc" "$work/blocks.raw"
	: > "$log"
	set +e
	(
		timeout -k 10 "$timeout_s" "${qemu_cmd[@]}" </dev/null 2>&1
		echo $? > "$work/qemu-rc"
	) | sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[c()][0-9A-B]\{0,1\}//g' |
	while IFS= read -r line; do
		printf '%s\n' "$line" >> "$log"
		[ "$verbose" = 1 ] && printf '%s\n' "$line"
		if [[ $line == *"=== VM READY"* && ! -e $ready_file ]]; then
			echo "$EPOCHREALTIME" > "$ready_file"
		fi
	done
	set -e
	t1=$EPOCHREALTIME
	qemu_rc=$(cat "$work/qemu-rc" 2>/dev/null || echo "?")
}

ready_file=$work/ready
tcg_reruns=0
boot
while [ "$tcg_reruns" -lt "${VM_TCG_RERUNS:-2}" ] &&
      ! grep -qE '^=== GUEST EXIT rc=[0-9]+ ===$' "$log" &&
      tcg_why=$(tcg_fault "$log"); do
	tcg_reruns=$((tcg_reruns + 1))
	mv "$log" "$log.tcg-$tcg_reruns"
	note "rerun $tcg_reruns: the guest died of an emulator fault ($tcg_why; $(grep -m1 -o 'RIP: [^ ]*' "$log.tcg-$tcg_reruns"); see tools/vm.sh; log kept in $log.tcg-$tcg_reruns)"
	boot
done

elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
ready=-
[ -e "$ready_file" ] && ready=$(awk -v a="$t0" -v b="$(cat "$ready_file")" 'BEGIN { printf "%.1f", b - a }')
guest_up=$(sed -n 's/.*=== VM READY uptime=\([0-9.]*\).*/\1/p' "$log" | head -1)
{
	echo "kernel $kver"
	echo "qemu_total_s $elapsed"
	echo "host_to_init_s $ready"
	echo "guest_uptime_at_init_s ${guest_up:--}"
	echo "qemu_exit $qemu_rc"
	echo "tcg_reruns $tcg_reruns"
} > "$outdir/vm-times.txt"

# --- extract blocks ----------------------------------------------------------
# A block's content is every line between its BEGIN and END markers: in
# blocks.log (ttyS1), or in the console log if the guest had no ttyS1.
if [ -f "$work/blocks.raw" ]; then
	tr -d '\r' < "$work/blocks.raw" > "$outdir/blocks.log"
else
	: > "$outdir/blocks.log"
fi
awk -v dir="$outdir" '
	FNR == 1 { inblk = 0 }
	/^=== BEGIN [A-Za-z0-9._-]+ ===$/ { name = $3; file = dir "/" name; printf "" > file; inblk = 1; next }
	inblk && $0 == "=== END " name " ===" { close(file); inblk = 0; next }
	inblk { print >> file }
' "$log" "$outdir/blocks.log"

# --- scan the log -------------------------------------------------------------
# The console outside blocks plus the dmesg block, just extracted; the
# other blocks are data files printed by the guest.
scan=$({
	awk '
		/^=== BEGIN [A-Za-z0-9._-]+ ===$/ { name = $3; inblk = 1; next }
		inblk && $0 == "=== END " name " ===" { inblk = 0; next }
		!inblk { print }
	' "$log"
	[ ! -f "$outdir/dmesg" ] || cat "$outdir/dmesg"
} | "$here/logscan.sh" -a "${VM_ALLOW:-^\$}" || true)

status=0
why=
exit_line=$(grep -E '^=== GUEST EXIT rc=[0-9]+ ===$' "$log" | tail -1 || true)
if [ -z "$exit_line" ]; then
	status=4
	if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
		why="guest timed out after ${timeout_s}s"
	elif grep -q 'Kernel panic' "$log"; then
		why="guest kernel panicked"
	else
		why="guest stopped before the script finished (QEMU exit $qemu_rc)"
	fi
else
	grc=${exit_line#=== GUEST EXIT rc=}
	grc=${grc% ===}
	if [ "$grc" != 0 ]; then
		status=3
		why="guest script failed with status $grc"
	fi
fi
if [ -n "$scan" ]; then
	[ $status = 0 ] && status=1
	why="${why:+$why; }kernel log has errors (first: $(printf '%s\n' "$scan" | head -n 1))"
fi
# The verdict for the callers' one-line summaries (vm-stress.sh).
printf '%s\n' "${why:-ok}" > "$outdir/vm-verdict.txt"

note "QEMU ran ${elapsed}s (host start to guest init ${ready}s, guest uptime at init ${guest_up:-?}s)"
if [ $status != 0 ]; then
	if [ "$verbose" != 1 ]; then
		echo "----- last 40 console lines ($log) -----" >&2
		awk '/^=== BEGIN dmesg ===$/ { skip = 1 } !skip { print } /^=== END dmesg ===$/ { skip = 0 }' "$log" | tail -40 >&2
		echo "-----" >&2
	fi
	if [ -n "$scan" ]; then
		echo "----- error lines -----" >&2
		printf '%s\n' "$scan" | head -40 >&2
		echo "-----" >&2
	fi
	note "FAIL: $why (output in $outdir)"
else
	note "ok (output in $outdir)"
fi
exit $status
