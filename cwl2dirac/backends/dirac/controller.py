"""The production controller: what DIRAC's own agents cannot express, done for every cwl2dirac production.

One pass (:func:`run_cycle`) looks at each active transformation that cwl2dirac made (it carries the
``Cwl2DiracStep`` parameter) and:

- **releases** a step held back for its side inputs (``AgentType = Manual``, so the WorkflowTaskAgent submits none
  of its jobs) once every step it waits for is complete: its AgentType becomes ``Automatic``;
- **flushes** a step with an incomplete last group (a ``Merging`` of an unknown number of files) once every parent
  is complete and all their outputs have reached the step: its status becomes ``Flush``, and DIRAC's
  TransformationAgent makes the last task and sets it back to ``Active``;
- **completes** a step whose parents are complete and whose work is done — every input file Processed (or left
  in an incomplete group that is not to be flushed), every task Done, or for a step without input data all its
  tasks Done: its status becomes ``Completed``, which is what the children and the status view wait for.

Decisions rest on file statuses and on task statuses that the jobs report themselves (the Transformation System
learns a job's end from the WMS only up to ten minutes late). The pass runs as a DIRAC agent
(``cwl2diracDIRAC/ProductionSystem/Agent/ProductionControllerAgent.py``, started by ``scripts/dirac-server.sh``)
and by hand: ``cwl2dirac controller [PRODUCTION]``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.backends.dirac._clients import DiracClients, timed
from cwl2dirac.backends.dirac.recovery import FINAL_FILES, recover
from cwl2dirac.backends.dirac.submission import HELD, INPUTS_PARAMETER, STEP_PARAMETER
from cwl2dirac.backends.policy import Policy
from cwl2dirac.errors import BackendError

ACTIVE = ("Active", "Flush", "Completing", "Stopped", "New")
"""Transformation statuses the controller looks at."""


@dataclass(frozen=True)
class Action:
    """One thing the controller did (or, in a dry run, would do)."""

    transformation: int
    step: str
    production: str
    what: str

    def __str__(self) -> str:
        return f"{self.production}: {self.what} step '{self.step}' (transformation {self.transformation})"


def run_cycle(
    clients: DiracClients | None = None,
    *,
    productions: Iterable[str] | None = None,
    dry_run: bool = False,
    log: Callable[[str], Any] | None = None,
    policy: Policy | None = None,
) -> list[Action]:
    """One pass over the active cwl2dirac transformations (of ``productions``, by name, when given); ``policy``:
    how the files of failed tasks are recovered (:mod:`~cwl2dirac.backends.dirac.recovery`; default
    :class:`Policy`)."""
    policy = policy or Policy()
    clients = clients or DiracClients(quiet=log is None)  # a log given: DIRAC's agent, whose log DIRAC's messages are
    clients.initialize()
    tc = clients.transformation()
    rows = _boundary.ok(
        _boundary.retried(partial(tc.getTransformations, {"Status": list(ACTIVE)}, extraParams=True)),
        "getTransformations",
    ) or []
    wanted = set(productions) if productions is not None else None
    ours = []
    for row in rows:
        facts = json.loads(row.get(STEP_PARAMETER) or "null") if row.get(STEP_PARAMETER) else None
        if facts is None or (wanted is not None and facts.get("production") not in wanted):
            continue
        ours.append((row, facts))
    status = {int(r["TransformationID"]): str(r["Status"]) for r, _ in ours}
    actions: list[Action] = []
    for row, facts in ours:
        try:
            tid = int(row["TransformationID"])
            recovered = [f"{r} in" for r in recover(clients, tid, policy, dry_run=dry_run, finish=True)]
            for what in [*_unstick_reserved(clients, tid, dry_run), *_unstick_waiting(clients, tid, dry_run),
                         *recovered]:
                reserved = Action(tid, str(facts.get("step")), str(facts.get("production")), what)
                actions.append(reserved)
                if log is not None:
                    log(("would " if dry_run else "") + str(reserved))
            action = _decide(clients, row, facts, status)
        except BackendError as exc:  # one transformation DIRAC cannot answer for does not stop the others
            if log is not None:
                log(f"transformation {row['TransformationID']}: {exc}")
            continue
        if action is None:
            continue
        kind, value, what = action
        done = Action(int(row["TransformationID"]), str(facts.get("step")), str(facts.get("production")), what)
        if not dry_run:
            _boundary.ok(
                _boundary.retried(partial(tc.setTransformationParameter, done.transformation, kind, value)),
                f"set {kind} of transformation {done.transformation}",
            )
            status[done.transformation] = value if kind == "Status" else status[done.transformation]
        actions.append(done)
        if log is not None:
            log(("would " if dry_run else "") + str(done))
    return actions


def _complete(tid: int, status: dict[int, str], clients: DiracClients) -> bool:
    """Whether transformation ``tid`` is complete (one we do not look at any more is, if DIRAC says so)."""
    if tid in status:
        return status[tid] in ("Completed", "Archived")
    tc = clients.transformation()
    info = _boundary.ok(_boundary.retried(partial(tc.getTransformation, tid)), f"transformation {tid}") or {}
    return str(info.get("Status")) in ("Completed", "Archived")


def _decide(
    clients: DiracClients, row: dict[str, Any], facts: dict[str, Any], status: dict[int, str]
) -> tuple[str, str, str] | None:
    """The one change this transformation needs now: (parameter, value, description), or None."""
    tid = int(row["TransformationID"])
    tc = clients.transformation()
    held_for = [int(t) for t in (facts.get("held_for") or {}).values()]
    if str(row.get("AgentType")) == HELD and held_for:
        if all(_complete(t, status, clients) for t in held_for):
            return ("AgentType", "Automatic", "released (its side inputs are complete)")
        return None
    parents = [int(t) for t in (facts.get("parents") or {}).values()]
    if not all(_complete(t, status, clients) for t in parents):
        return None
    if str(row.get(INPUTS_PARAMETER) or "") == "pending":  # the submission is still registering the inputs
        return None
    files = _boundary.ok(_boundary.retried(partial(tc.getTransformationStats, tid)), f"files of {tid}") or {}
    tasks = _boundary.ok(
        _boundary.retried(partial(tc.getTransformationTaskStats, tid)), f"tasks of {tid}"
    ) or {}
    task_total = int(tasks.get("TotalCreated", sum(int(v) for k, v in tasks.items() if k != "TotalCreated")))
    # a task is done when Done: "Completed" is a job whose failover request still waits (DIRAC marks its input
    # files Processed all the same, so the file statuses alone would complete the step before its outputs arrive)
    tasks_done = int(tasks.get("Done", 0))
    query = input_query(clients, tid)
    # a Failed task is over: its files were recovered (reset for another task, or Problematic), or, without input
    # data, the recovery policy left it Failed after its last attempt (else it is Created again)
    tasks_done += int(tasks.get("Failed", 0))
    if not query:  # no input data: tasks by extension
        wanted = int(facts.get("tasks") or task_total)
        if task_total >= wanted and tasks_done == task_total:
            return ("Status", "Completed", f"completed ({tasks_done} task(s) done)")
        return None
    if not _all_inputs_arrived(clients, tid, query, int(files.get("Total", 0))):
        return None
    unused, assigned = int(files.get("Unused", 0)), int(files.get("Assigned", 0))
    if facts.get("flush") and unused and str(row["Status"]) != "Flush":
        return ("Status", "Flush", f"flushed {unused} file(s) of an incomplete group of")
    group = int(row.get("GroupSize") or 1)
    leftover_ok = not facts.get("flush") and unused < group
    if assigned == 0 and (unused == 0 or leftover_ok) and tasks_done == task_total:
        processed = int(files.get("Processed", 0))
        problematic = sum(int(files.get(k, 0)) for k in FINAL_FILES)
        lost = f", {problematic} file(s) Problematic: see cwl2dirac status" if problematic else ""
        return ("Status", "Completed", f"completed ({processed} file(s) processed{lost}, {tasks_done} task(s) over)")
    return None


RESERVED_GRACE = 600
"""Seconds a task may stay Reserved since it was reserved (the WorkflowTaskAgent between reserving and submitting
it: a batch takes minutes under load) before the controller looks for its job: a lost connection at submission
leaves tasks there (seen on the local server when DIRAC's reactor dropped connections, before the server's
workaround; any lost reply has the same effect). DIRAC's own check (``CheckReserved``) waits an hour, but counted
from the task's creation: every task of a production older than that is taken back while the agent submits it,
which gives it a second job — so cwl2dirac's deployments run without it."""


