#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read, check and summarise hakmem_bench CSV files (Python stdlib only).

  bench-report.py check CSV [--workloads a,b,..] [--allocators hakmem,slub]
                            [--env ENV] [--min-rows N]
      Fail (exit 1) unless CSV has the expected header, well-formed rows,
      and every listed workload measured with every listed allocator
      ("hakmem" is met by hakmem-full/hakmem-light too; workloads measured
      with allocator "none" only, the empty loop, need just that).

  bench-report.py table CSV
      The CSV as an aligned text table.

  bench-report.py summary [--label NAME=CSV ...] CSV ...
      Speedup of hakmem over SLUB per workload, one column per CSV.

  bench-report.py plotdata CSV OUT.dat
      Data file for tools/plot.gp (one line per hakmem row: label, SLUB
      Mops/s, hakmem Mops/s, speedup); prints the run's details as shell
      assignments p_env=, p_kernel=, p_cpus=, p_init_on_alloc=, ...
"""

import argparse
import csv
import math
import signal
import sys

HEADER = ("env,kernel,cpus,init_on_alloc,init_on_free,header_mode,workload,"
          "param,allocator,reps,median_ns,min_ns,mops,speedup,peak_kb").split(",")
NUMERIC = ("cpus", "reps", "median_ns", "min_ns", "mops", "speedup", "peak_kb")
ALLOCATORS = ("slub", "hakmem", "hakmem-full", "hakmem-light", "none",
              "floor", "floor-call")
HAKMEM_VARIANTS = ("hakmem", "hakmem-full", "hakmem-light")
# Yardsticks, not allocators: shown in the summary, never in the geomean.
FLOOR_VARIANTS = ("floor", "floor-call")
FLOOR_LABEL = {"hakmem": "hakmem", "floor-call": "bare array, call",
               "floor": "bare array, inline"}
ENV_LABEL = {
    "uml-native": "UML, native speed",
    "qemu-tcg": "QEMU TCG, emulated: ratios only",
}


class CsvError(Exception):
    pass


def num(s):
    s = s.strip()
    if s in ("", "-", "nan", "NaN"):
        return float("nan")
    return float(s)


def load(path):
    """Rows of a hakmem_bench CSV as dicts; numeric columns as floats."""
    try:
        with open(path, newline="") as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
    except OSError as e:
        raise CsvError(f"{path}: {e.strerror}")
    if not lines:
        raise CsvError(f"{path}: empty")
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader)]
    if header != HEADER:
        raise CsvError(f"{path}: header is\n  {','.join(header)}\nexpected\n  {','.join(HEADER)}")
    rows = []
    for n, rec in enumerate(reader, start=2):
        if len(rec) != len(HEADER):
            raise CsvError(f"{path}:{n}: {len(rec)} fields, expected {len(HEADER)}: {lines[n - 1]}")
        row = {k: v.strip() for k, v in zip(HEADER, rec)}
        for k in NUMERIC:
            try:
                row[k] = num(row[k])
            except ValueError:
                raise CsvError(f"{path}:{n}: {k} '{row[k]}' is not a number")
        rows.append(row)
    if not rows:
        raise CsvError(f"{path}: header only, no measurements")
    return rows


def meta(rows):
    """The run's environment, from the first row (the same on every row)."""
    r = rows[0]
    return {k: r[k] for k in ("env", "kernel", "cpus", "init_on_alloc", "init_on_free", "header_mode")}


def labels(rows):
    """(workload, param) -> chart/summary label, in first-seen order.

    The param is shown only for workloads measured at several params."""
    params = {}
    for r in rows:
        params.setdefault(r["workload"], [])
        if r["param"] not in params[r["workload"]]:
            params[r["workload"]].append(r["param"])
    out = {}
    for r in rows:
        key = (r["workload"], r["param"])
        if key not in out:
            w, p = key
            out[key] = w if len(params[w]) == 1 or p == "" else f"{w} {p}"
    return out


def speedups(rows):
    """{(workload, param): {variant: speedup}} for the hakmem variants.

    Uses the CSV's speedup column; recomputes it from the medians when it
    is missing."""
    slub = {}
    for r in rows:
        if r["allocator"] == "slub":
            slub[(r["workload"], r["param"])] = r["median_ns"]
    out = {}
    for r in rows:
        if r["allocator"] not in HAKMEM_VARIANTS + FLOOR_VARIANTS:
            continue
        key = (r["workload"], r["param"])
        sp = r["speedup"]
        if math.isnan(sp) and key in slub and r["median_ns"] > 0:
            sp = slub[key] / r["median_ns"]
        if not math.isnan(sp):
            out.setdefault(key, {})[r["allocator"]] = sp
    return out


