"""Run a ProductionRequest locally with Transformation System semantics.

Each step is a transformation. A step without ``input_query`` gets ``tasks`` tasks (1..N). A data-driven step
is given the catalog files matching its ``input_query`` as its parents produce them; with ``group_size`` 1
each new file becomes a task at once (streaming), with a larger group size the files are grouped in their
stable order (``cwl2dirac_index``, ``cwl2dirac_item``, LFN) once the parents are complete, so that groups do
not depend on timing; an incomplete last group is submitted if ``flush``. Tasks of a step wait for the steps
in ``after``.

A step is *complete* when its parents are complete, all its input has been grouped and all its tasks are done.
State (catalog, task table) lives in the work directory: a run killed at any point and started again resumes,
without redoing completed tasks (a task's outputs and its ``done`` mark are committed in one transaction).

Failed tasks follow the recovery policy (:class:`~cwl2dirac.backends.policy.Policy`, as on DIRAC): a task is tried
at most ``max_attempts`` times (default: the step's ``max_retries`` + 1); a deterministic failure (worker exit 34)
is final at once unless ``deterministic_final`` is False; an unsupported feature (exit 33) is never retried. A
task's ``attempts`` count every attempt it ever had. A new invocation is the user asking again: every task that
failed in an earlier one is given ``max_attempts`` more attempts, except those that ``cwl2dirac recover`` left
failed (:func:`~cwl2dirac.backends.local.recovery.recover_run`); tasks that ``recover`` reset keep the bound it
gave them.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cwl2dirac.backends.base import FailedTask
from cwl2dirac.backends.inputs import plan_inputs
from cwl2dirac.backends.local.catalog import DONE, FAILED, RUNNING, WAITING, LocalCatalog
from cwl2dirac.backends.local.datasets import dataset_entries
from cwl2dirac.backends.local.pool import TaskPool
from cwl2dirac.backends.local.progress import Progress, StepCounts
from cwl2dirac.backends.policy import Policy
from cwl2dirac.errors import BackendError, one_line
from cwl2dirac.request import (
    ProductionRequest,
    StepSpec,
    encode_config,
)
from cwl2dirac.request.lfn import LFN_SCHEME, check_lfn_base, lfn_of
from cwl2dirac.request.wire import EXIT_DETERMINISTIC, EXIT_UNSUPPORTED, INPUTS_STEP, WORKER_FIELDS

REQUEST_FILE = "request.json"
"""The request a work directory runs, written there by its first run."""
COMPLETE_STATE = "complete/"
"""Key prefix, in the catalog's state table, of the steps a run found complete (``complete/<step>``)."""


@dataclass
class RunReport:
    """The outcome of :func:`run_request`."""

    complete: bool
    steps: int
    tasks: int
    tasks_run: int
    files: int
    wall: float
    failed: list[FailedTask] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.complete:
            return 0
        if any(f.exit_code == EXIT_UNSUPPORTED for f in self.failed):
            return EXIT_UNSUPPORTED
        return 1


@dataclass
class _Step:
    spec: StepSpec
    order: int
    token: str
    children: list[str] = field(default_factory=list)
    dirty: bool = True
    complete: bool = False
    next_task: int = 1
    statuses: dict[int, str] = field(default_factory=dict)
    ninputs: dict[int, int] = field(default_factory=dict)
    leftover: int = 0


def request_fingerprint(request: ProductionRequest) -> str:
    return hashlib.sha1(request.to_json().encode()).hexdigest()


