"""Pass: the compiled steps cover exactly the work cwltool would do, or the compilation is refused (exit 33).

Checked on what the worker will get (each step's :class:`~cwl2dirac.request.StepConfig`) against the CWL, after
every other pass has decided:

- **every scatter element has its task**: a scattered port is either the one whose files form the tasks (one file
  per element), or a port whose value each task picks by its task number (``task_values``: one task per value or
  combination, and nothing else forming tasks), or by its file's index (``indexed_values``); a step that is not
  scattered runs once;
- **every value arrives**: a port fed by workflow inputs gets the job order's value, else the workflow input's
  default (as cwltool does when the job order leaves it out), never the tool's own default in its place.

Without a job order (a template: a required input has no value) the counts and values are unknown; only the form
is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cwl2dirac.errors import UnsupportedFeature
from cwl2dirac.ir import Step, Workflow
from cwl2dirac.passes.context import Compilation, StepPlan
from cwl2dirac.passes.expressions import combine_sources, workflow_input_value
from cwl2dirac.request import StepConfig


def check_coverage(comp: Compilation) -> Compilation:
    wf = comp.workflow
    for step in wf.steps:
        config = comp.configs.get(step.id)
        if config is None:
            raise UnsupportedFeature(f"step '{step.id}': no worker configuration was made for it", step.location)
        _every_element(step, comp.plans[step.id], config, comp.job_order is not None)
        if comp.job_order is not None:
            _every_value(step, config, wf, comp.job_order)
    return comp


def _refuse(step: Step, why: str) -> UnsupportedFeature:
    return UnsupportedFeature(f"step '{step.id}': {why}; cwl2dirac refuses it rather than run less", step.location)


def _every_element(step: Step, plan: StepPlan, config: StepConfig, known: bool) -> None:
    scattered = set(step.scatter)
    task_values = set(config.task_values or {})
    indexed = set(config.indexed_values or {})
    by_files = {b.port for b in config.inputs if b.kind == "files" and b.port in scattered}
    if not scattered:
        if task_values or indexed:
            raise _refuse(step, "per-task values on a step that is not scattered")
        if not plan.drivers and plan.tasks not in (1, None):
            raise _refuse(step, f"{plan.tasks} tasks for a step that runs once")
        return
    if plan.scattered_over_files:
        if len(by_files) != 1:
            raise _refuse(step, f"a scatter over files needs one input forming the tasks, found {sorted(by_files)}")
        left = scattered - by_files - indexed
        if left and known:
            raise _refuse(step, f"scatter over {', '.join(sorted(left))}: no task takes its elements one by one")
        return
    if by_files or plan.drivers:
        raise _refuse(step, f"scatter over values ({', '.join(step.scatter)}) but the tasks are formed by files")
    if not known:
        return
    if task_values != scattered:
        missing = ", ".join(sorted(scattered - task_values))
        raise _refuse(step, f"scatter over {missing}: its values are not known when compiling")
    counts = {len(v) for v in (config.task_values or {}).values()}
    if len(counts) != 1 or plan.tasks != counts.pop():
        raise _refuse(step, f"{plan.tasks} task(s) for {sorted(counts)} scatter element(s)")


def _every_value(step: Step, config: StepConfig, wf: Workflow, job_order: Mapping[str, Any]) -> None:
    for binding in config.inputs:
        inp = step.input(binding.port)
        if binding.kind != "value" or inp is None or not inp.sources or binding.port in step.scatter:
            continue
        if any(src.step is not None for src in inp.sources):
            continue
        expected = combine_sources(inp, [workflow_input_value(wf, s.port, job_order) for s in inp.sources])
        if binding.value != expected and not _same_float(binding.value, expected):
            raise _refuse(
                step, f"input '{binding.port}' would get {binding.value!r}, not its workflow value {expected!r}"
            )


def _same_float(given: Any, expected: Any) -> bool:
    """A float that travels as the text its file writes (``1.23e5``, see :mod:`cwl2dirac.passes.configs`)."""
    if not isinstance(given, str) or not isinstance(expected, float):
        return False
    try:
        return float(given) == expected
    except ValueError:
        return False
