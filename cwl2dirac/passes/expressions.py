"""Evaluating CWL parameter references and expressions at compile time (with cwl-utils' evaluator, as cwltool)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cwl2dirac.errors import UnsupportedFeature, ValidationError, expression_failure, quiet_evaluator
from cwl2dirac.ir import Requirement, Step, Workflow


def js_requirements(step: Step, wf: Workflow) -> list[dict[str, Any]]:
    """The requirements that matter to expression evaluation, as plain CWL dicts."""
    wanted = ("InlineJavascriptRequirement",)
    reqs: list[Requirement] = [r for r in (*step.all_requirements(), *wf.requirements) if r.cls in wanted]
    return [{"class": r.cls, **dict(r.fields)} for r in reqs]


def raw_value(
    step: Step, port: str, wf: Workflow, job_order: Mapping[str, Any], *, use_default: bool = True
) -> Any:
    """A step input's value from workflow input values (sources, linkMerge, then its default unless
    ``use_default`` is false), before any valueFrom."""
    inp = step.input(port)
    if inp is None:
        tool_port = step.tool.input(port)
        return tool_port.default if tool_port is not None else None
    values = []
    for src in inp.sources:
        if src.step is not None:
            raise UnsupportedFeature(
                f"step '{step.id}': input '{port}' needs the value of '{src}', produced by another "
                "transformation, when the production is compiled",
                inp.location,
            )
        values.append(workflow_input_value(wf, src.port, job_order))
    value = combine_sources(inp, values)
    if value is None and inp.has_default and use_default:
        value = inp.default
    return value


def workflow_input_value(wf: Workflow, port: str, job_order: Mapping[str, Any]) -> Any:
    """Workflow input ``port``'s value: the job order's, else the input's default."""
    value = job_order.get(port)
    if value is None:
        wf_port = wf.input(port)
        value = wf_port.default if wf_port is not None else None
    return value


def combine_sources(inp: Any, values: list[Any]) -> Any:
    """A step input's value from the values of its sources, by its ``linkMerge`` (None without a source)."""
    if not inp.sources:
        return None
    if len(values) == 1 and not inp.link_merge:
        return values[0]
    if inp.link_merge == "merge_flattened":
        return [x for v in values for x in (v if isinstance(v, list) else [v])]
    return values


def evaluate_step_input(step: Step, port: str, wf: Workflow, job_order: Mapping[str, Any]) -> Any:
    """The value a step input takes (sources, linkMerge, default, then valueFrom) from workflow input values."""
    inp = step.input(port)
    value = raw_value(step, port, wf, job_order)
    if inp is None or inp.value_from is None:
        return value
    context = {i.id: raw_value(step, i.id, wf, job_order) for i in step.inputs if i.id != port}
    context[port] = value
    return evaluate(inp.value_from, context, value, js_requirements(step, wf), wf.cwl_version, inp.location)


def evaluate(
    expression: str, inputs: Mapping[str, Any], self_value: Any, requirements: list[dict[str, Any]],
    cwl_version: str = "v1.2", location: Any = None,
) -> Any:
    from cwl_utils.expression import do_eval

    try:
        reqs: list[Any] = list(requirements)
        with quiet_evaluator():
            return do_eval(
                expression, dict(inputs), reqs, None, None, {"cores": 1, "ram": 1024},
                context=self_value, cwlVersion=cwl_version,
            )
    except Exception as exc:  # the evaluator raises several kinds (JavascriptException, WorkflowException)
        shown = " ".join(expression.split())
        shown = shown if len(shown) <= 80 else shown[:76] + "..."
        raise ValidationError(f"expression {shown!r} failed: {expression_failure(exc)}", location) from None
