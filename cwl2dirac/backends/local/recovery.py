"""``cwl2dirac recover`` on a local run: the recovery policy applied to its failed tasks, without running them.

For each task of the work directory's task table that failed (:data:`~cwl2dirac.backends.local.catalog.FAILED`),
with ``policy`` (:class:`~cwl2dirac.backends.policy.Policy`), counting every attempt the task ever had:

- an unsupported feature (worker exit 33), or a deterministic failure (exit 34) while ``deterministic_final``: left
  failed;
- a task that already had ``max_attempts`` attempts: left failed (attempts exhausted);
- otherwise reset: waiting again, allowed up to ``max_attempts`` attempts; the next ``cwl2dirac run`` of the same
  command tries it.

A task left failed is marked so (``final``): the next ``run`` does not retry it (the operator decided); another
``recover`` with a larger ``--max-attempts`` or ``--retry-deterministic`` can still reset it. A dry run changes
nothing. The run's lock is taken (not while a run works in the directory), except for a dry run.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from cwl2dirac.backends.local.catalog import DB_NAME, FAILED, WAITING, LocalCatalog
from cwl2dirac.backends.local.progress import ordinal
from cwl2dirac.backends.local.runner import REQUEST_FILE, retry_refused, workdir_lock
from cwl2dirac.backends.policy import Policy
from cwl2dirac.errors import BackendError


@dataclass(frozen=True)
class LocalRecovery:
    """What was done (or, in a dry run, would be done) for one failed task of a local run."""

    step: str
    task: int
    attempts: int
    code: int | None
    message: str | None
    max_attempts: int
    left: str | None
    """Why the task is left failed; None: it was reset for another attempt."""

    @property
    def reset(self) -> bool:
        return self.left is None

    def __str__(self) -> str:
        said = f"exit {self.code}: {self.message or 'no reason given'}" if self.code is not None else (
            self.message or "no reason given")
        head = f"step {self.step} task {self.task} ({self.attempts} attempt(s); {said})"
        if self.left is None:
            return f"{head}: reset for another attempt ({ordinal(self.attempts + 1)} of {self.max_attempts})"
        return f"{head}: left failed: {self.left}"


def check_run_directory(workdir: Path) -> Path:
    """``workdir`` if it is the work directory of a local run (its request and catalog are there), else one
    :class:`BackendError` line; nothing is created."""
    if not workdir.exists():
        raise BackendError(f"{workdir} does not exist")
    if not workdir.is_dir():
        raise BackendError(f"{workdir} is a file, not the work directory of a local run")
    for name in (REQUEST_FILE, DB_NAME):
        if not (workdir / name).is_file():
            raise BackendError(f"{workdir} is not the work directory of a cwl2dirac run (no {name})")
    return workdir


def recover_run(workdir: Path, policy: Policy, *, dry_run: bool = False) -> list[LocalRecovery]:
    """Apply ``policy`` to the failed tasks of the local run in ``workdir`` (see the module's docstring)."""
    workdir = check_run_directory(Path(workdir)).resolve()
    with nullcontext() if dry_run else workdir_lock(workdir):
        cat = LocalCatalog.open(workdir)
        done: list[LocalRecovery] = []
        for t in cat.tasks():
            if t.status != FAILED:
                continue
            left = retry_refused(t.code, policy)
            if left is None and t.attempts >= policy.max_attempts:
                left = f"attempts exhausted ({t.attempts} attempt(s), at most {policy.max_attempts})"
            done.append(LocalRecovery(t.step, t.task, t.attempts, t.code, t.message, policy.max_attempts, left))
        if not dry_run and done:
            with cat.transaction() as db:
                db.executemany(
                    "UPDATE tasks SET status = ?, allowed = ?, final = 0 WHERE step = ? AND task = ?",
                    [(WAITING, r.max_attempts, r.step, r.task) for r in done if r.reset],
                )
                db.executemany(
                    "UPDATE tasks SET final = 1 WHERE step = ? AND task = ?",
                    [(r.step, r.task) for r in done if not r.reset],
                )
    return done
