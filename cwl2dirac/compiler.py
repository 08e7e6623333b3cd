"""``compile()``: CWL document (+ optional inputs) → :class:`~cwl2dirac.request.ProductionRequest`, in one call.

The one place that joins the stages: load → passes (emit last) → the DIRAC target's job templates and link check.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cwl2dirac.errors import InputError, UnsupportedFeature
from cwl2dirac.ir import Workflow
from cwl2dirac.loader import load
from cwl2dirac.loader.documents import to_uri
from cwl2dirac.loader.job_order import load_job_order, split_datasets
from cwl2dirac.loader.job_requirements import with_job_requirements
from cwl2dirac.passes import PASSES
from cwl2dirac.passes.context import BodyRequest, Compilation, DatasetResolver, HintOverrides
from cwl2dirac.passes.emit import emit, stem
from cwl2dirac.request import ProductionRequest
from cwl2dirac.request.names import check_production_name
from cwl2dirac.request.software import SOFTWARE_CONFIG_SCHEME, is_software_value, software_paths
from cwl2dirac.request.wire import safe_name

Pass = Callable[[Compilation], Compilation]


def production_name(pipeline: str | Path) -> str:
    """The default production name: the pipeline file's stem, made catalog-safe (and acceptable to DIRAC:
    :func:`~cwl2dirac.request.names.check_production_name`)."""
    name = safe_name(stem(str(pipeline)))[:64].lstrip(".-")
    if not name:
        return "production"
    return f"production_{name}" if name.isdigit() else name


def dirac_body(spec: BodyRequest) -> str:
    """The DIRAC job template of a step (the body builder of a compilation for DIRAC)."""
    from cwl2dirac.backends.dirac.job import build_body

    return build_body(
        spec.config,
        name=spec.name,
        step_type=spec.step_type,
        job=spec.job,
        software=spec.software,
        apptainer=spec.apptainer,
        worker=spec.worker,
        cpu_time=spec.cpu_time,
        processors=spec.processors,
        memory_mb=spec.memory_mb,
    )


def compile_workflow(
    pipeline: str | Path,
    inputs: str | Path | None = None,
    *,
    name: str | None = None,
    hints: Mapping[str, HintOverrides] | None = None,
    lfn_base: str | None = None,
    bodies: bool = True,
    passes: tuple[Pass, ...] = PASSES,
    datasets: DatasetResolver | None = None,
    inputs_required: bool = False,
) -> ProductionRequest:
    """Compile ``pipeline`` (with the job order ``inputs``, if given) into a production request.

    ``hints``: ``dirac:`` hints over the document's, by step id (``*``: the workflow; see
    :mod:`cwl2dirac.passes.overrides`). ``lfn_base``: the LFN base of steps without ``dirac:Job.output_path``.
    ``bodies=False`` skips building DIRAC job templates (and importing DIRAC), and the DIRAC link check.
    ``datasets``: resolves a catalog dataset's name to its meta-query (on DIRAC,
    :func:`cwl2dirac.backends.dirac.datasets.dataset_query`); without it a dataset input's query holds
    ``cwl2dirac_dataset``, for the submission to resolve.

    Without ``inputs`` the workflow runs on its defaults, as cwltool's does with no job order; when a required
    input has no default the result is a template whose inputs are unknown (task counts unknown), unless
    ``inputs_required`` (a run or a submission), which refuses it.
    """
    collecting = gc.isenabled()
    gc.disable()  # the IR is many small immutable objects: the cyclic collector only costs time here
    try:
        return _compile(
            pipeline, inputs, name=name, hints=hints or {}, lfn_base=lfn_base, bodies=bodies, passes=passes,
            datasets=datasets, inputs_required=inputs_required,
        )
    finally:
        if collecting:
            gc.enable()


def _job_order(
    inputs: str | Path | None, workflow: Workflow, required: bool
) -> tuple[dict[str, Any] | None, str]:
    """The job order: the file's, else the empty one (every input its default) when that is complete; else None
    (a template, with the reason it cannot run) unless ``required``."""
    if inputs is not None or required:
        return load_job_order(inputs, workflow), ""
    try:
        return load_job_order(None, workflow), ""
    except InputError as exc:  # a required input without default: compiled as a template
        return None, f"compiled without a job order: {exc.message}"


def _with_software_inputs(workflow: Workflow, job_order: Mapping[str, Any]) -> Workflow:
    """``workflow`` knowing which inputs are Files of the software release (``software-config:``): values that the
    worker locates. Such a File mixed with other files in one input, or given to a workflow output, is refused."""
    names: set[str] = set()
    for port in workflow.inputs:
        value = job_order.get(port.id)
        if not software_paths(value):
            continue
        if not is_software_value(value):
            raise UnsupportedFeature(
                f"input '{port.id}' mixes files of the software release ({SOFTWARE_CONFIG_SCHEME}) with other "
                "values: give them as an input of their own", port.location,
            )
        for out in workflow.outputs:
            if any(src.step is None and src.port == port.id for src in out.sources):
                raise UnsupportedFeature(
                    f"output '{out.id}' is input '{port.id}', a file of the software release on the worker, which "
                    "is not in the catalog to be an output", out.location,
                )
        names.add(port.id)
    return replace(workflow, software_inputs=frozenset(names)) if names else workflow


def _compile(
    pipeline: str | Path,
    inputs: str | Path | None,
    *,
    name: str | None,
    hints: Mapping[str, HintOverrides],
    lfn_base: str | None,
    bodies: bool,
    passes: tuple[Pass, ...],
    datasets: DatasetResolver | None = None,
    inputs_required: bool = False,
) -> ProductionRequest:
    name = check_production_name(name) if name is not None else production_name(pipeline)
    workflow = with_job_requirements(load(pipeline), inputs)
    job_order, incomplete = _job_order(inputs, workflow, inputs_required)
    given_datasets: dict[str, str] = {}
    if job_order is not None:
        job_order, given_datasets = split_datasets(job_order)
        workflow = _with_software_inputs(workflow, job_order)
    comp = Compilation(
        workflow=workflow,
        name=name,
        source=to_uri(pipeline),
        job_order=job_order,
        hint_overrides=hints,
        lfn_base=lfn_base,
        body_builder=dirac_body if bodies else None,
        datasets=given_datasets,
        dataset_resolver=datasets,
    )
    for compiler_pass in passes:
        comp = compiler_pass(comp)
    request = emit(comp)
    if incomplete:
        request = request.model_copy(update={"incomplete": incomplete})
    if bodies:
        from cwl2dirac.backends.dirac.validator import check_links

        check_links(request)
    return request
