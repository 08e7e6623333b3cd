#!/usr/bin/env python
"""Local-run benchmark: ``cwl2dirac run`` against plain ``cwltool``, the 1M-file catalog, and a profile.

Run from the repository root::

    .venv/bin/python benchmarks/local_run.py [--quick] [--repeat N] [--files N] [--no-ctao] [--no-profile]

In one run it measures, as whole processes (wall time, median of ``--repeat`` runs, the two runners' runs
interleaved so that a change of machine load hits both; a fresh ``--workdir`` and ``--outdir`` every time so
that nothing is resumed):

* a chain of 3 and a chain of 100 steps (each step ``run:``s the same ``cat`` tool file on the previous output):
  ``cwl2dirac run`` against ``cwltool``; the marginal cost of a step ((t100 - t3) / 97) of each;
* a scatter of 100 short tasks (``sleep``/``echo``): ``cwl2dirac run --jobs 1`` and ``--jobs 2`` (the 2-core
  speed-up, whole process and the run phase that cwl2dirac reports), ``cwltool`` and ``cwltool --parallel``;
* the CTAO example ``cwl/workflows/process_merge.cwl examples/process_merge.yml`` (ctapipe on real files);
* a catalog of ``--files`` (1,000,000) files built with ``LocalCatalog.register``, then the median time of
  typical meta-queries (``find``, what the runner calls, and ``count``).

It prints a table, the ratios and PASS/MISS against the targets (it measures, never asserts), then profiles
``cwl2dirac run`` on the 3- and 100-step chains: ``-X importtime`` of both runners (import time per top-level
package), cProfile of the CLI process and of every task in the pool (the pool's ``execute`` is wrapped
by this script, the package is not modified), and the hotspots.

Child processes get ``PYTHONPYCACHEPREFIX=<out-dir>/pycache`` and no ``PYTHONDONTWRITEBYTECODE``, so that both
runners import from byte code as an ordinary installation does (``--no-pyc``: keep the environment as it is).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chains import write_chain

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GENERATED = ROOT / "benchmarks" / "generated" / "local_run"

# Targets
TARGET_CHAIN_RATIO = 1.1  # cwl2dirac run <= 1.1 x cwltool on the chains (wall time, medians)
TARGET_SPEEDUP = 1.8  # scatter of 100: --jobs 2 at least 1.8 x faster than --jobs 1
TARGET_QUERY_S = 1.0  # a meta-query over 1,000,000 files in under 1 s

# A process slower than this is run once only, whatever --repeat says.
SLOW_PROCESS_S = 40.0

ECHO_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
doc: A short task of the scatter benchmark (sleeps, then echoes its message to stdout).
baseCommand: [sh, -c, 'sleep {sleep}; echo "$0"']
inputs:
  message:
    type: string
    inputBinding: {{position: 1}}
outputs:
  out:
    type: stdout
stdout: out.txt
"""

SCATTER_WF = """\
cwlVersion: v1.2
class: Workflow
doc: Scatter of short tasks over a string array (cwl2dirac benchmark).
requirements:
  ScatterFeatureRequirement: {}
inputs:
  messages: string[]
outputs:
  results:
    type: File[]
    outputSource: echo/out
steps:
  echo:
    run: echo.cwl
    scatter: message
    in:
      message: messages
    out: [out]
"""

# Metadata of the catalog benchmark (random, fixed seed, no correlation between fields).
PARTICLES = ["gamma", "proton", "electron", "gamma-diffuse"]
QUERIES: list[tuple[str, dict, bool]] = [  # (label, query, counts for the target)
    ("varchar =      dataset=ds0042", {"dataset": "ds0042"}, True),
    ("in, 2 values   dataset in ds0042,ds0777", {"dataset": {"in": ["ds0042", "ds0777"]}}, True),
    ("int =          run=4242", {"run": 4242}, True),
    (
        "3-key AND      particle=gamma data_level=1 site=LaPalma",
        {"particle": "gamma", "data_level": 1, "site": "LaPalma"},
        True,
    ),
    ("(info) broad   particle=gamma", {"particle": "gamma"}, False),
]


