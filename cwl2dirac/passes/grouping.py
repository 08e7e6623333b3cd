"""Pass: transformation type, plugin, group size, flush policy, retries and resources of every step.

Defaults (each overridable by ``dirac:Transformation``): a step without input files is ``MCSimulation``; a step
scattered over files is ``DataReprocessing`` with one file per task; a step gathering the outputs of a scattered
step is ``Merging`` with a group of all of them (their count when known; otherwise a large group flushed once the
parents are complete); any other step with input files is ``DataReprocessing`` with a group of all its inputs.
"""

from __future__ import annotations

from dataclasses import replace

from cwl2dirac.ir import Step
from cwl2dirac.loader.hints import Transformation
from cwl2dirac.passes.check_types import source_type
from cwl2dirac.passes.context import Compilation, StepPlan
from cwl2dirac.passes.graph import topological
from cwl2dirac.passes.hint_lookup import effective_hint, field_location
from cwl2dirac.passes.metadata import values_of
from cwl2dirac.passes.plan import count_items
from cwl2dirac.request import FIELD_OUTPUT
from cwl2dirac.request.names import check_char32

UNKNOWN_GROUP_SIZE = 10000
"""Group size of a gather whose input count is unknown when compiling; the last group is flushed."""


def assign_grouping(comp: Compilation) -> Compilation:
    assert comp.graph is not None
    wf = comp.workflow
    plans = dict(comp.plans)
    for step_id in topological(comp.graph):
        step = wf.step(step_id)
        plan = plans[step_id]
        expected = _expected(plan, plans, comp)
        if not plan.drivers:
            kind, group, flush = "MCSimulation", 1, False
        elif plan.scattered_over_files:
            kind, group, flush = "DataReprocessing", 1, False
        else:
            gathers = any(source_type(wf, d).is_array for d in plan.drivers)
            kind = "Merging" if gathers else "DataReprocessing"
            group = expected if expected else UNKNOWN_GROUP_SIZE
            flush = True
        plan = replace(plan, type=kind, group_size=group, flush=flush, expected_files=expected)
        plans[step_id] = _apply_hint(step, plan, comp)
    return replace(comp, plans=plans)


def _expected(plan: StepPlan, plans: dict[str, StepPlan], comp: Compilation) -> int | None:
    if not plan.drivers:
        return None
    if plan.input_query and isinstance(plan.input_query.get(FIELD_OUTPUT), dict):
        wanted = {d.port for d in plan.drivers}
        if values_of(plan.input_query[FIELD_OUTPUT]) - wanted:
            return None  # the query had to be widened: it matches other outputs too
    counts = [count_items(d, comp, plans) for d in dict.fromkeys(plan.drivers)]
    return None if any(c is None for c in counts) else sum(c for c in counts if c is not None)


def _apply_hint(step: Step, plan: StepPlan, comp: Compilation) -> StepPlan:
    hint = effective_hint(step, comp.workflow, "dirac:Transformation", Transformation)
    if hint is None:
        return plan
    if hint.plugin is not None:
        where = field_location(step, comp.workflow, "dirac:Transformation", "plugin")
        check_char32(hint.plugin, "dirac:Transformation.plugin", where)
    return replace(
        plan,
        type=hint.type or plan.type,
        plugin=hint.plugin or plan.plugin,
        group_size=hint.group_size or plan.group_size,
        # a group of several files is flushed once the parents are complete (a scatter grouping N elements per
        # task too: its last group is smaller)
        flush=plan.flush or bool(
            hint.group_size and plan.drivers and (not plan.scattered_over_files or hint.group_size > 1)
        ),
        agent_type=hint.agent_type or plan.agent_type,
        max_retries=hint.max_retries if hint.max_retries is not None else plan.max_retries,
    )
