"""The names shared by the compiler, the worker and the backends: one place for each.

Catalog metadata fields, the pseudo step of workflow inputs, exit codes, environment variables, the name rules and
the order in which a request's steps are handed to a backend. Changing a value here changes the wire format:
compiled requests, job templates and catalogs written by an older cwl2dirac would no longer match.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

SCHEMA_VERSION = "cwl2dirac.dev/production-request/v1"
STEP_CONFIG_VERSION = "cwl2dirac.dev/step-config/v1"

# -- catalog metadata fields that the compiler and the worker put on files ------------------------------------------
FIELD_PRODUCTION = "cwl2dirac_production"
FIELD_STEP = "cwl2dirac_step"
FIELD_OUTPUT = "cwl2dirac_output"
FIELD_INDEX = "cwl2dirac_index"
"""Position of a file in its scatter (task number for simulation); children gather in this order."""
FIELD_ITEM = "cwl2dirac_item"
"""Position of a file within its task's output port (0 for a single File, 1..n for an array's elements)."""
FIELD_SCATTER = "cwl2dirac_scatter"
"""1 if the producing task is one element of a scatter (a consumer gathers these values into an array), else 0."""
FIELD_FORMAT = "cwl2dirac_format"
"""The CWL ``format`` (an IRI) of a File, when it has one; a per-file field, never part of a query."""
FIELD_LISTING = "cwl2dirac_listing"
"""1 on an input Directory whose listing the job order gave (a literal): the task sees its deep listing."""
FIELD_DATASET = "cwl2dirac_dataset"
"""In an input meta-query compiled without access to the File Catalog: stands for the meta-query of the catalog
dataset it names (a workflow input given as a dataset). DIRAC's submission puts the dataset's meta-query in its
place; the local backend registers the files of the local dataset with this field (and the query matches)."""
FIELD_RUN = "runNumber"
"""CTAO's run number, a file field: set on outputs laid out as CTADIRAC lays them (``lfn_layout: ctadirac``)."""
FIELD_SECONDARY = "cwl2dirac_secondary_of"
"""On a CWL secondary file only: the link to its primary file (:func:`secondary_link` of the primary's LFN). A
secondary file has neither ``cwl2dirac_step`` nor ``cwl2dirac_output``, so no input query selects it; the worker
finds it by this field when it stages the primary. Per-file, never part of a query."""

WORKER_FIELDS: dict[str, str] = {
    FIELD_INDEX: "INT",
    FIELD_ITEM: "INT",
    FIELD_SCATTER: "INT",
    FIELD_SECONDARY: "VARCHAR(128)",
}
"""File-level fields (and their DIRAC types) that the worker sets on files besides the request's own."""

FILE_INDEX = "cwl2dirac_file"
"""In an input dataset's ``value``: the key of a File leaf that stands for ``files[i]``."""
FILE_REF = "cwl2dirac_lfn"
"""In a carried value (a JSON carrier), the key of a File or Directory leaf that stands for a catalog entry: its
LFN. The entry is registered attached to the carrier (``cwl2dirac_secondary_of`` = the carrier's link), so no
input query selects it; whoever reads the carrier puts the File back in its place."""

INPUTS_STEP = "_inputs"
"""The pseudo step name under which workflow input files are registered in the catalog."""


def secondary_link(lfn: str) -> str:
    """The value of :data:`FIELD_SECONDARY` on the secondary files of the file ``lfn``: the SHA-1 of the LFN (an
    LFN may be longer than the 128 characters of a DIRAC ``VARCHAR(128)`` field; its digest always fits)."""
    return hashlib.sha1(lfn.encode("utf-8")).hexdigest()


# -- exit codes ---------------------------------------------------------------------------------------------------
EXIT_FAILURE = 1
EXIT_UNSUPPORTED = 33
"""A CWL feature that cannot be mapped onto DIRAC (cwltool's code for "unsupported requirement")."""
EXIT_DETERMINISTIC = 34
"""The worker's exit code for a task failure that would happen again on every attempt (an expression that fails,
a ``when`` that is not a boolean, an output outside the task's directory or not of its declared type, an LFN outside
the step's base): a backend reports it once and does not retry the task. Any other non-zero code (1) may be
transient (a tool that crashed, a file that could not be fetched) and is retried up to the step's ``max_retries``."""

