#!/usr/bin/env python
"""Load benchmark: a 1,000-task production on the local DIRAC server under 20 status clients, and a 10,000-task
local run.

    .venv/bin/python benchmarks/load.py [--tasks 1000] [--local-tasks 10000] [--status-clients 20]
                                        [--skip-dirac] [--skip-local] [--json out.json]

1. **DIRAC under load** (the server of ``scripts/dirac-server.sh``, the one ``CWL2DIRAC_SERVER_DIR`` and
   ``CWL2DIRAC_SERVER_PORT`` name; started if it is not up): a one-step workflow scattered over ``--tasks`` input
   files (one task per file, a ``tr`` of the file) is submitted with :meth:`DiracBackend.submit` and runs to its
   end through DIRAC's own agents (InputDataAgent, TransformationAgent, WorkflowTaskAgent, the optimizers, the
   JobAgents, the cwl2dirac ProductionControllerAgent). Meanwhile ``--status-clients`` processes each call
   :meth:`DiracBackend.status` (what ``cwl2dirac status`` shows) in a loop, ``--status-pause`` seconds apart,
   and this process times one pass of the production controller (``run_cycle(dry_run=True)``, the reads of the
   agent's cycle) every ``--poll`` seconds. Printed: tasks/s end to end and in the steady state, where the
   time of a job goes (WMS timestamps), the controller's cycle time, the status latency (median, p95, max over
   all clients), and the checks: every input file Processed by exactly one task, one WMS job per task, every
   output in the File Catalog once with one replica and the expected checksum, nothing Problematic.
2. **Local backend**: ``cwl2dirac run`` (local backend, default jobs) of a scatter of ``--local-tasks`` tasks
   of a trivial tool (``echo``), as a whole process; wall time, the run phase it reports, tasks/s and the
   per-task overhead against the same command run as many times by a plain process pool; checks: as many
   output files as tasks with the right contents, every task done once in the run's catalog.

It measures and prints PASS/MISS against the targets (status latency under 1 s at 1,000 tasks; no task lost or
run twice; local per-task overhead under 50 ms); it never asserts.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from dirac_server_env import server_env

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GENERATED = ROOT / "benchmarks" / "generated" / "load"

TARGET_STATUS_S = 1.0  # status latency (p95 over all clients) under 1 s at 1,000 tasks
TARGET_OVERHEAD_S = 0.050  # local run: cwl2dirac's own time per task under 50 ms

UPPER_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
doc: A short task of the load benchmark (upper-cases its input file).
baseCommand: [sh, -c, 'tr a-z A-Z < "$0"']
inputs:
  infile:
    type: File
    inputBinding: {position: 1}
outputs:
  out: stdout
stdout: $(inputs.infile.nameroot).up.txt
"""

UPPER_WF = """\
cwlVersion: v1.2
class: Workflow
doc: One step scattered over N files (cwl2dirac load benchmark).
requirements:
  ScatterFeatureRequirement: {}
inputs:
  infiles: File[]
outputs:
  upper:
    type: File[]
    outputSource: up/out
steps:
  up:
    run: upper.cwl
    scatter: infile
    in: {infile: infiles}
    out: [out]
"""

ECHO_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
doc: A trivial task of the load benchmark (echoes its message).
baseCommand: echo
inputs:
  message:
    type: string
    inputBinding: {position: 1}
outputs:
  out: stdout
stdout: out.txt
"""

ECHO_WF = """\
cwlVersion: v1.2
class: Workflow
doc: A scatter of N trivial tasks (cwl2dirac load benchmark).
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
    in: {message: messages}
    out: [out]
