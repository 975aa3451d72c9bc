#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read, check and summarise hakmem_bench CSV files (Python stdlib only).

Every workload, allocator, role and environment comes from the module's
output (its workload table writes them): the CSV, and for the legends the
module's list of workloads (/sys/kernel/debug/hakmem_bench/workloads, or
its "BEGIN WORKLOADS" block on the console).  Nothing here lists
workloads, allocators or environments; the module formats no table.
A row's role is "base" (what speedups are against: SLUB), "test" (hakmem),
"yardstick" (compared with both, not an allocator) or "calib" (the loop
alone); its geomean column says whether it counts in the geomean.

The CSV (/sys/kernel/debug/hakmem_bench/results.csv), one row per
workload, param and allocator:

  env,kernel,cpus,init_on_alloc,init_on_free,header_mode  the run
  workload,param,allocator,role,geomean                   the row
  reps        measured repetitions (plus a discarded warm-up)
  attempts    measurements of the variant (1, or up to 3 if the spread
              exceeded 10%)
  median_ns, min_ns, spread (median/min), mops (from the median)
  speedup_min, speedup_median   SLUB's ns / this row's, from the
              minimums (the headline) and from the medians
  spread_flag 1: an arm's spread still above 10% after the attempts
  peak_kb, retained_kb, shrunk_kb   KiB by the drop in free pages: at
              the peak, once every object is freed, once the caches are
              shrunk too (fill: peak_kb only; mem-*: all)
  own_peak_kb, own_retained_kb      the same by the allocator's own
              count (hakmem_cache_get_info(); SLUB: NR_SLAB_UNRECLAIMABLE_B)
  timing      what the env's timings are worth (e.g. "emulated (QEMU
              TCG): ratios only"); optional (older CSVs: the env)

  bench-report.py check CSV [--workloads a,b,..] [--allocators x,y,..]
                            [--env ENV] [--min-rows N]
      Fail (exit 1) unless CSV has the columns, well-formed rows, one base
      row for every (workload, param) that has test rows, and every listed
      workload measured (with a base and a test row, unless it is calib
      only) and, if given, with every listed allocator ("hakmem" is met by
      a row of hakmem or of any hakmem-* variant).

  bench-report.py table CSV
      The CSV as an aligned text table.

  bench-report.py summary [--workloads FILE] [NAME=]CSV[,CSV...] ...
      Speedup of hakmem over SLUB per row, one column per argument: from
      the minimums (the headline), then from the medians.  Several CSVs in
      one argument are boots of the same configuration: the column's
      speedup is then the geometric mean of the per-boot speedups, with
      their range (min-max) in brackets.  "!" marks rows whose spread
      (median/min) stayed above 10% for an arm in some boot
      (spread_flag).  Then a memory table of the mem-* rows, and with
      --workloads the legend of every workload from FILE (the module's
      list of workloads).

  bench-report.py delta [--workloads a,b,..] A=CSV[,CSV...] B=CSV[,CSV...]
      What a difference between two configurations (e.g. init_on_alloc=1
      against =0, or 6.12-rt against 6.12) costs each allocator: per row,
      SLUB's and hakmem's min_ns in A and in B (the minimum over the
      boots of each), their differences A-B, the speedup in A and in B
      (from those minimums) and "same": A's speedup had hakmem paid
      SLUB's difference instead of its own, SLUB(A) / (hakmem(B) +
      SLUB(A) - SLUB(B)): above B's speedup only when the difference is
      a cost both pay.  Rows of a workload with several hakmem variants
      show each variant.  Last, the geomean of the three speedups over
      the rows that count in A's geomean.

  bench-report.py workloads FILE
      The names in FILE (the module's list of workloads), one per line.

  bench-report.py plotdata CSV OUT.dat
      Data file for tools/plot.gp (one line per test row: label, base
      Mops/s, test Mops/s, speedup); prints the run's details as shell
      assignments p_env=, p_kernel=, p_cpus=, p_init_on_alloc=, ...
"""

import argparse
import csv
import math
import signal
import sys
import textwrap

# The columns this script reads; the CSV may have more (shown by "table").
REQUIRED = ("env,kernel,cpus,init_on_alloc,init_on_free,header_mode,workload,"
            "param,allocator,role,geomean,reps,attempts,median_ns,min_ns,spread,"
            "mops,speedup_min,speedup_median,spread_flag,peak_kb,retained_kb,shrunk_kb,"
            "own_peak_kb,own_retained_kb").split(",")
# The memory columns, KiB: global (free pages) and the allocator's own.
MEM_COLS = ("peak_kb", "retained_kb", "shrunk_kb", "own_peak_kb", "own_retained_kb")
TEXT = ("env", "kernel", "header_mode", "workload", "param", "allocator", "timing",
        "role")
ENV_COLS = ("env", "kernel", "cpus", "init_on_alloc", "init_on_free",
            "header_mode")
ROLES = ("base", "test", "yardstick", "calib")


class CsvError(Exception):
    pass


def num(s):
    s = s.strip()
    if s in ("", "-", "nan", "NaN"):
        return float("nan")
    return float(s)


def load(path):
    """(header, rows) of a hakmem_bench CSV; rows as dicts, numbers as floats."""
    try:
        with open(path, newline="") as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
    except OSError as e:
        raise CsvError(f"{path}: {e.strerror}")
    if not lines:
        raise CsvError(f"{path}: empty")
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CsvError(f"{path}: header\n  {','.join(header)}\nlacks {','.join(missing)}")
    rows = []
    for n, rec in enumerate(reader, start=2):
        if len(rec) != len(header):
            raise CsvError(f"{path}:{n}: {len(rec)} fields, expected {len(header)}: {lines[n - 1]}")
        row = {k: v.strip() for k, v in zip(header, rec)}
        row["raw"] = dict(row)
        for k in header:
            if k in TEXT:
                continue
            try:
                row[k] = num(row[k])
            except ValueError:
                raise CsvError(f"{path}:{n}: {k} '{row[k]}' is not a number")
        if row["role"] not in ROLES:
            raise CsvError(f"{path}:{n}: role '{row['role']}' is none of {','.join(ROLES)}")
        rows.append(row)
    if not rows:
        raise CsvError(f"{path}: header only, no measurements")
    return header, rows


def meta(rows):
    """The run's environment, from the first row (the same on every row);
    "label": the env and what its timings are worth (the timing column)."""
    m = {k: rows[0][k] for k in ENV_COLS}
    timing = rows[0].get("timing", "")
    m["label"] = f"{m['env']}, timings {timing}" if timing else m["env"]
    return m


def read_workloads(path):
    """[(name, [legend lines])] of the module's list of workloads: a line
    "name: arms; ..." per workload table entry, then its legend indented.
    Entries of the same name (one workload, several table entries) merge."""
    out = {}
    name = None
    try:
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("    ") and name is not None:
                    out[name].append(line.strip())
                elif line and not line[0].isspace() and ":" in line:
                    name = line.split(":", 1)[0]
                    out.setdefault(name, [])
    except OSError as e:
        raise CsvError(f"{path}: {e.strerror}")
    if not out:
        raise CsvError(f"{path}: no workloads")
    return list(out.items())


def groups(rows):
    """{(workload, param): [rows]}, in first-seen order."""
    out = {}
    for r in rows:
        out.setdefault((r["workload"], r["param"]), []).append(r)
    return out


def labels(rows):
    """{(workload, param, allocator): label} for the rows compared with a base.

    The param is shown for workloads measured at several params, the
    allocator for groups with several allocators besides the base."""
    params = {}
    for r in rows:
        params.setdefault(r["workload"], [])
        if r["param"] not in params[r["workload"]]:
            params[r["workload"]].append(r["param"])
    out = {}
    for (w, p), g in groups(rows).items():
        others = [r for r in g if r["role"] in ("test", "yardstick")]
        name = w if len(params[w]) == 1 or p == "" else f"{w} {p}"
        for r in others:
            out[(w, p, r["allocator"])] = (name if len(others) == 1
                                           else f"{name} ({r['allocator']})")
    return out


def speedups(rows):
    """{(workload, param, allocator): dict} of every row compared with a base.

    The dict: min and med (the speedups from the minimums and the
    medians), tmin/bmin (this row's and the base's min_ns), flag, row."""
    out = {}
    for (w, p), g in groups(rows).items():
        base = [r for r in g if r["role"] == "base"]
        if not base:
            continue
        b = base[0]
        for r in g:
            if r["role"] not in ("test", "yardstick") or not r["min_ns"] > 0:
                continue
            out[(w, p, r["allocator"])] = {
                "min": b["min_ns"] / r["min_ns"],
                "med": b["median_ns"] / r["median_ns"],
                "tmin": r["min_ns"], "bmin": b["min_ns"],
                "flag": r["spread_flag"] == 1 or b["spread_flag"] == 1,
                "row": r}
    return out


def geomean(xs):
    xs = [x for x in xs if x > 0 and not math.isnan(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def distinct(sp):
    """The keys of sp that count in a geomean: geomean=1, each (workload,
    param) once."""
    seen = {}
    for k, d in sp.items():
        if d["row"]["geomean"] == 1 and k[:2] not in seen:
            seen[k[:2]] = k
    return list(seen.values())


def run_geomean(sp, key="min"):
    """Geomean of speedup key over the rows that count, and their number."""
    keys = distinct(sp)
    return geomean([sp[k][key] for k in keys]), len(keys)


def cmd_check(a):
    try:
        _, rows = load(a.csv)
    except CsvError as e:
        print(f"check: FAIL: {e}", file=sys.stderr)
        return 1
    errors = []
    for n, r in enumerate(rows, start=2):
        if a.env and r["env"] != a.env:
            errors.append(f"line {n}: env '{r['env']}', expected '{a.env}'")
        if not (r["median_ns"] > 0) or not (r["min_ns"] > 0):
            errors.append(f"line {n}: {r['workload']}/{r['allocator']}: median_ns/min_ns not positive")
        elif r["min_ns"] > r["median_ns"] * 1.0001:
            errors.append(f"line {n}: {r['workload']}/{r['allocator']}: min_ns > median_ns")
        for k in ("speedup_min", "speedup_median"):
            if r["role"] == "base" and abs(r[k] - 1) > 0.011:
                errors.append(f"line {n}: {r['workload']}: base row has {k} {r[k]}, expected 1.00")
        if r["spread_flag"] not in (0, 1):
            errors.append(f"line {n}: spread_flag {r['spread_flag']}, expected 0 or 1")
    for (w, p), g in groups(rows).items():
        roles = [r["role"] for r in g]
        if "test" in roles and roles.count("base") != 1:
            errors.append(f"{w} {p}: {roles.count('base')} base rows, expected 1")
    seen = {}
    for r in rows:
        seen.setdefault(r["workload"], set()).add(r["role"])
    allocs = {}
    for r in rows:
        allocs.setdefault(r["workload"], set()).add(r["allocator"])
    for w in [w for w in a.workloads.split(",") if w]:
        if w not in seen:
            errors.append(f"workload '{w}' missing")
            continue
        if seen[w] == {"calib"}:
            continue
        if not {"base", "test"} <= seen[w]:
            errors.append(f"workload '{w}': roles {','.join(sorted(seen[w]))}, no base or no test row")
        for al in [x for x in a.allocators.split(",") if x]:
            if not any(x == al or x.startswith(al + "-") for x in allocs[w]):
                errors.append(f"workload '{w}': no '{al}' row (has {','.join(sorted(allocs[w]))})")
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


def cmd_table(a):
    header, rows = load(a.csv)
    cols = [c for c in header if c not in ENV_COLS and c != "timing"]
    m = meta(rows)
    print(f"# {m['label']}: kernel {m['kernel']}, {int(m['cpus'])} cpus, "
          f"init_on_alloc={int(m['init_on_alloc'])}, init_on_free={int(m['init_on_free'])}, "
          f"header_mode={m['header_mode']}")
    table = [cols] + [[r["raw"][c] for c in cols] for r in rows]
    width = [max(len(t[i]) for t in table) for i in range(len(cols))]
    for t in table:
        print("  ".join(s.ljust(w) if c in TEXT else s.rjust(w)
                        for s, w, c in zip(t, width, cols)).rstrip())
    return 0


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2) if n else float("nan")


def column(spec):
    """One summary column: NAME=CSV[,CSV...], the CSVs boots of one
    configuration.  Returns (name, desc, cells, geomean cells), cells
    {label: (from the minimums, range or None, flag, from the medians)}."""
    name, _, paths = spec.rpartition("=")
    boots = []
    for path in paths.split(","):
        _, rows = load(path)
        boots.append((meta(rows), labels(rows), speedups(rows)))
    m = boots[0][0]
    name = name or m["env"]
    desc = (f"{m['label']}; kernel {m['kernel']}, "
            f"{int(m['cpus'])} cpu(s), init_on_alloc={int(m['init_on_alloc'])}, "
            f"init_on_free={int(m['init_on_free'])}")
    if len(boots) > 1:
        desc += f"; {len(boots)} boots"
    # Rows are matched across boots and columns by their label (workload,
    # plus the param when a workload has several): fill's param is its
    # scaled object count, which differs between runs of different scale.
    per = {}
    for _, lab, sp in boots:
        for k, d in sp.items():
            if k in lab:
                per.setdefault(lab[k], []).append(d)
    # A row of several boots: the geometric mean of the per-boot
    # speedups (so the geomean over rows is that of the per-boot geomeans,
    # inside their range), and their range.
    cells = {}
    for label, ds in per.items():
        rng = (min(d["min"] for d in ds), max(d["min"] for d in ds)) if len(ds) > 1 else None
        cells[label] = (geomean([d["min"] for d in ds]), rng,
                        any(d["flag"] for d in ds),
                        geomean([d["med"] for d in ds]))
    # The geomean over the rows that count, each label once.
    count = set()
    for _, lab, sp in boots:
        count |= {lab[k] for k in distinct(sp) if k in lab}
    g_head = geomean([cells[lbl][0] for lbl in count])
    g_med = geomean([cells[lbl][3] for lbl in count])
    per_boot = [run_geomean(sp)[0] for _, _, sp in boots]
    g_rng = (min(per_boot), max(per_boot)) if len(boots) > 1 else None
    return name, desc, cells, (g_head, g_rng, False, g_med), len(count)


def cell(x, rng, flag):
    s = "-" if x is None or math.isnan(x) else f"{x:.2f}x"
    if rng:
        s += f" [{rng[0]:.2f}-{rng[1]:.2f}]"
    return s + ("!" if flag else "")


def cmd_summary(a):
    cols = [column(spec) for spec in a.csv]
    keys = []
    for _, _, cells, _, _ in cols:
        keys += [k for k in cells if k not in keys]
    glabel = "geomean (of N workload+param rows)"
    w0 = max([len(k) for k in keys] + [len("workload"), len(glabel)])

    def table(idx, ranges):
        text = {}
        for name, _, cells, g, n in cols:
            col = [cell(cells[k][idx], cells[k][1] if ranges else None, cells[k][2])
                   if k in cells else "-" for k in keys]
            col.append(cell(g[idx], g[1] if ranges else None, False) + f" N={n}")
            text[name] = col
        width = {n: max(len(n), *(len(x) for x in c)) for n, c in text.items()}
        print("workload".ljust(w0) + "".join("  " + n.rjust(width[n]) for n in text))
        for i, k in enumerate(keys + [glabel]):
            print(k.ljust(w0) + "".join("  " + c[i].rjust(width[n]) for n, c in text.items()))

    print("Speedup of hakmem_slab over SLUB from the minimums: SLUB min ns / hakmem min ns")
    print("(>1.00 = hakmem faster; each column compares the allocators within one run;")
    print(" arms in ABBA order.  Several boots: the geometric mean of the per-boot")
    print(" speedups, and in brackets their range.  !: spread (median/min) above 10%")
    print(" for an arm in some boot after 3 attempts)")
    for name, desc, _, _, _ in cols:
        print(f"  {name}: {desc}")
    print()
    table(0, True)
    print()
    print("From the medians: SLUB median ns / hakmem median ns (several boots: the")
    print("geometric mean of the per-boot ratios)")
    print()
    table(3, False)
    print()
    print(textwrap.fill("geomean: the rows with geomean=1 in the CSV, each workload and "
                        "param once; not counted (yardsticks, parts timed apart, "
                        "repeats, memory): " + ", ".join(uncounted(a.csv)) + ".", 79))
    memory(a.csv)
    if a.workloads:
        legend(read_workloads(a.workloads))
    return 0


def uncounted(specs):
    """The workloads of the columns none of whose rows counts in a geomean."""
    seen = {}
    for spec in specs:
        for path in spec.rpartition("=")[2].split(","):
            for r in load(path)[1]:
                if r["role"] in ("test", "yardstick"):
                    seen[r["workload"]] = seen.get(r["workload"], False) or r["geomean"] == 1
    return [w for w, counted in seen.items() if not counted] or ["none"]


def legend(wls):
    """What each workload measures, as the module's table says."""
    print()
    print("Workloads (the module's table, /sys/kernel/debug/hakmem_bench/workloads):")
    w0 = max(len(n) for n, _ in wls)
    for name, lines in wls:
        for i, text in enumerate(lines or [""]):
            print(f"  {(name if i == 0 else '').ljust(w0)}  {text}".rstrip())


def min_ns(spec, wanted):
    """{label: (base min_ns, hakmem min_ns, counts in the geomean)} of
    NAME=CSV[,CSV...]: the minimum over the boots, for the test rows."""
    out = {}
    for path in spec.rpartition("=")[2].split(","):
        _, rows = load(path)
        lab = labels(rows)
        for k, d in speedups(rows).items():
            if k not in lab or d["row"]["role"] != "test" or (wanted and k[0] not in wanted):
                continue
            b, t, g = out.get(lab[k], (float("inf"), float("inf"), False))
            out[lab[k]] = (min(b, d["bmin"]), min(t, d["tmin"]),
                           g or (d["row"]["geomean"] == 1 and k in distinct_keys(rows)))
    return out


def distinct_keys(rows):
    """The keys of speedups(rows) that count in a geomean."""
    return set(distinct(speedups(rows)))


def cmd_delta(a):
    wanted = [w for w in a.workloads.split(",") if w]
    na, nb = (x.rpartition("=")[0] or "A" for x in (a.a, a.b))
    ma, mb = min_ns(a.a, wanted), min_ns(a.b, wanted)
    keys = [k for k in ma if k in mb]
    if not keys:
        raise CsvError("no row is in both A and B")
    print(f"A: {na}; B: {nb}.  min ns (minimum over each one's boots), per op as")
    print("the workload's legend says; d = A - B; speedup = SLUB / hakmem; same:")
    print("A's speedup had hakmem paid SLUB's d, SLUB(A) / (hakmem(B) + d SLUB)")
    print()
    head = ["workload", "SLUB A", "SLUB B", "d SLUB", "hakmem A", "hakmem B",
            "d hakmem", "speedup A", "speedup B", "same"]
    table = [head]
    g = ([], [], [])
    for k in keys:
        (sa, ha, ga), (sb, hb, _) = ma[k], mb[k]
        same = sa / (hb + sa - sb) if hb + sa - sb > 0 else float("nan")
        table.append([k] + [f"{x:.2f}" for x in (sa, sb, sa - sb, ha, hb, ha - hb)] +
                     [f"{sa / ha:.2f}x", f"{sb / hb:.2f}x", f"{same:.2f}x"])
        if ga:
            for lst, x in zip(g, (sa / ha, sb / hb, same)):
                lst.append(x)
    table.append([f"geomean (N={len(g[0])})"] + [""] * 6 +
                 [f"{geomean(x):.2f}x" for x in g])
    width = [max(len(t[i]) for t in table) for i in range(len(head))]
    for t in table:
        print("  ".join(x.ljust(w) if i == 0 else x.rjust(w)
                        for i, (x, w) in enumerate(zip(t, width))).rstrip())
    return 0


def cmd_workloads(a):
    for name, _ in read_workloads(a.file):
        print(name)
    return 0


def memory(specs):
    """The memory table of every column that has memory rows (mem-*: those
    with any memory column besides peak_kb), the median over its boots."""
    blocks = []
    for spec in specs:
        name, _, paths = spec.rpartition("=")
        per = {}
        for path in paths.split(","):
            _, rows = load(path)
            name = name or meta(rows)["env"]
            for (w, p), g in groups(rows).items():
                if not any(r[c] > 0 for r in g for c in MEM_COLS[1:]):
                    continue
                for r in g:
                    per.setdefault((w, p, r["allocator"], r["role"]), []).append(r)
        if per:
            blocks.append((name, per))
    if not blocks:
        return
    print()
    print("Memory, KiB (median over the repetitions, then over the boots).  peak and")
    print("retained (every object freed): the drop in free pages (buddy + per-CPU lists)")
    print("since the start, the same for both allocators; shrunk: retained once the")
    print("caches are shrunk; own_*: the allocator's own count (hakmem: its caches' pages,")
    print("hakmem_cache_get_info(); SLUB: the growth of NR_SLAB_UNRECLAIMABLE_B).")
    print("peak x: this peak / the base's peak.")
    for name, per in blocks:
        print()
        print(f"{name}:")
        head = ["workload", "param", "allocator"] + list(MEM_COLS) + ["peak x"]
        table = [head]
        base_peak = {}
        for (w, p, al, role), rs in per.items():
            if role == "base":
                base_peak[(w, p)] = median([r["peak_kb"] for r in rs])
        for (w, p, al, role), rs in per.items():
            vals = [median([r[c] for r in rs]) for c in MEM_COLS]
            bp = base_peak.get((w, p))
            ratio = f"{vals[0] / bp:.2f}" if bp else "-"
            table.append([w, p, al] + [f"{v:.0f}" for v in vals] + [ratio])
        width = [max(len(t[i]) for t in table) for i in range(len(head))]
        for t in table:
            print("  " + "  ".join(x.ljust(wd) if i < 3 else x.rjust(wd)
                                   for i, (x, wd) in enumerate(zip(t, width))).rstrip())


def cmd_plotdata(a):
    """One line per test row: label, base Mops/s, test Mops/s, speedup."""
    _, rows = load(a.csv)
    lab, sp = labels(rows), speedups(rows)
    n = 0

    def val(x):
        return "NaN" if x is None or math.isnan(x) else f"{x:.4g}"

    with open(a.out, "w") as f:
        f.write("# label base_mops test_mops speedup\n")
        for (w, p), g in groups(rows).items():
            base = [r for r in g if r["role"] == "base"]
            for r in g:
                key = (w, p, r["allocator"])
                if r["role"] != "test" or key not in sp:
                    continue
                f.write(f'"{lab[key]}" {val(base[0]["mops"] if base else None)} '
                        f'{val(r["mops"])} {val(sp[key]["min"])}\n')
                n += 1
    if n == 0:
        raise CsvError(f"{a.csv}: no test rows to plot")
    m = meta(rows)
    g, _ = run_geomean(sp)
    print(f"p_env='{m['env']}'")
    print(f"p_envlabel='{m['label']}'")
    print(f"p_kernel='{m['kernel']}'")
    print(f"p_cpus={int(m['cpus'])}")
    print(f"p_init_on_alloc='{int(m['init_on_alloc'])}'")
    print(f"p_init_on_free='{int(m['init_on_free'])}'")
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
    c.add_argument("--allocators", default="")
    c.add_argument("--env", default="")
    c.add_argument("--min-rows", type=int, default=1)
    t = sub.add_parser("table")
    t.add_argument("csv")
    s = sub.add_parser("summary")
    s.add_argument("--workloads", default="",
                   help="the module's list of workloads: print their legends")
    s.add_argument("csv", nargs="+", help="CSV or NAME=CSV")
    e = sub.add_parser("delta")
    e.add_argument("--workloads", default="", help="only these workloads")
    e.add_argument("a", help="NAME=CSV[,CSV...]")
    e.add_argument("b", help="NAME=CSV[,CSV...]")
    w = sub.add_parser("workloads")
    w.add_argument("file")
    d = sub.add_parser("plotdata")
    d.add_argument("csv")
    d.add_argument("out")
    a = p.parse_args()
    try:
        return {"check": cmd_check, "table": cmd_table, "summary": cmd_summary,
                "plotdata": cmd_plotdata, "workloads": cmd_workloads,
                "delta": cmd_delta}[a.cmd](a)
    except CsvError as e:
        print(f"bench-report: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
