#!/usr/bin/env python
"""CTAO's scale (issue 19), the local backend's part: a run of 100,000 tasks, its catalog grown to 1,000,000
files carrying CTAO's catalog fields, and what ``cwl2dirac status`` costs on it.

    .venv/bin/python benchmarks/scale.py [--tasks 100000] [--files 1000000] [--small-tasks 1000]

1. **The scheduler's per-task overhead, at 1,000 and at 100,000 tasks**: ``cwl2dirac run`` (local backend, one
   job slot per core) of a scatter of a trivial tool (``echo``), as in ``benchmarks/load.py`` (its code): the run
   phase per task minus the tool alone per task, the peak RSS of the whole process tree, and the checks (every
   output once, every task done once). Target: the same overhead at both sizes (about 10 ms measured at 1,000 and
   10,000), memory bounded.
2. **The catalog at 1,000,000 files**: the 100,000-task run's own catalog is given files up to ``--files``,
   registered through :meth:`LocalCatalog.register` (the API a run registers its inputs with) under the run's
   inputs base, each with CTAO's catalog fields (:data:`cwl2dirac.request.ctao.FIELDS`); the rate is printed.
   A running production's states are set on its task table (1 % failed, 1 % running, 2 % waiting, the rest done),
   then ``cwl2dirac status WORKDIR`` and ``status --json WORKDIR`` are timed as whole processes (median of 5, the
   peak RSS of each), and a meta-query of 4 fields over the 1,000,000 files (``LocalCatalog.count``, what a step's
   input query costs). Target: status < 1 s.

The DIRAC part of issue 19 (a production of 100,000 tasks in DIRAC's MariaDB, the controller pass, recover of
10,000 tasks) is not in this script yet. It measures, never asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
BIN = Path(sys.executable).parent
GENERATED = ROOT / "benchmarks" / "generated" / "scale"


def overhead(n: int, out_dir: Path, keep: bool) -> dict[str, Any]:
    """``load.py``'s local benchmark of ``n`` tasks; the per-task figures."""
    import load

    args = argparse.Namespace(local_tasks=n, local_jobs=None, keep=keep)
    res = load.local_benchmark(args, out_dir)
    if res.get("rc") != 0 or res.get("phase") is None:
        raise SystemExit(f"cwl2dirac run of {n} tasks failed: {res.get('error', res)}")
    res["per_task"] = res["phase"] / n
    res["tool_per_task"] = res["tool_wall"] / n
    res["overhead"] = res["per_task"] - res["tool_per_task"]
    res["workdir"] = out_dir / f"local_{n}" / "work"
    return res


def _ctao_values(i: int) -> dict[str, Any]:
    from cwl2dirac.request.ctao import FIELDS

    values: dict[str, Any] = {}
    for k, field in enumerate(FIELDS.values()):
        if field.type == "INT":
            values[field.name] = (i * (k + 3)) % 1000
        elif field.type == "FLOAT":
            values[field.name] = float((i + k) % 90)
        else:
            values[field.name] = f"v{(i // (k + 1)) % 50}"
    return values


def grow_catalog(workdir: Path, files: int) -> dict[str, Any]:
    """Files up to ``files`` in the run's catalog, through ``LocalCatalog.register`` (100,000 a transaction)."""
    from cwl2dirac.backends.local.catalog import LocalCatalog
    from cwl2dirac.backends.local.runner import COMPLETE_STATE
    from cwl2dirac.request.ctao import FIELDS

    catalog = LocalCatalog.open(workdir)
    have = int(catalog.db.execute("SELECT count(*) FROM files").fetchone()[0])
    base = next((b for b in catalog._bases if b.endswith("/_inputs")), None)
    if base is None:
        raise SystemExit(f"{workdir}: the run declared no inputs base ({catalog._bases})")
    catalog.declare_fields({f.name: f.type for f in FIELDS.values()})
    wanted = max(files - have, 0)
    t = time.perf_counter()
    for start in range(0, wanted, 100_000):
        catalog.register((f"{base}/bench/{i // 1000:04d}/f{i:07d}.simtel.zst", _ctao_values(i), None)
                         for i in range(start, min(start + 100_000, wanted)))
    took = time.perf_counter() - t
    total = int(catalog.db.execute("SELECT count(*) FROM files").fetchone()[0])
    # a running production: 1 % failed, 1 % running, 2 % waiting, the rest done (by task number)
    with catalog.transaction() as db:
        db.execute("UPDATE tasks SET status = CASE WHEN task % 100 = 1 THEN 'failed' WHEN task % 100 = 2 THEN "
                   "'running' WHEN task % 100 IN (3, 4) THEN 'waiting' ELSE 'done' END, "
                   "message = CASE WHEN task % 100 = 1 THEN 'exit code 1' ELSE message END, "
                   "code = CASE WHEN task % 100 = 1 THEN 1 ELSE code END")
        db.execute("DELETE FROM state WHERE key LIKE ?", (f"{COMPLETE_STATE}%",))  # its steps not complete yet
    states = dict(catalog.db.execute("SELECT status, count(*) FROM tasks GROUP BY status").fetchall())
    names, sample = list(FIELDS), _ctao_values(7)
    query = {names[0]: sample[names[0]], names[1]: sample[names[1]], names[2]: sample[names[2]], names[3]: {">=": 0}}
    counts, walls = [], []
    for _ in range(5):
        t = time.perf_counter()
        counts.append(catalog.count(query))
        walls.append(time.perf_counter() - t)
    catalog.close()
    size = sum(p.stat().st_size for p in workdir.glob("catalog.sqlite*"))
    return {"added": wanted, "register": took, "files": total, "states": states, "query": statistics.median(walls),
            "query_found": counts[0], "db_mb": size / 1e6}


