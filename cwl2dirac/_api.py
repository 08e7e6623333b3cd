"""The public functions of :mod:`cwl2dirac` (re-exported there): load, compile, run, submit, describe.

Each is one call; the command line calls these same functions. Heavy imports (cwl-utils, cwltool, DIRAC) happen
inside them, so that ``import cwl2dirac`` stays cheap.
"""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cwl2dirac.backends.base import Backend, FailedTask, Production, ProductionStatus
from cwl2dirac.errors import InputError, TaskFailed, ValidationError
from cwl2dirac.request import ProductionRequest
from cwl2dirac.request.wire import EXIT_DETERMINISTIC, EXIT_FAILURE, EXIT_UNSUPPORTED

if TYPE_CHECKING:
    from cwl2dirac.backends.policy import Policy
    from cwl2dirac.ir import Workflow

Pipeline = str | Path | ProductionRequest
"""A CWL document (``file.cwl``, ``packed.cwl#main``), a compiled request file, or a request object."""

ProgressMode = Literal["live", "plain", "quiet"]

Hints = Mapping[str, Mapping[str, Mapping[str, Any]]]
"""Step id (or ``"*"``) → ``dirac:`` hint class → fields: hints over a document's own."""

REQUEST_MARK = "cwl2dirac.dev/production-request/"
"""What the first 4 kB of a compiled request file contain (its ``schema_version``)."""


@dataclass(frozen=True)
class RunResult:
    """What :func:`run` did: the production, its last status and, when it completed, the CWL output object."""

    production: Production
    status: ProductionStatus
    outputs: dict[str, Any] | None
    """The workflow's output object, as cwltool prints it (None when the run did not complete)."""
    outdir: Path
    wall: float
    """Seconds, compiling included."""
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outputs is not None

    @property
    def exit_code(self) -> int:
        """0 complete; 33 a task needed a feature that cannot run; 1 otherwise (cwltool's codes)."""
        if self.ok:
            return 0
        if any(f.exit_code == EXIT_UNSUPPORTED for f in self.status.failed):
            return EXIT_UNSUPPORTED
        return EXIT_FAILURE

    def raise_for_status(self) -> RunResult:
        """This result, or :class:`~cwl2dirac.errors.TaskFailed` naming the first failure and its log."""
        if self.ok:
            return self
        first = self.status.failed[0] if self.status.failed else None
        if first is not None:
            error = TaskFailed(failure_line(first))
        else:
            incomplete = ", ".join(s.name for s in self.status.steps if not s.complete)
            error = TaskFailed(f"the production did not complete (incomplete: {incomplete or 'unknown'})")
        error.exit_code = self.exit_code
        raise error


def failure_line(failed: FailedTask) -> str:
    """One line saying why a task failed, whether it was retried, and where its log is."""
    if failed.exit_code == EXIT_DETERMINISTIC:
        retried = " (not retried: a deterministic failure, it would fail the same way)"
    elif failed.exit_code == EXIT_UNSUPPORTED:
        retried = " (not retried: an unsupported feature)"
    else:
        retried = ""
    if failed.final:
        retried += " (left failed by cwl2dirac recover: a new run does not retry it)"
    message = failed.message or "no reason given"
    located = _LOCATED.match(message)  # the CWL file:line:col of the expression it failed in: first, as every error
    where = f"{located.group(1)}: " if located else ""
    return (
        f"{where}{failed.step} task {failed.task} failed for good after {failed.attempts} attempt(s){retried}: "
        f"{message[located.end():] if located else message} (log: {failed.log})"
    )


_LOCATED = re.compile(r"^([^\s:]+:\d+:\d+): ")


def load(path: str | Path) -> Workflow:
    """Load a CWL document (v1.0-v1.2; ``file.cwl`` or ``packed.cwl#main``) as the typed, immutable IR."""
    from cwl2dirac.loader import load as _load

    return _load(path)


def compile(
    pipeline: str | Path,
    inputs: str | Path | None = None,
    *,
    name: str | None = None,
    hints: Hints | None = None,
    lfn_base: str | None = None,
    bodies: bool = True,
    datasets: Callable[[str], Mapping[str, Any]] | None = None,
) -> ProductionRequest:
    """Compile a CWL workflow (and its job order ``inputs``) into a :class:`ProductionRequest`.

    ``name``: the production's name (default: the file's stem); ``hints``: ``dirac:`` hints over the document's,
    by step id or ``"*"`` for the workflow (``{"merge": {"dirac:Transformation": {"group_size": 10}}}``);
    ``lfn_base``: the LFN base of the outputs of steps without ``dirac:Job.output_path`` (default ``/cwl2dirac``);
    ``bodies=False``: no DIRAC job templates and no DIRAC link check (faster; enough for a local run or a
    picture); ``datasets``: a catalog dataset's name → its meta-query, for workflow inputs given as datasets
    (:func:`cwl2dirac.backends.dirac.datasets.dataset_resolver`; without it their queries hold
    ``cwl2dirac_dataset``, which the submission resolves).
    """
    from cwl2dirac.compiler import compile_workflow

    return compile_workflow(
        pipeline, inputs, name=name, hints=hints, lfn_base=lfn_base, bodies=bodies, datasets=datasets
    )


