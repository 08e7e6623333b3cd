"""Pass: the compiled steps cover exactly the work cwltool would do, or the compilation is refused (exit 33).

Checked on what the worker will get (each step's :class:`~cwl2dirac.request.StepConfig`) against the CWL, after
every other pass has decided:

- **every scatter element has its task**: a scattered port is either the one whose files form the tasks (one file
  per element), or a port whose value each task picks by its task number (``task_values``: one task per value or
  combination, and nothing else forming tasks), or by its file's index (``indexed_values``), or, for a scatter
  over several sources merged nested (each element a whole array of files), one task per source taking that
  source's files by its query (``task_queries``); a step that is not scattered runs once;
- **every combination is one task, in its place**: a scatter over values known when compiling (one or several
  levels: a scatter inside a scattered sub-workflow) has exactly one task per combination of its elements, taking
  those elements, and its layout (how the outputs are gathered, nested for ``nested_crossproduct``) has the
  scatters' shape;
- **every null is told apart**: an array of Files from a step with ``when``, which the catalog cannot tell from a
  skipped task when it is empty, is refused where something reads it; a step that gathers the outputs of a
  scattered step with ``when`` places them by that step's tasks (a skipped one gives null, as in cwltool), or is
  refused;
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
from cwl2dirac.passes.check_types import source_type
from cwl2dirac.passes.context import Compilation, StepPlan
from cwl2dirac.passes.expressions import combine_sources, raw_value, workflow_input_value
from cwl2dirac.passes.scatter import combinations
from cwl2dirac.request import StepConfig
from cwl2dirac.request.layout import layout_tasks


def check_coverage(comp: Compilation) -> Compilation:
    wf = comp.workflow
    for step in wf.steps:
        config = comp.configs.get(step.id)
        if config is None:
            raise UnsupportedFeature(f"step '{step.id}': no worker configuration was made for it", step.location)
        _every_element(step, comp.plans[step.id], config, comp.job_order is not None)
        if comp.plans[step.id].scattered_over_files:
            _every_file_element(step, comp.plans[step.id], wf, comp.job_order)
        _every_null(step, wf)
        _every_skipped_element(step, config, comp)
        if comp.job_order is not None:
            _every_value(step, config, wf, comp.job_order)
            if config.task_values is not None:
                _every_combination(step, config, wf, comp.job_order)
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
    if plan.task_source_port is not None:  # one task per merged source, each taking its source's files whole
        binding = next((b for b in config.inputs if b.port == plan.task_source_port), None)
        inp = step.input(plan.task_source_port)
        sources = len(inp.sources) if inp is not None else 0
        if (scattered != {plan.task_source_port} or binding is None or binding.kind != "side" or task_values
                or len(binding.task_queries or []) != sources or plan.tasks != sources or plan.drivers):
            raise _refuse(step, f"scatter over {plan.task_source_port}: not one task per merged source")
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


def _every_file_element(step: Step, plan: StepPlan, wf: Workflow, job_order: Mapping[str, Any] | None) -> None:
    """A scatter over files makes one task per file: an element that is null (a skipped task of a producer with
    ``when``, an optional output that matched nothing, a null in a workflow input's array) has no file, and so no
    task, where cwltool runs (or skips) one for it."""
    for src in plan.drivers:
        if src.step is not None:
            producer = wf.step(src.step)
            if producer.when is not None or source_type(wf, src).item().optional:
                why = "has 'when'" if producer.when is not None else "has an optional output"
                raise _refuse(step, f"scatter over the files of step '{src.step}', which {why}: an element that is "
                                    "null has no file, and so no task, where cwltool has one")
        elif source_type(wf, src).item().optional:
            value = (job_order or {}).get(src.port)
            if job_order is None or not isinstance(value, list) or any(v is None for v in value):
                raise _refuse(step, f"scatter over workflow input '{src.port}', whose elements may be null: an "
                                    "element that is null has no file, and so no task, where cwltool has one")


def _every_null(step: Step, wf: Workflow) -> None:
    """A step skipped by ``when`` gives null for each output; a task that ran and made no file gives [] for an array
    of Files. Both register nothing in the catalog: an array-of-Files output of such a step that anything reads
    would arrive as [] where cwltool has null (or null where it has []). (A single File, or a value, which travels
    as a carrier registered only when the task ran, is told apart.)"""
    if step.when is None:
        return
    read = {src.port for s in wf.steps for i in s.inputs for src in i.sources if src.step == step.id}
    read |= {src.port for o in wf.outputs for src in o.sources if src.step == step.id}
    for port in sorted(read):
        out = step.tool.output(port)
        t = out.type.non_null() if out is not None else None
        if t is not None and t.kind == "array" and t.carries_files and not t.nests_files:
            raise _refuse(step, f"its output '{port}' is an array of files and the step has 'when': a skipped task "
                                "(null) and a task that made no file ([]) both leave nothing in the catalog")


def _every_skipped_element(step: Step, config: StepConfig, comp: Compilation) -> None:
    """An input gathering the outputs of a scattered step with ``when`` has a null for each skipped element: the
    skipped task registered nothing, so only a binding that places the values by the producer's tasks (its
    ``layout``, one source) can put it there; pickValue over the elements (one source, or flattened) looks at the
    non-null ones only. (In a template, the tasks of a scatter over values are not known
    yet: checked when the job order comes.)"""
    wf = comp.workflow
    for inp in step.inputs:
        skipping = [src.step for src in inp.sources if src.step is not None and wf.step(src.step).skips_elements]
        if not skipping:
            continue
        if inp.pick_value and (len(inp.sources) == 1 or inp.link_merge == "merge_flattened"):
            continue  # pickValue looks at the non-null elements only
        binding = next((b for b in config.inputs if b.port == inp.id), None)
        producer = comp.plans[skipping[0]]
        if comp.job_order is None and len(inp.sources) == 1 and not producer.scattered_over_files:
            continue
        if binding is None or binding.layout is None or len(inp.sources) != 1:
            raise _refuse(step, f"its input '{inp.id}' gathers the outputs of '{skipping[0]}', scattered with "
                                "'when': a skipped element (null in cwltool) leaves nothing in the catalog that "
                                "could be placed (only a scatter over values known when compiling, as the one "
                                "source of the input, is placed)")


def _every_combination(step: Step, config: StepConfig, wf: Workflow, job_order: Mapping[str, Any]) -> None:
    """Each combination of the scatters' elements (every level, outermost first) has exactly one task, which
    takes its elements, at its place in the gathered output (the layout, else the tasks in order)."""
    task_values = config.task_values or {}
    count = len(next(iter(task_values.values()), []))
    layout = config.task_layout if config.task_layout is not None else list(range(1, count + 1))
    if sorted(layout_tasks(layout)) != list(range(1, count + 1)):
        raise _refuse(step, f"the gathered output does not place each of its {count} task(s) once")
    values = {port: raw_value(step, port, wf, job_order) for port in step.scatter}
    _check_level(step, 0, layout, values, task_values)


def _check_level(
    step: Step, depth: int, node: Any, current: dict[str, Any], task_values: Mapping[str, list[Any]]
) -> None:
    levels = step.levels
    if depth == len(levels):
        if not isinstance(node, int):
            raise _refuse(step, "the gathered output nests deeper than its scatters")
        for port in step.scatter:
            if task_values[port][node - 1] != current[port]:
                raise _refuse(step, f"task {node} would take {port} = {task_values[port][node - 1]!r}, not "
                                    f"{current[port]!r}")
        return
    level = levels[depth]
    given = [current.get(params[0]) for params in level.params]
    arrays = [a for a in given if isinstance(a, list)]
    if len(arrays) != len(given):
        raise _refuse(step, "a scattered input is not an array")

    def chosen(indices: tuple[int, ...]) -> dict[str, Any]:
        out = dict(current)
        for params, array, k in zip(level.params, arrays, indices, strict=True):
            out.update(dict.fromkeys(params, array[k]))
        return out

    expected = combinations(step, level, [len(a) for a in arrays], chosen)
    _match(step, depth, expected, node, task_values)


def _match(step: Step, depth: int, expected: Any, node: Any, task_values: Mapping[str, list[Any]]) -> None:
    """``node`` (part of the layout) has the shape of ``expected`` (the combinations of one level: lists of
    element choices); each choice's part goes on to the next level."""
    if isinstance(expected, list):
        if not isinstance(node, list) or len(node) != len(expected):
            raise _refuse(step, "the gathered output's shape is not the scatter's")
        for e, n in zip(expected, node, strict=True):
            _match(step, depth, e, n, task_values)
        return
    _check_level(step, depth + 1, node, expected, task_values)


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
