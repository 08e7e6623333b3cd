"""The recovery policy: what becomes of the input files of a task whose DIRAC job failed.

DIRAC on its own: the Transformation System learns of a failed job up to ten minutes late, then puts the task's
files back to ``Unused`` for another task, again and again; every ``FilesMaxResetCounter``-th failure (10) makes a
file ``MaxReset``, which nothing looks at afterwards, and a transformation with such files never completes.

cwl2dirac's policy, applied to every cwl2dirac transformation by the production controller at each cycle (and by
hand: ``cwl2dirac recover``), as soon as the WMS says a task's job failed:

- the task's files go back to ``Unused`` (a new task takes them) while each has failed fewer than
  :attr:`Policy.max_attempts` times (DIRAC's ``ErrorCount`` counts the earlier failures);
- then they become ``Problematic``: reported by ``status``, and their step completes without them;
- a job whose worker exited with 34 (a deterministic failure: an expression error, an output of the wrong type;
  see docs/errors.md) sends its files to ``Problematic`` at once: another attempt would fail the same way;
- the task is set ``Failed``, so that DIRAC, when it learns of the job later, leaves its files alone.

Only tasks whose job is over (``Failed``, ``Killed``) are touched: nothing a running job holds is reset, so no
output is made twice. Two kinds of jobs are made over first:

- a job the WMS no longer knows (vanished: deleted, or its database restored) holds nothing: its task fails;
- a job ``Stalled`` (DIRAC's StalledJobAgent says so), or ``Matched``/``Running`` without a sign of life (its
  heartbeat, any status change) for :attr:`Policy.stalled_after` seconds (its node died with its pilot), is killed
  in the WMS first (``Killed`` at once, and the kill command sent, should it come back), then failed.

And a task whose job is ``Done`` while the TS still has it live (its worker left "Done" to the job's failover
request) is marked Done at once: DIRAC's WorkflowTaskAgent copies a job's status only ten minutes after the task's
last change.
 A step without input data (tasks by extension) has no files to reset: a failed task goes back
to ``Created`` (a new job for it) while it has had fewer than :attr:`Policy.max_attempts` jobs, then stays Failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.backends.dirac._clients import DiracClients, timed
from cwl2dirac.backends.policy import Policy
from cwl2dirac.request.wire import EXIT_DETERMINISTIC

OVER = ("Failed", "Killed")
"""WMS statuses of a job that is over without success."""
LIVE_TASKS = ("Submitted", "Received", "Checking", "Staging", "Waiting", "Matched", "Running", "Completing",
              "Completed", "Stalled", "Rescheduled")
"""Transformation task statuses of a task whose job may still be going on (as far as the TS knows)."""
SILENT = ("Matched", "Running", "Stalled")
"""WMS statuses of a job that may have died without telling (checked against :attr:`Policy.stalled_after`)."""
FINAL_FILES = ("Problematic", "MaxReset")
"""File statuses after which no task will take the file again."""
DETERMINISTIC = re.compile(rf"\bStatus {EXIT_DETERMINISTIC}\b")
"""What a job's application status says when its worker exited with the deterministic-failure code."""