def is_request_file(path: str | Path) -> bool:
    """Whether ``path`` is a compiled production request (YAML or JSON), not a CWL document."""
    path = Path(path)
    if path.suffix not in (".json", ".yaml", ".yml"):
        return False
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(4096)
    except (OSError, UnicodeDecodeError):
        return False
    return REQUEST_MARK in head


def as_request(
    pipeline: Pipeline,
    inputs: str | Path | None = None,
    *,
    name: str | None = None,
    hints: Hints | None = None,
    lfn_base: str | None = None,
    bodies: bool = True,
    datasets: Callable[[str], Mapping[str, Any]] | None = None,
) -> ProductionRequest:
    """``pipeline`` as a request: itself, read from a request file, or compiled (with ``inputs``, ``name``,
    ``hints`` and the dataset resolver ``datasets``, which only a CWL document takes)."""
    if isinstance(pipeline, ProductionRequest) or is_request_file(pipeline):
        given = [what for what, value in (("inputs", inputs), ("name", name), ("hints", hints)) if value]
        if given:
            raise ValidationError(f"{' and '.join(given)} apply to a CWL document, not to a compiled request")
        request = pipeline if isinstance(pipeline, ProductionRequest) else read_request(pipeline)
        if request.incomplete:  # a template: it would run without the values its tasks need
            raise InputError(f"production '{request.name}' {request.incomplete}; compile it with its inputs")
        return request
    from cwl2dirac.compiler import compile_workflow

    # a run or a submission needs every input: without a job order, each required one must have a default
    return compile_workflow(
        pipeline, inputs, name=name, hints=hints, lfn_base=lfn_base, bodies=bodies, datasets=datasets,
        inputs_required=True,
    )


def read_request(path: str | Path) -> ProductionRequest:
    """A compiled request file; whatever is wrong with it is one :class:`~cwl2dirac.errors.LoadError` at the field
    at fault."""
    import json

    import pydantic
    import yaml

    from cwl2dirac.errors import LoadError, Location

    uri = Path(path).resolve().as_uri()
    try:
        return ProductionRequest.read(path)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        keys = tuple(k for k in err["loc"] if isinstance(k, str | int))
        where = ".".join(str(k) for k in keys) or "the request"
        raise LoadError(
            f"not a valid production request: {where}: {err['msg'][:1].lower()}{err['msg'][1:]}",
            Location(uri, keys),
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context
        at = Location(uri, (), line, col)
        raise LoadError(f"not a valid production request: malformed YAML: {problem}", at) from None
    except json.JSONDecodeError as exc:
        at = Location(uri, (), exc.lineno, exc.colno)
        raise LoadError(f"not a valid production request: {exc.msg}", at) from None
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"not a valid production request: {first}", Location(uri, (), 1, 1)) from None


BackendChoice = Literal["local", "dirac"] | Backend
"""A backend object (:class:`~cwl2dirac.backends.local.backend.LocalBackend`,
:class:`~cwl2dirac.backends.dirac.backend.DiracBackend`, or any :class:`~cwl2dirac.backends.base.Backend`), or the
name of one made from the call's own keywords."""


class _Unset(enum.Enum):
    """The default of a keyword whose default value cannot tell whether it was given (``progress``)."""

    UNSET = "unset"

    def __repr__(self) -> str:
        return "<the backend's>"


UNSET = _Unset.UNSET


def _backend_object(backend: object, function: str, **options: Any) -> Backend:
    """``backend``, given to ``function`` as a backend object; a :class:`ValidationError` when it is not one, or
    when it comes with ``options`` given (not None, not empty, not :data:`UNSET`): they configure the backend that
    a name makes, an object is configured already."""
    if not isinstance(backend, Backend):
        raise ValidationError(f"backend: expected 'local', 'dirac' or a backend object, not {type(backend).__name__}")
    given = [name for name, value in options.items() if value is not None and value != () and value is not UNSET]
    if given:
        raise ValidationError(
            f"{', '.join(given)}: give {'it' if len(given) == 1 else 'them'} to the backend object "
            f"({type(backend).__name__}(...)), not to {function}() beside it"
        )
    return backend