"""


# -- small helpers ------------------------------------------------------------------------------------
def fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return ordered[rank]


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median": statistics.median(values), "p95": percentile(values, 0.95),
            "max": max(values), "mean": statistics.fmean(values)}


def load_text() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- DIRAC --------------------------------------------------------------------------------------------
def dirac(call: Any, what: str) -> Any:
    """The value of the DIRAC call ``call()``, tried again on a transport error (as the package does)."""
    from cwl2dirac.backends.dirac import _boundary

    return _boundary.ok(_boundary.retried(call), what)


def server_dir() -> Path:
    return Path(os.environ.get("CWL2DIRAC_SERVER_DIR") or Path.home() / ".cache/cwl2dirac/dirac-server")


def write_dirac_inputs(directory: Path, n: int) -> tuple[Path, Path, dict[str, int]]:
    """The workflow, its job order (``n`` small files) and the adler32 of each expected output, by name."""
    files = directory / f"inputs_{n}"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    expected: dict[str, int] = {}
    locations = []
    for i in range(1, n + 1):
        text = f"cwl2dirac load benchmark, input {i:06d}\n"
        path = files / f"in{i:06d}.txt"
        path.write_text(text, encoding="utf-8")
        expected[f"in{i:06d}.up.txt"] = zlib.adler32(text.upper().encode())
        locations.append({"class": "File", "location": str(path)})
    (directory / "upper.cwl").write_text(UPPER_TOOL, encoding="utf-8")
    wf = directory / "upper_scatter.cwl"
    wf.write_text(UPPER_WF, encoding="utf-8")
    job = directory / f"upper_scatter_{n}.json"
    job.write_text(json.dumps({"infiles": locations}), encoding="utf-8")
    return wf, job, expected


def status_client(production: str, stop_file: str, out_file: str, pause: float) -> int:
    """Child process: :meth:`DiracBackend.status` in a loop until ``stop_file`` exists; the latencies to
    ``out_file`` as JSON."""
    from cwl2dirac.backends.base import Production
    from cwl2dirac.backends.dirac.backend import DiracBackend

    t0 = time.perf_counter()
    backend = DiracBackend()
    backend.clients.initialize()
    init = time.perf_counter() - t0
    handle = Production("dirac", production, production)
    calls: list[dict[str, Any]] = []
    stop = Path(stop_file)
    while not stop.exists():
        start = time.time()
        t = time.perf_counter()
        try:
            state = backend.status(handle)
            tasks = sum(sum(s.tasks.values()) for s in state.steps)
            done = sum(s.tasks.get("done", 0) for s in state.steps)
            calls.append({"at": start, "latency": time.perf_counter() - t, "tasks": tasks, "done": done})
        except Exception as exc:  # measured, not fatal: a benchmark client goes on
            calls.append({"at": start, "latency": time.perf_counter() - t, "error": f"{type(exc).__name__}: {exc}"})
        if pause:
            time.sleep(pause)
    Path(out_file).write_text(json.dumps({"init": init, "calls": calls}), encoding="utf-8")
    return 0


def _utc(value: Any) -> float | None:
    """A WMS timestamp (datetime or 'YYYY-mm-dd HH:MM:SS', UTC) as a POSIX time."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value.timestamp()
    return None