@dataclass(frozen=True)
class Recovery:
    """What was done (or, in a dry run, would be done) for one failed task."""

    transformation: int
    task: int
    job: int
    reason: str
    reset: tuple[str, ...]
    problematic: tuple[str, ...]
    attempts: int
    """The failures of its most tried file, this one included."""
    finished: bool = False
    """Not a failure: the task's job is Done, and the task is marked Done now (see :func:`recover`)."""
    resubmitted: bool | None = None
    """A task without input data: submitted again (True), or left Failed (False); None for a task with files."""

    def __str__(self) -> str:
        if self.finished:
            return f"task {self.task} (job {self.job}: Done): marked Done"
        if self.resubmitted is not None:
            why = "a deterministic failure" if DETERMINISTIC.search(self.reason) else (
                f"{_ordinal(self.attempts)} failure")
            done = "submitted again" if self.resubmitted else "left Failed"
            return f"task {self.task} (job {self.job}: {self.reason}): {done} ({why})"
        parts = []
        if self.reset:
            parts.append(f"reset {len(self.reset)} file(s) to Unused ({_ordinal(self.attempts)} failure)")
        if self.problematic:
            why = "a deterministic failure" if DETERMINISTIC.search(self.reason) else (
                f"{_ordinal(self.attempts)} failure")
            parts.append(f"set {len(self.problematic)} file(s) Problematic ({why})")
        done = "; ".join(parts) or "no file to reset"
        return f"task {self.task} (job {self.job}: {self.reason}): {done}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def recover(clients: DiracClients, tid: int, policy: Policy, *, dry_run: bool = False,
            finish: bool = False) -> list[Recovery]:
    """Apply ``policy`` to the tasks of transformation ``tid`` whose job is over without success; with ``finish``
    (the controller's cycle), also mark Done the tasks whose job is Done."""
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    tc = clients.transformation()
    live = {"TransformationID": tid, "ExternalStatus": list(LIVE_TASKS)}
    tasks = _boundary.ok(
        _boundary.retried(partial(tc.getTransformationTasks, live)), f"tasks of transformation {tid}"
    ) or []
    jobs = {int(t["ExternalID"]): int(t["TaskID"]) for t in tasks
            if str(t.get("ExternalID", "")).isdigit() and int(t["ExternalID"]) > 0}
    if not jobs:
        return []
    monitoring = timed(JobMonitoringClient())
    summary = _boundary.ok(
        _boundary.retried(partial(monitoring.getJobsSummary, sorted(jobs))), f"jobs of transformation {tid}"
    ) or {}
    states = {int(job): state for job, state in summary.items() if str(job).isdigit()}
    over = {job: state for job, state in states.items() if str(state.get("Status")) in OVER and job in jobs}
    for job in sorted(set(jobs) - set(states)):
        over[job] = {"Status": "Vanished", "MinorStatus": f"the WMS does not know job {job}"}
    for job, state in sorted(states.items()):
        if job in jobs and str(state.get("Status")) in SILENT:
            silent = _silent_for(state)
            stalled = str(state.get("Status")) == "Stalled"
            if stalled or (silent is not None and silent >= policy.stalled_after):
                why = "stalled, says the WMS" if stalled else f"no sign of life for {int(silent or 0)} s"
                if not dry_run:
                    _kill(job)
                over[job] = {**state, "Status": "Stalled", "MinorStatus": f"{why}; killed"}
    done: list[Recovery] = []
    rpc = tc._getRPC()
    # A job Done whose task the TS still has live: its worker left "Done" to the job's failover request (an output
    # waited there); DIRAC's WorkflowTaskAgent would copy the job's status only ten minutes after the task's last
    # change, and the step's completion waits for it.
    for job, state in sorted(states.items()) if finish else ():
        if job in jobs and str(state.get("Status")) == "Done":
            if not dry_run:
                _boundary.ok(_boundary.retried(partial(rpc.setTaskStatus, tid, jobs[job], "Done")), f"task {jobs[job]}")
            done.append(Recovery(tid, jobs[job], job, "Done", (), (), 0, finished=True))
    for job, state in sorted(over.items()):
        task = jobs[int(job)]
        said = [str(state.get(k)) for k in ("Status", "MinorStatus", "ApplicationStatus")
                if state.get(k) and str(state.get(k)) != "Unknown"]
        reason = "; ".join(dict.fromkeys(said))
        files = _boundary.ok(
            _boundary.retried(partial(tc.getTransformationFiles, {"TransformationID": tid, "TaskID": task})),
            f"files of task {task} of transformation {tid}",
        ) or []
        held = [f for f in files if str(f.get("Status")) == "Assigned"]
        final = policy.deterministic_final and bool(DETERMINISTIC.search(reason))
        if not files:  # a task without input data (a simulation's): the task itself is tried again
            done.append(_resubmit(rpc, monitoring, tid, task, int(job), reason, policy, final, dry_run))
            continue
        reset: list[str] = []
        problematic: list[str] = []
        attempts = 1
        for f in held:
            failures = int(f.get("ErrorCount") or 0) + 1
            attempts = max(attempts, failures)
            (problematic if final or failures >= policy.max_attempts else reset).append(str(f["LFN"]))
        if not dry_run:
            statuses = {**dict.fromkeys(reset, "Unused"), **dict.fromkeys(problematic, "Problematic")}
            if statuses:
                _boundary.ok(
                    _boundary.retried(partial(tc.setFileStatusForTransformation, tid, statuses)),
                    f"file statuses of task {task} of transformation {tid}",
                )
            _boundary.ok(_boundary.retried(partial(rpc.setTaskStatus, tid, task, "Failed")), f"task {task}")
        done.append(Recovery(tid, task, int(job), reason, tuple(reset), tuple(problematic), attempts))
    return done


def _resubmit(rpc: Any, monitoring: Any, tid: int, task: int, job: int, reason: str, policy: Policy, final: bool,
              dry_run: bool) -> Recovery:
    """A failed task without input data: back to ``Created`` (the WorkflowTaskAgent submits a new job for it)
    while its jobs so far, counted in the WMS by the task's job name, are fewer than the policy's attempts; else
    Failed. Its outputs' LFNs are the task's: a new job makes the same files."""
    name = f"{tid:08d}_{task:08d}"  # DIRAC's WorkflowTasks name every job of a task so
    tried = _boundary.ok(_boundary.retried(partial(monitoring.getJobs, {"JobName": name})), f"jobs of task {task}")
    attempts = max(1, len(tried or []))
    again = not final and attempts < policy.max_attempts
    if not dry_run:
        _boundary.ok(_boundary.retried(partial(rpc.setTaskStatus, tid, task, "Created" if again else "Failed")),
                     f"task {task}")
    return Recovery(tid, task, job, reason, (), (), attempts, resubmitted=again)


def _silent_for(state: dict[str, object]) -> float | None:
    """Seconds since the job's last sign of life (the later of its heartbeat and its last status change)."""
    times = []
    for key in ("HeartBeatTime", "LastUpdateTime"):
        value = state.get(key)
        if isinstance(value, datetime):
            times.append(value if value.tzinfo else value.replace(tzinfo=UTC))
        elif value and str(value) != "None":
            try:
                times.append(datetime.fromisoformat(str(value)).replace(tzinfo=UTC))
            except ValueError:
                continue
    return (datetime.now(UTC) - max(times)).total_seconds() if times else None


def _kill(job: int) -> None:
    """Kill a job in the WMS (status Killed now; the kill command reaches it if it is still alive)."""
    from DIRAC.WorkloadManagementSystem.Client.WMSClient import WMSClient

    _boundary.ok(_boundary.retried(partial(timed(WMSClient()).killJob, job)), f"killing stalled job {job}")
