"""The local backend: a run in a work directory of this machine, behind the one Backend interface."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from cwl2dirac.backends.base import FailedTask, Production, ProductionStatus, StepStatus
from cwl2dirac.backends.local.catalog import LocalCatalog
from cwl2dirac.backends.local.progress import Mode, Progress
from cwl2dirac.backends.local.runner import COMPLETE_STATE, REQUEST_FILE, RunReport, run_request
from cwl2dirac.errors import BackendError
from cwl2dirac.request import ProductionRequest
from cwl2dirac.request.wire import container_environment, runs_base, safe_name


def default_workdir(request_json: str, name: str) -> Path:
    """``<runs base>/<name>-<hash of the request>`` (see :func:`~cwl2dirac.request.wire.runs_base`): the same
    command on the same files resumes; a changed workflow or input gets a fresh directory."""
    digest = hashlib.sha1(request_json.encode()).hexdigest()[:16]
    safe = safe_name(name, collapse=True)[:60] or "run"
    return runs_base() / f"{safe}-{digest}"


def find_run(name: str) -> Path | None:
    """The work directory of the local run named ``name`` under the runs base (None if there is none); a
    :class:`BackendError` when several runs have that name (each made from a different request)."""
    safe = safe_name(name, collapse=True)[:60] or "run"
    base = runs_base()
    if not base.is_dir():
        return None
    found = []
    for candidate in sorted(base.glob(f"{safe}-*")):
        path = candidate / REQUEST_FILE
        if candidate.name[len(safe) + 1:].isalnum() and path.is_file() and ProductionRequest.read(path).name == name:
            found.append(candidate)
    if len(found) > 1:
        listed = ", ".join(str(p) for p in found)
        raise BackendError(f"several local runs are named '{name}' ({listed}): give the work directory")
    return found[0] if found else None


@dataclass(frozen=True)
class LocalProduction(Production):
    """A local run: ``id`` is its work directory; ``report`` what the submitting call did (None when the handle
    was made for a run of another process)."""

    report: RunReport | None = None


class LocalBackend:
    """Runs a request in a work directory: ``submit`` runs it to its end (the local "agents" are this process).

    ``workdir``: the run's state (default :func:`default_workdir`); ``jobs``: parallel tasks (default: the
    cores); ``retries``: retries of a failed task (default: the step's); ``progress``: ``live``, ``plain``,
    ``quiet``, or None (live on a terminal, plain otherwise).
    """

    name: ClassVar[str] = "local"

    def __init__(
        self,
        *,
        workdir: str | Path | None = None,
        jobs: int | None = None,
        retries: int | None = None,
        progress: Mode | None = "quiet",
        container: str | None = None,
        default_container: str | None = None,
        dataset_catalogs: Sequence[str | Path] = (),
    ) -> None:
        self.dataset_catalogs = [Path(p) for p in dataset_catalogs]
        try:
            self.environment = container_environment(container, default_container)
        except ValueError as exc:
            raise BackendError(str(exc)) from None
        self.workdir = Path(workdir) if workdir is not None else None
        self.jobs = jobs
        self.retries = retries
        self.progress: Mode | None = progress
        self._requests: dict[str, ProductionRequest] = {}

    def submit(self, request: ProductionRequest) -> LocalProduction:
        request_json = request.to_json()
        workdir = self.workdir or default_workdir(request_json, request.name)
        report = run_request(
            request,
            workdir,
            jobs=self.jobs,
            retries=self.retries,
            progress=Progress(mode=self.progress),
            fingerprint=hashlib.sha1(request_json.encode()).hexdigest(),
            request_json=request_json,
            environment=self.environment,
            dataset_catalogs=self.dataset_catalogs,
        )
        self._requests[str(workdir)] = request
        return LocalProduction(backend=self.name, name=request.name, id=str(workdir), report=report)

    def wait(self, production: Production) -> ProductionStatus:
        return self.status(production)  # submit ran the production to its end

    def status(self, production: Production) -> ProductionStatus:
        catalog = self._catalog(production)
        request = self.request(production)
        tasks = catalog.tasks()
        by_step: dict[str, Counter[str]] = {s.name: Counter() for s in request.steps}
        files: dict[str, Counter[str]] = {s.name: Counter() for s in request.steps}
        failed = []
        for t in tasks:
            by_step.setdefault(t.step, Counter())[t.status] += 1
            files.setdefault(t.step, Counter())[t.status] += len(t.inputs)
        report = getattr(production, "report", None)
        if report is not None:
            failed = list(report.failed)
        else:
            failed = [
                FailedTask(t.step, t.task, t.attempts, t.log, t.message) for t in tasks if t.status == "failed"
            ]
        steps = tuple(
            StepStatus(
                name=s.name,
                complete=catalog.state_get(f"{COMPLETE_STATE}{s.name}") == "1",
                tasks=dict(by_step[s.name]),
                files=dict(files[s.name]),
            )
            for s in request.steps
        )
        if production.name != request.name:  # a handle made from a work directory: the run's own name
            production = replace(production, name=request.name)
        return ProductionStatus(production=production, steps=steps, failed=tuple(failed), request=request)

    def outputs(self, production: Production, outdir: Path) -> dict[str, Any]:
        from cwl2dirac.backends.outputs import collect_outputs

        return collect_outputs(self.request(production), self._catalog(production), outdir)

    def request(self, production: Production) -> ProductionRequest:
        """The request that ``production``'s work directory runs."""
        request = self._requests.get(production.id)
        if request is None:
            path = Path(production.id) / REQUEST_FILE
            if not path.is_file():
                raise BackendError(f"{production.id} is not the work directory of a cwl2dirac run (no {REQUEST_FILE})")
            request = self._requests[production.id] = ProductionRequest.read(path)
        return request

    @staticmethod
    def _catalog(production: Production) -> LocalCatalog:
        return LocalCatalog.open(Path(production.id))