def cmd_check(a):
    try:
        rows = load(a.csv)
    except CsvError as e:
        print(f"check: FAIL: {e}", file=sys.stderr)
        return 1
    errors = []
    allocs = [x for x in a.allocators.split(",") if x]
    for n, r in enumerate(rows, start=2):
        if r["allocator"] not in ALLOCATORS:
            errors.append(f"line {n}: unknown allocator '{r['allocator']}'")
        if a.env and r["env"] != a.env:
            errors.append(f"line {n}: env '{r['env']}', expected '{a.env}'")
        if not (r["median_ns"] > 0) or not (r["min_ns"] > 0):
            errors.append(f"line {n}: {r['workload']}/{r['allocator']}: median_ns/min_ns not positive")
        elif r["min_ns"] > r["median_ns"] * 1.0001:
            errors.append(f"line {n}: {r['workload']}/{r['allocator']}: min_ns > median_ns")
        if r["allocator"] == "slub" and not math.isnan(r["speedup"]) and abs(r["speedup"] - 1) > 0.011:
            errors.append(f"line {n}: {r['workload']}: slub row has speedup {r['speedup']}, expected 1.00")
    seen = {}
    for r in rows:
        seen.setdefault(r["workload"], set()).add(r["allocator"])
    wanted = [w for w in a.workloads.split(",") if w]
    for w in wanted:
        if w not in seen:
            errors.append(f"workload '{w}' missing")
            continue
        if seen[w] == {"none"}:
            continue
        for al in allocs:
            # "hakmem" is met by any header-mode variant (header has
            # hakmem-full and hakmem-light rows, no plain hakmem one).
            ok = seen[w] & set(HAKMEM_VARIANTS) if al == "hakmem" else al in seen[w]
            if not ok:
                errors.append(f"workload '{w}': no '{al}' row (has {','.join(sorted(seen[w]))})")
    if len(rows) < a.min_rows:
        errors.append(f"{len(rows)} rows, expected at least {a.min_rows}")
    if errors:
        for e in errors:
            print(f"check: FAIL: {a.csv}: {e}", file=sys.stderr)
        return 1
    m = meta(rows)
    print(f"check: ok: {a.csv}: {len(rows)} rows, {len(seen)} workloads "
          f"({','.join(seen)}), env {m['env']}, {int(m['cpus'])} cpus")
    return 0


def fmt(col, v):
    if math.isnan(v):
        return "-"
    if col in ("cpus", "reps", "peak_kb"):
        return str(int(v))
    return f"{v:.2f}"


def cmd_table(a):
    rows = load(a.csv)
    cols = ["workload", "param", "allocator", "reps", "median_ns", "min_ns", "mops", "speedup", "peak_kb"]
    m = meta(rows)
    print(f"# {ENV_LABEL.get(m['env'], m['env'])}: kernel {m['kernel']}, {int(m['cpus'])} cpus, "
          f"init_on_alloc={m['init_on_alloc']}, init_on_free={m['init_on_free']}, "
          f"header_mode={m['header_mode']}")
    if m["env"] == "qemu-tcg":
        print("# TCG timings are emulated: compare ratios within this table only")
    table = [cols] + [[fmt(c, r[c]) if c in NUMERIC else r[c] for c in cols] for r in rows]
    width = [max(len(t[i]) for t in table) for i in range(len(cols))]
    for t in table:
        print("  ".join(s.ljust(w) if i < 3 else s.rjust(w) for i, (s, w) in enumerate(zip(t, width))).rstrip())
    return 0