# -- environment variables ----------------------------------------------------------------------------------------
ENV_CATALOG = "CWL2DIRAC_CATALOG"
"""The worker's catalog: ``sqlite:<workdir>`` (local backend) or ``dirac`` (in a grid job; the default)."""
ENV_CONTAINER = "CWL2DIRAC_CONTAINER"
"""Whether the worker lets cwltool use a container: ``auto`` (default: for a DockerRequirement that is a
requirement, not a hint), ``never`` (cwltool's ``--no-container``) or ``always`` (cwltool's own default: a
DockerRequirement hint too, and the default container for tools without one)."""
CONTAINER_MODES = ("auto", "never", "always")
ENV_CONTAINER_RUNTIME = "CWL2DIRAC_CONTAINER_RUNTIME"
"""The engine cwltool runs a task's container with: one of :data:`CONTAINER_RUNTIMES` (default ``docker``), or
``user-space:<command>`` (cwltool's ``--user-space-docker-cmd``)."""
CONTAINER_RUNTIMES = ("docker", "singularity", "podman", "udocker")
"""cwltool's engines: ``singularity`` is also apptainer (cwltool's ``--singularity``), ``udocker`` its
``--udocker``."""
USER_SPACE_PREFIX = "user-space:"
ENV_DEFAULT_CONTAINER = "CWL2DIRAC_DEFAULT_CONTAINER"
"""An image for tools without a DockerRequirement (cwltool's ``--default-container``); implies ``always``."""
ENV_SETUP_SCRIPT_FILE = "CWL2DIRAC_SETUP_SCRIPT_FILE"
"""Set by a job template with a ``dirac:Software`` hint: the file (written by ``cta-prod-setup-software``) that
holds the path of the software's setup script, which the worker sources for the tool."""
ENV_APPTAINER_IMAGE = "CWL2DIRAC_APPTAINER_IMAGE"
"""Set by a job template with a ``dirac:Apptainer`` hint (or a DockerRequirement): the image the tool runs in."""
ENV_TRANSFORMATION = "CWL2DIRAC_TRANSFORMATION"
"""The id of the transformation a task belongs to, for outputs laid out as CTADIRAC lays them (its
``<transformation id>`` directory); without it the worker uses the step's position in the production."""
ENV_SOURCE_DIR = "CWL2DIRAC_SOURCE_DIR"
"""Set by the local backend: the folder of the main CWL document, which the relative ``location`` of a File in a
tool's document (a tool input's default File) is relative to. A grid job has no such folder: such a default is
not found there."""
ENV_WORKDIR_BASE = "CWL2DIRAC_WORKDIR_BASE"
"""Where local runs keep their state and job-order literals are written (default ``~/.cache/cwl2dirac``…)."""


def container_environment(runtime: str | None = None, default_container: str | None = None) -> dict[str, str]:
    """The worker's environment for cwltool's container options: ``runtime`` None (cwl2dirac's ``auto``), ``none``
    (``--no-container``), a name of :data:`CONTAINER_RUNTIMES` (``--singularity``, ``--podman``…: containers as
    cwltool uses them, hints included) or ``user-space:<command>``; ``default_container`` as cwltool's."""
    if runtime == "none":
        if default_container:
            raise ValueError("a default container needs a container runtime, not none")
        return {ENV_CONTAINER: "never"}
    env: dict[str, str] = {}
    if runtime is not None:
        user_space = runtime.removeprefix(USER_SPACE_PREFIX) if runtime.startswith(USER_SPACE_PREFIX) else ""
        if runtime not in CONTAINER_RUNTIMES and not user_space:
            known = ", ".join((*CONTAINER_RUNTIMES, "none", f"{USER_SPACE_PREFIX}<command>"))
            raise ValueError(f"unknown container runtime {runtime!r} (expected one of {known})")
        env[ENV_CONTAINER] = "always"
        env[ENV_CONTAINER_RUNTIME] = runtime
    if default_container:
        env[ENV_CONTAINER] = "always"
        env[ENV_DEFAULT_CONTAINER] = default_container
    return env


# -- names --------------------------------------------------------------------------------------------------------
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
_UNSAFE_NAME_RUNS = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text: str, *, collapse: bool = False) -> str:
    """``text`` with every character outside ``[A-Za-z0-9_.-]`` replaced by ``_`` (``collapse``: each run of them
    by one ``_``): safe in DIRAC step, transformation and job names, catalog paths and file names."""
    return (_UNSAFE_NAME_RUNS if collapse else _UNSAFE_NAME).sub("_", text)


def runs_base() -> Path:
    """Where local runs live: ``$CWL2DIRAC_WORKDIR_BASE``, default ``$XDG_CACHE_HOME/cwl2dirac/runs`` (else
    ``~/.cache/cwl2dirac/runs``). Each run has ``<base>/<name>-<hash>``; job-order literals go to
    ``<base>/_literals``."""
    base = os.environ.get(ENV_WORKDIR_BASE) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "cwl2dirac", "runs"
    )
    return Path(base)
