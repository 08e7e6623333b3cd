"""Where a production stands on DIRAC: per transformation, its tasks and input files by status.

File statuses come from the Transformation System (the jobs report them themselves: ``Processed`` when a task is
done). Task statuses come from the WMS, which knows them at once; the Transformation System only learns them up
to ten minutes late, so its own task statuses are used only for tasks without a job yet.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.backends.dirac._clients import DiracClients, timed
from cwl2dirac.backends.dirac.recovery import FINAL_FILES
from cwl2dirac.backends.dirac.submission import REQUEST_PARAMETER, STEP_PARAMETER, decode_request
from cwl2dirac.errors import BackendError
from cwl2dirac.request import ProductionRequest

FINAL_FAILED = frozenset({"Failed", "Killed", "Deleted"})
DONE = frozenset({"Done", "Completed"})
WAITING = frozenset({"Created", "Reserved", "Submitted", "Received", "Checking", "Staging", "Waiting", "Matched"})
RUNNING = frozenset({"Running", "Completing", "Stalled", "Rescheduled"})


def together(*calls: Callable[[], Any]) -> list[Any]:
    """The results of ``calls``, made at the same time (each a round trip to a DIRAC service, independent of the
    others; DIRAC's clients make a connection per call)."""
    if len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


def bucket(status: str) -> str:
    """A DIRAC task or job status as one of the progress display's: waiting, running, done, failed."""
    if status in DONE:
        return "done"
    if status in FINAL_FAILED:
        return "failed"
    if status in RUNNING:
        return "running"
    return "waiting"


@dataclass
class Transformation:
    """One transformation of a cwl2dirac production, as DIRAC has it now."""

    id: int
    name: str
    step: str
    status: str
    facts: dict[str, Any]
    files: dict[str, int] = field(default_factory=dict)
    tasks: dict[int, str] = field(default_factory=dict)
    """Task id → its status (the WMS's when the task has a job)."""
    jobs: dict[int, int] = field(default_factory=dict)
    """Task id → its WMS job id."""
    reasons: dict[int, str] = field(default_factory=dict)
    """Task id → what its failed job says (its minor and application status)."""
    attempts: dict[int, int] = field(default_factory=dict)
    """Task id (failed for good) → the failures of its most tried input file."""

    @property
    def complete(self) -> bool:
        return self.status in ("Completed", "Archived")


class _Stale(Exception):
    """A transformation the view remembered is no longer in DIRAC."""


class ProductionView:
    """Reads a production's transformations (``production``: its id or name) from DIRAC.

    Once the production has a transformation for every step of its request, the view remembers their ids, names
    and parameters (DIRAC neither adds nor removes a started production's transformations): a later
    :meth:`snapshot` of the same view reads neither the ids nor the parameters again (one round of calls fewer,
    and not the request each transformation carries). Keep one view to follow a production."""

    def __init__(self, clients: DiracClients, production: str | int) -> None:
        self.clients = clients
        self.production = production
        self._request: ProductionRequest | None = None
        self._fixed: dict[int, tuple[str, dict[str, Any]]] | None = None
        """Transformation id → (name, step facts), once every step has its transformation."""

    @property
    def _key(self) -> str | int:
        """The production as DIRAC's clients take it: its id (a number) or its name."""
        return int(self.production) if str(self.production).isdigit() else str(self.production)

    def production_id(self) -> int:
        client = self.clients.production()
        result = _boundary.retried(partial(client.getProduction, self._key))
        if not result["OK"]:
            reason = " ".join(str(result["Message"]).split())
            raise BackendError(f"no production '{self.production}' on DIRAC ({reason})")
        return int(result["Value"]["ProductionID"])

    def snapshot(self) -> list[Transformation]:
        """:meth:`transformations` with their files and tasks (the tasks' statuses from the WMS), in three rounds of
        calls whatever the number of transformations: their ids (not once remembered); their rows, file counts and
        tasks at once; the jobs still live."""
        return self._afresh(self._snapshot)

    def transformations(self) -> list[Transformation]:
        """The production's transformations, in the order of its request (parents first)."""
        return self._afresh(self._transformations)

    def _afresh(self, read: Callable[[], list[Transformation]]) -> list[Transformation]:
        """``read()``, once more from nothing remembered if what it remembered is gone (the production deleted, its
        name perhaps given to another)."""
        try:
            return read()
        except _Stale:
            self._fixed = self._request = None
            return read()

    def _snapshot(self) -> list[Transformation]:
        ids = self._ids()
        if not ids:
            return []
        infos, counters, rows = together(lambda: self._infos(ids), lambda: self._counters(ids),
                                         lambda: self._tasks(ids))
        return self._filled(self._made(ids, infos), counters, rows)

    def _transformations(self) -> list[Transformation]:
        ids = self._ids()
        return self._made(ids, self._infos(ids)) if ids else []

    def request(self) -> ProductionRequest:
        """The request the production was made from (kept by the submission in its transformations)."""
        if self._request is None:
            self.transformations()
        if self._request is None:
            raise BackendError(f"production '{self.production}' was not made by cwl2dirac (no {REQUEST_PARAMETER})")
        return self._request

    # -- one call each ------------------------------------------------------------------------------------------
    def _ids(self) -> list[int]:
        if self._fixed is not None:
            return list(self._fixed)
        client = self.clients.production()
        result = _boundary.retried(partial(client.getProductionTransformations, self._key))
        if not result["OK"]:
            self.production_id()  # no such production: said as such
        rows = _boundary.ok(result, f"transformations of production '{self.production}'") or []
        return [int(row["TransformationID"]) for row in rows]

    def _infos(self, ids: list[int]) -> list[dict[str, Any]]:
        """The transformations' rows without their job templates, with their parameters (until they are known)."""
        tc = self.clients.transformation()
        columns = ["TransformationID", "TransformationName", "Status"]
        return _boundary.ok(
            _boundary.retried(partial(tc.getTransformations, {"TransformationID": ids},
                                      extraParams=self._fixed is None, columns=columns)),
            f"transformations {ids}",
        ) or []

    def _counters(self, ids: list[int]) -> list[tuple[dict[str, Any], int]]:
        """Input files by transformation and status (what ``getTransformationStats`` counts, for all at once)."""
        tc = self.clients.transformation()
        return _boundary.ok(
            _boundary.retried(partial(tc.getCounters, "TransformationFiles", ["TransformationID", "Status"],
                                      {"TransformationID": ids})),
            f"files of transformations {ids}",
        ) or []

    def _tasks(self, ids: list[int]) -> list[dict[str, Any]]:
        tc = self.clients.transformation()
        return _boundary.ok(
            _boundary.retried(partial(tc.getTransformationTasks, {"TransformationID": ids})),
            f"tasks of transformations {ids}",
        ) or []

    # -- assembled -----------------------------------------------------------------------------------------------
    def _made(self, ids: list[int], infos: list[dict[str, Any]]) -> list[Transformation]:
        found = {int(info["TransformationID"]): info for info in infos}
        out = []
        for tid in ids:
            info = found.get(tid)
            if info is None:
                if self._fixed is not None:
                    raise _Stale(tid)
                raise BackendError(f"transformation {tid} of production '{self.production}' is not in DIRAC")
            if self._fixed is not None:
                name, facts = self._fixed[tid]
            else:
                name, facts = str(info["TransformationName"]), json.loads(info.get(STEP_PARAMETER) or "{}")
            if self._request is None and info.get(REQUEST_PARAMETER):
                self._request = decode_request(str(info[REQUEST_PARAMETER]))
            out.append(Transformation(tid, name, str(facts.get("step", name)), str(info["Status"]), dict(facts)))
        order = {s.name: i for i, s in enumerate(self._request.steps)} if self._request else {}
        out.sort(key=lambda t: (order.get(t.step, len(order)), t.id))
        if self._fixed is None and self._request is not None and len(out) == len(self._request.steps):
            self._fixed = {t.id: (t.name, dict(t.facts)) for t in out}
        return out

    def _filled(self, trans: list[Transformation], counters: list[tuple[dict[str, Any], int]],
                rows: list[dict[str, Any]]) -> list[Transformation]:
        """``trans`` with their files and tasks, the tasks of live jobs with the WMS's statuses (one call)."""
        from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

        files: dict[int, dict[str, int]] = {}
        for attrs, count in counters:
            status = str(attrs["Status"])
            if "-" not in status:  # as getTransformationStats counts them
                files.setdefault(int(attrs["TransformationID"]), {})[status] = int(count)
        tasks: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            tasks.setdefault(int(row["TransformationID"]), []).append(row)
        recorded: dict[int, dict[int, str]] = {}
        for t in trans:
            mine = tasks.get(t.id, [])
            t.files = files.get(t.id, {})
            t.tasks = {int(row["TaskID"]): str(row["ExternalStatus"]) for row in mine}
            recorded[t.id] = dict(t.tasks)  # the TS's own statuses (the recovery policy's verdicts among them)
            t.jobs = {int(row["TaskID"]): int(row["ExternalID"]) for row in mine
                      if str(row["ExternalID"]).isdigit() and int(row["ExternalID"]) > 0}
        live = sorted({job for t in trans for task, job in t.jobs.items() if t.tasks[task] not in DONE})
        found: Mapping[int, Any] = {}
        if live:
            result = _boundary.retried(partial(timed(JobMonitoringClient()).getJobsStates, live))
            found = (result.get("Value") or {}) if result.get("OK") else {}
        for t in trans:
            for task, job in t.jobs.items():
                state = found.get(job)
                if state is None:
                    continue
                t.tasks[task] = str(state.get("Status"))
                if t.tasks[task] in FINAL_FAILED:
                    said = [str(state.get(k)) for k in ("MinorStatus", "ApplicationStatus")
                            if state.get(k) and str(state.get(k)) != "Unknown"]
                    t.reasons[task] = "; ".join(dict.fromkeys(said))
            self._settle_failures(t, recorded[t.id])
        return trans

    def _settle_failures(self, t: Transformation, recorded: Mapping[int, str]) -> None:
        """A task whose job failed is failed for good only when the recovery policy is done with it: its input
        files Problematic (or MaxReset), or, without input data, the task left Failed in the TS (``recorded``).
        Otherwise it is ``Retrying``: its files go (or went) to another task, or the task gets a new job
        (:mod:`~cwl2dirac.backends.dirac.recovery`)."""
        failed = [task for task, status in t.tasks.items() if status in FINAL_FAILED]
        if not failed:
            return
        tc = self.clients.transformation()
        rows = _boundary.ok(
            _boundary.retried(partial(tc.getTransformationFiles, {"TransformationID": t.id, "TaskID": failed})),
            f"files of the failed tasks of {t.id}",
        ) or []
        files: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            files.setdefault(int(row.get("TaskID") or 0), []).append(row)
        with_input = any(n for n in t.files.values())
        for task in failed:
            mine = files.get(task, [])
            final = [f for f in mine if str(f.get("Status")) in FINAL_FILES]
            # with input: its files Assigned (to be recovered), or reset (no longer its own); without: the policy
            # has not left the task Failed (yet)
            pending = not final if with_input else recorded.get(task) != "Failed"
            if pending:
                t.tasks[task] = "Retrying"
            else:
                t.attempts[task] = max((int(f.get("ErrorCount") or 0) for f in final), default=1) or 1


def counts(t: Transformation) -> Counter[str]:
    """The transformation's tasks by the display's buckets."""
    return Counter(bucket(s) for s in t.tasks.values())