def _dirac_now() -> datetime.datetime:
    """Now as DIRAC's times are: naive UTC (its database columns have no zone)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _unstick_reserved(clients: DiracClients, tid: int, dry_run: bool) -> list[str]:
    """Tasks Reserved for longer than :data:`RESERVED_GRACE`: with a WMS job of their name, that job is recorded
    (Submitted); without one, they go back to Created and are submitted again — as DIRAC's CheckReserved does."""
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    tc = clients.transformation()
    older = str(_dirac_now() - datetime.timedelta(seconds=RESERVED_GRACE))
    tasks = _boundary.ok(
        _boundary.retried(
            partial(tc.getTransformationTasks, {"TransformationID": tid, "ExternalStatus": "Reserved"}, older=older,
                    timeStamp="LastUpdateTime")  # since it was reserved (DIRAC's client counts from its creation)
        ),
        f"reserved tasks of {tid}",
    ) or []
    if not tasks:
        return []
    names = {f"{tid:08d}_{int(t['TaskID']):08d}": int(t["TaskID"]) for t in tasks}
    monitoring = timed(JobMonitoringClient())
    jobs = _boundary.ok(_boundary.retried(partial(monitoring.getJobs, {"JobName": list(names)})), "getJobs") or []
    found: dict[int, int] = {}
    for job in jobs:
        summary = _boundary.ok(_boundary.retried(partial(monitoring.getJobSummary, int(job))), f"job {job}") or {}
        if summary.get("JobName") in names:
            found[names[str(summary["JobName"])]] = int(job)
    done = []
    rpc = tc._getRPC()
    for task in sorted(names.values()):
        if task in found:
            done.append(f"recorded job {found[task]} of the Reserved task {task} of")
            if not dry_run:
                _boundary.ok(rpc.setTaskStatusAndWmsID(tid, task, "Submitted", str(found[task])), f"task {task}")
        else:
            done.append(f"put the Reserved task {task} (no job) back to Created in")
            if not dry_run:
                _boundary.ok(rpc.setTaskStatus(tid, task, "Created"), f"task {task}")
    return done


