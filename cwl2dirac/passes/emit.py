"""Emit the :class:`~cwl2dirac.request.ProductionRequest` from a finished compilation."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cwl2dirac.errors import Location
from cwl2dirac.ir import CwlType, PortRef
from cwl2dirac.loader.job_order import with_field_secondary_files, with_secondary_files
from cwl2dirac.location import display_path
from cwl2dirac.passes.check_types import source_type
from cwl2dirac.passes.configs import source_name
from cwl2dirac.passes.context import Compilation
from cwl2dirac.passes.graph import topological
from cwl2dirac.passes.metadata import exact_query
from cwl2dirac.passes.resources import step_resources
from cwl2dirac.request import (
    FIELD_FORMAT,
    FIELD_INDEX,
    FIELD_ITEM,
    FIELD_LISTING,
    FIELD_PRODUCTION,
    FILE_INDEX,
    InputDataset,
    InputFile,
    OutputSpec,
    ProductionRequest,
    StepSpec,
    WorkflowOutputSpec,
)
from cwl2dirac.request.values import replace_files


def emit(comp: Compilation) -> ProductionRequest:
    assert comp.graph is not None
    wf = comp.workflow
    steps = []
    for step_id in topological(comp.graph):
        step = wf.step(step_id)
        plan = comp.plans[step_id]
        res = step_resources(step, wf)
        parents = sorted({d.step for d in plan.drivers if d.step is not None})
        # a side input is taken whole by every task: its producers complete first, parents too (a scatter over a
        # parent's files beside those files whole: a task made before the parent ended would see some of them)
        after = sorted({src.step for _, src in plan.side if src.step is not None})
        steps.append(
            StepSpec(
                name=step.id,
                dirac_name=plan.dirac_name,
                description=(step.label or step.tool.label or step.id)[:255],
                type=plan.type,
                plugin=plan.plugin,
                group_size=plan.group_size,
                agent_type=plan.agent_type,
                parents=parents,
                after=after,
                input_query=dict(plan.input_query) if plan.input_query is not None else None,
                output_query=dict(plan.output_query),
                tasks=plan.tasks if not plan.drivers else None,
                expected_files=plan.expected_files,
                flush=plan.flush,
                max_retries=plan.max_retries,
                cpu_time=res.cpu_time,
                processors=res.processors,
                memory_mb=res.memory_mb,
                outputs=[
                    OutputSpec(port=port, type=_type_of(step.tool.output(port)), metadata=dict(md))
                    for port, md in plan.output_metadata.items()
                ],
                config=comp.configs[step_id],
                body=comp.bodies.get(step_id, ""),
            )
        )
    return ProductionRequest(
        name=comp.name,
        description=(wf.label or wf.doc or "").strip().splitlines()[0] if (wf.label or wf.doc) else "",
        source=display_path(comp.source),
        cwl_version=wf.cwl_version,
        metadata_fields=dict(sorted(comp.fields.items())),  # type: ignore[arg-type]
        inputs=_datasets(comp),
        job_order=_plain_job_order(comp),
        steps=steps,
        outputs=[
            WorkflowOutputSpec(
                name=o.id,
                type=str(o.type),
                sources=[source_name(s) for s in o.sources],
                query=_output_query(comp, o.sources),
                array=len(o.sources) > 1 or any(source_type(wf, s).is_array for s in o.sources),
                link_merge=o.link_merge,
                pick_value=o.pick_value,
                defaults=_output_defaults(comp, o.sources),
            )
            for o in wf.outputs
        ],
    )


def _type_of(port: Any) -> str:
    return str(port.type) if port is not None else "Any"


def _output_query(comp: Compilation, sources: Any) -> dict[str, Any] | None:
    if len(sources) != 1:
        return None
    src = sources[0]
    if src.step is None:
        return dict(comp.input_queries[src.port]) if src.port in comp.input_queries else None
    md = comp.plans[src.step].output_metadata.get(src.port)
    return exact_query(md) if md else None


def _files(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict) and value.get("class") in ("File", "Directory"):
        return [value]
    if isinstance(value, list):
        return [f for v in value for f in _files(v)]
    return []


def _datasets(comp: Compilation) -> list[InputDataset]:
    wf = comp.workflow
    datasets = []
    for port in wf.inputs:
        if port.id not in comp.input_queries:
            continue
        if port.id in comp.datasets:  # the files of a catalog dataset, resolved when the production is submitted
            datasets.append(
                InputDataset(
                    name=port.id, query=dict(comp.input_queries[port.id]), array=port.type.non_null().kind == "array",
                    dataset=comp.datasets[port.id],
                )
            )
            continue
        value = comp.job_order.get(port.id) if comp.job_order is not None else None
        if value is None:
            value = _default(comp, port)
        files = []
        template: Any = None
        leaves = _files(value)
        is_array = port.type.non_null().kind == "array"
        if port.type.nests_files and value is not None:
            # a record holding Files: one carrier (the value), its Files attached to it, without step or output
            leaves = []

            def ref(f: dict[str, Any], found: list[dict[str, Any]] = leaves) -> dict[str, Any]:
                found.append(f)
                return {"class": f.get("class"), FILE_INDEX: len(found) - 1}

            template = replace_files(value, ref)
        for index, f in enumerate(leaves):
            location = f.get("path") or f.get("location") or ""
            md = {**comp.input_metadata[port.id], FIELD_INDEX: index}
            if is_array:  # an array's files are items 1, 2… (as a step's array output): one File stays an array
                md[FIELD_ITEM] = index + 1
            if template is not None:
                md = {FIELD_PRODUCTION: comp.name, FIELD_ITEM: index + 1}
            if f.get("format"):
                md[FIELD_FORMAT] = f["format"]
            if f.get("class") == "Directory" and "listing" in f:
                md[FIELD_LISTING] = 1
            files.append(
                InputFile(
                    location=str(location), metadata=md, basename=_basename(f, str(location)),
                    secondary_files=_secondary_files(f),
                )
            )
        if len(files) > LISTED_FILES_WARNING:
            _warn_listed(port.id, len(files), comp.input_queries[port.id], port.location)
        datasets.append(
            InputDataset(
                name=port.id, query=dict(comp.input_queries[port.id]), files=files, array=is_array, value=template,
                carrier_metadata={**comp.input_metadata[port.id], FIELD_INDEX: 0} if template is not None else {},
            )
        )
    return datasets


LISTED_FILES_WARNING = 10_000
"""More input files than this listed in a request (about 0.5 KB each, each registered at submission) draw a
warning that shows the query form: files already in the catalog are better selected than listed."""


def _warn_listed(name: str, count: int, query: Any, where: Location | None) -> None:
    shown = f"{where.render()}: " if where is not None else ""
    logging.getLogger("cwl2dirac").warning(
        "%swarning: input '%s' lists %d files, each written into the request and registered at submission "
        "(about %.0f MB of request): files already in the catalog are better selected than listed, as a catalog "
        "dataset ('%s: {dataset: NAME}' in the job order, or dirac:InputData.datasets), which the request names "
        "without its files",
        shown, name, count, count * 530 / 1e6, name,
    )


def _basename(f: dict[str, Any], location: str) -> str | None:
    """The File's ``basename`` if it differs from the last part of its location (else None: the same)."""
    basename = f.get("basename")
    return str(basename) if basename and basename != location.rstrip("/").rsplit("/", 1)[-1] else None