def status_times(workdir: Path, as_json: bool, times: int = 5) -> dict[str, Any]:
    """``cwl2dirac status [--json] WORKDIR`` as whole processes: median wall and the largest peak RSS."""
    walls, rss = [], []
    for _ in range(times):
        cmd = [str(BIN / "cwl2dirac"), "status", *(["--json"] if as_json else []), str(workdir)]
        with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr:
            t = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr)
            _, status, usage = os.wait4(proc.pid, 0)  # this process's own peak RSS
            walls.append(time.perf_counter() - t)
            rss.append(usage.ru_maxrss / 1024)
            fout.seek(0)
            ferr.seek(0)
            out, err = fout.read().decode(), ferr.read().decode()
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):  # 1: failed tasks, which this production has
            raise SystemExit(f"{' '.join(cmd)} exited {code}: {err.strip()[-500:]}")
    return {"median": statistics.median(walls), "max": max(walls), "rss_mb": max(rss), "lines": len(out.splitlines())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--small-tasks", type=int, default=1_000)
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--out-dir", type=Path, default=GENERATED)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    print(f"CTAO scale, local backend, {time.strftime('%Y-%m-%dT%H:%M:%S')}; load average at start "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"\n1. the scheduler's per-task overhead (echo scattered; {os.cpu_count()} job slots)")
    runs = [overhead(args.small_tasks, args.out_dir, keep=False), overhead(args.tasks, args.out_dir, keep=True)]
    for r in runs:
        print(f"   {r['tasks']:>7} tasks: run phase {r['phase']:.1f} s, per task {r['per_task'] * 1000:.1f} ms - tool "
              f"{r['tool_per_task'] * 1000:.1f} ms = overhead {r['overhead'] * 1000:.1f} ms; peak RSS "
              f"{r['maxrss_mb']:.0f} MB; checks {'ok' if r.get('ok') else 'FAILED'} "
              f"(tasks {r.get('task_status')}, outputs {r.get('outputs')})")
    ratio = runs[1]["overhead"] / max(runs[0]["overhead"], 1e-9)
    print(f"   {'PASS' if ratio < 1.5 else 'MISS'}  overhead at {args.tasks} tasks / at {args.small_tasks}: "
          f"{ratio:.2f}")
    big = runs[1]["workdir"]
    print(f"\n2. the catalog of that run grown to {args.files} files with CTAO's fields; status on it (target < 1 s)")
    grown = grow_catalog(big, args.files)
    print(f"   registered {grown['added']} files in {grown['register']:.1f} s "
          f"({grown['added'] / max(grown['register'], 1e-9):.0f} files/s); catalog {grown['files']} files, "
          f"{grown['db_mb']:.0f} MB; tasks {grown['states']}")
    print(f"   meta-query of 4 fields over {grown['files']} files: median {grown['query'] * 1000:.1f} ms, "
          f"{grown['query_found']} found")
    for as_json in (False, True):
        s = status_times(big, as_json)
        label = "status --json" if as_json else "status"
        print(f"   {label:<14} median {s['median'] * 1000:.0f} ms (max {s['max'] * 1000:.0f} ms), peak RSS "
              f"{s['rss_mb']:.0f} MB, {s['lines']} lines  {'PASS' if s['median'] < 1 else 'MISS'}")
    print(f"\n(the {args.tasks}-task run's work directory is kept: {big})")


if __name__ == "__main__":
    main()