def run(
    pipeline: Pipeline,
    inputs: str | Path | None = None,
    *,
    backend: BackendChoice = "local",
    name: str | None = None,
    hints: Hints | None = None,
    lfn_base: str | None = None,
    outdir: str | Path | None = None,
    check: bool = True,
    workdir: str | Path | None = None,
    jobs: int | None = None,
    retries: int | None = None,
    policy: Policy | None = None,
    dirac_cfg: str | Path | None = None,
    drive: bool | None = None,
    timeout: float | None = None,
    progress: ProgressMode | Literal[_Unset.UNSET] | None = UNSET,
    container: str | None = None,
    default_container: str | None = None,
    dataset_catalogs: Sequence[str | Path] = (),
    config_dir: str | Path | None = None,
) -> RunResult:
    """Run a production to its end and collect the workflow's outputs into ``outdir`` (default: the current
    directory), as ``cwl2dirac run`` does.

    ``backend``: where it runs: a backend object, configured once and given to each call
    (``LocalBackend(workdir=..., jobs=...)``, ``DiracBackend(config_files=..., drive=...)``, or any
    :class:`~cwl2dirac.backends.base.Backend`), or its name, ``"local"`` (the default) or ``"dirac"``, made from
    this call's own keywords below; the two forms do not mix (a :class:`~cwl2dirac.errors.ValidationError`).
    ``name``, ``hints`` and ``lfn_base`` compile a CWL document for the backend: with its job templates, its LFN
    namespace (when ``lfn_base`` is not given) and its catalog's datasets. With ``check`` (the default) a run that
    did not complete raises :class:`~cwl2dirac.errors.TaskFailed`; otherwise look at the result's ``ok`` and
    ``status``.

    The shorthand keywords: ``backend="local"`` (this machine): ``workdir`` holds the run's state (default:
    derived from the request, so the same call resumes), ``jobs`` parallel tasks, ``retries`` retries of a failed
    task (default: the step's) or ``policy`` (:class:`~cwl2dirac.backends.policy.Policy`: its ``max_attempts`` for
    every step, and whether a deterministic failure is retried; not with ``retries``); ``container``: cwltool's
    container options for every task: None (a DockerRequirement that is a requirement runs in Docker, a hint does
    not), ``"none"`` (``--no-container``), ``"docker"``, ``"singularity"``, ``"podman"``, ``"udocker"`` (as
    cwltool: hints too) or ``"user-space:<command>"``; ``default_container``: cwltool's ``--default-container``;
    ``dataset_catalogs``: work directories of earlier local runs whose datasets (``cwl2dirac catalog dataset add``)
    the workflow's dataset inputs take (default: any run that has them); ``config_dir``: the software release's
    configuration directory, where ``software-config:`` Files are (default ``$CTAPIPE_DIR/config``).
    ``backend="dirac"``: the production is submitted as :func:`submit` does (``dirac_cfg``) and followed until it
    is complete or a task failed (``timeout`` seconds at most; ``drive``: also run the production controller's
    pass from here, for a DIRAC without the cwl2dirac agent); the outputs are downloaded, and the logs of failed
    tasks into ``outdir/cwl2dirac-logs``. On DIRAC, datasets are the File Catalog's.
    Both: ``progress``: ``live``/``plain``/``quiet`` (the default), None for live on a terminal.
    """
    t0 = time.monotonic()
    engine: Backend
    if not isinstance(backend, str):
        engine = _backend_object(
            backend, "run", workdir=workdir, jobs=jobs, retries=retries, policy=policy, dirac_cfg=dirac_cfg,
            drive=drive, timeout=timeout, progress=progress, container=container, default_container=default_container,
            dataset_catalogs=tuple(dataset_catalogs), config_dir=config_dir,
        )
    else:
        from cwl2dirac.backends import get_backend

        shown: ProgressMode | None = "quiet" if progress is UNSET else progress
        if backend == "dirac":
            _only_local(workdir=workdir, jobs=jobs, retries=retries, policy=policy, container=container,
                        default_container=default_container, dataset_catalogs=dataset_catalogs or None,
                        config_dir=config_dir)
            engine = get_backend("dirac", config_files=[dirac_cfg] if dirac_cfg else [], progress=shown,
                                 drive=bool(drive), timeout=timeout)
        else:
            if dirac_cfg or drive or timeout is not None:
                raise ValidationError("dirac_cfg, drive and timeout apply to the DIRAC backend (backend='dirac')")
            engine = get_backend(
                backend, workdir=workdir, jobs=jobs, retries=retries, policy=policy, progress=shown,
                container=container, default_container=default_container, dataset_catalogs=dataset_catalogs,
                config_dir=config_dir,
            )
    request = _request_for(engine, pipeline, inputs, name=name, hints=hints, lfn_base=lfn_base)
    production = engine.submit(request)
    status = engine.wait(production)
    out = Path(outdir or Path.cwd()).resolve()
    outputs = engine.outputs(production, out) if status.complete else None
    if status.failed:
        status = engine.fetch_logs(status, out / "cwl2dirac-logs")
    result = RunResult(production, status, outputs, out, time.monotonic() - t0)
    return result.raise_for_status() if check else result