# -- generation --------------------------------------------------------------------------------------
def write_inputs(directory: Path, scatter: int, sleep: float) -> tuple[Path, Path, Path]:
    """The chains' job (one small text file), the scatter workflow and its job."""
    (directory / "input.txt").write_text("cwl2dirac local-run benchmark\n", encoding="utf-8")
    chain_job = directory / "chain_job.yml"
    chain_job.write_text("infile: {class: File, location: input.txt}\n", encoding="utf-8")
    (directory / "echo.cwl").write_text(ECHO_TOOL.format(sleep=f"{sleep:g}"), encoding="utf-8")
    wf = directory / f"scatter_{scatter}.cwl"
    wf.write_text(SCATTER_WF, encoding="utf-8")
    job = directory / f"scatter_{scatter}_job.yml"
    job.write_text("messages:\n" + "".join(f"  - m{i:04d}\n" for i in range(scatter)), encoding="utf-8")
    return chain_job, wf, job


# -- running processes ------------------------------------------------------------------------------
def child_env(out_dir: Path, pyc: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])  # ctapipe for cwltool too
    if pyc:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(out_dir / "pycache")
    return env


_SUMMARY = re.compile(r"task\(s\) \((\d+) run now\), \d+ file\(s\) in the catalog, ([0-9.]+) s")


