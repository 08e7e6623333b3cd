"""The value that flows through the passes: the workflow plus what earlier passes derived."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from cwl2dirac.ir import PortRef, Workflow
from cwl2dirac.loader.hints import Apptainer, Job, Software, Worker
from cwl2dirac.request import StepConfig
from cwl2dirac.request.wire import INPUTS_STEP

__all__ = [
    "INPUTS_STEP", "BodyBuilder", "BodyRequest", "Compilation", "DatasetResolver", "HintOverrides", "StepPlan",
]



@dataclass(frozen=True, slots=True)
class StepPlan:
    """What the compiler decided for one step (filled in by several passes)."""

    step: str
    dirac_name: str
    drivers: tuple[PortRef, ...] = ()
    """Sources whose files (or carriers) the transformation's input query selects: they form the tasks."""
    side: tuple[tuple[str, PortRef], ...] = ()
    """(port, source) pairs found by the worker through a query: constant for every task."""
    scattered_over_files: bool = False
    task_values: Mapping[str, list[Any]] | None = None
    task_layout: list[Any] | None = None
    """How the outputs of the ``task_values`` tasks are gathered, when not in task order: their numbers, nested
    as the output is (a ``nested_crossproduct``, or nested scatters; :mod:`cwl2dirac.request.layout`)."""
    indexed_values: Mapping[str, Mapping[str, Any]] | None = None
    """A scatter over files dotproduct known values: per value port, the element of each file by its index."""
    task_source_port: str | None = None
    """A scatter over several sources merged nested (each an array of Files): the scattered port, whose task N
    takes the files of its N-th source, whole."""
    tasks: int | None = None
    expected_files: int | None = None
    type: str = "MCSimulation"
    plugin: str = "Standard"
    group_size: int = 1
    agent_type: str = "Automatic"
    flush: bool = False
    max_retries: int = 2
    input_query: Mapping[str, Any] | None = None
    output_query: Mapping[str, Any] = field(default_factory=dict)
    output_metadata: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per registered output port: the catalog metadata its files get."""
    output_path: str = ""
    position: int = 0
    """The step's place in the production's parents-first order (1, 2…)."""


@dataclass(frozen=True, slots=True)
class BodyRequest:
    """What a step's job template is made from (see :mod:`cwl2dirac.passes.bodies`)."""

    config: StepConfig
    name: str
    """The job name: ``<production>.<step's DIRAC name>``."""
    step_type: str
    job: Job | None
    software: Software | None
    apptainer: Apptainer | None
    worker: Worker | None
    """How the worker itself gets onto the node (``dirac:Worker``; None: on the pilot's PATH)."""
    cpu_time: int | None
    """Seconds, from the ResourceRequirement (``job.cpu_time`` wins)."""
    processors: int | None
    memory_mb: int | None


HintOverrides = Mapping[str, Mapping[str, object]]
"""Hint class (``dirac:Job``) → its fields, given by the caller for one step or the workflow."""

BodyBuilder = Callable[[BodyRequest], str]
"""Makes a step's job template (the DIRAC backend's: :func:`cwl2dirac.backends.dirac.job.build_body`)."""

DatasetResolver = Callable[[str], Mapping[str, Any]]
"""A catalog dataset's name → its meta-query (on DIRAC: :func:`cwl2dirac.backends.dirac.datasets.dataset_query`)."""


@dataclass(frozen=True, slots=True)
class Compilation:
    """Input and output of every pass (passes return a modified copy)."""

    workflow: Workflow
    name: str
    source: str
    job_order: Mapping[str, Any] | None = None
    """Workflow input values; None when compiling without inputs."""
    graph: nx.DiGraph | None = None
    plans: Mapping[str, StepPlan] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)
    """Catalog metadata field -> DIRAC type."""
    input_queries: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Workflow input (File type) -> the query its files are selected by."""
    input_metadata: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Workflow input (File type) -> the catalog metadata of its files (besides the per-file fields)."""
    lfn_base: str | None = None
    """Where the outputs of steps without ``dirac:Job.output_path`` go (default ``/cwl2dirac``; a submission to
    DIRAC gives the VO's namespace, ``/<vo>``)."""
    hint_overrides: Mapping[str, HintOverrides] = field(default_factory=dict)
    """Step id (or ``*``) → the caller's ``dirac:`` hints (see :mod:`cwl2dirac.passes.overrides`)."""
    body_builder: BodyBuilder | None = None
    """Makes the job template of each step; None: no templates (a local run, a picture)."""
    datasets: Mapping[str, str] = field(default_factory=dict)
    """Workflow input → the catalog dataset the job order gives for it (``{dataset: NAME}``)."""
    dataset_resolver: DatasetResolver | None = None
    """Resolves datasets to their meta-queries when compiling; None: the queries keep ``cwl2dirac_dataset``, which
    the submission resolves."""
    configs: Mapping[str, Any] = field(default_factory=dict)
    bodies: Mapping[str, str] = field(default_factory=dict)