def _secondary_files(f: dict[str, Any]) -> list[InputFile]:
    """The input file's secondary files, numbered in order (``cwl2dirac_item``: 1, 2…)."""
    out = []
    for i, s in enumerate(f.get("secondaryFiles") or [], start=1):
        if not isinstance(s, dict) or s.get("class") not in ("File", "Directory"):
            continue
        location = str(s.get("path") or s.get("location") or "")
        md: dict[str, Any] = {FIELD_ITEM: i}
        if s.get("format"):
            md[FIELD_FORMAT] = s["format"]
        out.append(InputFile(location=location, metadata=md, basename=_basename(s, location)))
    return out


def _output_defaults(comp: Compilation, sources: Sequence[PortRef]) -> dict[str, Any]:
    """Defaults of the workflow inputs among ``sources`` that the job order does not give."""
    given = comp.job_order or {}
    defaults: dict[str, Any] = {}
    for src in sources:
        port = comp.workflow.input(src.port) if src.step is None else None
        if port is not None and given.get(src.port) is None and port.default is not None:
            defaults[src.port] = _default(comp, port)
    return defaults


def _default(comp: Compilation, port: Any) -> Any:
    """A workflow input's default as the job order would give it: with the secondary files its declaration finds
    beside its Files (those of a record's fields too)."""
    value = port.default
    if port.secondary_files and value is not None:
        value = with_secondary_files(
            value, port.secondary_files, dict(comp.job_order or {}), port.id, port.location or Location("")
        )
    if port.type.nests_files and value is not None:
        value = with_field_secondary_files(
            value, port.type, dict(comp.job_order or {}), port.id, port.location or Location("")
        )
    return value


def _plain_job_order(comp: Compilation) -> dict[str, Any]:
    return dict(comp.job_order) if comp.job_order is not None else {}


def stem(path: str) -> str:
    name = Path(path.split("#", 1)[0]).name
    for ext in (".cwl", ".yml", ".yaml", ".json"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


__all__ = ["CwlType", "emit", "stem"]
