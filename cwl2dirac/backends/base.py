"""The one interface every backend implements, and the values it hands back.

A backend takes a :class:`~cwl2dirac.request.ProductionRequest` and makes it happen somewhere: the local backend
in this machine's processes (its "agents" run in the submitting process, so ``submit`` returns when the run ends),
the DIRAC backend on a DIRAC installation (``submit`` returns once the production is created and started; ``wait``
follows it). Both give the same :class:`ProductionStatus` and the same CWL output object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from cwl2dirac.request import ProductionRequest

DatasetResolver = Callable[[str], Mapping[str, Any]]
"""A catalog dataset's name → its meta-query (``compile(..., datasets=)``)."""


@dataclass(frozen=True)
class Production:
    """A handle on a production that a backend made: enough to ask for its status and outputs later."""

    backend: str
    """The backend's name (``local``, ``dirac``)."""
    name: str
    """The production's name."""
    id: str
    """Where the backend finds it: a local run's work directory, a DIRAC production id."""
    transformations: Mapping[str, int] = field(default_factory=dict)
    """Step name (cwl2dirac) → the backend's transformation id (DIRAC), when it has one."""
    extended: Mapping[str, int] = field(default_factory=dict)
    """Step name → its task count, reached by extension (steps without input data; only missing tasks are added)."""


@dataclass(frozen=True)
class FailedTask:
    """A task that failed after all its attempts."""

    step: str
    task: int
    attempts: int
    log: str | None
    message: str | None
    exit_code: int = 1
    final: bool = False
    """Left failed by ``cwl2dirac recover`` (local runs): a new run does not retry it."""


@dataclass(frozen=True)
class StepStatus:
    """One step (transformation) of a production: its tasks and input files by status."""

    name: str
    complete: bool
    tasks: Mapping[str, int] = field(default_factory=dict)
    """Tasks by state: ``waiting``, ``running``, ``done``, ``failed``."""
    files: Mapping[str, int] = field(default_factory=dict)
    """Input files by the backend's file status (DIRAC's: ``Unused``, ``Assigned``, ``Processed``…)."""

    @property
    def state(self) -> str:
        """``complete``, ``failed`` (a task failed for good), ``running`` (tasks started or done) or ``waiting``."""
        if self.complete:
            return "complete"
        if self.tasks.get("failed"):
            return "failed"
        if self.tasks.get("running") or self.tasks.get("done"):
            return "running"
        return "waiting"

    @property
    def progress(self) -> float:
        """The share of its tasks done (1.0 once complete; 0.0 before it has any)."""
        if self.complete:
            return 1.0
        total = sum(self.tasks.values())
        return self.tasks.get("done", 0) / total if total else 0.0


@dataclass(frozen=True)
class ProductionStatus:
    """Where a production stands."""

    production: Production
    steps: tuple[StepStatus, ...]
    failed: tuple[FailedTask, ...] = ()
    request: ProductionRequest | None = field(default=None, compare=False, repr=False)
    """The request the production was made from, when the backend keeps it (both do)."""

    @property
    def complete(self) -> bool:
        """Every step complete, no task failed."""
        return all(s.complete for s in self.steps) and not self.failed


@runtime_checkable
class Backend(Protocol):
    """Where a production request runs: configured once (its constructor), then handed to
    :func:`cwl2dirac.run`, :func:`cwl2dirac.submit` or :func:`cwl2dirac.status` (``backend=``).

    Besides running a request, a backend says how a CWL document is compiled for it (:attr:`job_templates`,
    :meth:`namespace`, :meth:`dataset_resolver`), finds a production it made (:meth:`find`) and brings a failed
    task's log where the caller can read it (:meth:`fetch_logs`): everything the public functions ask of it.
    """

    name: ClassVar[str]
    job_templates: ClassVar[bool]
    """Whether the requests it runs need their DIRAC job templates (compiled with ``bodies=True``)."""

    def namespace(self) -> str:
        """The LFN base of the outputs of steps without ``dirac:Job.output_path`` when the caller gives none
        (``""``: the compiler's default, ``/cwl2dirac``)."""
        ...

    def dataset_resolver(self) -> DatasetResolver:
        """What a workflow input given as a dataset is compiled into: the dataset's meta-query in the catalog this
        backend's tasks read."""
        ...

    def submit(self, request: ProductionRequest) -> Production:
        """Create (and start) the production of ``request``; the same request again finds the same production."""
        ...

    def wait(self, production: Production) -> ProductionStatus:
        """Follow ``production`` until it is complete or cannot go on; its last status."""
        ...

    def status(self, production: Production) -> ProductionStatus:
        """Where ``production`` stands now."""
        ...

    def find(self, production: str | Path) -> Production:
        """The handle of the production that ``production`` names (a local run's work directory or name, a DIRAC
        production's id or name)."""
        ...

    def outputs(self, production: Production, outdir: Path) -> dict[str, Any]:
        """The workflow's CWL output object, its files placed in ``outdir`` (as cwltool does)."""
        ...

    def fetch_logs(self, status: ProductionStatus, dest: Path) -> ProductionStatus:
        """``status`` with each failed task's ``log`` a file of this machine (downloaded under ``dest`` when it is
        elsewhere)."""
        ...
