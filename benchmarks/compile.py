#!/usr/bin/env python
"""Compile-time benchmark of cwl2dirac against ``cwltool --validate``.

Run from the repository root::

    .venv/bin/python benchmarks/compile.py [--sizes 10,100,1000,10000] [--repeat N]
                                           [--skip-cwltool-above N] [--profile 1000,10000]

For every chain of N steps (each step ``run:``s the same one CommandLineTool file; step i reads step i-1's
output) and for the CTAO pipeline of ``cwl/workflows/`` (when present), it measures:

* in-process: ``compile_workflow(path)`` in a fresh child interpreter, imports excluded: one first call (which
  still pays the lazy imports of cwl-utils and DIRAC), then ``--repeat`` warm calls (best and median), then
  one more call under ``tracemalloc`` for the peak of Python allocations; plus the child's peak RSS;
* ``cwl2dirac compile X -o out.yaml`` as a whole process: wall time and peak RSS (``os.wait4``);
* ``cwltool --validate X`` as a whole process, on the same file: wall time and peak RSS.

It prints a table, the ratios and PASS/MISS against the targets. It measures; it does not assert (exit code 0
unless something could not run at all). ``--profile`` runs cProfile on the warm in-process compile.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chains import write_chain

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GENERATED = ROOT / "benchmarks" / "generated"

# Targets
TARGET_INPROC_1000_S = 1.0  # 1000-step chain compiled in under 1 s inside the process (warm)
TARGET_PROCESS_RATIO = 0.2  # 1000 steps: cwl2dirac compile process <= 0.2 x cwltool --validate process
TARGET_GROWTH = 11.0  # t(10000) <= 11 x t(1000)

# A process slower than this is run once only, whatever --repeat says.
SLOW_PROCESS_S = 20.0

# -- generation --------------------------------------------------------------------------------------
def find_ctao() -> tuple[Path, Path | None] | None:
    """The CTAO pipeline of ``cwl/workflows/`` and its example inputs, whichever exists now."""
    for wf, inputs in (("full_chain.cwl", "full_chain.yml"), ("process_merge.cwl", "process_merge.yml")):
        path = ROOT / "cwl" / "workflows" / wf
        if path.exists():
            job = ROOT / "examples" / inputs
            return path, (job if job.exists() else None)
    return None


# -- measuring --------------------------------------------------------------------------------------
def run_timed(cmd: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Run ``cmd``; its wall time (s), peak RSS (MB), exit code and the tail of its stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return wall, usage.ru_maxrss / 1024.0, proc.returncode, tail[0]


def measure_process(cmd: list[str], cwd: Path, repeat: int) -> dict:
    walls: list[float] = []
    rss = 0.0
    for _ in range(max(1, repeat)):
        wall, peak, rc, tail = run_timed(cmd, cwd)
        if rc != 0:
            return {"error": f"exit {rc}: {tail}"}
        walls.append(wall)
        rss = max(rss, peak)
        if wall > SLOW_PROCESS_S:
            break
    return {"best": min(walls), "median": statistics.median(walls), "runs": len(walls), "rss_mb": rss}


def inproc_worker(pipeline: str, inputs: str | None, repeat: int, profile: str | None) -> None:
    """Child side of the in-process measurement: prints one JSON object on stdout."""
    import resource
    import tracemalloc

    t0 = time.perf_counter()
    from cwl2dirac.compiler import compile_workflow

    imported = time.perf_counter() - t0

    def once() -> float:
        start = time.perf_counter()
        compile_workflow(pipeline, inputs)
        return time.perf_counter() - start

    first = once()
    warm = []
    for _ in range(max(1, repeat)):
        gc.collect()
        warm.append(once())
    gc.collect()
    tracemalloc.start()
    compile_workflow(pipeline, inputs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {
        "import": imported,
        "first": first,
        "best": min(warm),
        "median": statistics.median(warm),
        "runs": len(warm),
        "tracemalloc_mb": peak / 2**20,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
    if profile:
        gc.collect()
        prof = cProfile.Profile()
        prof.enable()
        compile_workflow(pipeline, inputs)
        prof.disable()
        prof.dump_stats(profile)
    print(json.dumps(result))


def growth_worker(small: str, large: str, repeat: int) -> None:
    """Child side of the growth measurement: both chains compiled in turn in one process (one untimed call of
    each first), so that both sizes see the same machine state; prints the wall and CPU times as JSON."""
    from cwl2dirac.compiler import compile_workflow

    compile_workflow(small)
    compile_workflow(large)
    times: dict[str, dict[str, list[float]]] = {"small": {"wall": [], "cpu": []}, "large": {"wall": [], "cpu": []}}
    for _ in range(max(1, repeat)):
        for key, path in (("small", small), ("large", large)):
            gc.collect()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            compile_workflow(path)
            times[key]["wall"].append(time.perf_counter() - wall0)
            times[key]["cpu"].append(time.process_time() - cpu0)
    print(json.dumps(times))


def measure_growth(small: Path, large: Path, repeat: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_growth", str(small), str(large), "--repeat", str(repeat)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or [""])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    result: dict = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure_inproc(pipeline: Path, inputs: Path | None, repeat: int, profile: Path | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_inproc", str(pipeline), "--repeat", str(repeat)]
    if inputs is not None:
        cmd += ["--_inputs", str(inputs)]
    if profile is not None:
        cmd += ["--_profile", str(profile)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or [""])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_profile(path: Path, label: str, top: int) -> None:
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(str(path), stream=out)
        stats.strip_dirs().sort_stats(key).print_stats(top)
        text = out.getvalue()
        body = text[text.find("   ncalls") :] if "   ncalls" in text else text
        total = next((ln.strip() for ln in text.splitlines() if "function calls" in ln), "")
        print(f"\n--- cProfile, {label}, top {top} by {key} ({total}) ---")
        print(body.rstrip())


# -- reporting --------------------------------------------------------------------------------------
def load_text() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def fmt_mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} MB"


def bm(m: dict) -> str:
    """'best / median' of a process measurement."""
    return fmt_s(m["median"]) if m["runs"] == 1 else f"{fmt_s(m['best'])} / {fmt_s(m['median'])}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def extrapolate(points: dict[int, float], n: int) -> float | None:
    """Linear fit t = a + b*n through the two largest measured sizes."""
    sizes = sorted(points)
    if len(sizes) < 2:
        return None
    n1, n2 = sizes[-2], sizes[-1]
    slope = (points[n2] - points[n1]) / (n2 - n1)
    return points[n2] + slope * (n - n2)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,100,1000,10000", help="chain lengths (default: %(default)s)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="warm in-process calls, and runs of each process (default: %(default)s; a process "
        f"slower than {SLOW_PROCESS_S:.0f} s runs once)",
    )
    parser.add_argument(
        "--skip-cwltool-above",
        type=int,
        default=1000,
        metavar="N",
        help="do not run cwltool --validate on chains longer than N; extrapolate (default: %(default)s)",
    )
    parser.add_argument(
        "--profile",
        default="",
        metavar="SIZES",
        help="cProfile the warm in-process compile of these chain sizes, e.g. 1000,10000",
    )
    parser.add_argument("--profile-top", type=int, default=25, help="rows per profile listing")
    parser.add_argument("--no-ctao", action="store_true", help="skip the CTAO pipeline")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=GENERATED,
        help="where the chains, outputs and profiles go (default: benchmarks/generated)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--_inproc", help=argparse.SUPPRESS)
    parser.add_argument("--_inputs", help=argparse.SUPPRESS)
    parser.add_argument("--_profile", help=argparse.SUPPRESS)
    parser.add_argument("--_growth", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._growth:
        growth_worker(args._growth[0], args._growth[1], args.repeat)
        return 0

    if args._inproc:
        inproc_worker(args._inproc, args._inputs, args.repeat, args._profile)
        return 0

    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    profile_sizes = {int(s) for s in args.profile.split(",") if s.strip()}
    out_dir: Path = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    cwl2dirac = str(BIN / "cwl2dirac")
    cwltool = str(BIN / "cwltool")
    for exe in (cwl2dirac, cwltool):
        if not Path(exe).exists():
            print(f"missing {exe}: run from the project's venv (.venv/bin/python benchmarks/compile.py)")
            return 2

    print(f"cwl2dirac compile benchmark, {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}"
    )
    print(
        f"load average at start: {load_text()} (the figures are only meaningful on an otherwise idle machine)"
    )
    print(
        f"sizes {sizes}, repeat {args.repeat}, cwltool skipped above {args.skip_cwltool_above} steps, "
        f"files in {out_dir}\n"
    )

    cases: list[tuple[str, int | None, Path, Path | None]] = []
    for size in sizes:
        cases.append((f"chain {size}", size, write_chain(out_dir, size), None))
    ctao = None if args.no_ctao else find_ctao()
    if ctao is not None:
        cases.append((f"CTAO {ctao[0].name}", None, ctao[0], ctao[1]))
    elif not args.no_ctao:
        print("note: no CTAO pipeline (cwl/workflows/full_chain.cwl or process_merge.cwl) yet: skipped\n")

    results: list[dict] = []
    for label, n, path, inputs in cases:
        print(f"[{label}] ", end="", flush=True)
        row: dict = {"label": label, "n": n, "file": str(path), "inputs": str(inputs) if inputs else None}
        prof = out_dir / f"chain_{n}.prof" if n in profile_sizes else None
        row["inproc"] = measure_inproc(path, inputs, args.repeat, prof)
        print("in-process ", end="", flush=True)
        out_yaml = out_dir / f"{path.stem}.production.yaml"
        cmd = [cwl2dirac, "compile", str(path)] + ([str(inputs)] if inputs else []) + ["-o", str(out_yaml)]
        row["cwl2dirac"] = measure_process(cmd, out_dir, args.repeat)
        print("cwl2dirac ", end="", flush=True)
        if n is not None and n > args.skip_cwltool_above:
            row["cwltool"] = {"skipped": True}
            print("cwltool(skipped)")
        else:
            row["cwltool"] = measure_process([cwltool, "--validate", str(path)], out_dir, args.repeat)
            print("cwltool")
        row["load"] = os.getloadavg()[0]
        if prof is not None:
            row["profile"] = str(prof)
        results.append(row)

    # cwltool extrapolation for the skipped sizes
    measured = {
        r["n"]: r["cwltool"]["median"] for r in results if r["n"] is not None and "median" in r["cwltool"]
    }
    for r in results:
        if r["cwltool"].get("skipped"):
            r["cwltool"]["extrapolated"] = extrapolate(measured, r["n"])

    # -- table
    head = (
        f"{'case':<26} {'in-proc first':>13} {'in-proc best':>12} {'in-proc med':>11} {'tracemalloc':>11} "
        f"{'child RSS':>9} | {'cwl2dirac compile':>20} {'RSS':>7} | {'cwltool --validate':>22} {'RSS':>7} | "
        f"{'ratio':>6}"
    )
    print("\n" + head)
    print("-" * len(head))
    for r in results:
        ip, cd, ct = r["inproc"], r["cwl2dirac"], r["cwltool"]
        if "error" in ip:
            ipcols = f"{'error: ' + ip['error'][:60]:<72}"
        else:
            ipcols = (
                f"{fmt_s(ip['first']):>13} {fmt_s(ip['best']):>12} {fmt_s(ip['median']):>11} "
                f"{ip['tracemalloc_mb']:>8.1f} MB {fmt_mb(ip['rss_mb']):>9}"
            )
        cdcols = f"{'error':>20} {'':>7}" if "error" in cd else f"{bm(cd):>20} {fmt_mb(cd['rss_mb']):>7}"
        ratio = ""
        if ct.get("skipped"):
            ext = ct.get("extrapolated")
            ctcols = f"{('~' + fmt_s(ext) + ' extrapol.') if ext else 'skipped':>22} {'-':>7}"
            if ext and "median" in cd:
                ratio = f"~{cd['median'] / ext:.2f}"
        elif "error" in ct:
            ctcols = f"{'error':>22} {'':>7}"
        else:
            ctcols = f"{bm(ct):>22} {fmt_mb(ct['rss_mb']):>7}"
            if "median" in cd:
                ratio = f"{cd['median'] / ct['median']:.2f}"
        print(f"{r['label']:<26} {ipcols} | {cdcols} | {ctcols} | {ratio:>6}")
    print(
        "(process columns: best / median of the runs; in-proc 'first' = first call after import, still "
        "paying lazy imports; "
        "ratio = cwl2dirac process / cwltool --validate process; '~' = cwltool not run, linear extrapolation "
        "from the two largest measured chains)"
    )
    for r in results:
        for side in ("inproc", "cwl2dirac", "cwltool"):
            if "error" in r[side]:
                print(f"  {r['label']} {side}: {r[side]['error']}")
    print(
        "load average (1 min) after each case: "
        + ", ".join(f"{r['label']} {r['load']:.1f}" for r in results)
        + f" on {os.cpu_count()} cores"
        + (
            "  <-- BUSY MACHINE: times inflated"
            if max(r["load"] for r in results) > (os.cpu_count() or 1)
            else ""
        )
    )
    ips = [r["inproc"] for r in results if "import" in r["inproc"]]
    if ips:
        print(
            f"import of cwl2dirac.compiler in the child: {fmt_s(statistics.median(i['import'] for i in ips))}"
        )

    # -- targets
    by_n = {r["n"]: r for r in results if r["n"] is not None}
    print("\nTargets")
    r1000 = by_n.get(1000)
    if r1000 and "median" in r1000["inproc"]:
        t = r1000["inproc"]["median"]
        print(
            f"  {verdict(t < TARGET_INPROC_1000_S)}  in-process, 1000 steps: {fmt_s(t)} median "
            f"(best {fmt_s(r1000['inproc']['best'])}), target < {TARGET_INPROC_1000_S:.0f} s"
        )
    else:
        print("  n/a   in-process, 1000 steps: not measured")
    # The issue sets the process-ratio target on the 1000-step chain; other sizes are shown for information (the
    # fixed cost, ~0.7 s of interpreter start and imports, weighs more on small pipelines).
    for r in results:
        cd, ct = r["cwl2dirac"], r["cwltool"]
        if "median" not in cd or ("median" not in ct and not ct.get("extrapolated")):
            continue
        ran = "median" in ct
        ratio = cd["median"] / (ct["median"] if ran else ct["extrapolated"])
        mark = verdict(ratio <= TARGET_PROCESS_RATIO) if r["n"] == 1000 else "(info)"
        if ran:
            detail = f"{ratio:.2f}x ({fmt_s(cd['median'])} / {fmt_s(ct['median'])})"
        else:
            mark += "~"
            detail = f"~{ratio:.2f}x against cwltool EXTRAPOLATED to {fmt_s(ct['extrapolated'])} (not run)"
        goal = f", target <= {TARGET_PROCESS_RATIO}x" if r["n"] == 1000 else ""
        print(f"  {mark}  process ratio, {r['label']}: {detail}{goal}")
    r10k = by_n.get(10000)
    if r1000 and r10k:
        # Growth: both chains in one child, compiled in turn, min of the rounds. Per-size children measured at
        # different moments carry this machine's slow periods (+-20 % over minutes) into the ratio.
        print("  (measuring growth: chain 1000 and chain 10000 in turn in one process)", flush=True)
        growth = measure_growth(Path(r1000["file"]), Path(r10k["file"]), args.repeat)
        if "error" in growth:
            print(f"  n/a   growth t(10000)/t(1000): {growth['error']}")
        else:
            small, large = growth["small"], growth["large"]
            g = min(large["wall"]) / min(small["wall"])
            gcpu = min(large["cpu"]) / min(small["cpu"])
            print(
                f"  {verdict(g <= TARGET_GROWTH)}  growth in-process t(10000)/t(1000): {g:.2f} "
                f"({fmt_s(min(large['wall']))} / {fmt_s(min(small['wall']))}, best of {len(small['wall'])} "
                f"rounds in turn; CPU time {gcpu:.2f}), target <= {TARGET_GROWTH:.0f}"
            )
            r10k["growth"] = growth
        if "median" in r1000["inproc"] and "median" in r10k["inproc"]:
            gs = r10k["inproc"]["median"] / r1000["inproc"]["median"]
            print(f"  (info) growth from the per-size children (medians, measured minutes apart): {gs:.2f}")
        if "median" in r1000["cwl2dirac"] and "median" in r10k["cwl2dirac"]:
            gp = r10k["cwl2dirac"]["median"] / r1000["cwl2dirac"]["median"]
            print(f"  (info) growth of the cwl2dirac process t(10000)/t(1000): {gp:.2f}")
    else:
        print("  n/a   growth t(10000)/t(1000): needs both sizes")

    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
        print(f"\nraw figures: {args.json}")

    for r in results:
        if r.get("profile") and Path(r["profile"]).exists():
            print_profile(Path(r["profile"]), r["label"], args.profile_top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
