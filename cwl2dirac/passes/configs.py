"""Pass: the worker configuration of every step (what travels inside its job template).

The tool document is made self-contained and location-independent: every ``file://`` URI below the main
document's folder becomes relative, and the requirements a workflow passes down to the tool (EnvVar, InlineJavascript…)
are added to it, so that cwltool runs it on a worker exactly as inside the workflow.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal
from urllib.parse import urldefrag, urljoin

from cwl2dirac.errors import UnsupportedFeature
from cwl2dirac.ir import PortRef, Step, Workflow
from cwl2dirac.loader.hints import Job
from cwl2dirac.location import float_text, uri_to_path
from cwl2dirac.passes.check_types import source_type
from cwl2dirac.passes.context import INPUTS_STEP, Compilation, StepPlan
from cwl2dirac.passes.expressions import raw_value
from cwl2dirac.passes.hint_lookup import effective_hint
from cwl2dirac.passes.metadata import exact_query
from cwl2dirac.passes.plan import carries_data, count_items
from cwl2dirac.request import InputBinding, OutputBinding, StepConfig

INHERITED = (
    "InlineJavascriptRequirement", "SchemaDefRequirement", "EnvVarRequirement", "ShellCommandRequirement",
    "ResourceRequirement", "InitialWorkDirRequirement", "DockerRequirement", "SoftwareRequirement",
    "LoadListingRequirement", "NetworkAccess", "InplaceUpdateRequirement", "ToolTimeLimit", "WorkReuse",
)
EXPRESSION_REQUIREMENTS = ("InlineJavascriptRequirement", "StepInputExpressionRequirement")


def build_configs(comp: Compilation) -> Compilation:
    base = os.path.dirname(uri_to_path(urldefrag(comp.source)[0]))
    documents: dict[tuple[str, str], dict[str, Any]] = {}
    configs = {
        step.id: step_config(step, comp.plans[step.id], comp, base, documents) for step in comp.workflow.steps
    }
    return replace(comp, configs=configs)


def source_name(src: PortRef) -> str:
    return f"{INPUTS_STEP}/{src.port}" if src.step is None else f"{src.step}/{src.port}"


def step_config(
    step: Step, plan: StepPlan, comp: Compilation, base: str,
    documents: dict[tuple[str, str], dict[str, Any]] | None = None,
) -> StepConfig:
    """The worker configuration of one step; ``documents`` caches tool documents shared by many steps."""
    wf = comp.workflow
    job = effective_hint(step, wf, "dirac:Job", Job)
    inherited = repr([(r.cls, sorted(r.fields.items())) for r in (*step.requirements, *wf.requirements)])
    key = (step.tool.id, inherited)
    if documents is None or key not in documents:
        document = relativize(_with_inherited(step, wf), base)
        if isinstance(step.tool.document.get("$schemas"), list):
            # ontologies for format checks: cwltool fetches them, so they stay absolute
            tool_uri = urldefrag(step.tool.id)[0]
            document["$schemas"] = [urljoin(tool_uri, str(s)) for s in step.tool.document["$schemas"]]
        if documents is not None:
            documents[key] = document
    else:
        document = documents[key]
    return StepConfig(
        production=comp.name,
        step=step.id,
        tool=document,
        requirements=[
            {"class": r.cls, **dict(r.fields)}
            for r in _unique((*step.all_requirements(), *wf.requirements))
            if r.cls in EXPRESSION_REQUIREMENTS
        ],
        inputs=_inputs(step, plan, comp),
        outputs=[
            OutputBinding(
                port=port,
                type=str(out.type) if (out := step.tool.output(port)) else "Any",
                carrier=not (out.type.carries_files and not out.type.nests_files if out else False),
                metadata=dict(plan.output_metadata.get(port, {})),
            )
            for port in step.outputs
        ],
        scatter=list(step.scatter),
        scatter_method=step.scatter_method,
        task_values={k: list(v) for k, v in plan.task_values.items()} if plan.task_values else None,
        task_layout=plan.task_layout,
        index_offsets=_index_offsets(step, plan, comp),
        indexed_values={k: dict(v) for k, v in plan.indexed_values.items()} if plan.indexed_values else None,
        when=step.when,
        output_path=plan.output_path,
        output_se=job.output_se if job else None,
        lfn_layout="ctadirac" if job is not None and job.lfn_layout == "ctadirac" else None,
        transformation=str(plan.position) if job is not None and job.lfn_layout == "ctadirac" else None,
    )


def _inputs(step: Step, plan: StepPlan, comp: Compilation) -> list[InputBinding]:
    wf = comp.workflow
    drivers = set(plan.drivers)
    bindings: list[InputBinding] = []
    names = [i.id for i in step.inputs] + [p.id for p in step.tool.inputs if step.input(p.id) is None]
    for name in names:
        inp = step.input(name)
        if inp is None:
            bindings.append(InputBinding(port=name, kind="none"))
            continue
        common: dict[str, Any] = {
            "link_merge": inp.link_merge, "pick_value": inp.pick_value, "value_from": inp.value_from,
            "default": inp.default, "has_default": inp.has_default,
            "load_contents": inp.load_contents or any(
                p.load_contents for s in inp.sources if s.step is None for p in wf.inputs if p.id == s.port
            ),
        }
        data = [s for s in inp.sources if carries_data(wf, s)]
        if not data:
            value = None
            if inp.sources:  # the job order's value, else the workflow input's default (as cwltool)
                value = raw_value(step, name, wf, comp.job_order or {}, use_default=False)
                value = _as_written(value, inp.sources, wf, comp.job_order or {})
            bindings.append(InputBinding(port=name, kind="value", value=value, **common))
            continue
        if len(data) != len(inp.sources):
            raise UnsupportedFeature(
                f"step '{step.id}' input '{name}' merges files with plain values", inp.location
            )
        if len(data) == 1 and data[0].step is None and not inp.has_default:
            # a workflow input of a type that may hold files (File|string...) whose value holds none: the
            # dataset is empty, so the task gets the value as the binding's default
            plain = _plain_input_value(wf, data[0].port, comp.job_order)
            if plain is not None:
                common["default"], common["has_default"] = plain, True
        side_here = {src for port, src in plan.side if port == name}
        # the plan's side inputs are (port, source) pairs: a port among them takes the whole value even when its
        # source also forms the tasks (a scatter over `files` beside `all: files`, as cwltool gives)
        kinds = {"side" if s in side_here else "files" if s in drivers else "?" for s in data}
        if len(kinds) != 1 or "?" in kinds:
            raise UnsupportedFeature(
                f"step '{step.id}' input '{name}' mixes sources that form tasks with sources every task needs",
                inp.location,
            )
        kind: Literal["files", "side"] = "files" if kinds.pop() == "files" else "side"
        scattered_here = name in step.scatter
        array = not scattered_here and (
            len(data) > 1 or bool(inp.link_merge) or source_type(wf, data[0]).is_array
            # a workflow input of a union type (File | File[]) given an array in the job order
            or (data[0].step is None and comp.job_order is not None
                and isinstance(comp.job_order.get(data[0].port), list))
        )
        item = source_type(wf, data[0]).item()
        carrier = not item.carries_files or item.nests_files  # records holding Files: carried, Files referenced
        query = None
        task_queries = None
        if kind == "side" and name == plan.task_source_port:  # task N: the N-th source's files, whole
            task_queries = [_side_query([s], plan, comp) for s in data]
            array = True
        elif kind == "side":
            query = _side_query(data, plan, comp)
        producer = comp.plans.get(data[0].step) if data[0].step is not None else None
        layout = _gather_layout(wf, producer, carrier) if len(data) == 1 else None
        gathers = [_gathers(wf, s, carrier) for s in data] if len(data) > 1 or inp.link_merge else None
        bindings.append(
            InputBinding(
                port=name, kind=kind, sources=[source_name(s) for s in data], query=query, array=array,
                carrier=carrier, layout=layout, task_queries=task_queries, source_gathers=gathers, **common,
            )
        )
    return bindings


def _gather_layout(wf: Workflow, producer: StepPlan | None, carrier: bool) -> list[Any] | None:
    """How the one source's tasks place their values in what this input gathers: the producer's layout for
    carried values from nested scatters; for a producer scattered over known values with ``when``, its layout or
    its tasks in order, so that a skipped task's element is null (it registered nothing), as cwltool gathers it.
    None otherwise (the values in their catalog order)."""
    if producer is None:
        return None
    if wf.step(producer.step).skips_elements and producer.task_values:
        count = len(next(iter(producer.task_values.values())))
        return producer.task_layout if producer.task_layout is not None else list(range(1, count + 1))
    return producer.task_layout if carrier else None


def _gathers(wf: Workflow, src: PortRef, carrier: bool) -> bool:
    """Whether the value of ``src`` is the array of its catalog entries: the files of an array of Files (from a
    workflow input, a step's array output or a scattered step), or the carriers of a scattered step's tasks (a
    step that is not scattered registers one carrier, holding its whole value)."""
    if carrier:
        return src.step is not None and bool(wf.step(src.step).scatter)
    return source_type(wf, src).is_array


SOURCE_STRIDE = 2**20
"""The index offset of each merged source when the counts of the sources before it are not known."""


def _index_offsets(step: Step, plan: StepPlan, comp: Compilation) -> dict[str, int] | None:
    """A scatter over the files of several sources merged: per source, the files of the sources before it (see
    :attr:`StepConfig.index_offsets`)."""
    if not plan.scattered_over_files or len(plan.drivers) < 2:
        return None
    counts = [count_items(src, comp, comp.plans) for src in plan.drivers]
    offsets: dict[str, int] = {}
    total = 0
    for position, (src, count) in enumerate(zip(plan.drivers, counts, strict=True)):
        offsets[source_name(src)] = total if None not in counts else position * SOURCE_STRIDE
        total += count or 0
    return offsets


def _as_written(value: Any, sources: tuple[PortRef, ...], wf: Workflow, job_order: Mapping[str, Any]) -> Any:
    """A float default of a workflow input written with an exponent (``1.23e5``) travels as its text: the worker
    reads it as YAML, so that cwltool writes it on a command line as it would (``123000``, not ``123000.0``)."""
    if not isinstance(value, float) or len(sources) != 1 or sources[0].step is not None:
        return value
    port = wf.input(sources[0].port)
    if port is None or job_order.get(port.id) is not None or port.default != value or port.location is None:
        return value
    text = float_text(port.location.child("default"))
    return text if text is not None else value


def _plain_input_value(wf: Workflow, name: str, job_order: Mapping[str, Any] | None) -> Any:
    """The value of workflow input ``name`` (job order, else its default) if it holds no File/Directory."""
    value = job_order.get(name) if job_order is not None else None
    if value is None:
        port = next((p for p in wf.inputs if p.id == name), None)
        value = port.default if port is not None else None

    def has_files(v: Any) -> bool:
        if isinstance(v, Mapping):
            return v.get("class") in ("File", "Directory") or any(has_files(x) for x in v.values())
        if isinstance(v, list):
            return any(has_files(x) for x in v)
        return False

    return None if has_files(value) else value


def _side_query(data: list[PortRef], plan: StepPlan, comp: Compilation) -> dict[str, Any]:
    if len(data) != 1:
        raise UnsupportedFeature(f"step '{plan.step}': a side input with several sources is not supported")
    src = data[0]
    if src.step is None:
        return dict(comp.input_queries[src.port])
    return exact_query(comp.plans[src.step].output_metadata[src.port])


def _unique(reqs: tuple[Any, ...]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for r in reqs:
        if r.cls not in seen:
            seen.add(r.cls)
            out.append(r)
    return out


def _with_inherited(step: Step, wf: Workflow) -> dict[str, Any]:
    """The tool document with the requirements it inherits from its step and workflows (its own win)."""
    document = dict(step.tool.document)
    own = {r.get("class") for r in document.get("requirements", []) if isinstance(r, Mapping)}
    extra = [
        {"class": r.cls, **dict(r.fields)}
        for r in _unique((*step.requirements, *wf.requirements))
        if r.cls in INHERITED and r.cls not in own
    ]
    if extra:
        document["requirements"] = [*document.get("requirements", []), *extra]
    return document


def relativize(value: Any, base: str) -> Any:
    """Every ``file://`` URI in ``value`` made relative to folder ``base`` (consistently, so ids still match)."""
    if isinstance(value, str):
        if value.startswith("file://"):
            path, frag = urldefrag(value)
            rel = os.path.relpath(uri_to_path(path), base)
            return f"{rel}#{frag}" if frag else rel
        return value
    if isinstance(value, Mapping):
        return {k: relativize(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [relativize(v, base) for v in value]
    return value
