"""Pass: each step's configuration learns where its expressions are written (``StepConfig.sources``).

A task that fails in an expression (a ``valueFrom`` or ``when`` that throws, a computed glob that escapes, an
``outputEval`` or ``arguments`` expression that throws) then says the CWL ``file:line:col`` of that expression, on
the grid as locally (:mod:`cwl2dirac.request.expressions`). Only expressions are recorded (``$(...)``, ``${...}``),
as the file:line:col they are shown with (relative to the working directory, as the request's ``source``).
"""

from __future__ import annotations

from dataclasses import replace

from cwl2dirac.ir import Step
from cwl2dirac.passes.context import Compilation
from cwl2dirac.request import StepConfig
from cwl2dirac.request.expressions import WHEN, expression_strings, is_expression, tool_key, value_from_key


def locate_expressions(comp: Compilation) -> Compilation:
    configs = dict(comp.configs)
    tools: dict[tuple[str, tuple[str | int, ...]], dict[str, str]] = {}  # a tool run by many steps: located once
    for step in comp.workflow.steps:
        config = configs.get(step.id)
        if isinstance(config, StepConfig):
            sources = step_sources(step, config, tools)
            if sources:
                configs[step.id] = config.model_copy(update={"sources": sources})
    return replace(comp, configs=configs)


def step_sources(
    step: Step, config: StepConfig, tools: dict[tuple[str, tuple[str | int, ...]], dict[str, str]] | None = None
) -> dict[str, str]:
    """``file:line:col`` of each expression ``config`` evaluates, by its key (``tools``: the tools' expressions
    located so far, by the tool's location)."""
    out: dict[str, str] = {}
    if config.when is not None and step.location is not None:
        out[WHEN] = step.location.child("when").render()
    for binding in config.inputs:
        inp = step.input(binding.port)
        if binding.value_from and inp is not None and inp.location is not None:
            out[value_from_key(binding.port)] = inp.location.child("valueFrom").render()
    where = step.tool.location
    if where is not None:
        tools = {} if tools is None else tools
        key = (where.uri, where.path)
        if key not in tools:
            tools[key] = {
                tool_key(path): where.child(*path).render()
                for path, text in expression_strings(step.tool.document)
                if is_expression(text)
            }
        out.update(tools[key])
    return dict(sorted(out.items()))
