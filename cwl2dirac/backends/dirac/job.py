"""Job template bodies: the XML of a DIRAC ``Job`` that runs the cwl2dirac worker for one task of a step.

The body is built with DIRAC's own Job API (:class:`DIRAC.Interfaces.API.Job.Job`) and serialised with
``job.workflow.toXML()``, which is what a transformation stores as its ``Body``. See docs/dirac-mapping.md for
the full mapping; in short the job runs, in order:

1. (with a ``dirac:Software`` hint) ``cta-prod-setup-software -p PKG -v VER -a CAT -g COMP``, which writes
   ``setup_script_path.txt`` (the path of the package's ``setupPackage.sh``) in the job's working directory;
2. ``cwl2dirac-worker --config <token> --task @{JOB_ID}``; DIRAC replaces ``@{JOB_ID}`` by the task number (8
   digits) when the transformation creates the task.

The worker itself stays in the DIRAC environment (it moves data with DIRAC); only the tool is run in the
software environment (``CWL2DIRAC_SETUP_SCRIPT_FILE``) and/or the apptainer image
(``CWL2DIRAC_APPTAINER_IMAGE``), which the body passes to it through the job's ``ExecutionEnvironment``.

Speed: building a DIRAC Job costs about 1 ms, most of it in ``Job()`` and ``setExecutable``. Bodies that
differ only by job name and step configuration share one template, built once with the Job API using
placeholder strings and filled in by string replacement. DIRAC writes both values verbatim into the XML (it
does not escape anything), so the result is byte-identical to a direct build; ``build_body(...,
template_cache=False)`` does the direct build and the tests compare them.
"""

from __future__ import annotations

import functools
import inspect
import re
import shlex
from dataclasses import dataclass
from typing import Any

from cwl2dirac.backends.dirac import _boundary, sidecar
from cwl2dirac.errors import BackendError
from cwl2dirac.loader import hints
from cwl2dirac.request import StepConfig, encode_config
from cwl2dirac.request.wire import ENV_APPTAINER_IMAGE, ENV_CATALOG, ENV_SETUP_SCRIPT_FILE

WORKER_COMMAND = "cwl2dirac-worker"
SETUP_SOFTWARE_COMMAND = "cta-prod-setup-software"
SETUP_SCRIPT_FILE = "setup_script_path.txt"
"""Written by ``cta-prod-setup-software`` in the job's working directory: the ``setupPackage.sh`` path."""
WORKER_LOG = "cwl2dirac-worker.log"
SETUP_SOFTWARE_LOG = "SetupSoftware.log"
OUTPUT_SANDBOX = ("*.log",)
DOWNLOAD_POLICY = "DIRAC.WorkloadManagementSystem.Client.DownloadInputData"
"""What ``Job.setInputDataPolicy("Download")`` resolves to (from the CS) with DIRAC's default settings."""
DEFAULT_TASK_ID = "00000000"
"""``JOB_ID``/``PRODUCTION_ID`` in the template; a transformation sets both for each task."""

_NAME_SENTINEL = "CWL2DIRACxJOBxNAMExPLACEHOLDER"
_TOKEN_SENTINEL = "CWL2DIRACxCONFIGxTOKENxPLACEHOLDER"


@dataclass(frozen=True, slots=True)
class _Shape:
    """Everything in a body except the job name and the configuration token (the template cache key)."""

    job_type: str
    platform: str | None
    sites: tuple[str, ...]
    banned_sites: tuple[str, ...]
    priority: int | None
    tags: tuple[str, ...]
    cpu_time: int | None
    processors: int | None
    memory_mb: int | None
    software: tuple[str, str, str, str] | None
    apptainer_image: str | None
    worker: tuple[str, str] | None
    """How the worker gets onto the node: ("script", path) or ("image", image); None: on the pilot's PATH."""
    input_data: bool
    job_group: str
    log_level: str


def worker_arguments(token: str, task: str = "@{JOB_ID}", transformation: str = "@{PRODUCTION_ID}") -> str:
    """The worker's command-line arguments in a body (``token`` from :func:`encode_config`): the task number and
    the transformation id are the workflow parameters each task of a transformation sets."""
    return f"--config {token} --task {task} --catalog dirac:{transformation}"


