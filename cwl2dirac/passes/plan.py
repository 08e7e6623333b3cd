"""Pass: decide for every step which sources form its tasks (drivers), which are side inputs, and how many tasks.

- A step scattered over a file array gets one task per file; its scattered port's source is the driver.
- A step scattered only over values known when compiling (``run_number`` from ``n_runs``) has no input files:
  one task per value (``task_values``), the task number being DIRAC's ``@{JOB_ID}``.
- A step that is not scattered takes all files of its step sources as drivers (a gather, or a join of several
  parents) in one task; with only workflow input files, those are its drivers.
- A step scattered over several sources merged nested, each an array of Files (each element a whole array), has
  one task per source, which takes that source's files whole by query (``task_source_port``).
- Any other file input of a scattered step is a side input, found by the worker through a query; the steps that
  produce side inputs must be complete before the step starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cwl2dirac.errors import UnsupportedFeature, ValidationError
from cwl2dirac.ir import PortRef, Step, Workflow
from cwl2dirac.passes.check_types import source_type
from cwl2dirac.passes.context import INPUTS_STEP, Compilation, StepPlan
from cwl2dirac.passes.expressions import raw_value
from cwl2dirac.passes.graph import topological
from cwl2dirac.passes.hint_lookup import catalog_data, dataset_inputs
from cwl2dirac.passes.scatter import Expansion, expand
from cwl2dirac.request.layout import layout_tasks
from cwl2dirac.request.names import check_transformation_name
from cwl2dirac.request.wire import safe_name


def plan_steps(comp: Compilation) -> Compilation:
    assert comp.graph is not None
    wf = comp.workflow
    plans: dict[str, StepPlan] = {}
    for position, step_id in enumerate(topological(comp.graph), start=1):
        step = wf.step(step_id)
        if step.tool.cls not in ("CommandLineTool", "ExpressionTool"):
            raise UnsupportedFeature(
                f"step '{step.id}': a {step.tool.cls} cannot run as a DIRAC job", step.location
            )
        _check_not_nested_input(step, wf)
        plan = replace(_plan(step, wf, comp), position=position)
        tasks = _task_count(step, plan, plans, comp)
        plans[step_id] = replace(plan, tasks=tasks)
    _check_dirac_names(wf, plans)
    return replace(comp, plans=plans)


def _check_not_nested_input(step: Step, wf: Workflow) -> None:
    """An output of nested scatters (arrays of arrays, one level per scatter) given to another step: values
    (carriers) taken whole by one input are placed by the producer's layout (:attr:`InputBinding.layout`); files,
    merged or scattered sources are refused (a step's input files are gathered as one flat array)."""
    for inp in step.inputs:
        for src in inp.sources:
            if src.step is None or wf.step(src.step).scatter_depth < 2:
                continue
            out = wf.step(src.step).tool.output(src.port)
            carried = out is not None and (not out.type.carries_files or out.type.nests_files)
            if carried and len(inp.sources) == 1 and not inp.link_merge and inp.id not in step.scatter:
                continue
            why = ("a step's input files are gathered as one flat array" if not carried
                   else "it is scattered over" if inp.id in step.scatter
                   else "merged with other sources, it would be gathered flat")
            raise UnsupportedFeature(
                f"step '{step.id}': input '{inp.id}' takes '{src}', gathered from the nested scatters of step "
                f"'{src.step}' (arrays of arrays); {why}",
                inp.location or step.location,
            )


def _check_dirac_names(wf: Workflow, plans: dict[str, StepPlan]) -> None:
    """Every step's DIRAC name is unique (``a/b`` and ``a.b`` would both be ``a.b``) and fits DIRAC's
    transformation names."""
    seen: dict[str, str] = {}
    for step_id, plan in plans.items():
        step = wf.step(step_id)
        check_transformation_name(plan.dirac_name, len(plans), step.location)
        other = seen.setdefault(plan.dirac_name, step_id)
        if other != step_id:
            raise ValidationError(
                f"steps '{other}' and '{step_id}' would both be '{plan.dirac_name}' in DIRAC (step names are made of "
                "letters, digits, '_', '.' and '-'); rename one of them", step.location,
            )


def dirac_name(step_id: str) -> str:
    """A step id as a DIRAC transformation name part: ``gamma/process`` → ``gamma.process``."""
    return safe_name(step_id.replace("/", "."))


def carries_data(wf: Workflow, src: PortRef) -> bool:
    """Does the value at ``src`` travel through the catalog (files, or values from another step)?"""
    if src.step is not None:
        return True
    return src.port not in wf.software_inputs and source_type(wf, src).carries_files


def _plan(step: Step, wf: Workflow, comp: Compilation) -> StepPlan:
    plan = StepPlan(step=step.id, dirac_name=dirac_name(step.id))
    data_inputs = [(inp.id, src) for inp in step.inputs for src in inp.sources if carries_data(wf, src)]
    for port, src in data_inputs:
        if _nested_file_array(wf, src):
            raise UnsupportedFeature(
                f"step '{step.id}': input '{port}' takes '{src}', an array of arrays of files, which travels through "
                "the catalog as its files: the nesting would be lost",
                step.location,
            )
    scattered = set(step.scatter)
    scattered_data = [(port, src) for port, src in data_inputs if port in scattered]
    if scattered_data and step.scatter_levels:
        raise UnsupportedFeature(
            f"step '{step.id}': the scatters it runs under (a scatter inside a scattered sub-workflow, or a "
            f"sub-workflow's crossproduct) go over files ({', '.join(sorted({p for p, _ in scattered_data}))}): "
            "DIRAC forms one task per file, not per combination",
            step.location,
        )
    if scattered_data:
        constant_scatter = [p for p in step.scatter if p not in {port for port, _ in scattered_data}]
        if constant_scatter and (step.scatter_method or "dotproduct") != "dotproduct":
            raise UnsupportedFeature(
                f"step '{step.id}': scatter over both files ({', '.join(sorted({p for p, _ in scattered_data}))})"
                f" and values ({', '.join(constant_scatter)}) needs one task per combination, which a DIRAC "
                "transformation cannot form",
                step.location,
            )
        for port, src in scattered_data:
            if source_type(wf, src).item().non_null().kind == "array":
                raise UnsupportedFeature(
                    f"step '{step.id}': scatter over '{port}', arrays of files (each element an array): DIRAC forms "
                    "one task per file, not per inner array",
                    step.location,
                )
            if source_type(wf, src).nests_files:
                raise UnsupportedFeature(
                    f"step '{step.id}': scatter over '{port}', records holding Files: such a value travels as one "
                    "catalog entry (its Files attached to it), and DIRAC cannot form one task per element of it",
                    step.location,
                )
            if src.step is not None and not source_type(wf, src).item().carries_files:
                raise UnsupportedFeature(
                    f"step '{step.id}': scatter over '{port}', values computed by step '{src.step}' in another "
                    "transformation; DIRAC forms tasks from files only (an ExpressionTool fed by workflow inputs "
                    "alone is evaluated when compiling)",
                    step.location,
                )
        origins = {src.step for _, src in scattered_data}
        ports = {port for port, _ in scattered_data}
        if len(ports) > 1:
            raise UnsupportedFeature(
                f"step '{step.id}': scatter over several file inputs ({', '.join(sorted(ports))}) pairs files "
                "from different transformations, which DIRAC cannot do; scatter over one input",
                step.location,
            )
        inp = step.input(next(iter(ports)))
        if inp is not None and len(inp.sources) > 1 and inp.link_merge != "merge_flattened" and any(
            source_type(wf, s).is_array for s in inp.sources
        ):  # merge_nested of arrays: each element of the scatter is a whole array, not a file
            if _whole_sources(step, inp.id, inp.sources, wf):  # task N takes the N-th source's files, whole
                return replace(plan, drivers=(), side=tuple(data_inputs), task_source_port=inp.id)
            raise UnsupportedFeature(
                f"step '{step.id}': scatter over '{inp.id}' nests arrays of several sources (merge_nested): each "
                "element is a whole array, which one task per source takes only when its sources are arrays of "
                "Files and it is the step's one scattered input",
                inp.location,
            )
        if inp is not None and len(origins) > 1 and inp.link_merge != "merge_flattened":
            raise UnsupportedFeature(
                f"step '{step.id}': scatter over '{inp.id}' merges several sources without "
                "linkMerge: merge_flattened",
                inp.location,
            )
        drivers = tuple(src for _, src in scattered_data)
        side = tuple((p, s) for p, s in data_inputs if p not in ports)
        plan = replace(plan, drivers=drivers, side=side, scattered_over_files=True)
        if constant_scatter:
            plan = replace(plan, indexed_values=_indexed_values(step, comp, drivers, constant_scatter))
        return plan
    if step.scatter:
        # a scatter over values only: one task per value (or combination), each taking every file input whole
        # (found by query, as a side input), as every element of cwltool's scatter does
        expansion = _constant_task_values(step, comp)
        return replace(
            plan, drivers=(), side=tuple(data_inputs),
            task_values=expansion.task_values if expansion is not None else None,
            task_layout=expansion.nested_layout if expansion is not None else None,
        )
    step_sources = [(p, s) for p, s in data_inputs if s.step is not None]
    described = catalog_data(wf)
    catalog_sources = [(p, s) for p, s in data_inputs if s.step is None and s.port in described]
    if step_sources:
        drivers = tuple(s for _, s in step_sources)
        side = tuple((p, s) for p, s in data_inputs if s.step is None)
    elif catalog_sources:  # catalog data (dirac:InputData) forms the tasks; other files (a configuration) are side
        drivers = tuple(s for _, s in catalog_sources)
        side = tuple((p, s) for p, s in data_inputs if (p, s) not in catalog_sources)
    else:
        drivers = tuple(s for _, s in data_inputs)
        side = ()
    return replace(plan, drivers=drivers, side=side)


def _whole_sources(step: Step, port: str, sources: tuple[PortRef, ...], wf: Workflow) -> bool:
    """A scatter over several sources merged nested, each an array of Files: element N is the N-th source's
    files, whole (one task per source, taking them by query). Only when it is the step's one scattered input."""
    if step.scatter != (port,) or step.scatter_levels:
        return False
    for src in sources:
        t = source_type(wf, src)
        if not t.is_array or t.nests_files or t.item().non_null().kind not in ("File", "Directory"):
            return False
    return True


def _nested_file_array(wf: Workflow, src: PortRef) -> bool:
    """Does the value at ``src`` hold arrays of arrays of files (``File[][]``, a scattered step's ``File[]`` output
    too; records are carried whole, not listed)? ``merge_flattened`` does not help: it splices the source's own
    array into the merged one, whose items are then the source's items, arrays of files still (cwltool gives a
    ``File[][]`` sink the ``File[][]`` source unchanged; differential seed 6 cases 1466-1469)."""
    t = source_type(wf, src)
    if not t.is_array or t.nests_files:
        return False
    return t.item().non_null().is_array and t.carries_files


def _indexed_values(
    step: Step, comp: Compilation, drivers: tuple[PortRef, ...], ports: list[str]
) -> dict[str, dict[str, Any]] | None:
    """A dotproduct of the files of one input with values known at compile time (file names computed from the
    input files by a folded ExpressionTool, say): per value port, the element of each file, by the file's
    ``cwl2dirac_index``. None when the values are not known (no job order)."""
    wf = comp.workflow
    indices: list[int] | None = []
    names: list[str] = []  # the source of each index (``step/port``, as the worker's catalog files tell it)
    for src in drivers:
        found = _element_indices(src, comp)
        if found is None:
            raise UnsupportedFeature(
                f"step '{step.id}': scatter pairs the files of '{src}' with values ({', '.join(ports)}), but those "
                "files do not come one per element of a scatter (a task's array output): DIRAC cannot tell which "
                "value goes with which file",
                step.location,
            )
        if found == [] or indices is None:
            indices = None
        else:
            indices.extend(found)
            names.extend([f"{src.step or INPUTS_STEP}/{src.port}"] * len(found))
    if comp.job_order is None:
        return None
    values: dict[str, list[Any]] = {}
    for port in ports:
        value = raw_value(step, port, wf, comp.job_order)
        if not isinstance(value, list):
            raise UnsupportedFeature(
                f"step '{step.id}': scatter input '{port}' is not an array (got {type(value).__name__})",
                step.location,
            )
        values[port] = value
    lengths = {len(v) for v in values.values()}
    if indices is not None:
        lengths.add(len(indices))
    if len(lengths) > 1:
        raise UnsupportedFeature(
            f"step '{step.id}': dotproduct scatter over arrays of different lengths {sorted(lengths)}", step.location
        )
    keys: list[str] = [str(i) for i in indices] if indices is not None else [
        str(i) for i in range(len(next(iter(values.values()))))]
    if len(set(keys)) < len(keys):  # several sources merged, each with its own indices: the source tells them apart
        keys = [f"{name}#{key}" for name, key in zip(names, keys, strict=True)]
    return {port: dict(zip(keys, vs, strict=True)) for port, vs in values.items()}


def _element_indices(src: PortRef, comp: Compilation) -> list[int] | None:
    """The ``cwl2dirac_index`` of the files ``src`` registers, in scatter order ([] when their number is not
    known yet); None when they are not one per scatter element (several files of one task)."""
    wf = comp.workflow
    if src.step is None:
        count = count_items(src, comp, {})
        return list(range(count)) if count is not None else []
    producer = wf.step(src.step)
    out = producer.tool.output(src.port)
    if out is None or out.type.is_array:
        return None
    if producer.scatter:
        drivers = [d for inp in producer.inputs if inp.id in producer.scatter for d in inp.sources
                   if carries_data(wf, d)]
        if not drivers:  # simulation-like: one task per value, the task number as index
            expansion = _constant_task_values(producer, comp)
            return layout_tasks(expansion.layout) if expansion is not None else []
        if len(drivers) != 1:
            return None
        return _element_indices(drivers[0], comp)
    return None


def _constant_task_values(step: Step, comp: Compilation) -> Expansion | None:
    """The tasks of a scatter over values known at compile time: per scattered input, the value of each task,
    and how their outputs are gathered (see :mod:`cwl2dirac.passes.scatter`)."""
    if comp.job_order is None:
        return None
    # CWL evaluates a scattered input's valueFrom per element, after scattering: the worker does it per task.
    values = {port: raw_value(step, port, comp.workflow, comp.job_order) for port in step.scatter}
    return expand(step, values)


def _task_count(step: Step, plan: StepPlan, plans: dict[str, StepPlan], comp: Compilation) -> int | None:
    if plan.task_source_port is not None:
        inp = step.input(plan.task_source_port)
        return len(inp.sources) if inp is not None else None
    if not plan.drivers:
        if plan.task_values is not None:
            return len(next(iter(plan.task_values.values()))) if plan.task_values else 1
        return None if step.scatter else 1
    if plan.scattered_over_files:
        counts = [count_items(src, comp, plans) for src in plan.drivers]
        return None if any(c is None for c in counts) else sum(c for c in counts if c is not None)
    return 1


def count_items(src: PortRef, comp: Compilation, plans: Mapping[str, StepPlan]) -> int | None:
    """How many catalog entries (files or carriers) the source registers, when known at compile time."""
    wf = comp.workflow
    if src.step is None:
        if comp.job_order is None or src.port in dataset_inputs(wf, comp.datasets):
            return None  # (a dataset's files are known when the production is submitted)
        if comp.job_order.get(src.port) is None and src.port in catalog_data(wf):
            return None  # catalog data its dirac:InputData query selects, no file given: known on DIRAC only
        value = comp.job_order.get(src.port)
        if value is None:
            port = wf.input(src.port)
            value = port.default if port is not None else None
        if value is None:
            return 0
        port = wf.input(src.port)
        if port is not None and port.type.nests_files:
            return 1  # one carrier
        return len(value) if isinstance(value, list) else 1
    plan = plans.get(src.step)
    if plan is None or plan.tasks is None:
        return None
    step = wf.step(src.step)
    if step.when is not None:
        return None  # a conditional step's tasks may register nothing
    out = step.tool.output(src.port)
    if out is not None and out.type.non_null().kind == "array" and out.type.carries_files:
        return None
    return plan.tasks