def run_timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> dict:
    """Run ``cmd``: wall time, exit code, stdout (the output object), the run phase cwl2dirac reports."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, env=env)
        _, status, _usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    result: dict = {"wall": wall, "rc": code}
    m = _SUMMARY.search(stderr)
    if m:
        result["phase"] = float(m.group(2))
    if code != 0:
        tail = [ln for ln in stderr.strip().splitlines() if ln.strip()][-3:]
        result["error"] = f"exit {code}: " + " | ".join(tail)[-300:]
    else:
        try:
            result["output"] = json.loads(stdout)
        except json.JSONDecodeError:
            result["error"] = "no JSON output object on stdout"
    return result


def summary_of(value: object) -> object:
    """An output object reduced to what both runners must agree on (File checksums, array shapes)."""
    if isinstance(value, dict):
        if value.get("class") == "File":
            return ("File", value.get("basename"), value.get("checksum"), value.get("size"))
        return {k: summary_of(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [summary_of(v) for v in value]
    return value


def shape_of(value: object) -> object:
    """Keys and array lengths only (ctapipe's HDF5 files differ from run to run)."""
    if isinstance(value, dict):
        if value.get("class") == "File":
            return "File"
        return {k: shape_of(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape_of(v) for v in value]
    return value


class Variant:
    """One command line of a case, measured ``repeat`` times."""

    def __init__(self, name: str, argv: list[str], fresh: bool) -> None:
        self.name, self.argv, self.fresh = name, argv, fresh
        self.runs: list[dict] = []

    def command(self, scratch: Path, n: int) -> list[str]:
        outdir = scratch / f"{self.name.replace(' ', '_')}-{n}"
        head = 2 if self.argv[1:2] == ["run"] else 1  # after 'cwl2dirac run' / 'cwltool'
        cmd = [*self.argv[:head], "--outdir", str(outdir / "out")]
        if self.fresh:
            cmd += ["--workdir", str(outdir / "work")]
        return cmd + self.argv[head:]

    def ok(self) -> list[dict]:
        return [r for r in self.runs if "error" not in r]

    def median(self) -> float | None:
        ok = self.ok()
        return statistics.median(r["wall"] for r in ok) if ok else None

    def phase(self) -> float | None:
        ph = [r["phase"] for r in self.ok() if "phase" in r]
        return statistics.median(ph) if ph else None

    def error(self) -> str | None:
        bad = [r for r in self.runs if "error" in r]
        return bad[0]["error"] if bad else None


def measure_case(label: str, variants: list[Variant], repeat: int, env: dict, scratch: Path) -> None:
    """Run the variants ``repeat`` times, interleaved (A B C A B C ...)."""
    print(f"[{label}] ", end="", flush=True)
    for i in range(repeat):
        for v in variants:
            if v.runs and "error" in v.runs[-1]:
                continue
            if i > 0 and v.runs and v.runs[-1]["wall"] > SLOW_PROCESS_S:
                continue
            r = run_timed(v.command(scratch, i), ROOT, env)
            v.runs.append(r)
            print(f"{v.name} {r['wall']:.1f}s{'(!)' if 'error' in r else ''}  ", end="", flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"| load {os.getloadavg()[0]:.1f}")


def agree(a: Variant, b: Variant, exact: bool) -> str:
    ra, rb = a.ok(), b.ok()
    if not ra or not rb:
        return "n/a"
    f = summary_of if exact else shape_of
    return "same outputs" if f(ra[0]["output"]) == f(rb[0]["output"]) else "OUTPUTS DIFFER"


# -- catalog ----------------------------------------------------------------------------------------
def catalog_benchmark(nfiles: int, repeat: int, workdir: Path) -> dict:
    from cwl2dirac.backends.local.catalog import LocalCatalog

    shutil.rmtree(workdir, ignore_errors=True)
    cat = LocalCatalog(workdir)
    cat.declare_fields(
        {
            "particle": "VARCHAR(128)",
            "data_level": "INT",
            "run": "INT",
            "site": "VARCHAR(128)",
            "dataset": "VARCHAR(128)",
        }
    )
    rng = random.Random(20261124)

    def entries(lo: int, hi: int):
        for i in range(lo, hi):
            meta = {
                "particle": PARTICLES[rng.randrange(4)],
                "data_level": rng.randrange(3),
                "run": i // 100,
                "site": "LaPalma" if rng.random() < 0.5 else "Paranal",
                "dataset": f"ds{rng.randrange(1000):04d}",
            }
            yield (f"/ctao/bench/{i // 1000:04d}/run{i:07d}.dl1.h5", meta, None)

    t0 = time.perf_counter()
    chunk = 100_000
    for lo in range(0, nfiles, chunk):
        cat.register(entries(lo, min(nfiles, lo + chunk)))
    build = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in workdir.glob("catalog.sqlite*")) / 2**20

    def time_queries() -> list[dict]:
        rows = []
        for label, query, counted in QUERIES:
            finds, counts, n = [], [], 0
            for _ in range(repeat):
                t = time.perf_counter()
                n = len(cat.find(query))
                finds.append(time.perf_counter() - t)
                t = time.perf_counter()
                cat.count(query)
                counts.append(time.perf_counter() - t)
            rows.append(
                {
                    "label": label,
                    "matches": n,
                    "find": statistics.median(finds),
                    "count": statistics.median(counts),
                    "target": counted,
                }
            )
        return rows

    as_built = time_queries()
    cat.db.execute("ANALYZE")
    analyzed = time_queries()
    cat.close()
    shutil.rmtree(workdir, ignore_errors=True)
    return {"files": nfiles, "build": build, "size_mb": size_mb, "queries": as_built, "analyzed": analyzed}


# -- profiling --------------------------------------------------------------------------------------
_TASK_PROFILES: list[str] = []


def _profiled_execute(argv, taskdir, log_path):  # type: ignore[no-untyped-def]
    """Stands for ``cwl2dirac.backends.local.pool.execute`` in the profiled run: one cProfile per task."""
    from cwl2dirac.backends.local import pool

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    try:
        # a pool process comes from the fork server, where pool.execute was never replaced
        original = getattr(pool, "_original_execute", pool.execute)
        return original(argv, taskdir, log_path)
    finally:
        prof.disable()
        wall = time.perf_counter() - t0
        target = Path(os.environ["_LOCAL_RUN_PROFILE_DIR"])
        name = f"task-{os.getpid()}-{time.monotonic_ns()}"
        prof.dump_stats(str(target / f"{name}.prof"))
        (target / f"{name}.wall").write_text(f"{wall}\n", encoding="utf-8")


def profile_child(prof_dir: str, argv: list[str]) -> int:
    """Child side of the profile: the whole CLI process under cProfile, every pool task under its own."""
    os.environ["_LOCAL_RUN_PROFILE_DIR"] = prof_dir
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    code = 0
    try:
        from cwl2dirac.backends.local import pool

        pool._original_execute = pool.execute  # type: ignore[attr-defined]
        pool.execute = _profiled_execute  # type: ignore[assignment]
        from cwl2dirac.cli import main as cli_main

        sys.argv = ["cwl2dirac", *argv]
        cli_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        prof.disable()
        prof.dump_stats(str(Path(prof_dir) / "parent.prof"))
        (Path(prof_dir) / "parent.wall").write_text(f"{time.perf_counter() - t0}\n", encoding="utf-8")
    return code


def import_times(cmd: list[str], env: dict) -> tuple[dict[str, float], float]:
    """``-X importtime`` of a process: self import time per top-level package (s), and the total."""
    env = dict(env, PYTHONPROFILEIMPORTTIME="1")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    per: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:") :].split("|")
        try:
            self_us = int(parts[0])
        except ValueError:
            continue
        root = parts[2].strip().split(".")[0]
        per[root] = per.get(root, 0.0) + self_us / 1e6
    return per, sum(per.values())


def _stat(stats: pstats.Stats, file_part: str, func: str) -> tuple[int, float, float]:
    """(calls, tottime, cumtime) of the function ``func`` of a file whose path contains ``file_part``."""
    calls, tt, ct = 0, 0.0, 0.0
    for (path, _line, name), (_cc, nc, t, c, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if name == func and file_part in path:
            calls, tt, ct = calls + nc, tt + t, max(ct, c) if calls == 0 else ct + c
    return calls, tt, ct


def _top(stats: pstats.Stats, key: str, top: int, only: str | None = None) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(key)
    if only:
        stats.print_stats(only, top)
    else:
        stats.print_stats(top)
    text = out.getvalue()
    return text[text.find("   ncalls") :].rstrip() if "   ncalls" in text else text.rstrip()


def profile_run(label: str, wf: Path, job: Path, env: dict, out_dir: Path, top: int) -> None:
    prof_dir = out_dir / f"profile_{wf.stem}"
    shutil.rmtree(prof_dir, ignore_errors=True)
    prof_dir.mkdir(parents=True)
    scratch = out_dir / "scratch_profile"
    shutil.rmtree(scratch, ignore_errors=True)
    argv = ["run", "--jobs", "1", "--outdir", str(scratch / "out"), "--workdir", str(scratch / "work"),
            str(wf), str(job)]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--_profile_child", str(prof_dir), "--", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n=== profile: cwl2dirac run --jobs 1 {wf.name} (cProfile, {wall:.2f} s wall under the profiler) ===")
    if proc.returncode != 0:
        print(f"  profiled run failed (exit {proc.returncode}): {proc.stderr.strip()[-400:]}")
        return
    parent = pstats.Stats(str(prof_dir / "parent.prof"))
    tasks = sorted(prof_dir.glob("task-*.prof"))
    task_walls = [float(p.with_suffix(".wall").read_text()) for p in tasks]
    agg = pstats.Stats(*[str(p) for p in tasks]) if tasks else None

    def c(st: pstats.Stats, f: str, fn: str) -> float:
        return _stat(st, f, fn)[2]

    total = float((prof_dir / "parent.wall").read_text())
    phases = [
        ("imports before the command runs (cli, click...)", c(parent, "cwl2dirac/cli/__init__.py", "<module>")),
        ("compile (as_request: cwl-utils, passes)", c(parent, "_api.py", "as_request")),
        ("request.to_json + fingerprint", c(parent, "request/model.py", "to_json")),
        ("runner _prepare (catalog, inputs)", c(parent, "backends/local/runner.py", "_prepare")),
        ("pool start (fork server: import cwltool, load schemas)", c(parent, "backends/local/pool.py", "start")),
        ("runner: _update_step (meta-queries, task creation)", c(parent, "backends/local/runner.py", "_update_step")),
        ("runner: _start (task dirs, task table)", c(parent, "backends/local/runner.py", "_start")),
        ("runner: _finish", c(parent, "backends/local/runner.py", "_finish")),
        (
            "runner: _refresh_complete + _runnable",
            c(parent, "backends/local/runner.py", "_refresh_complete")
            + c(parent, "backends/local/runner.py", "_runnable"),
        ),
        ("runner: waiting for tasks (concurrent.futures wait)", c(parent, "concurrent/futures/_base.py", "wait")),
        ("pool shutdown", c(parent, "backends/local/pool.py", "shutdown")),
        ("collect_outputs", c(parent, "backends/outputs.py", "collect_outputs")),
    ]
    print(f"parent process (the CLI): {total:.2f} s under cProfile")
    for name, t in phases:
        print(f"  {t:8.3f} s  {name}")
    if agg is not None:
        n = len(tasks)
        per = statistics.mean(task_walls)
        print(f"tasks (pool processes): {n} tasks, {per * 1000:.1f} ms per task under cProfile (mean)")
        rows = [
            ("worker main.run (whole task)", c(agg, "worker/main.py", "run")),
            ("  worker: build_job_order (catalog reads)", c(agg, "worker/task.py", "build_job_order")),
            ("  worker: _load (cwltool load_tool, cached per process)", c(agg, "worker/task.py", "_load")),
            ("  worker: run_tool", c(agg, "worker/task.py", "run_tool")),
            ("    cwltool: job run (JobBase._execute)", c(agg, "cwltool/job.py", "_execute")),
            ("    cwltool: subprocess wait", c(agg, "subprocess.py", "wait")),
            ("  worker: register_outputs (sha1, put)", c(agg, "worker/task.py", "register_outputs")),
            ("  worker: commit_task (SQLite transaction)", c(agg, "backends/local/catalog.py", "commit_task")),
            ("  config decode", c(agg, "request/token.py", "decode_config")),
        ]
        for name, t in rows:
            print(f"  {t / n * 1000:8.2f} ms/task  {name}")
        print(f"\n--- tasks, top {top} by tottime (all {n} tasks together) ---")
        print(_top(agg, "tottime", top))
        print(f"\n--- tasks, cwl2dirac functions, top {top} by cumulative ---")
        print(_top(agg, "cumulative", top, "cwl2dirac/"))
    print(f"\n--- parent, top {top} by tottime ---")
    print(_top(parent, "tottime", top))
    print(f"\n--- parent, cwl2dirac functions, top {top} by cumulative ---")
    print(_top(parent, "cumulative", top, "cwl2dirac/"))
    print(f"(profiles: {prof_dir})")


# -- reporting --------------------------------------------------------------------------------------
def load_text() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def runs_text(v: Variant) -> str:
    if v.error():
        return "error"
    walls = sorted(r["wall"] for r in v.ok())
    return f"{fmt_s(statistics.median(walls))} ({len(walls)}x, {walls[0]:.2f}-{walls[-1]:.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one run per process, 3 per query, 200,000 files")
    parser.add_argument("--repeat", type=int, default=None, help="runs of each process (default 3; --quick 1)")
    parser.add_argument("--files", type=int, default=None, help="catalog size (default 1,000,000)")
    parser.add_argument("--scatter", type=int, default=100, help="scatter width (default: %(default)s)")
    parser.add_argument("--sleep", type=float, default=0.1, help="seconds each scatter task sleeps (%(default)s)")
    parser.add_argument("--no-ctao", action="store_true", help="skip the CTAO example")
    parser.add_argument("--no-catalog", action="store_true", help="skip the catalog benchmark")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile of the chains")
    parser.add_argument("--profile-top", type=int, default=20, help="rows per profile listing")
    parser.add_argument(
        "--no-pyc", action="store_true", help="children inherit the environment's byte-code settings as they are"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=GENERATED, help="files, outputs, profiles (benchmarks/generated/local_run)"
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--_profile_child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()

    if args._profile_child:
        return profile_child(args._profile_child, [a for a in rest if a != "--"])

    repeat = args.repeat or (1 if args.quick else 3)
    nfiles = args.files or (200_000 if args.quick else 1_000_000)
    out_dir: Path = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    cwl2dirac, cwltool = str(BIN / "cwl2dirac"), str(BIN / "cwltool")
    for exe in (cwl2dirac, cwltool):
        if not Path(exe).exists():
            print(f"missing {exe}: run from the project's venv (.venv/bin/python benchmarks/local_run.py)")
            return 2
    env = child_env(out_dir, not args.no_pyc)
    load_start = load_text()
    t_start = time.perf_counter()
    print(f"cwl2dirac local-run benchmark, {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}"
    )
    print(f"load average at start: {load_start} (the figures are only meaningful on an otherwise idle machine)")
    pyc_note = (
        "environment as is" if args.no_pyc else f"byte code cached in {out_dir / 'pycache'}"
    ) + f" (PYTHONDONTWRITEBYTECODE in this environment: {os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')})"
    print(f"repeat {repeat}, catalog {nfiles:,} files, scatter {args.scatter} x sleep {args.sleep:g} s; {pyc_note}")
    print(f"files in {out_dir}\n")

    chain_job, scatter_wf, scatter_job = write_inputs(out_dir, args.scatter, args.sleep)
    chains = {n: write_chain(out_dir, n) for n in (3, 100)}
    scratch = out_dir / "scratch"

    # warm-up: byte code, page cache (not timed)
    print("[warm-up] ", end="", flush=True)
    for cmd in ([cwl2dirac, "run", "--quiet"], [cwltool, "--quiet"]):
        v = Variant("warmup", [*cmd, str(chains[3]), str(chain_job)], cmd[0] == cwl2dirac)
        r = run_timed(v.command(scratch, 0), ROOT, env)
        print(f"{Path(cmd[0]).name} {r['wall']:.1f}s{' ' + r['error'] if 'error' in r else ''}  ", end="")
    shutil.rmtree(scratch, ignore_errors=True)
    print()

    cases: list[dict] = []
    for n, wf in chains.items():
        c2d = Variant("cwl2dirac", [cwl2dirac, "run", str(wf), str(chain_job)], True)
        ct = Variant("cwltool", [cwltool, "--quiet", str(wf), str(chain_job)], False)
        measure_case(f"chain {n}", [c2d, ct], repeat, env, scratch)
        cases.append({"label": f"chain {n}", "n": n, "variants": [c2d, ct], "agree": agree(c2d, ct, True)})
    j1 = Variant("cwl2dirac -j1", [cwl2dirac, "run", "--jobs", "1", str(scatter_wf), str(scatter_job)], True)
    j2 = Variant("cwl2dirac -j2", [cwl2dirac, "run", "--jobs", "2", str(scatter_wf), str(scatter_job)], True)
    cs = Variant("cwltool", [cwltool, "--quiet", str(scatter_wf), str(scatter_job)], False)
    cp = Variant("cwltool --parallel", [cwltool, "--quiet", "--parallel", str(scatter_wf), str(scatter_job)], False)
    measure_case(f"scatter {args.scatter}", [j1, j2, cs, cp], repeat, env, scratch)
    cases.append({"label": f"scatter {args.scatter}", "variants": [j1, j2, cs, cp], "agree": agree(j2, cp, True)})
    ctao_wf, ctao_job = ROOT / "cwl/workflows/process_merge.cwl", ROOT / "examples/process_merge.yml"
    if not args.no_ctao and ctao_wf.exists() and ctao_job.exists():
        c2d = Variant("cwl2dirac", [cwl2dirac, "run", str(ctao_wf), str(ctao_job)], True)
        ct = Variant("cwltool", [cwltool, "--quiet", str(ctao_wf), str(ctao_job)], False)
        measure_case("CTAO process_merge", [c2d, ct], repeat, env, scratch)
        cases.append({"label": "CTAO process_merge", "variants": [c2d, ct], "agree": agree(c2d, ct, False)})

    cat = None
    if not args.no_catalog:
        print(f"[catalog {nfiles:,} files] building with LocalCatalog.register ... ", end="", flush=True)
        cat = catalog_benchmark(nfiles, 3 if args.quick else 5, out_dir / "catalog_bench")
        print(f"{cat['build']:.1f} s | load {os.getloadavg()[0]:.1f}")

    # -- table
    print("\nWhole processes, wall time: median (runs, min-max); cwl2dirac's 'run phase' is the time it reports")
    print("for its transformations (after compiling and before collecting the outputs)\n")
    head = f"{'case':<22} {'variant':<20} {'wall (median, runs, range)':>34} {'run phase':>10} {'ratio':>7}"
    print(head)
    print("-" * len(head))
    for case in cases:
        vs = case["variants"]
        ref = next((v for v in vs if v.name.startswith("cwltool")), None)
        for v in vs:
            ratio = ""
            if ref is not None and v is not ref and v.median() and ref.median():
                ratio = f"{v.median() / ref.median():.2f}x"
            print(f"{case['label']:<22} {v.name:<20} {runs_text(v):>34} {fmt_s(v.phase()):>10} {ratio:>7}")
        print(f"{'':<22} ({case['agree']}; ratio = against {ref.name if ref else '-'})")
    for case in cases:
        for v in case["variants"]:
            if v.error():
                print(f"  {case['label']} {v.name}: {v.error()}")

    by = {c["label"]: {v.name: v for v in c["variants"]} for c in cases}
    c3, c100 = by.get("chain 3", {}), by.get("chain 100", {})
    marg: dict[str, float] = {}
    for name in ("cwl2dirac", "cwltool"):
        a, b = c3.get(name), c100.get(name)
        if a and b and a.median() and b.median():
            marg[name] = (b.median() - a.median()) / 97
            fixed = a.median() - 3 * marg[name]
            print(
                f"  {name:<10} per step (t100 - t3)/97: {fmt_s(marg[name])}; fixed cost t3 - 3 x step: {fmt_s(fixed)}"
            )

    if cat:
        print(
            f"\nCatalog: {cat['files']:,} files registered with LocalCatalog.register in {cat['build']:.1f} s "
            f"({cat['files'] / cat['build']:,.0f} files/s), {cat['size_mb']:.0f} MB; medians of the queries"
        )
        head = f"{'query':<58} {'matches':>8} {'find()':>10} {'count()':>10} | {'after ANALYZE: find':>20} {'count':>9}"
        print(head)
        print("-" * len(head))
        for q, qa in zip(cat["queries"], cat["analyzed"], strict=True):
            print(
                f"{q['label']:<58} {q['matches']:>8} {fmt_s(q['find']):>10} {fmt_s(q['count']):>10} | "
                f"{fmt_s(qa['find']):>20} {fmt_s(qa['count']):>9}"
            )
        print("(find() = what the runner and the worker call: ids by SQL, then rows, JSON metadata and a sort;")
        print(" count() = the SQL intersection alone; the catalog is never ANALYZEd by the package)")

    # -- targets
    print("\nTargets")
    for case in cases[:2]:
        v = {x.name: x for x in case["variants"]}
        a, b = v["cwl2dirac"].median(), v["cwltool"].median()
        if a and b:
            print(
                f"  {verdict(a / b <= TARGET_CHAIN_RATIO)}  {case['label']}: cwl2dirac run {a / b:.2f}x cwltool "
                f"({fmt_s(a)} / {fmt_s(b)}), target <= {TARGET_CHAIN_RATIO}x"
            )
    sc = by.get(f"scatter {args.scatter}", {})
    if sc and sc["cwl2dirac -j1"].median() and sc["cwl2dirac -j2"].median():
        s = sc["cwl2dirac -j1"].median() / sc["cwl2dirac -j2"].median()
        print(
            f"  {verdict(s >= TARGET_SPEEDUP)}  scatter {args.scatter}, --jobs 2 vs --jobs 1, whole process: "
            f"{s:.2f}x, target >= {TARGET_SPEEDUP}x"
        )
        p1, p2 = sc["cwl2dirac -j1"].phase(), sc["cwl2dirac -j2"].phase()
        if p1 and p2:
            print(
                f"  {verdict(p1 / p2 >= TARGET_SPEEDUP)}  scatter {args.scatter}, --jobs 2 vs --jobs 1, run phase: "
                f"{p1 / p2:.2f}x ({fmt_s(p1)} / {fmt_s(p2)}), target >= {TARGET_SPEEDUP}x"
            )
        if sc["cwltool"].median() and sc["cwltool --parallel"].median():
            print(
                f"  (info) cwltool --parallel vs cwltool: "
                f"{sc['cwltool'].median() / sc['cwltool --parallel'].median():.2f}x; cwl2dirac -j2 vs "
                f"cwltool --parallel: {sc['cwl2dirac -j2'].median() / sc['cwltool --parallel'].median():.2f}x"
            )
    if cat:
        worst = max((q for q in cat["queries"] if q["target"]), key=lambda q: q["find"])
        print(
            f"  {verdict(worst['find'] < TARGET_QUERY_S)}  meta-query over {cat['files']:,} files: slowest typical "
            f"query {fmt_s(worst['find'])} (find, {worst['matches']} matches: {worst['label'].split('  ')[0]}), "
            f"target < {TARGET_QUERY_S:.0f} s"
        )
    load_end = load_text()
    print(
        f"\nload average at start: {load_start}; at end: {load_end} on {os.cpu_count()} cores"
        + (
            "  <-- BUSY MACHINE: times inflated"
            if max(os.getloadavg()[0], float(load_start.split(",")[0])) > (os.cpu_count() or 1)
            else ""
        )
    )
    print(f"measurements took {time.perf_counter() - t_start:.0f} s")

    if args.json:
        raw = {
            "cases": [
                {"label": c["label"], "agree": c["agree"],
                 "variants": {v.name: [{k: r[k] for k in ("wall", "rc", "phase", "error") if k in r}
                                       for r in v.runs] for v in c["variants"]}}
                for c in cases
            ],
            "catalog": cat,
            "load": [load_start, load_end],
        }  # fmt: skip
        args.json.write_text(json.dumps(raw, indent=2), encoding="utf-8")
        print(f"raw figures: {args.json}")

    if not args.no_profile:
        print("\n=== import time per top-level package (-X importtime, self times summed; chain 3) ===")
        imp = {}
        for name, cmd in (
            ("cwl2dirac", [sys.executable, "-X", "importtime", cwl2dirac, "run", "--quiet"]),
            ("cwltool", [sys.executable, "-X", "importtime", cwltool, "--quiet"]),
        ):
            tmp = out_dir / "scratch_import"
            extra = ["--workdir", str(tmp / "work")] if name == "cwl2dirac" else []
            imp[name] = import_times([*cmd, "--outdir", str(tmp / "out"), *extra, str(chains[3]), str(chain_job)], env)
            shutil.rmtree(tmp, ignore_errors=True)
        a, b = imp["cwl2dirac"], imp["cwltool"]
        print(f"total: cwl2dirac run {a[1]:.2f} s, cwltool {b[1]:.2f} s (includes lazy imports; under importtime)")
        roots = sorted(set(a[0]) | set(b[0]), key=lambda r: -(a[0].get(r, 0) - b[0].get(r, 0)))
        print(f"  {'package':<24} {'cwl2dirac':>10} {'cwltool':>10} {'extra':>8}")
        for r in roots[: args.profile_top]:
            print(
                f"  {r:<24} {a[0].get(r, 0):>9.3f}s {b[0].get(r, 0):>9.3f}s {a[0].get(r, 0) - b[0].get(r, 0):>+7.3f}s"
            )
        for n, wf in chains.items():
            profile_run(f"chain {n}", wf, chain_job, env, out_dir, args.profile_top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