def _only_local(**options: Any) -> None:
    given = [name for name, value in options.items() if value is not None]
    if given:
        raise ValidationError(f"{', '.join(given)} apply to the local backend, not to DIRAC")


def _request_for(
    engine: Backend, pipeline: Pipeline, inputs: str | Path | None, *, name: str | None, hints: Hints | None,
    lfn_base: str | None,
) -> ProductionRequest:
    """``pipeline`` as a request for ``engine``: a CWL document is compiled with its job templates if it needs them,
    its outputs in the backend's namespace unless ``lfn_base`` says otherwise, its dataset inputs resolved by the
    backend's catalog."""
    if isinstance(pipeline, ProductionRequest) or is_request_file(pipeline):
        return as_request(pipeline, inputs, name=name, hints=hints)
    base = lfn_base or engine.namespace() or None
    return as_request(
        pipeline, inputs, name=name, hints=hints, lfn_base=base, bodies=engine.job_templates,
        datasets=engine.dataset_resolver(),
    )


def submit(
    pipeline: Pipeline,
    inputs: str | Path | None = None,
    *,
    backend: Literal["dirac"] | Backend = "dirac",
    name: str | None = None,
    hints: Hints | None = None,
    lfn_base: str | None = None,
    dirac_cfg: str | Path | None = None,
) -> Production:
    """Submit a production to DIRAC; its handle, with the production id and the transformation of each step. The
    same call again finds the production it made and finishes what is missing. ``backend``: a
    :class:`~cwl2dirac.backends.dirac.backend.DiracBackend` (or any backend object), or ``"dirac"`` with
    ``dirac_cfg``, a DIRAC configuration file to use. ``lfn_base``: where the outputs of steps without
    ``dirac:Job.output_path`` go (default: the backend's namespace, on DIRAC the VO's, ``/<vo>``)."""
    engine: Backend
    if not isinstance(backend, str):
        engine = _backend_object(backend, "submit", dirac_cfg=dirac_cfg)
    else:
        from cwl2dirac.backends import get_backend

        engine = get_backend(backend, config_files=[dirac_cfg] if dirac_cfg else [])
    return engine.submit(_request_for(engine, pipeline, inputs, name=name, hints=hints, lfn_base=lfn_base))


def status(
    production: str | Path, *, backend: Literal["local", "dirac"] | Backend | None = None,
    dirac_cfg: str | Path | None = None,
) -> ProductionStatus:
    """Where a production stands: a local run (its work directory, or its name under the runs base) or a DIRAC
    production (its id or name). ``backend``: the backend object to ask, or which backend when a name could be
    both, ``"local"`` or ``"dirac"`` (default: a local run of that name if there is one, else DIRAC with
    ``dirac_cfg``)."""
    return follow(production, backend=backend, dirac_cfg=dirac_cfg)()


def follow(
    production: str | Path, *, backend: Literal["local", "dirac"] | Backend | None = None,
    dirac_cfg: str | Path | None = None,
) -> Callable[[], ProductionStatus]:
    """:func:`status` as a function to call again and again (``status --watch``): the production is found once,
    and on DIRAC a refresh then reads only what changes."""
    engine: Backend
    if not (backend is None or isinstance(backend, str)):
        engine = _backend_object(backend, "status", dirac_cfg=dirac_cfg)
    else:
        from cwl2dirac.backends import get_backend
        from cwl2dirac.backends.local.backend import local_run

        workdir = local_run(production, backend)
        if workdir is not None:
            engine, production = get_backend("local"), workdir
        else:
            engine = get_backend("dirac", config_files=[dirac_cfg] if dirac_cfg else [])
    handle = engine.find(production)
    return lambda: engine.status(handle)


def describe(
    pipeline: Pipeline, inputs: str | Path | None = None, *, name: str | None = None, hints: Hints | None = None
) -> dict[str, Any]:
    """Exactly what :func:`submit` would send to DIRAC's ProductionManager, computed offline (a dry run)."""
    from cwl2dirac.backends.dirac.backend import DiracBackend

    return DiracBackend().describe(as_request(pipeline, inputs, name=name, hints=hints))