def geomean(xs):
    xs = [x for x in xs if x > 0 and not math.isnan(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


ENV_SHORT = {"uml-native": "UML native", "qemu-tcg": "QEMU TCG"}


def cmd_summary(a):
    runs = []
    for spec in a.csv:
        name, _, path = spec.rpartition("=")
        rows = load(path)
        m = meta(rows)
        name = name or ENV_SHORT.get(m["env"], m["env"])
        desc = (f"{ENV_LABEL.get(m['env'], m['env'])}; kernel {m['kernel']}, "
                f"{int(m['cpus'])} cpu(s), init_on_alloc={m['init_on_alloc']}, "
                f"init_on_free={m['init_on_free']}")
        # Rows are matched across runs by their label (workload, plus the
        # param when a workload has several): fill's param is its scaled
        # object count, which differs between runs of different scale.
        lab, sp = labels(rows), speedups(rows)
        byl = {}
        for k, name_ in lab.items():
            for v, x in sp.get(k, {}).items():
                if v in FLOOR_VARIANTS or k[0] == "floor":
                    byl[f"{name_} ({FLOOR_LABEL.get(v, v)})"] = (v, x)
                else:
                    byl[name_ + ("" if v == "hakmem" else f" ({v})")] = (v, x)
        runs.append((name, desc, byl))
    keys = []
    for _, _, byl in runs:
        for k in byl:
            if k not in keys:
                keys.append(k)

    print("Speedup of hakmem_slab over SLUB: SLUB median ns / hakmem median ns")
    print("(>1.00 = hakmem faster; each column compares the allocators within one run)")
    for name, desc, _ in runs:
        print(f"  {name}: {desc}")
    print()
    label = "geomean (hakmem rows)"
    w0 = max([len(k) for k in keys] + [len("workload"), len(label)])
    width = [max(len(r[0]), 7) for r in runs]
    print("workload".ljust(w0) + "".join("  " + r[0].rjust(w) for r, w in zip(runs, width)))
    for k in keys:
        line = k.ljust(w0)
        for w, (_, _, byl) in zip(width, runs):
            x = byl.get(k, (None, None))[1]
            line += "  " + ("-" if x is None else f"{x:.2f}x").rjust(w)
        print(line)
    line = label.ljust(w0)
    for w, (_, _, byl) in zip(width, runs):
        g = geomean([x for v, x in byl.values() if v == "hakmem"])
        line += "  " + ("-" if math.isnan(g) else f"{g:.2f}x").rjust(w)
    print(line)
    return 0


def cmd_plotdata(a):
    """One line per hakmem row: label, SLUB Mops/s, hakmem Mops/s, speedup."""
    rows = load(a.csv)
    lab = labels(rows)
    sp = speedups(rows)
    mops = {}
    for r in rows:
        mops.setdefault((r["workload"], r["param"]), {})[r["allocator"]] = r["mops"]
    n = 0

    def val(x):
        return "NaN" if x is None or math.isnan(x) else f"{x:.4g}"

    with open(a.out, "w") as f:
        f.write("# label slub_mops hakmem_mops speedup\n")
        for k, name in lab.items():
            for v in HAKMEM_VARIANTS:
                if v not in mops.get(k, {}):
                    continue
                label = name if v == "hakmem" else f"{name} ({v.replace('hakmem-', '')})"
                f.write(f'"{label}" {val(mops[k].get("slub"))} {val(mops[k][v])} '
                        f'{val(sp.get(k, {}).get(v))}\n')
                n += 1
    if n == 0:
        raise CsvError(f"{a.csv}: no hakmem rows to plot")
    m = meta(rows)
    g = geomean([d["hakmem"] for d in sp.values() if "hakmem" in d])
    print(f"p_env='{m['env']}'")
    print(f"p_envlabel='{ENV_LABEL.get(m['env'], m['env'])}'")
    print(f"p_kernel='{m['kernel']}'")
    print(f"p_cpus={int(m['cpus'])}")
    print(f"p_init_on_alloc='{m['init_on_alloc']}'")
    print(f"p_init_on_free='{m['init_on_free']}'")
    print(f"p_header_mode='{m['header_mode']}'")
    print(f"p_reps={int(rows[0]['reps'])}")
    print(f"p_nbars={n}")
    print(f"p_geomean='{'-' if math.isnan(g) else f'{g:.2f}'}'")
    return 0


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)     # quiet under head(1)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("csv")
    c.add_argument("--workloads", default="")
    c.add_argument("--allocators", default="hakmem,slub")
    c.add_argument("--env", default="")
    c.add_argument("--min-rows", type=int, default=1)
    t = sub.add_parser("table")
    t.add_argument("csv")
    s = sub.add_parser("summary")
    s.add_argument("csv", nargs="+", help="CSV or NAME=CSV")
    d = sub.add_parser("plotdata")
    d.add_argument("csv")
    d.add_argument("out")
    a = p.parse_args()
    try:
        return {"check": cmd_check, "table": cmd_table, "summary": cmd_summary,
                "plotdata": cmd_plotdata}[a.cmd](a)
    except CsvError as e:
        print(f"bench-report: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
