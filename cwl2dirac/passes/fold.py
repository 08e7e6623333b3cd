"""Pass: constant folding — evaluate, at compile time, ExpressionTool steps whose inputs are all workflow values.

Their outputs become constants of the consuming steps (so ``runs: n_runs → [1..n]`` followed by a scatter over the
run numbers becomes one MCSimulation transformation with n tasks). Without a job order the values are unknown: the
step is still removed and its consumers' inputs are left unset (task counts unknown), never mapped wrongly.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import PortRef, Step, Workflow
from cwl2dirac.passes.context import Compilation
from cwl2dirac.passes.expressions import evaluate, evaluate_step_input, js_requirements
from cwl2dirac.passes.graph import step_graph


def fold_constants(comp: Compilation) -> Compilation:
    wf = comp.workflow
    folded: dict[PortRef, Any] = {}
    removed: set[str] = set()
    for step in wf.steps:
        if not _foldable(step, wf):
            continue
        outputs = _evaluate(step, wf, comp.job_order) if comp.job_order is not None else None
        for port in step.outputs:
            folded[PortRef(step.id, port)] = outputs.get(port) if outputs is not None else _UNKNOWN
        removed.add(step.id)
    if not removed:
        return comp
    steps = tuple(_substitute(s, folded, comp.job_order is not None) for s in wf.steps if s.id not in removed)
    new_wf = replace(wf, steps=steps)
    return replace(comp, workflow=new_wf, graph=step_graph(new_wf))


_UNKNOWN = object()


def _foldable(step: Step, wf: Workflow) -> bool:
    if step.tool.cls != "ExpressionTool" or step.scatter or step.when is not None:
        return False
    for inp in step.inputs:
        for src in inp.sources:
            if src.step is not None:
                return False
            port = wf.input(src.port)
            if port is None or port.type.carries_files:
                return False
    consumers_ok = all(
        len(inp.sources) == 1
        for other in wf.steps
        for inp in other.inputs
        if any(src.step == step.id for src in inp.sources)
    )
    feeds_outputs = any(src.step == step.id for out in wf.outputs for src in out.sources)
    return consumers_ok and not feeds_outputs


def _evaluate(step: Step, wf: Workflow, job_order: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for port in step.tool.inputs:
        value = evaluate_step_input(step, port.id, wf, job_order) if step.input(port.id) else None
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


def _substitute(step: Step, folded: dict[PortRef, Any], known: bool) -> Step:
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
                inp = replace(inp, sources=(), default=value, has_default=True)
        inputs.append(inp)
    return replace(step, inputs=tuple(inputs))
