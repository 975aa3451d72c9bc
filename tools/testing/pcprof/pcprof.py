#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reports of a tools/pcprof.sh run (DIR: pc.txt, the plugin's counts, and
kallsyms, the guest's /proc/kallsyms with the modules loaded).

  pcprof.py funcs DIR [-n N] [-m REGEX]
      per function: instructions run, entries (runs of its first
      instruction), instructions per entry, distinct addresses run
  pcprof.py annotate DIR FUNC IMAGE
      FUNC's instructions with runs per entry; IMAGE is the vmlinux
      (tools/pcprof.sh extracts it) or the .ko that holds FUNC.  The
      listing is the file's code, before boot-time patching (alternatives,
      static keys, ftrace and return-thunk sites), so a patched site may
      show 0 runs on its file instruction; the funcs totals are exact
  pcprof.py diff DIR_A DIR_B [-n N]
      the functions whose instructions differ most between two runs (B
      minus A), with both runs' entries and instructions per entry, and
      the totals (tools/pcprof-backend.sh: SLUB's boot against hakmem's)
"""
import argparse
import bisect
import collections
import re
import signal
import subprocess
import sys


def load_syms(d):
    syms = []
    with open(d + '/kallsyms') as f:
        for line in f:
            p = line.split()
            if len(p) < 3 or int(p[0], 16) == 0:
                continue
            name = p[2] + (' ' + p[3] if len(p) > 3 else '')
            syms.append((int(p[0], 16), name))
    syms.sort()
    return syms


def load_counts(d):
    with open(d + '/pc.txt') as f:
        for line in f:
            va, n = line.split()
            yield int(va, 16), int(n)


def per_func(d):
    """{function: [instructions, entries]} of run directory d."""
    syms = load_syms(d)
    addrs = [a for a, _ in syms]
    out = collections.defaultdict(lambda: [0, 0])
    for va, n in load_counts(d):
        i = bisect.bisect_right(addrs, va) - 1
        if i < 0:
            continue
        a, name = syms[i]
        out[name][0] += n
        if va == a:
            out[name][1] = n
    return out


def diff(args):
    a, b = per_func(args.dir_a), per_func(args.dir_b)
    ta = sum(v[0] for v in a.values())
    tb = sum(v[0] for v in b.values())
    print('total instructions: A %d, B %d, B - A %+d (B/A %.4f)' %
          (ta, tb, tb - ta, tb / ta if ta else 0))
    print('%12s %12s %12s %10s %10s %8s %8s  %s' %
          ('A insns', 'B insns', 'B - A', 'A entries', 'B entries',
           'A per', 'B per', 'function'))
    zero = [0, 0]
    names = sorted(set(a) | set(b),
                   key=lambda k: -abs(b.get(k, zero)[0] - a.get(k, zero)[0]))
    for name in names[:args.n]:
        x, y = a.get(name, zero), b.get(name, zero)
        print('%12d %12d %+12d %10d %10d %8.1f %8.1f  %s' %
              (x[0], y[0], y[0] - x[0], x[1], y[1],
               x[0] / x[1] if x[1] else 0, y[0] / y[1] if y[1] else 0,
               name))


def funcs(args):
    syms = load_syms(args.dir)
    addrs = [a for a, _ in syms]
    tot, ent, pcs = collections.Counter(), {}, collections.Counter()
    for va, n in load_counts(args.dir):
        i = bisect.bisect_right(addrs, va) - 1
        if i < 0:
            continue
        a, name = syms[i]
        tot[name] += n
        pcs[name] += 1
        if va == a:
            ent[name] = n
    pat = re.compile(args.match) if args.match else None
    print('%14s %12s %9s %5s  %s' % ('insns', 'entries', 'per-entry',
                                     'pcs', 'function'))
    shown = 0
    for name, n in tot.most_common():
        if pat and not pat.search(name):
            continue
        e = ent.get(name, 0)
        print('%14d %12d %9.2f %5d  %s' % (n, e, n / e if e else 0,
                                           pcs[name], name))
        shown += 1
        if shown >= args.n:
            break


def annotate(args):
    syms = load_syms(args.dir)
    addrs = [a for a, _ in syms]
    name = args.func
    start = next((a for a, n in syms if n.split()[0] == name), None)
    if start is None:
        sys.exit('pcprof.py: %s not in kallsyms' % name)
    i = bisect.bisect_right(addrs, start)
    end = addrs[i] if i < len(addrs) else start + 4096
    cnt = {va: n for va, n in load_counts(args.dir) if start <= va < end}
    entries = cnt.get(start) or 1
    lines = []
    if args.image.endswith('.ko'):
        out = subprocess.run(['objdump', '-d', '--no-show-raw-insn',
                              '--disassemble=' + name, args.image],
                             capture_output=True, text=True,
                             check=True).stdout
        base = None
        for line in out.splitlines():
            m = re.match(r'^([0-9a-f]+) <' + re.escape(name) + '>:', line)
            if m:
                base = int(m.group(1), 16)
                continue
            m = re.match(r'^\s+([0-9a-f]+):\s+(.*)$', line)
            if m and base is not None:
                lines.append((start + int(m.group(1), 16) - base,
                              m.group(2)))
    else:
        out = subprocess.run(['objdump', '-d', '--no-show-raw-insn',
                              '--start-address=%#x' % start,
                              '--stop-address=%#x' % end, args.image],
                             capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            m = re.match(r'^(ffffffff[0-9a-f]+):\s+(.*)$', line)
            if m:
                lines.append((int(m.group(1), 16), m.group(2)))
    for va, text in lines:
        n = cnt.get(va, 0)
        if n or args.all:
            print('%8.3f %5x  %s' % (n / entries, va - start, text))
    print('%s: %.2f instructions per entry, %d entries' %
          (name, sum(cnt.values()) / entries, entries))


def main():
    # Quietly, into a pipe that closes (| head).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('funcs')
    p.add_argument('dir')
    p.add_argument('-n', type=int, default=40)
    p.add_argument('-m', '--match')
    p.set_defaults(fn=funcs)
    p = sub.add_parser('annotate')
    p.add_argument('dir')
    p.add_argument('func')
    p.add_argument('image')
    p.add_argument('-a', '--all', action='store_true',
                   help='also the instructions that never ran')
    p.set_defaults(fn=annotate)
    p = sub.add_parser('diff')
    p.add_argument('dir_a')
    p.add_argument('dir_b')
    p.add_argument('-n', type=int, default=40)
    p.set_defaults(fn=diff)
    args = ap.parse_args()
    args.fn(args)


if __name__ == '__main__':
    main()