WAITING_GRACE = 600
"""Seconds a task's job may wait for a JobAgent before the controller sends it through the optimizers again (once):
a lost connection while an optimizer queued it leaves a job Waiting that no JobAgent is ever offered."""


def _unstick_waiting(clients: DiracClients, tid: int, dry_run: bool) -> list[str]:
    """Jobs of the transformation's tasks that have waited longer than :data:`WAITING_GRACE` and were never
    rescheduled: rescheduled (``JobManager.rescheduleJob``: back through the optimizers into a task queue)."""
    from DIRAC.WorkloadManagementSystem.Client.JobManagerClient import JobManagerClient
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    tc = clients.transformation()
    tasks = _boundary.ok(
        _boundary.retried(partial(tc.getTransformationTasks, {"TransformationID": tid, "ExternalStatus": "Waiting"})),
        f"waiting tasks of {tid}",
    ) or []
    jobs = [int(t["ExternalID"]) for t in tasks if str(t["ExternalID"]).isdigit() and int(t["ExternalID"])]
    if not jobs:
        return []
    summaries = _boundary.ok(
        _boundary.retried(partial(timed(JobMonitoringClient()).getJobsSummary, jobs)), f"jobs of {tid}"
    ) or {}
    if isinstance(summaries, str):
        import ast

        summaries = ast.literal_eval(summaries)
    cutoff = _dirac_now() - datetime.timedelta(seconds=WAITING_GRACE)
    done = []
    for job, summary in sorted(summaries.items(), key=lambda kv: int(kv[0])):
        last = summary.get("LastUpdateTime")
        if isinstance(last, str):
            last = datetime.datetime.fromisoformat(last)
        if summary.get("Status") != "Waiting" or int(summary.get("RescheduleCounter") or 0) > 0:
            continue
        if isinstance(last, datetime.datetime) and last.replace(tzinfo=None) < cutoff:
            done.append(f"rescheduled job {job}, Waiting since {last:%H:%M:%S}, of")
            if not dry_run:
                _boundary.ok(JobManagerClient().rescheduleJob(int(job)), f"rescheduling job {job}")
    return done


def input_query(clients: DiracClients, tid: int) -> dict[str, Any] | None:
    """The transformation's stored input meta-query; None for one without input data."""
    tc = clients.transformation()
    result = _boundary.retried(partial(tc.getTransformationMetaQuery, tid, "Input"))
    if not result["OK"] and "No MetaQuery" in str(result.get("Message")):
        return None
    query: dict[str, Any] | None = _boundary.ok(result, f"input query of transformation {tid}")
    return query


def _all_inputs_arrived(clients: DiracClients, tid: int, query: dict[str, Any], attached: int) -> bool:
    """Whether the transformation holds every file its input query selects (the InputDataAgent polls)."""
    fc = clients.file_catalog()
    found = _boundary.ok(_boundary.retried(partial(fc.findFilesByMetadata, dict(query), "/")), f"inputs of {tid}")
    return attached >= len(found or [])


def recover_production(
    clients: DiracClients, production: str | int, policy: Policy, *, dry_run: bool = False, force: bool = False
) -> list[Action]:
    """The recovery policy applied now to every transformation of one production (its id or name): what
    ``cwl2dirac recover`` does. A production that cwl2dirac did not make (no ``Cwl2DiracStep`` on its
    transformations) is refused unless ``force``."""
    from cwl2dirac.backends.dirac.status import ProductionView

    clients.initialize()
    view = ProductionView(clients, production)
    trans = view.transformations()
    name = str(production)
    if not any(t.facts for t in trans):
        if not force:
            raise BackendError(f"production '{production}' was not made by cwl2dirac (its transformations carry no "
                               f"{STEP_PARAMETER}): recover it only if you mean it, with --force")
    else:
        name = str(next(t.facts.get("production") for t in trans if t.facts))
    actions = []
    for t in trans:
        for r in recover(clients, t.id, policy, dry_run=dry_run):
            actions.append(Action(t.id, t.step, name, f"{r} in"))
    return actions