def dirac_benchmark(args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    import cwl2dirac
    from cwl2dirac.backends.dirac.backend import DiracBackend
    from cwl2dirac.backends.dirac.controller import run_cycle
    from cwl2dirac.backends.dirac.submission import Submission

    n = args.tasks
    res: dict[str, Any] = {"tasks": n, "clients": args.status_clients, "pause": args.status_pause}
    t = time.perf_counter()
    env = server_env()
    res["server_start"] = time.perf_counter() - t
    res["server"] = {"dir": str(server_dir()), "port": os.environ.get("CWL2DIRAC_SERVER_PORT", "29100"),
                     "jobagents": len(list((server_dir() / "jobagents").glob("[0-9]*")))}
    del env
    wf, job, expected = write_dirac_inputs(out_dir, n)
    name = f"load_{n}_{uuid.uuid4().hex[:6]}"
    res["production"] = name

    backend = DiracBackend()
    t_start = time.time()
    t = time.perf_counter()
    backend.clients.initialize()
    request = cwl2dirac.compile(wf, job, name=name, lfn_base=backend.namespace())
    res["compile"] = time.perf_counter() - t
    # The input files are registered before the submission, as the submission itself would (same LFNs, same
    # metadata; the submission then finds them and only sets their metadata again): registered during the
    # submission, after the transformation is Active, the controller agent may find the step's input query
    # matching nothing yet and complete the step with no task (see benchmarks/README.md, load.py).
    log(f"DIRAC: {name}: compiled {n} tasks in {res['compile']:.1f} s; registering {n} input files")
    t = time.perf_counter()
    submission = Submission(request, backend.clients, [])
    submission.declare_fields()
    res["registered"] = submission.register_inputs(f"{backend.namespace()}/{request.name}",
                                                   backend.clients.input_se(request))
    res["register"] = time.perf_counter() - t
    log(f"DIRAC: registered {res['registered']} files in {res['register']:.1f} s; submitting")
    t = time.perf_counter()
    production = backend.submit(request)
    res["submit"] = time.perf_counter() - t
    t_submitted = time.time()
    tid = int(production.transformations[request.steps[0].name])
    res["production_id"], res["transformation"] = production.id, tid
    log(f"DIRAC: submitted in {res['submit']:.1f} s (production {production.id}, transformation {tid}); "
        f"starting {args.status_clients} status clients")

    stop_file = out_dir / f"stop-{name}"
    stop_file.unlink(missing_ok=True)
    args.stop_file.unlink(missing_ok=True)  # one left by an earlier run
    clients = []
    for i in range(args.status_clients):
        out = out_dir / f"client-{name}-{i}.json"
        out.unlink(missing_ok=True)
        with open(out.with_suffix(".err"), "w", encoding="utf-8") as err:  # the child keeps its own copy
            proc = subprocess.Popen(
                [sys.executable, __file__, "--_status_client", production.id, str(stop_file), str(out),
                 str(args.status_pause)], stdout=subprocess.DEVNULL, stderr=err)
        clients.append((proc, out))

    tc = backend.clients.transformation()
    cycles: list[dict[str, float]] = []
    progress: list[tuple[float, dict[str, int], dict[str, int]]] = []
    complete_at = None
    status = "?"
    try:
        complete_at, status = follow(args, backend, tc, tid, run_cycle, cycles, progress)
    finally:  # the clients stop whatever happened
        stop_file.touch()
    latencies: list[float] = []
    at_full: list[float] = []
    errors: list[str] = []
    inits: list[float] = []
    per_client: list[dict[str, float]] = []
    for proc, out in clients:
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not out.exists():
            errors.append(f"client {out.name}: no result (exit {proc.returncode})")
            continue
        data = json.loads(out.read_text(encoding="utf-8"))
        inits.append(data["init"])
        mine = [c["latency"] for c in data["calls"] if "error" not in c]
        errors += [c["error"] for c in data["calls"] if "error" in c]
        latencies += mine
        at_full += [c["latency"] for c in data["calls"] if "error" not in c and c.get("tasks", 0) >= n]
        per_client.append(spread(mine))
    stop_file.unlink(missing_ok=True)
    res["status"] = {"all": spread(latencies), "at_full": spread(at_full), "errors": errors[:20],
                     "n_errors": len(errors), "init": spread(inits),
                     "calls_per_client": [c.get("n", 0) for c in per_client]}
    res["controller"] = {"cycles": spread([c["wall"] for c in cycles if "error" not in c]),
                         "failed": sum(1 for c in cycles if "error" in c)}
    res["final_status"] = status
    res["timed_out"] = complete_at is None and status not in ("Completed", "Archived")

    if res["timed_out"] or status != "Completed":  # no more tasks submitted from now on
        dirac(partial(tc.setTransformationParameter, tid, "Status", "Stopped"), "stop")
    log("DIRAC: checking (files, tasks, jobs, catalog)")
    res["checks"] = dirac_checks(backend, tid, request, n, expected)
    jobs = res["checks"].pop("_jobs")
    res["timeline"] = dirac_timeline(jobs, t_start, t_submitted, complete_at, n)
    res["cli_status"] = cli_status(production.id, args.cli_status)
    live = sorted(j for j, s in jobs.items() if str(s.get("Status")) not in ("Done", "Failed", "Killed", "Deleted"))
    if live:  # they would keep the JobAgents busy long after the benchmark
        from DIRAC.WorkloadManagementSystem.Client.JobManagerClient import JobManagerClient

        killed = JobManagerClient().killJob(live)
        log(f"DIRAC: killed {len(live)} job(s) left over ({'ok' if killed.get('OK') else killed.get('Message')})")
    res["progress"] = [(a, f, k) for a, f, k in progress]
    return res


def follow(args: argparse.Namespace, backend: Any, tc: Any, tid: int, run_cycle: Any, cycles: list[dict[str, float]],
           progress: list[Any]) -> tuple[float | None, str]:
    """Until the step is Completed (or a task failed for good, or --timeout, or the --stop-file exists): one
    controller pass (dry run) timed, the file and task counts recorded, every --poll seconds. The time it completed
    and its status."""
    deadline = time.monotonic() + args.timeout
    last_log = 0.0
    status = "?"
    while time.monotonic() < deadline:
        if args.stop_file.exists():
            log(f"DIRAC: {args.stop_file} exists: stopping here; the figures and checks are over what has run")
            return None, status
        t = time.perf_counter()
        try:
            actions = run_cycle(backend.clients, dry_run=True)
            cycles.append({"at": time.time(), "wall": time.perf_counter() - t, "actions": len(actions)})
        except Exception as exc:  # measured, not fatal
            cycles.append({"at": time.time(), "wall": time.perf_counter() - t, "error": 1.0})
            log(f"controller pass failed: {exc}")
        try:
            files = dirac(partial(tc.getTransformationStats, tid), "stats") or {}
            tasks = dirac(partial(tc.getTransformationTaskStats, tid), "task stats") or {}
            info = dirac(partial(tc.getTransformation, tid), "transformation") or {}
        except Exception as exc:  # a lost connection: look again at the next poll
            log(f"DIRAC: {exc}")
            time.sleep(args.poll)
            continue
        status = str(info.get("Status"))
        progress.append((time.time(), {k: int(v) for k, v in files.items()}, {k: int(v) for k, v in tasks.items()}))
        if time.monotonic() - last_log > 60:
            last_log = time.monotonic()
            last = cycles[-1]["wall"] if cycles else float("nan")
            log(f"DIRAC: {status}; files {dict(sorted(files.items()))}; tasks {dict(sorted(tasks.items()))}; "
                f"controller pass {last:.2f} s; load {os.getloadavg()[0]:.1f}")
        if status in ("Completed", "Archived"):
            return time.time(), status
        if int(tasks.get("Failed", 0)) and int(files.get("Problematic", 0)) + int(files.get("MaxReset", 0)):
            log("DIRAC: a task failed for good; stopping")
            return None, status
        time.sleep(args.poll)
    return None, status


def dirac_checks(backend: Any, tid: int, request: Any, n: int, expected: dict[str, int]) -> dict[str, Any]:
    """No task lost or run twice: the Transformation System's files and tasks, the WMS jobs, the catalog."""
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient


    tc = backend.clients.transformation()
    out: dict[str, Any] = {}
    files = dirac(partial(tc.getTransformationFiles, {"TransformationID": tid}), "files") or []
    out["input_files"] = len(files)
    out["file_status"] = dict(Counter(str(f["Status"]) for f in files))
    out["file_errors"] = sum(1 for f in files if int(f.get("ErrorCount") or 0))
    by_task: dict[int, list[str]] = {}
    for f in files:
        by_task.setdefault(int(f.get("TaskID") or 0), []).append(str(f["LFN"]))
    out["files_without_task"] = len(by_task.pop(0, []))
    out["tasks_with_other_than_one_file"] = sum(1 for v in by_task.values() if len(v) != 1)
    tasks = dirac(partial(tc.getTransformationTasks, {"TransformationID": tid}), "tasks") or []
    out["tasks"] = len(tasks)
    out["task_status"] = dict(Counter(str(t["ExternalStatus"]) for t in tasks))
    names = {f"{tid:08d}_{int(t['TaskID']):08d}": int(t["TaskID"]) for t in tasks}
    monitoring = JobMonitoringClient()
    ids = dirac(partial(monitoring.getJobs, {"JobGroup": f"{tid:08d}"}), "jobs") or []
    summaries: dict[Any, Any] = {}
    ids = [int(j) for j in ids]
    for lo in range(0, len(ids), 500):
        part = dirac(partial(monitoring.getJobsSummary, ids[lo:lo + 500]), "job summaries") or {}
        if isinstance(part, str):
            import ast

            part = ast.literal_eval(part)
        summaries.update({int(k): v for k, v in part.items()})
    out["jobs"] = len(summaries)
    out["job_status"] = dict(Counter(str(s.get("Status")) for s in summaries.values()))
    per_task = Counter(str(s.get("JobName")) for s in summaries.values())
    out["tasks_without_job"] = sum(1 for name in names if per_task.get(name, 0) == 0)
    out["tasks_with_several_jobs"] = sum(1 for name in names if per_task.get(name, 0) > 1)
    out["rescheduled_jobs"] = sum(1 for s in summaries.values() if int(s.get("RescheduleCounter") or 0))
    out["jobs_not_of_a_task"] = sum(1 for s in summaries.values() if str(s.get("JobName")) not in names)

    # outputs: <output_path>/<task:08d>/<name>, one per task
    fc = backend.clients.file_catalog()
    base = request.steps[0].config.output_path.rstrip("/")
    listing = dirac(partial(fc.listDirectory, base), f"list {base}") or {}
    subdirs = sorted((listing.get("Successful", {}).get(base) or {}).get("SubDirs", {}))
    lfns: list[str] = []
    for lo in range(0, len(subdirs), 200):
        part = dirac(partial(fc.listDirectory, subdirs[lo:lo + 200]), "list task directories") or {}
        for entry in (part.get("Successful") or {}).values():
            lfns += list(entry.get("Files", {}))
    out["output_dirs"] = len(subdirs)
    out["output_files"] = len(lfns)
    names_out = Counter(lfn.rsplit("/", 1)[-1] for lfn in lfns)
    out["outputs_missing"] = sum(1 for name in expected if names_out.get(name, 0) == 0)
    out["outputs_duplicated"] = sum(1 for name, k in names_out.items() if k > 1)
    out["outputs_unexpected"] = sum(1 for name in names_out if name not in expected)
    replicas: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for lo in range(0, len(lfns), 500):
        chunk = lfns[lo:lo + 500]
        replicas.update((dirac(partial(fc.getReplicas, chunk), "replicas") or {}).get("Successful") or {})
        meta.update((dirac(partial(fc.getFileMetadata, chunk), "file metadata") or {}).get("Successful") or {})
    out["outputs_not_one_replica"] = sum(1 for lfn in lfns if len(replicas.get(lfn) or {}) != 1)
    bad = 0
    for lfn in lfns:
        checksum = str((meta.get(lfn) or {}).get("Checksum") or "")
        want = expected.get(lfn.rsplit("/", 1)[-1])
        try:
            if want is None or int(checksum, 16) != want:
                bad += 1
        except ValueError:
            bad += 1
    out["outputs_bad_checksum"] = bad
    out["_jobs"] = summaries
    # the tasks whose job is Done: each has its output (<output_path>/<task:08d>/...) and its input Processed
    done_tasks = {int(str(s.get("JobName")).rsplit("_", 1)[-1]) for s in summaries.values()
                  if str(s.get("Status")) == "Done" and str(s.get("JobName")) in names}
    with_output = {int(lfn.rsplit("/", 2)[-2]) for lfn in lfns if lfn.rsplit("/", 2)[-2].isdigit()}
    processed = {int(f.get("TaskID") or 0) for f in files if str(f["Status"]) == "Processed"}
    out["done_without_output"] = len(done_tasks - with_output)
    out["done_input_not_processed"] = len(done_tasks - processed)
    out["outputs_of_unfinished_tasks"] = len(with_output - done_tasks)
    lost = out["files_without_task"] + out["done_without_output"] + out["done_input_not_processed"]
    twice = out["tasks_with_several_jobs"] + out["outputs_duplicated"] + out["jobs_not_of_a_task"] + max(
        0, out["tasks"] - n)
    problematic = sum(out["file_status"].get(k, 0) for k in ("Problematic", "MaxReset"))
    complete = out["job_status"].get("Done", 0) == n
    if complete:  # then nothing may be missing at all
        lost += out["tasks_without_job"] + out["outputs_missing"] + max(0, n - out["file_status"].get("Processed", 0))
    out["lost"], out["twice"], out["problematic"], out["complete"] = lost, twice, problematic, complete
    out["ok"] = (lost == 0 and twice == 0 and problematic == 0 and out["input_files"] == n
                 and out["outputs_not_one_replica"] == 0 and bad == 0
                 and (not complete or out["jobs"] == out["tasks"] == n))
    return out


def dirac_timeline(jobs: dict[int, Any], t_start: float, t_submitted: float, complete_at: float | None,
                   n: int) -> dict[str, Any]:
    """Throughput and where a job's time goes, from the WMS timestamps (second resolution, UTC)."""
    rows = []
    for summary in jobs.values():
        sub, start, end = (_utc(summary.get(k)) for k in ("SubmissionTime", "StartExecTime", "EndExecTime"))
        if sub is not None and end is not None and str(summary.get("Status")) == "Done":
            rows.append((sub, start if start is not None else end, end))
    out: dict[str, Any] = {"jobs_timed": len(rows)}
    if not rows:
        return out
    ends = sorted(r[2] for r in rows)
    starts = sorted(r[1] for r in rows)
    out["first_submission"] = min(r[0] for r in rows) - t_start
    out["first_done"] = ends[0] - t_start
    out["last_done"] = ends[-1] - t_start
    out["end_to_end"] = ends[-1] - t_start
    out["completed"] = (complete_at - t_start) if complete_at else None
    out["tasks_per_s_end_to_end"] = len(rows) / max(ends[-1] - t_start, 1e-9)
    lo, hi = int(0.1 * len(ends)), max(int(0.9 * len(ends)) - 1, 0)
    if hi > lo and ends[hi] > ends[lo]:
        out["tasks_per_s_steady"] = (hi - lo) / (ends[hi] - ends[lo])
        window = (ends[lo], ends[hi])
        busy = sum(max(0.0, min(e, window[1]) - max(s, window[0])) for _, s, e in rows)
        out["mean_running"] = busy / (window[1] - window[0])
    out["wait"] = spread([s - sub for sub, s, _ in rows])
    out["run"] = spread([e - s for _, s, e in rows])
    out["submitted_after_submit"] = spread([sub - t_submitted for sub, _, _ in rows])
    del starts
    return out


def cli_status(production: str, times: int) -> dict[str, Any]:
    """``cwl2dirac status --json`` as a whole process, a few times in turn (information)."""
    walls = []
    for _ in range(times):
        t = time.perf_counter()
        proc = subprocess.run([str(BIN / "cwl2dirac"), "status", "--json", production], capture_output=True,
                              text=True)
        walls.append(time.perf_counter() - t)
        if proc.returncode != 0:
            return {"error": proc.stderr.strip()[-300:], **spread(walls)}
    return spread(walls)


# -- local --------------------------------------------------------------------------------------------
_SUMMARY = re.compile(r"task\(s\) \((\d+) run now\), \d+ file\(s\) in the catalog, ([0-9.]+) s")


def _run_echo(message: str) -> float:
    t = time.perf_counter()
    subprocess.run(["echo", message], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def local_benchmark(args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    n = args.local_tasks
    jobs = args.local_jobs or os.cpu_count() or 1
    work = out_dir / f"local_{n}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "echo.cwl").write_text(ECHO_TOOL, encoding="utf-8")
    wf = work / "echo_scatter.cwl"
    wf.write_text(ECHO_WF, encoding="utf-8")
    messages = [f"m{i:06d}" for i in range(n)]
    job = work / "job.json"
    job.write_text(json.dumps({"messages": messages}), encoding="utf-8")
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(out_dir / "pycache")
    res: dict[str, Any] = {"tasks": n, "jobs": jobs}

    # the tool alone: the same command n times, by a pool of the same width
    log(f"local: the tool alone, {n} x echo with {jobs} in parallel")
    t = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        tool_each = list(pool.map(_run_echo, messages))
    res["tool_wall"] = time.perf_counter() - t
    res["tool_each"] = spread(tool_each)

    log(f"local: cwl2dirac run, {n} tasks, --jobs {jobs}")
    outdir, workdir = work / "out", work / "work"
    cmd = [str(BIN / "cwl2dirac"), "run", "--jobs", str(jobs), "--outdir", str(outdir), "--workdir", str(workdir),
           str(wf), str(job)]
    with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=work, stdout=fout, stderr=ferr, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        res["wall"] = time.perf_counter() - t
        res["rc"] = os.waitstatus_to_exitcode(status)
        res["cpu_children"] = usage.ru_utime + usage.ru_stime
        res["maxrss_mb"] = usage.ru_maxrss / 1024
        fout.seek(0)
        ferr.seek(0)
        stdout, stderr = fout.read().decode(), ferr.read().decode()
    match = _SUMMARY.search(stderr)
    res["phase"] = float(match.group(2)) if match else None
    if res["rc"] != 0:
        res["error"] = stderr.strip()[-1500:]
        return res
    output = json.loads(stdout)
    res.update(local_checks(output, workdir, messages))
    shutil.rmtree(outdir, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return res


def local_checks(output: dict[str, Any], workdir: Path, messages: list[str]) -> dict[str, Any]:
    files = output.get("results") or []
    contents: Counter[str] = Counter()
    paths = set()
    for f in files:
        paths.add(f["path"])
        contents[Path(f["path"]).read_text(encoding="utf-8").strip()] += 1
    want = set(messages)
    out: dict[str, Any] = {"outputs": len(files), "distinct_paths": len(paths),
                           "outputs_missing": sum(1 for m in messages if contents.get(m, 0) == 0),
                           "outputs_duplicated": sum(1 for m, k in contents.items() if k > 1),
                           "outputs_unexpected": sum(1 for m in contents if m not in want)}
    db = sqlite3.connect(f"file:{workdir / 'catalog.sqlite'}?mode=ro", uri=True)
    try:
        out["task_status"] = dict(db.execute("SELECT status, count(*) FROM tasks GROUP BY status").fetchall())
        out["task_attempts"] = dict(db.execute("SELECT attempts, count(*) FROM tasks GROUP BY attempts").fetchall())
        out["catalog_files"] = int(db.execute("SELECT count(*) FROM files").fetchone()[0])
        out["catalog_task_dirs"] = int(db.execute(
            "SELECT count(DISTINCT substr(lfn, 1, length(lfn) - length('/out.txt'))) FROM files "
            "WHERE lfn LIKE '%/out.txt'").fetchone()[0])
    finally:
        db.close()
    n = len(messages)
    out["ok"] = (out["outputs"] == n and out["distinct_paths"] == n and not out["outputs_missing"]
                 and not out["outputs_duplicated"] and not out["outputs_unexpected"]
                 and out["task_status"] == {"done": n} and out["task_attempts"] == {1: n}
                 and out["catalog_files"] == n and out["catalog_task_dirs"] == n)
    return out


# -- report -------------------------------------------------------------------------------------------
def print_dirac(r: dict[str, Any]) -> list[tuple[bool, str]]:
    n, tl, ck, st = r["tasks"], r["timeline"], r["checks"], r["status"]
    srv = r["server"]
    print(f"\n1. DIRAC under load: {n} tasks ({r['production']}, production {r['production_id']}, transformation "
          f"{r['transformation']}), server {srv['dir']} port {srv['port']}, {srv['jobagents']} JobAgents")
    print(f"   compile {fmt_s(r['compile'])}, registration of the {n} input files {fmt_s(r['register'])}, submit "
          f"{fmt_s(r['submit'])}; "
          f"final status {r['final_status']}{' (TIMED OUT)' if r['timed_out'] else ''}")
    if tl.get("jobs_timed"):
        print(f"   first job submitted {tl['first_submission']:.0f} s after the start, first Done "
              f"{tl['first_done']:.0f} s, last Done {tl['last_done']:.0f} s, step Completed "
              f"{tl['completed']:.0f} s" if tl.get("completed") is not None else
              f"   first Done {tl['first_done']:.0f} s, last Done {tl['last_done']:.0f} s (not Completed)")
        print(f"   tasks/s: end to end {tl['tasks_per_s_end_to_end']:.3f} (compile and submission included, to the "
              f"last job Done); steady state {tl.get('tasks_per_s_steady', float('nan')):.3f} (10 % to 90 % of "
              f"the jobs Done); jobs running at once (mean, steady state) {tl.get('mean_running', float('nan')):.2f}")
        w, u, s = tl["wait"], tl["run"], tl["submitted_after_submit"]
        print(f"   per job (WMS times, 1 s resolution): submitted after the submission median {s['median']:.0f} s "
              f"(max {s['max']:.0f}); waiting for a JobAgent median {w['median']:.0f} s (p95 {w['p95']:.0f}); "
              f"running (job wrapper) median {u['median']:.1f} s (p95 {u['p95']:.1f}, mean {u['mean']:.1f})")
    c = r["controller"]["cycles"]
    if c.get("n"):
        print(f"   controller pass (run_cycle, dry run, every {r.get('poll', 0):g} s, {c['n']} passes): median "
              f"{fmt_s(c['median'])}, p95 {fmt_s(c['p95'])}, max {fmt_s(c['max'])}"
              + (f"; {r['controller']['failed']} failed" if r['controller']['failed'] else ""))
    a, f = st["all"], st["at_full"]
    if a.get("n"):
        print(f"   status, {r['clients']} clients, {r['pause']:g} s pause: {a['n']} calls (per client "
              f"{min(st['calls_per_client'])}-{max(st['calls_per_client'])}), median {fmt_s(a['median'])}, p95 "
              f"{fmt_s(a['p95'])}, max {fmt_s(a['max'])}; client start (DIRAC initialize) median "
              f"{fmt_s(st['init'].get('median'))}")
    if f.get("n"):
        print(f"   status once all {n} tasks existed: {f['n']} calls, median {fmt_s(f['median'])}, p95 "
              f"{fmt_s(f['p95'])}, max {fmt_s(f['max'])}")
    if st["n_errors"]:
        print(f"   status errors: {st['n_errors']}, e.g. {st['errors'][0]}")
    cs = r.get("cli_status") or {}
    if cs.get("n"):
        print(f"   (info) `cwl2dirac status --json` as a process, {cs['n']} in turn after the run: median "
              f"{fmt_s(cs['median'])}, max {fmt_s(cs['max'])}" + (f"; error {cs['error']}" if "error" in cs else ""))
    print(f"   checks: input files {ck['input_files']} {ck['file_status']}, with errors {ck['file_errors']}; tasks "
          f"{ck['tasks']} {ck['task_status']}; jobs {ck['jobs']} {ck['job_status']}, rescheduled "
          f"{ck['rescheduled_jobs']}")
    print(f"           tasks without a job {ck['tasks_without_job']}, with several {ck['tasks_with_several_jobs']}; "
          f"files without a task {ck['files_without_task']}; outputs {ck['output_files']} in {ck['output_dirs']} "
          f"task directories, missing {ck['outputs_missing']}, duplicated {ck['outputs_duplicated']}, unexpected "
          f"{ck['outputs_unexpected']}, not one replica {ck['outputs_not_one_replica']}, bad checksum "
          f"{ck['outputs_bad_checksum']}; Done tasks without output {ck['done_without_output']}, with their "
          f"input not Processed {ck['done_input_not_processed']}")
    targets = []
    lat = f if f.get("n") else a
    if lat.get("n"):
        targets.append((lat["p95"] < TARGET_STATUS_S,
                        f"status latency at {n} tasks, {r['clients']} clients: p95 {fmt_s(lat['p95'])} "
                        f"(median {fmt_s(lat['median'])}, max {fmt_s(lat['max'])}), target < 1 s"))
    partial_run = "" if ck["complete"] else " (PARTIAL: not all tasks Done, checked over the Done ones)"
    targets.append((bool(ck["ok"]), f"DIRAC, no task lost or run twice: lost {ck['lost']}, twice {ck['twice']}, "
                    f"Problematic {ck['problematic']}, jobs {ck['jobs']} for {ck['tasks']} tasks, "
                    f"{ck['job_status'].get('Done', 0)} Done of {n}{partial_run}"))
    return targets


def print_local(r: dict[str, Any]) -> list[tuple[bool, str]]:
    n, jobs = r["tasks"], r["jobs"]
    print(f"\n2. Local backend: cwl2dirac run, {n} tasks of echo, --jobs {jobs}")
    if "error" in r:
        print(f"   FAILED (exit {r['rc']}): {r['error']}")
        return [(False, "local run failed")]
    per_task = r["wall"] / n
    tool = r["tool_wall"] / n
    overhead = per_task - tool
    slot = (r["phase"] or r["wall"]) * jobs / n - r["tool_each"]["median"]
    print(f"   whole process {fmt_s(r['wall'])} ({n / r['wall']:.1f} tasks/s), run phase it reports "
          f"{fmt_s(r['phase'])} ({n / (r['phase'] or r['wall']):.1f} tasks/s); CPU of the process tree "
          f"{r['cpu_children']:.0f} s ({r['cpu_children'] / n * 1000:.1f} ms per task); peak RSS "
          f"{r['maxrss_mb']:.0f} MB")
    print(f"   the tool alone ({n} x `echo` in a pool of {jobs}): {fmt_s(r['tool_wall'])}, one run median "
          f"{fmt_s(r['tool_each']['median'])}")
    print(f"   per task: wall {fmt_s(per_task)} - tool {fmt_s(tool)} = overhead {fmt_s(overhead)}; "
          f"per worker slot (run phase x {jobs} / {n} - one tool run) {fmt_s(slot)}")
    print(f"   checks: outputs {r['outputs']} ({r['distinct_paths']} paths), missing {r['outputs_missing']}, "
          f"duplicated {r['outputs_duplicated']}, unexpected {r['outputs_unexpected']}; catalog: tasks "
          f"{r['task_status']}, attempts {r['task_attempts']}, {r['catalog_files']} files in "
          f"{r['catalog_task_dirs']} task directories")
    return [
        (overhead < TARGET_OVERHEAD_S, f"local, per-task overhead at {n} tasks: {fmt_s(overhead)} (wall per task "
         f"{fmt_s(per_task)} - the tool's {fmt_s(tool)}; per worker slot {fmt_s(slot)}), target < 50 ms"),
        (bool(r["ok"]), f"local, no task lost or run twice: {r['outputs']} outputs, tasks {r['task_status']}, "
         f"attempts {r['task_attempts']}"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1000, help="DIRAC tasks (default: %(default)s)")
    parser.add_argument("--local-tasks", type=int, default=10_000, help="local tasks (default: %(default)s)")
    parser.add_argument("--local-jobs", type=int, default=None, help="local --jobs (default: the cores)")
    parser.add_argument("--status-clients", type=int, default=20, help="concurrent status clients (%(default)s)")
    parser.add_argument("--status-pause", type=float, default=5.0,
                        help="seconds each status client waits between two calls (default: %(default)s)")
    parser.add_argument("--poll", type=float, default=15.0,
                        help="seconds between two controller passes timed here (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds the DIRAC part waits at most")
    parser.add_argument("--stop-file", type=Path, default=GENERATED / "stop",
                        help="end the DIRAC part early when this file appears (default: %(default)s)")
    parser.add_argument("--cli-status", type=int, default=3, help="`cwl2dirac status` processes timed after the run")
    parser.add_argument("--skip-dirac", action="store_true")
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the local run's work directory")
    parser.add_argument("--out-dir", type=Path, default=GENERATED, help="generated files (benchmarks/generated/load)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--_status_client", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._status_client:
        prod, stop, out, pause = args._status_client
        return status_client(prod, stop, out, float(pause))

    out_dir: Path = args.out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    load_start = load_text()
    t0 = time.perf_counter()
    print(f"cwl2dirac load benchmark, {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average at start: {load_start} (other sessions share this machine: see the load at the end)")
    results: dict[str, Any] = {"load_start": load_start}
    targets: list[tuple[bool, str]] = []
    if not args.skip_local:  # first: minutes, against the DIRAC part's hour
        results["local"] = local_benchmark(args, out_dir)
        results["local"]["load_after"] = load_text()
    if not args.skip_dirac:
        results["dirac"] = dirac_benchmark(args, out_dir)
        results["dirac"]["poll"] = args.poll
        results["dirac"]["load_after"] = load_text()
    if "dirac" in results:
        targets += print_dirac(results["dirac"])
        print(f"   load average after the DIRAC part: {results['dirac']['load_after']}")
    if "local" in results:
        targets += print_local(results["local"])
        print(f"   load average after the local part: {results['local']['load_after']}")
    print("\nTargets")
    for ok, text in targets:
        print(f"  {verdict(ok)}  {text}")
    results["load_end"] = load_text()
    print(f"\nload average at start: {load_start}; at end: {results['load_end']} on {os.cpu_count()} cores; "
          f"took {time.perf_counter() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        print(f"raw figures: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