def _worker_setup(worker: hints.Worker | None) -> tuple[str, str] | None:
    if worker is None or worker.setup == "pilot":
        return None
    return (worker.setup, str(worker.script if worker.setup == "script" else worker.image))


SCRIPT_SETUP = 'source "$0" && exec cwl2dirac-worker "$@"'
"""How a job sources a ``dirac:Worker`` set-up script before the worker (bash ``-c``; ``$0`` is the script)."""


def worker_command(setup: tuple[str, str] | None, arguments: str) -> tuple[str, str]:
    """The executable and arguments that start the worker on a node, per its ``dirac:Worker`` set-up.

    DIRAC's Script module runs the command without a shell and splits it like a shell (``shlex``), so the
    arguments are quoted for that.
    """
    if setup is None:
        return WORKER_COMMAND, arguments
    mode, where = setup
    if mode == "script":
        return "bash", f"-c {shlex.quote(SCRIPT_SETUP)} {shlex.quote(where)} {arguments}"
    return "apptainer", f"exec {shlex.quote(where)} {WORKER_COMMAND} {arguments}"


def setup_software_arguments(software: hints.Software | tuple[str, str, str, str]) -> str:
    """Arguments of ``cta-prod-setup-software`` for a ``dirac:Software`` hint (as CTADIRAC's jobs)."""
    if isinstance(software, hints.Software):
        software = (software.package, software.version, software.category, software.compiler)
    return " ".join(
        f"{flag} {shlex.quote(value)}" for flag, value in zip(("-p", "-v", "-a", "-g"), software, strict=True)
    )


def _shape(
    config: StepConfig,
    *,
    step_type: str,
    job: hints.Job | None,
    software: hints.Software | None,
    apptainer: hints.Apptainer | None,
    worker: hints.Worker | None,
    cpu_time: int | None,
    processors: int | None,
    memory_mb: int | None,
    log_level: str,
) -> _Shape:
    platform = job.platform if job else None
    return _Shape(
        job_type=(job.job_type if job else None) or step_type,
        platform=platform if platform and platform.lower() != "any" else None,
        sites=tuple(sorted({s for s in job.sites if s and s.lower() != "any"})) if job else (),
        banned_sites=tuple(sorted(set(job.banned_sites))) if job else (),
        priority=job.priority if job else None,
        tags=tuple(dict.fromkeys(job.tags)) if job else (),
        cpu_time=job.cpu_time if job and job.cpu_time is not None else cpu_time,
        processors=processors,
        memory_mb=memory_mb,
        software=(software.package, software.version, software.category, software.compiler)
        if software
        else None,
        apptainer_image=apptainer.image if apptainer else None,
        worker=_worker_setup(worker),
        input_data=any(b.kind == "files" for b in config.inputs),
        job_group=config.production,
        log_level=log_level,
    )


def build_body(
    config: StepConfig,
    *,
    name: str,
    step_type: str,
    job: hints.Job | None,
    software: hints.Software | None,
    apptainer: hints.Apptainer | None,
    cpu_time: int | None,
    processors: int | None,
    memory_mb: int | None,
    worker: hints.Worker | None = None,
    log_level: str = "INFO",
    template_cache: bool = True,
) -> str:
    """The job template (``Job().workflow.toXML()``) that runs the worker on ``config``; deterministic.

    ``cpu_time`` (seconds), ``processors`` and ``memory_mb`` come from the step's ResourceRequirement;
    ``job.cpu_time`` wins over ``cpu_time``. Raises :class:`BackendError` if DIRAC refuses a value.
    ``template_cache=False``: one full DIRAC Job build for this body (the tests compare both ways).
    """
    _check_name(name)
    shape = _shape(
        config,
        step_type=step_type,
        job=job,
        software=software,
        apptainer=apptainer,
        worker=worker,
        cpu_time=cpu_time,
        processors=processors,
        memory_mb=memory_mb,
        log_level=log_level,
    )
    token = encode_config(config)
    if not template_cache or _NAME_SENTINEL in name or _TOKEN_SENTINEL in name:
        return _build_xml(shape, name, token)
    return _template(shape).replace(_NAME_SENTINEL, name).replace(_TOKEN_SENTINEL, token)