@contextmanager
def workdir_lock(workdir: Path) -> Iterator[None]:
    """Exclusive use of ``workdir`` by this process (fails fast if another run holds it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    with open(workdir / "lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BackendError(f"{workdir} is in use by another cwl2dirac run") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def check_local_inputs(request: ProductionRequest) -> None:
    """A :class:`BackendError` naming the first input given as an ``lfn:`` URI (``lfn:/vo/path`` or
    ``lfn://vo/path``): a file of the grid's catalog, which a local run has not."""
    for ds in request.inputs:
        for f in (*ds.files, *(s for primary in ds.files for s in primary.secondary_files)):
            lfn = lfn_of(f.location)
            if lfn is not None:
                raise BackendError(
                    f"input '{ds.name}': {LFN_SCHEME}{lfn} is a file of the grid's catalog, not in this local run's "
                    "catalog: give it as a local file (location: path/to/file), or submit the production to DIRAC "
                    "(cwl2dirac submit)"
                )


def register_inputs(
    request: ProductionRequest, catalog: LocalCatalog, dataset_catalogs: Sequence[Path] = ()
) -> int:
    """Register the request's input datasets (idempotent); an input given as a catalog dataset takes the files of
    the local dataset of that name (:mod:`~cwl2dirac.backends.local.datasets`, looked up in ``dataset_catalogs``
    first)."""
    found: list[tuple[str, dict[str, Any], Path | None]] = []
    for ds in request.inputs:
        if ds.dataset is not None:
            files, types = dataset_entries(request.name, ds, dataset_catalogs, exclude=catalog.workdir.resolve())
            catalog.declare_fields({k: v for k, v in types.items() if k not in catalog.field_types()})
            found.extend(files)
    with tempfile.TemporaryDirectory(prefix="cwl2dirac-inputs-") as tmp:
        entries = plan_inputs(request, f"/{request.name}", Path(tmp))
        check_local_inputs(request)
        return catalog.register([*found, *((e.lfn, e.metadata, e.path) for e in entries)])


class LocalRunner:
    """Runs one request in one work directory."""

    def __init__(
        self,
        request: ProductionRequest,
        workdir: Path,
        *,
        jobs: int | None = None,
        retries: int | None = None,
        policy: Policy | None = None,
        progress: Progress | None = None,
        fingerprint: str | None = None,
        request_json: str | None = None,
        environment: Mapping[str, str] | None = None,
        dataset_catalogs: Sequence[Path] = (),
    ) -> None:
        self.request = request
        self.policy = local_policy(retries, policy)
        self.environment = dict(environment or {})
        self.dataset_catalogs = list(dataset_catalogs)
        self.fingerprint = fingerprint
        self.request_json = request_json
        self.workdir = Path(workdir).resolve()
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.progress = progress or Progress(mode="quiet")
        self.catalog: LocalCatalog | None = None
        self.steps: dict[str, _Step] = {}
        self.failed: dict[tuple[str, int], FailedTask] = {}
        self.tasks_run = 0

    # -- setup -----------------------------------------------------------------------------------------------
    def _prepare(self) -> LocalCatalog:
        cat = LocalCatalog(self.workdir)
        fp = self.fingerprint or request_fingerprint(self.request)
        old = cat.state_get("request")
        if old is not None and old != fp:
            raise BackendError(
                f"{self.workdir} holds the state of a different request; use another --workdir"
            )
        if old is None:
            text = self.request_json or self.request.to_json()
            (self.workdir / REQUEST_FILE).write_text(text, encoding="utf-8")
        fields: dict[str, str] = dict(WORKER_FIELDS)
        fields.update(self.request.metadata_fields)
        cat.declare_fields(fields)
        cat.declare_bases([f"/{self.request.name}/{INPUTS_STEP}", *(s.config.output_path for s in self.request.steps)])
        if cat.state_get("inputs") != "registered":
            register_inputs(self.request, cat, self.dataset_catalogs)
            cat.state_set("inputs", "registered")
        cat.state_set("request", fp)
        names = [s.name for s in self.request.steps]
        for i, spec in enumerate(self.request.steps):
            for dep in (*spec.parents, *spec.after):
                if dep not in names:
                    raise BackendError(f"step {spec.name}: unknown parent or after step {dep!r}")
            self.steps[spec.name] = _Step(spec, i, encode_config(spec.config))
        for spec in self.request.steps:
            for p in spec.parents:
                self.steps[p].children.append(spec.name)
        with cat.transaction() as db:  # a new invocation: what was running is tried again, what failed too
            db.execute("UPDATE tasks SET status = ? WHERE status = ?", (WAITING, RUNNING))
            again = db.execute(
                "SELECT step, task, attempts FROM tasks WHERE status = ? AND final = 0", (FAILED,)
            ).fetchall()
            db.executemany(
                "UPDATE tasks SET status = ?, allowed = ? WHERE step = ? AND task = ?",
                [(WAITING, int(attempts) + self._max_attempts(self.steps[step]), step, task)
                 for step, task, attempts in again if step in self.steps],
            )
        for row in cat.tasks():
            st = self.steps.get(row.step)
            if st is None:
                continue
            st.statuses[row.task] = row.status
            st.ninputs[row.task] = len(row.inputs)
            if row.status == FAILED:  # left failed by cwl2dirac recover: reported, not retried
                self.failed[(row.step, row.task)] = FailedTask(
                    row.step, row.task, row.attempts, row.log, row.message, 1 if row.code is None else row.code,
                    final=row.final,
                )
            st.next_task = max(st.next_task, row.task + 1)
        return cat

    def _max_attempts(self, st: _Step) -> int:
        """The attempts a task of ``st`` is given by this run: the policy's, else the step's ``max_retries`` + 1."""
        return step_attempts(st.spec, self.policy)

    # -- task creation ---------------------------------------------------------------------------------------
    def _parents_complete(self, st: _Step) -> bool:
        return all(self.steps[p].complete for p in st.spec.parents)

    def _create_tasks(self, st: _Step, groups: list[list[str]], cat: LocalCatalog) -> None:
        if not groups:
            return
        with cat.transaction() as db:
            for g in groups:
                n = st.next_task
                st.next_task += 1
                db.execute(
                    "INSERT INTO tasks (step, task, status, inputs) VALUES (?, ?, ?, ?)",
                    (st.spec.name, n, WAITING, json.dumps(g)),
                )
                db.executemany(
                    "UPDATE tfiles SET task = ? WHERE step = ? AND lfn = ?",
                    [(n, st.spec.name, lfn) for lfn in g],
                )
                st.statuses[n] = WAITING
                st.ninputs[n] = len(g)

    def _update_step(self, st: _Step, cat: LocalCatalog) -> None:
        """Give the step its new input and create its tasks."""
        spec = st.spec
        parents_complete = self._parents_complete(st)
        if spec.input_query is None:
            if not st.statuses:
                self._create_tasks(st, [[] for _ in range(1 if spec.tasks is None else spec.tasks)], cat)
            st.dirty = False
            return
        if not st.dirty:
            return
        st.dirty = False
        found = cat.find(spec.input_query)
        seen = {
            lfn: task
            for lfn, task in cat.db.execute("SELECT lfn, task FROM tfiles WHERE step = ?", (spec.name,))
        }
        new = [f.lfn for f in found if f.lfn not in seen]
        if new:
            with cat.transaction() as db:
                db.executemany(
                    "INSERT INTO tfiles (step, lfn, task) VALUES (?, ?, 0)", [(spec.name, lfn) for lfn in new]
                )
            seen.update(dict.fromkeys(new, 0))
        unused = [f.lfn for f in found if seen.get(f.lfn) == 0]
        if spec.group_size <= 1:
            self._create_tasks(st, [[lfn] for lfn in unused], cat)
        elif parents_complete:
            size = spec.group_size
            groups = [unused[i : i + size] for i in range(0, len(unused), size)]
            if groups and len(groups[-1]) < size and not spec.flush:
                st.leftover = len(groups.pop())
            if not groups and not st.statuses and spec.flush and not found:
                groups = [[]]  # nothing to gather: one task sees empty arrays, as CWL would
            self._create_tasks(st, groups, cat)
        if spec.group_size <= 1 and parents_complete and not found and not st.statuses and spec.flush:
            self._create_tasks(st, [[]], cat)

    def _refresh_complete(self) -> None:
        for st in sorted(self.steps.values(), key=lambda s: s.order):
            if st.complete:
                continue
            if (
                self._parents_complete(st)
                and not st.dirty
                and st.statuses
                and all(s == DONE for s in st.statuses.values())
            ):
                self._completed(st)
                self.progress.step_complete(st.spec.name, len(st.statuses))
                for c in st.children:
                    self.steps[c].dirty = True
            elif (
                self._parents_complete(st)
                and not st.dirty
                and not st.statuses
                and (st.spec.input_query is not None or st.spec.tasks == 0)
            ):
                self._completed(st)  # no input ever matched and nothing to flush
                self.progress.step_complete(st.spec.name, 0)
                for c in st.children:
                    self.steps[c].dirty = True

    def _completed(self, st: _Step) -> None:
        """Mark ``st`` complete (also in the catalog's state, for a status asked from another process)."""
        st.complete = True
        assert self.catalog is not None
        self.catalog.state_set(f"{COMPLETE_STATE}{st.spec.name}", "1")

    # -- dispatch --------------------------------------------------------------------------------------------
    def _runnable(self) -> Iterator[tuple[_Step, int]]:
        for st in sorted(self.steps.values(), key=lambda s: s.order):
            if not all(self.steps[a].complete for a in st.spec.after):
                continue
            for task, status in sorted(st.statuses.items()):
                if status == WAITING:
                    yield st, task

    def _start(self, st: _Step, task: int, cat: LocalCatalog, pool: TaskPool) -> Future[int]:
        safe = st.spec.dirac_name or st.spec.name.replace("/", "_")
        taskdir = self.workdir / "tasks" / safe / f"{task:08d}"
        if taskdir.exists():
            shutil.rmtree(taskdir)
        taskdir.mkdir(parents=True)
        row = cat.db.execute(
            "SELECT attempts FROM tasks WHERE step = ? AND task = ?", (st.spec.name, task)
        ).fetchone()
        attempt = int(row[0]) + 1
        logdir = self.workdir / "logs" / safe
        logdir.mkdir(parents=True, exist_ok=True)
        log = logdir / f"{task:08d}.{attempt}.log"
        with cat.transaction() as db:
            db.execute(
                "UPDATE tasks SET status = ?, attempts = ?, log = ? WHERE step = ? AND task = ?",
                (RUNNING, attempt, str(log), st.spec.name, task),
            )
        st.statuses[task] = RUNNING
        self.tasks_run += 1
        argv = ["--config", st.token, "--task", str(task)]
        return pool.submit(argv, taskdir, log)

    def _interrupted(self, st: _Step, task: int, cat: LocalCatalog) -> None:
        """A task whose process the pool stopped because another one died: run again, its attempt not counted
        (its bound is one more; its log stays, numbered)."""
        row = cat.db.execute(
            "SELECT attempts, allowed FROM tasks WHERE step = ? AND task = ?", (st.spec.name, task)
        ).fetchone()
        attempts, allowed = int(row[0]), row[1]
        bound = (int(allowed) if allowed is not None else self._max_attempts(st)) + 1
        with cat.transaction() as db:
            db.execute(
                "UPDATE tasks SET status = ?, allowed = ?, message = ? WHERE step = ? AND task = ?",
                (WAITING, bound, "interrupted: another task's process died", st.spec.name, task),
            )
        st.statuses[task] = WAITING
        self.progress.note(f"step {st.spec.name} task {task}: interrupted (another task's process died), run again; "
                           f"attempt {attempts} not counted")

    def _finish(self, st: _Step, task: int, code: int, cat: LocalCatalog, message: str | None = None) -> None:
        row = cat.db.execute(
            "SELECT status, attempts, log, allowed FROM tasks WHERE step = ? AND task = ?", (st.spec.name, task)
        ).fetchone()
        status, attempts, log, allowed = row
        if code == 0 and status == DONE:
            st.statuses[task] = DONE
            for c in st.children:
                self.steps[c].dirty = True
            self.progress.task_done(st.spec.name, task)
            return
        message = message or _last_error(log) or f"exit code {code}"
        bound = int(allowed) if allowed is not None else self._max_attempts(st)
        if retry_refused(code, self.policy) is None and attempts < bound:
            new = WAITING
            self.progress.task_retry(st.spec.name, task, attempts, bound, code, message, log)
        else:
            new = FAILED
            self.failed[(st.spec.name, task)] = FailedTask(st.spec.name, task, attempts, log, message, code)
            self.progress.task_failed(st.spec.name, task, attempts, message, log)
        with cat.transaction() as db:
            db.execute(
                "UPDATE tasks SET status = ?, message = ?, code = ? WHERE step = ? AND task = ?",
                (new, message, code, st.spec.name, task),
            )
        st.statuses[task] = new

    # -- main loop -------------------------------------------------------------------------------------------
    def run(self) -> RunReport:
        t0 = time.monotonic()
        for spec in self.request.steps:  # before the work directory exists: a request that escapes writes nothing
            check_lfn_base(spec.config.output_path, f"step {spec.name}: output_path")
        check_lfn_base(f"/{self.request.name}/{INPUTS_STEP}", "the production name, as an LFN directory")
        with workdir_lock(self.workdir):
            cat = self.catalog = self._prepare()
            pool = TaskPool(self.jobs, self.workdir, self.environment)
            pool.start()
            running: dict[Future[int], tuple[_Step, int]] = {}
            try:
                with self.progress.live(self._counts):
                    ordered = sorted(self.steps.values(), key=lambda s: s.order)
                    while True:
                        for st in ordered:
                            if st.dirty:
                                self._update_step(st, cat)
                        self._refresh_complete()
                        if any(st.dirty for st in self.steps.values()):
                            continue
                        for st, task in self._runnable():
                            if len(running) >= self.jobs:
                                break
                            running[self._start(st, task, cat, pool)] = (st, task)
                        if not running:
                            break
                        done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                        for fut in done:
                            st, task = running.pop(fut)
                            message = None
                            try:
                                code = fut.result()
                            except BrokenProcessPool:
                                died = pool.died(fut)
                                if died is None:  # stopped because another task's process died: not its failure
                                    self._interrupted(st, task, cat)
                                    continue
                                code, message = died, _death(died)
                            self._finish(st, task, code, cat, message)
            finally:
                pool.shutdown(wait=not running)
        return self._report(time.monotonic() - t0)

    def _counts(self) -> list[StepCounts]:
        out = []
        for st in sorted(self.steps.values(), key=lambda s: s.order):
            c = StepCounts(st.spec.name, complete=st.complete)
            for task, status in st.statuses.items():
                n = st.ninputs.get(task, 0)
                setattr(c, status, getattr(c, status) + 1)
                key = f"files_{status}"
                setattr(c, key, getattr(c, key) + n)
            out.append(c)
        return out

    def _report(self, wall: float) -> RunReport:
        assert self.catalog is not None
        ntasks = sum(len(st.statuses) for st in self.steps.values())
        nfiles = int(self.catalog.db.execute("SELECT count(*) FROM files").fetchone()[0])
        incomplete = [st.spec.name for st in self.steps.values() if not st.complete]
        return RunReport(
            complete=not incomplete and not self.failed,
            steps=len(self.steps),
            tasks=ntasks,
            tasks_run=self.tasks_run,
            files=nfiles,
            wall=wall,
            failed=sorted(self.failed.values(), key=lambda f: (f.step, f.task)),
            incomplete=incomplete,
        )


def local_policy(retries: int | None = None, policy: Policy | None = None) -> Policy | None:
    """The policy of a run given ``retries`` (``max_attempts`` = retries + 1) or ``policy`` (one of them); None:
    each step's own ``max_retries``, deterministic failures final."""
    if retries is not None and policy is not None:
        raise BackendError("give retries or a recovery policy, not both")
    if retries is None:
        return policy
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 99:
        raise BackendError(f"retries must be a whole number from 0 to 99, not {retries!r}")
    return Policy(max_attempts=retries + 1)


def step_attempts(spec: StepSpec, policy: Policy | None) -> int:
    """The attempts a task of ``spec`` is given: the policy's ``max_attempts``, else its ``max_retries`` + 1."""
    return policy.max_attempts if policy is not None else 1 + max(0, spec.max_retries)


def retry_refused(code: int | None, policy: Policy | None) -> str | None:
    """Why a task whose worker exited with ``code`` is not retried whatever its attempts (None: it may be)."""
    if code == EXIT_UNSUPPORTED:
        return "an unsupported feature"
    if code == EXIT_DETERMINISTIC and (policy is None or policy.deterministic_final):
        return "a deterministic failure"
    return None


_WORKER_ERROR = re.compile(r"^ERROR cwl2dirac\.worker: task \d+ failed: (.*)$")
_LOG_RECORD = re.compile(r"^(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) |^Traceback \(most recent call last\)")


def _death(code: int) -> str:
    """What a task's process that died said of itself, by its exit code (negative: the signal)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"its process was killed ({name}{', out of memory?' if -code == signal.SIGKILL else ''})"
    return f"its process died (exit code {code})"


def _last_error(log: str | None) -> str | None:
    """The reason a task failed, from its log: the worker's own error line (without its prefix), else the last
    ERROR line, else the last line."""
    if not log or not os.path.exists(log):
        return None
    lines = Path(log).read_text(encoding="utf-8", errors="replace").splitlines()
    for n in range(len(lines) - 1, -1, -1):
        match = _WORKER_ERROR.match(lines[n].strip())
        if match:  # with the lines of the same message after it (not its traceback, not the next record)
            more = one_line("\n".join(itertools.takewhile(lambda line: not _LOG_RECORD.match(line), lines[n + 1 :])))
            return f"{match.group(1).strip()} {more}".strip()[:600]
    for line in reversed(lines):
        if line.startswith("ERROR") or "permanentFail" in line or "failed:" in line:
            return line.strip()[:300]
    return lines[-1].strip()[:300] if lines else None


def run_request(
    request: ProductionRequest,
    workdir: Path,
    *,
    jobs: int | None = None,
    retries: int | None = None,
    policy: Policy | None = None,
    progress: Progress | None = None,
    fingerprint: str | None = None,
    request_json: str | None = None,
    environment: Mapping[str, str] | None = None,
    dataset_catalogs: Sequence[Path] = (),
) -> RunReport:
    """Run ``request`` in ``workdir`` (resuming whatever a previous run left there).

    ``fingerprint`` and ``request_json``: the request's :func:`request_fingerprint` and JSON text, if the caller
    already has them (serialising a large request costs time). ``environment``: variables of every task (the
    worker's container options, :func:`~cwl2dirac.request.wire.container_environment`); ``dataset_catalogs``: work
    directories whose local datasets the request's dataset inputs take first. ``retries`` or ``policy``: how
    failed tasks are retried (default: each step's ``max_retries``; see the module's docstring).
    """
    check_local_inputs(request)  # before the work directory is made
    runner = LocalRunner(
        request, workdir, jobs=jobs, retries=retries, policy=policy, progress=progress, fingerprint=fingerprint,
        request_json=request_json, environment=environment, dataset_catalogs=dataset_catalogs,
    )
    return runner.run()
