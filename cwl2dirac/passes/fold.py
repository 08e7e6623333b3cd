"""Pass: constant folding — evaluate, at compile time, ExpressionTool steps whose inputs are all known.

An input is known when it comes from the job order (values, and Files: their names and locations are known), a
default, or an ExpressionTool folded before it; ``valueFrom`` on the step's inputs is evaluated as CWL does. A
scattered ExpressionTool is evaluated once per element (its outputs become arrays, nested for a nested_crossproduct
or a scatter inside a scattered sub-workflow, as cwltool gathers them; :mod:`cwl2dirac.passes.scatter`), so
a later scatter over them forms tasks: ``runs: n_runs → [1..n]`` followed by a scatter over the run numbers
becomes one MCSimulation transformation with n tasks, and a scatter over file names computed from the input files
pairs each file with its names (see :mod:`cwl2dirac.passes.plan`). Chains of such steps fold in order.

Their outputs become constants of the consuming steps. Without a job order the values are unknown: the step is
still removed and its consumers' inputs are left unset (task counts unknown), never mapped wrongly. An
ExpressionTool fed by another transformation's outputs stays a step (it runs inside a job).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import PortRef, Step, Workflow
from cwl2dirac.location import uri_to_path
from cwl2dirac.passes.context import Compilation
from cwl2dirac.passes.expressions import combine_sources, evaluate, js_requirements, workflow_input_value
from cwl2dirac.passes.graph import step_graph, topological
from cwl2dirac.passes.scatter import expand
from cwl2dirac.request.layout import fill_layout, layout_tasks
from cwl2dirac.request.lfn import lfn_of
from cwl2dirac.request.software import software_config_of

_UNKNOWN = object()


def fold_constants(comp: Compilation) -> Compilation:
    wf = comp.workflow
    assert comp.graph is not None
    folded: dict[PortRef, Any] = {}
    removed: set[str] = set()
    for step_id in topological(comp.graph):
        step = wf.step(step_id)
        if not _foldable(step, wf, removed):
            continue
        outputs = _evaluate(step, wf, comp.job_order, folded) if comp.job_order is not None else None
        for port in step.outputs:
            value = _UNKNOWN if outputs is None or outputs is _UNKNOWN else outputs.get(port)
            folded[PortRef(step.id, port)] = value
        removed.add(step.id)
    if not removed:
        return comp
    steps = tuple(_substitute(s, folded) for s in wf.steps if s.id not in removed)
    new_wf = replace(wf, steps=steps)
    return replace(comp, workflow=new_wf, graph=step_graph(new_wf))


def _foldable(step: Step, wf: Workflow, folded_steps: set[str]) -> bool:
    if step.tool.cls != "ExpressionTool" or step.when is not None:
        return False
    if any(isinstance(p, dict) and p.get("loadContents") for p in _document_inputs(step)):
        return False  # file contents are read when the job runs
    for inp in step.inputs:
        for src in inp.sources:
            if src.step is not None:
                if src.step not in folded_steps:
                    return False
                continue
            port = wf.input(src.port)
            if port is None or port.type.nests_files or (
                port.type.carries_files and port.type.item().non_null().kind != "File"
            ):
                return False
    consumers_ok = all(
        len(inp.sources) == 1
        for other in wf.steps
        for inp in other.inputs
        if any(src.step == step.id for src in inp.sources)
    )
    feeds_outputs = any(src.step == step.id for out in wf.outputs for src in out.sources)
    return consumers_ok and not feeds_outputs


def _document_inputs(step: Step) -> list[Any]:
    inputs = step.tool.document.get("inputs") or []
    return list(inputs.values()) if isinstance(inputs, dict) else list(inputs)


def _evaluate(step: Step, wf: Workflow, job_order: Any, folded: dict[PortRef, Any]) -> Any:
    """The step's output object (arrays of the elements' outputs when scattered); ``_UNKNOWN`` if an input is."""
    values: dict[str, Any] = {}
    for inp in step.inputs:
        value = _source_value(inp, wf, job_order, folded)
        if value is _UNKNOWN:
            return _UNKNOWN
        values[inp.id] = value
    if not step.scatter:
        return _run(step, wf, _with_value_from(step, wf, values))
    expansion = expand(step, values)  # one element per combination, gathered as cwltool (nested, by levels)
    results = [
        _run(step, wf, _with_value_from(step, wf, dict(values) | {p: vs[k] for p, vs in expansion.task_values.items()}))
        for k in range(len(layout_tasks(expansion.layout)))
    ]
    return {port: _gathered(expansion.layout, results, port) for port in step.outputs}


def _gathered(layout: list[Any], results: list[dict[str, Any]], port: str) -> Any:
    """Output ``port`` of the elements' results, placed by the scatter's layout."""
    return fill_layout(layout, lambda t: results[t - 1].get(port))


def _source_value(inp: Any, wf: Workflow, job_order: Any, folded: dict[PortRef, Any]) -> Any:
    values = []
    for src in inp.sources:
        if src.step is not None:
            value = folded.get(src, _UNKNOWN)
        else:
            value = _file_fields(workflow_input_value(wf, src.port, job_order))
        if value is _UNKNOWN:
            return _UNKNOWN
        values.append(value)
    value = combine_sources(inp, values)
    if value is None and inp.has_default:
        value = inp.default
    return value


def _file_fields(value: Any) -> Any:
    """A job-order File as an expression sees it (``basename``, ``nameroot``, ``nameext``, ``dirname``, ``size``,
    as cwltool fills them in)."""
    if isinstance(value, list):
        return [_file_fields(v) for v in value]
    if not isinstance(value, dict) or value.get("class") != "File":
        return value
    out = dict(value)
    location = str(out.get("location") or out.get("path") or "")
    path = uri_to_path(location) if location.startswith("file://") else location
    basename = str(out.get("basename") or os.path.basename(path))
    root, ext = os.path.splitext(basename)
    out.setdefault("basename", basename)
    out.setdefault("nameroot", root)
    out.setdefault("nameext", ext)
    if path and "://" not in path and lfn_of(location) is None and software_config_of(location) is None:
        # an LFN, or a file of the software release on the worker, has no local path when compiling
        out.setdefault("path", path)
        out.setdefault("dirname", os.path.dirname(path))
        if os.path.isfile(path):
            out.setdefault("size", os.path.getsize(path))
    return out


def _with_value_from(step: Step, wf: Workflow, values: dict[str, Any]) -> dict[str, Any]:
    """The inputs after ``valueFrom`` (``inputs``: the values before any valueFrom, ``self``: the port's)."""
    if not any(inp.value_from for inp in step.inputs):
        return values
    out = dict(values)
    for inp in step.inputs:
        if inp.value_from:
            out[inp.id] = evaluate(
                inp.value_from, values, values.get(inp.id), js_requirements(step, wf), wf.cwl_version, inp.location
            )
    return out


def _run(step: Step, wf: Workflow, values: dict[str, Any]) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for port in step.tool.inputs:
        value = values.get(port.id)
        if value is None and port.has_default:
            value = port.default
        inputs[port.id] = value
    expression = step.tool.document.get("expression")
    where = step.tool.location.child("expression") if step.tool.location else step.location
    result = evaluate(str(expression), inputs, None, js_requirements(step, wf), step.tool.cwl_version, where)
    if not isinstance(result, dict):
        raise ValidationError(
            f"step '{step.id}': the ExpressionTool returned {type(result).__name__}, not an object of outputs",
            step.location,
        )
    return result


def _unplaced(value: Any) -> Any:
    """A folded value's Files without ``path``/``dirname``: where a File is, is its ``location``; the path an
    expression saw when compiling is not where the task stages it (with a new ``basename``, cwltool would stage
    the file under that name beside the original: in the user's folder)."""
    if isinstance(value, list):
        return [_unplaced(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _unplaced(v) for k, v in value.items()}
    if out.get("class") in ("File", "Directory"):
        if "location" not in out and "path" in out:
            out["location"] = out["path"]
        out.pop("path", None)
        out.pop("dirname", None)
    return out


def _substitute(step: Step, folded: dict[PortRef, Any]) -> Step:
    if not any(src in folded for inp in step.inputs for src in inp.sources):
        return step
    inputs = []
    for inp in step.inputs:
        if len(inp.sources) == 1 and inp.sources[0] in folded:
            value = folded[inp.sources[0]]
            if value is _UNKNOWN:
                inp = replace(inp, sources=(), default=None, has_default=False)
            elif value is None and inp.has_default:  # a null source takes the step input's own default
                inp = replace(inp, sources=())
            else:
                inp = replace(inp, sources=(), default=_unplaced(value), has_default=True)
        inputs.append(inp)
    return replace(step, inputs=tuple(inputs))