def _check_name(name: str) -> None:
    # DIRAC writes the name unescaped into <name>...</name> and a CDATA section.
    if not name or any(bad in name for bad in ("<", "&", "]]>")):
        raise BackendError(f"invalid DIRAC job name {name!r}: must be non-empty, without '<', '&' or ']]>'")


@functools.lru_cache(maxsize=1024)
def _template(shape: _Shape) -> str:
    return sidecar.call(_build_xml, shape, _NAME_SENTINEL, _TOKEN_SENTINEL)


def _build_xml(shape: _Shape, name: str, token: str) -> str:
    """Build the DIRAC Job with the Job API and return its workflow XML."""
    _boundary.prepare()
    from DIRAC.Interfaces.API.Job import Job

    j = Job()
    what = f"DIRAC job {name!r}"

    def call(method: str, *args: Any, **kwargs: Any) -> None:
        result = getattr(j, method)(*args, **kwargs)
        if result is not None:  # setRAMRequirements returns None on success
            _boundary.ok(result, f"{what}: Job.{method}")

    call("setName", name)
    call("setType", shape.job_type)
    call("setJobGroup", shape.job_group)
    call("setLogLevel", shape.log_level)
    call("setOutputSandbox", list(OUTPUT_SANDBOX))
    if shape.priority is not None:
        call("setPriority", shape.priority)
    if shape.cpu_time is not None:
        call("setCPUTime", shape.cpu_time)
    if shape.processors is not None and shape.processors > 1:
        call("setNumberOfProcessors", numberOfProcessors=shape.processors)
    if shape.memory_mb is not None and shape.memory_mb > 0:
        call("setRAMRequirements", ramRequired=shape.memory_mb)
    if shape.tags:
        call("setTag", list(shape.tags))
    if shape.banned_sites:
        call("setBannedSites", list(shape.banned_sites))
    # Job.setDestination / setPlatform / setInputDataPolicy validate their value against the Configuration
    # Service, which a compiler does not have. Add the very parameters they would add (same name, type and
    # description); the names are checked against the CS at submission (DiracBackend.submit).
    if shape.sites:
        description = (
            "User specified destination site" if len(shape.sites) == 1 else "List of sites selected by user"
        )
        j._addParameter(j.workflow, "Site", "JDL", ";".join(shape.sites), description)
    if shape.platform:
        j._addParameter(j.workflow, "Platform", "JDL", shape.platform, "Platform ( Operating System )")
    if shape.input_data:
        j._addParameter(
            j.workflow, "InputDataPolicy", "JDL", DOWNLOAD_POLICY, "User specified input data policy"
        )

    env = {ENV_CATALOG: "dirac"}
    if shape.software is not None:
        env[ENV_SETUP_SCRIPT_FILE] = SETUP_SCRIPT_FILE
    if shape.apptainer_image is not None:
        env[ENV_APPTAINER_IMAGE] = shape.apptainer_image
    call("setExecutionEnv", env)

    # The task number and transformation id: a transformation sets both on each task (WorkflowTasks); defaults
    # make the template runnable on its own (Dirac().submitJob(job, mode="local")).
    j._addParameter(
        j.workflow, "JOB_ID", "string", DEFAULT_TASK_ID, "Task number (set by the transformation)"
    )
    j._addParameter(j.workflow, "PRODUCTION_ID", "string", DEFAULT_TASK_ID, "Transformation id")

    if shape.software is not None:
        call(
            "setExecutable",
            SETUP_SOFTWARE_COMMAND,
            arguments=setup_software_arguments(shape.software),
            logFile=SETUP_SOFTWARE_LOG,
            includeInSandbox=False,
        )
    command, arguments = worker_command(shape.worker, worker_arguments(token))
    call("setExecutable", command, arguments=arguments, logFile=WORKER_LOG, includeInSandbox=False)
    xml: str = j.workflow.toXML()
    return _DESCRIPTION.sub(lambda m: f"{m[1]}{inspect.cleandoc(m[2])}{m[3]}", xml)


_DESCRIPTION = re.compile(r"(<description><!\[CDATA\[)(.*?)(\]\]></description>)", re.DOTALL)
"""A module's description in the XML, which DIRAC takes from the module's docstring: Python 3.13 dedents
docstrings, 3.11 and 3.12 do not; cleaned the same way (``inspect.cleandoc``) the job template, hence the request
and its fingerprint, are the same bytes on every Python."""
