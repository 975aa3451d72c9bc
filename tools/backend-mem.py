#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What the slab memory of tools/bench-kernel.sh's boots is made of.

    tools/backend-mem.py [-c N] DIR

DIR: a tools/bench-kernel.sh output directory (its boots/SIDE-I
directories, each with the blocks tools/backend-guest.sh emits).  Prints
per boot, in the states "dropped" (one drop_caches), "dropped2" (a second
one: the steady state) and "shrunk" (every cache's shrink file written):
the slab memory held (SLUB's Slab: plus hakmem's pages), the bytes live
(objects in use times their object_size, over SLUB's and hakmem's caches),
the bytes of their slots (times the stride: live plus padding, headers,
alignment), held per live byte, nr_dentry and nr_inodes, and the held and live figures
of the dentry/inode caches alone and of all others.  Then per cache, the
median over each side's boots in state dropped2: objects in use and kB
held, the N (-c, default 15) caches whose kB differ most.

Counting, the same for both allocators: held = Slab: (kB) + the sum of
hakmem's debugfs slabinfo pages column; in use = hakmem's inuse column, and
SLUB's /proc/slabinfo active_objs of the state "shrunk" (before a shrink,
SLUB counts the free objects of its per-CPU slabs as active), used for
the states dropped and dropped2 too (no process runs between them and the
drop after the shrink prunes what the shrink files' lookups added, so the
counts differ by a few dentries and inodes at most; the objects freed
after the shrink into a per-CPU slab are counted in use, at most one slab
per CPU and cache).  Object sizes: each SLUB cache's object_size
(slab-sizes block), hakmem's objsize.
"""
import argparse
import os
import re
import statistics as st

FS_CACHES = re.compile(r"^(dentry|.*inode.*|shmem_inode_cache|radix_tree_node)$")


def blocks(path):
    out, name, buf = {}, None, []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = re.match(r"^=== BEGIN (\S+) ===$", line)
            if m:
                name, buf = m.group(1), []
                continue
            if name and line == "=== END %s ===" % name:
                out[name] = buf
                name = None
                continue
            if name:
                buf.append(line)
    return out


def boot_blocks(d):
    """tools/vm.sh writes each block to a file of its name in the boot dir."""
    out = {}
    for f in os.listdir(d):
        p = os.path.join(d, f)
        if os.path.isfile(p) and re.match(r"^(meminfo|fs|slabinfo|hakmem-slabinfo|slab-sizes)", f):
            with open(p, errors="replace") as fh:
                out[f] = [ln.rstrip("\n") for ln in fh]
    if not out:
        for f in os.listdir(d):
            p = os.path.join(d, f)
            if os.path.isfile(p) and f.endswith(".log"):
                out.update(blocks(p))
    return out


def slub(lines):
    """/proc/slabinfo: name -> (active_objs, kB, stride)."""
    r = {}
    for ln in lines or []:
        if ln.startswith(("slabinfo", "#")):
            continue
        f = ln.split()
        if len(f) < 15:
            continue
        pps, nslabs = int(f[5]), int(f[14])
        r[f[0]] = (int(f[1]), nslabs * pps * 4, int(f[3]))
    return r


def hakmem(lines):
    """debugfs slabinfo: name -> (inuse, kB, objsize, stride)."""
    r = {}
    for ln in lines or []:
        if ln.startswith("#"):
            continue
        f = ln.split()
        if len(f) < 7:
            continue
        r[f[0]] = (int(f[3]), int(f[5]) * 4, int(f[1]), int(f[2]))
    return r


def kv(lines):
    r = {}
    for ln in lines or []:
        f = ln.replace(":", " ").split()
        if len(f) >= 2:
            r[f[0]] = f[1:]
    return r


def analyse(d):
    b = boot_blocks(d)
    sizes = {}
    for ln in b.get("slab-sizes", []):
        f = ln.split()
        if len(f) == 2:
            sizes[f[0]] = int(f[1])
    live_slub = slub(b.get("slabinfo-shrunk"))
    res = {}
    for st_ in ["dropped", "dropped2", "shrunk"]:
        sfx = "-" + st_
        if "meminfo" + sfx not in b:
            continue
        mi = kv(b["meminfo" + sfx])
        fs = kv(b.get("fs" + sfx))
        sl = slub(b.get("slabinfo" + sfx))
        hk = hakmem(b.get("hakmem-slabinfo" + sfx))
        caches = {}
        for name, (_, kb, stride) in sl.items():
            objs = live_slub.get(name, (0, 0))[0]
            caches[name] = [objs, kb, objs * sizes.get(name, 0), objs * stride]
        for name, (inuse, kb, osz, stride) in hk.items():
            c = caches.setdefault(name, [0, 0, 0, 0])
            c[0] += inuse
            c[1] += kb
            c[2] += inuse * osz
            c[3] += inuse * stride
        held = int(mi["Slab"][0]) + sum(v[1] for v in hk.values())
        live = sum(c[2] for c in caches.values()) / 1024
        slots = sum(c[3] for c in caches.values()) / 1024
        fsh = sum(c[1] for n, c in caches.items() if FS_CACHES.match(n))
        fsl = sum(c[2] for n, c in caches.items() if FS_CACHES.match(n)) / 1024
        res[st_] = dict(held=held, live=live, slots=slots,
                        memfree=int(mi["MemFree"][0]),
                        dentries=int(fs.get("dentry-state", ["0"])[0]),
                        inodes=int(fs.get("inode-nr", ["0"])[0]),
                        fsh=fsh, fsl=fsl, caches=caches)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", type=int, default=15)
    ap.add_argument("dir")
    a = ap.parse_args()
    bd = os.path.join(a.dir, "boots")
    boots = {}
    for n in sorted(os.listdir(bd)):
        m = re.match(r"^(SLUB|hakmem)-(\d+)$", n)
        if m:
            boots[(m.group(1), int(m.group(2)))] = analyse(os.path.join(bd, n))
    print("slab memory per boot, kB (held: Slab: + hakmem pages; live: objects"
          " in use x object_size;")
    print("slots: objects in use x stride, the rest of held is free slots and"
          " slab or segment overhead)")
    print("%-9s %-9s %7s %7s %7s %6s %7s %7s %8s %8s %8s %8s" % (
        "boot", "state", "held", "live", "slots", "h/l", "dentry", "inodes",
        "fs held", "fs live", "oth held", "oth live"))
    for (side, i), r in sorted(boots.items(), key=lambda x: (x[0][1], x[0][0] != "SLUB")):
        for st_, v in r.items():
            print("%-9s %-9s %7d %7.0f %7.0f %5.2fx %7d %7d %8d %8.0f %8d %8.0f" % (
                "%s-%d" % (side, i), st_, v["held"], v["live"], v["slots"],
                v["held"] / v["live"] if v["live"] else 0, v["dentries"],
                v["inodes"], v["fsh"], v["fsl"], v["held"] - v["fsh"],
                v["live"] - v["fsl"]))
    print()
    for st_ in ["dropped2", "shrunk"]:
        med = {}
        for side in ["SLUB", "hakmem"]:
            rs = [r[st_] for (s, _), r in boots.items() if s == side and st_ in r]
            if not rs:
                continue
            med[side] = {k: st.median([r[k] for r in rs])
                         for k in ["held", "live", "memfree"]}
        if len(med) == 2 and med["SLUB"]["held"] and med["SLUB"]["live"]:
            s, h = med["SLUB"], med["hakmem"]
            print("%s, medians: held %d / %d kB (hakmem/SLUB %.2fx), live %d / %d kB,"
                  " held per live byte %.2f / %.2f (%.2fx), MemFree %d / %d kB" % (
                      st_, s["held"], h["held"], h["held"] / s["held"], s["live"],
                      h["live"], s["held"] / s["live"], h["held"] / h["live"],
                      (h["held"] / h["live"]) / (s["held"] / s["live"]),
                      s["memfree"], h["memfree"]))
    print()
    per = {}
    for (side, _), r in boots.items():
        for name, c in r.get("dropped2", {}).get("caches", {}).items():
            per.setdefault(name, {}).setdefault(side, []).append(c)
    rows = []
    for name, d in per.items():
        def m(side, k):
            v = [c[k] for c in d.get(side, [])]
            return st.median(v) if v else 0
        rows.append((m("hakmem", 1) - m("SLUB", 1), name, m("SLUB", 0), m("SLUB", 1),
                     m("hakmem", 0), m("hakmem", 1)))
    rows.sort(key=lambda r: -abs(r[0]))
    print("dropped2, per cache (median over boots): objects in use, kB held")
    print("%-24s %9s %8s %9s %8s %8s" % ("cache", "SLUB objs", "SLUB kB",
                                         "hk objs", "hk kB", "diff kB"))
    for r in rows[:a.c]:
        print("%-24s %9d %8d %9d %8d %+8d" % (r[1], r[2], r[3], r[4], r[5], r[0]))
    print("%-24s %9s %8d %9s %8d %+8d" % ("(all caches)", "", sum(r[3] for r in rows),
                                          "", sum(r[5] for r in rows),
                                          sum(r[0] for r in rows)))


if __name__ == "__main__":
    main()
