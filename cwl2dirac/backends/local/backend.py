"""The local backend: a run in a work directory of this machine, behind the one Backend interface."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from cwl2dirac.backends.base import DatasetResolver, FailedTask, Production, ProductionStatus, StepStatus
from cwl2dirac.backends.local.catalog import LocalCatalog
from cwl2dirac.backends.local.progress import Mode, Progress
from cwl2dirac.backends.local.runner import COMPLETE_STATE, REQUEST_FILE, RunReport, local_policy, run_request
from cwl2dirac.backends.policy import Policy
from cwl2dirac.errors import BackendError
from cwl2dirac.request import ProductionRequest
from cwl2dirac.request.software import ENV_CONFIG_DIR, check_local_configs, local_config_dir
from cwl2dirac.request.wire import ENV_SOURCE_DIR, container_environment, runs_base, safe_name


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


def local_run(production: str | Path, backend: str | None = None) -> Path | None:
    """The work directory of the local run that ``production`` names (a work directory, or a run's name under the
    runs base), or None when it names none and ``backend`` is not ``local`` (then it may be DIRAC's); with
    ``backend="dirac"`` always None. A path that is a file, or no run when ``backend="local"``: one
    :class:`BackendError` line."""
    if backend == "dirac":
        return None
    path = Path(production)
    if path.exists():
        if not path.is_dir():
            raise BackendError(f"{production} is a file, not the work directory of a local run")
        return path
    found = find_run(str(production))
    if found is None and backend == "local":
        raise BackendError(f"no local run '{production}': neither a work directory nor a run of that name under the "
                           "runs base ($CWL2DIRAC_WORKDIR_BASE)")
    return found


@dataclass(frozen=True)
class LocalProduction(Production):
    """A local run: ``id`` is its work directory; ``report`` what the submitting call did (None when the handle
    was made for a run of another process)."""

    report: RunReport | None = None


class LocalBackend:
    """Runs a request in a work directory: ``submit`` runs it to its end (the local "agents" are this process).

    ``workdir``: the run's state (default :func:`default_workdir`); ``jobs``: parallel tasks (default: the
    cores); ``retries``: retries of a failed task (default: the step's), or ``policy``: the recovery policy
    (:class:`~cwl2dirac.backends.policy.Policy`, for every step; not with ``retries``); ``progress``: ``live``,
    ``plain``, ``quiet``, or None (live on a terminal, plain otherwise); ``container``: cwltool's container options
    for every task (None: a DockerRequirement that is a requirement runs in Docker, a hint does not; ``"none"``,
    ``"docker"``, ``"singularity"``, ``"podman"``, ``"udocker"`` or ``"user-space:<command>"``);
    ``default_container``: cwltool's ``--default-container``; ``dataset_catalogs``: work directories of earlier
    runs whose datasets the workflow's dataset inputs take (default: any run that has them); ``config_dir``: where
    the software release's configurations are (``software-config:`` Files; default ``$CTAPIPE_DIR/config``).
    """

    name: ClassVar[str] = "local"
    job_templates: ClassVar[bool] = False  # the tasks run here: no DIRAC job templates (nor DIRAC imported)

    def __init__(
        self,
        *,
        workdir: str | Path | None = None,
        jobs: int | None = None,
        retries: int | None = None,
        policy: Policy | None = None,
        progress: Mode | None = "quiet",
        container: str | None = None,
        default_container: str | None = None,
        dataset_catalogs: Sequence[str | Path] = (),
        config_dir: str | Path | None = None,
    ) -> None:
        self.dataset_catalogs = [Path(p) for p in dataset_catalogs]
        self.config_dir = local_config_dir(config_dir)
        try:
            self.environment = container_environment(container, default_container)
        except ValueError as exc:
            raise BackendError(str(exc)) from None
        self.workdir = Path(workdir) if workdir is not None else None
        self.jobs = jobs
        self.policy = local_policy(retries, policy)
        self.progress: Mode | None = progress
        self._requests: dict[str, ProductionRequest] = {}

    def namespace(self) -> str:
        return ""  # the compiler's default LFN base: the files live in the run's work directory

    def dataset_resolver(self) -> DatasetResolver:
        """The datasets of earlier local runs (``dataset_catalogs``, or any run that has them)."""
        from cwl2dirac.backends.local.datasets import local_resolver

        return local_resolver(self.dataset_catalogs)

    def submit(self, request: ProductionRequest) -> LocalProduction:
        check_local_configs(request.steps, self.config_dir)
        configs = {ENV_CONFIG_DIR: str(self.config_dir)} if self.config_dir is not None else {}
        request_json = request.to_json()
        workdir = self.workdir or default_workdir(request_json, request.name)
        report = run_request(
            request,
            workdir,
            jobs=self.jobs,
            policy=self.policy,
            progress=Progress(mode=self.progress),
            fingerprint=hashlib.sha1(request_json.encode()).hexdigest(),
            request_json=request_json,
            environment=self.environment | _source_dir(request) | configs,
            dataset_catalogs=self.dataset_catalogs,
        )
        self._requests[str(workdir)] = request
        return LocalProduction(backend=self.name, name=request.name, id=str(workdir), report=report)

    def wait(self, production: Production) -> ProductionStatus:
        return self.status(production)  # submit ran the production to its end

    def status(self, production: Production) -> ProductionStatus:
        request = self.request(production)  # first: a directory that is not a run gets no catalog
        catalog = self._catalog(production)
        by_step: dict[str, Counter[str]] = {s.name: Counter() for s in request.steps}
        files: dict[str, Counter[str]] = {s.name: Counter() for s in request.steps}
        for step, status, count, inputs in catalog.task_counts():
            by_step.setdefault(step, Counter())[status] += count
            files.setdefault(step, Counter())[status] += inputs
        report = getattr(production, "report", None)
        if report is not None:
            failed = list(report.failed)
        else:
            failed = [
                FailedTask(t.step, t.task, t.attempts, t.log, t.message, 1 if t.code is None else t.code,
                           final=t.final)
                for t in catalog.tasks(status="failed")
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

    def find(self, production: str | Path) -> Production:
        """A run's work directory, or its name under the runs base (:func:`local_run`)."""
        workdir = local_run(production, self.name)
        assert workdir is not None  # local_run raises when a local run is asked for and there is none
        return Production(self.name, workdir.name, str(workdir))

    def outputs(self, production: Production, outdir: Path) -> dict[str, Any]:
        from cwl2dirac.backends.outputs import collect_outputs

        return collect_outputs(self.request(production), self._catalog(production), outdir)

    def fetch_logs(self, status: ProductionStatus, dest: Path) -> ProductionStatus:
        return status  # the logs are files of the work directory already

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


def _source_dir(request: ProductionRequest) -> dict[str, str]:
    """The worker's :data:`~cwl2dirac.request.wire.ENV_SOURCE_DIR`: the folder of the request's main CWL document
    (written relative to the directory it was compiled in), when it is there."""
    folder = os.path.dirname(os.path.abspath(request.source.split("#", 1)[0]))
    return {ENV_SOURCE_DIR: folder} if os.path.isdir(folder) else {}
