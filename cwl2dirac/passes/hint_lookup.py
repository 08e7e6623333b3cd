"""The effective ``dirac:`` hint of a step: fields merged across levels, the nearest level winning per field.

Precedence, nearest first: step (and, after flattening, the enclosing sub-workflow steps), the step's tool, then
the (top) workflow. A step that sets ``sites`` keeps the workflow's ``platform``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from cwl2dirac.errors import Location
from cwl2dirac.ir import Requirement, Step, Workflow
from cwl2dirac.loader.hints import parse_hint

H = TypeVar("H")


def hint_chain(step: Step, wf: Workflow, cls: str) -> list[Requirement]:
    """Every ``cls`` requirement or hint that applies to ``step``, nearest first (at one level, requirements
    before hints: CWL gives requirements precedence)."""
    reqs = [*step.all_requirements(), *step.all_hints(), *wf.requirements, *wf.hints]
    return [r for r in reqs if r.cls == cls]


def effective_hint(step: Step, wf: Workflow, cls: str, model: type[H]) -> H | None:
    """The hint of class ``cls`` (e.g. ``dirac:Job``) with every level's fields merged, validated as ``model``."""
    chain = hint_chain(step, wf, cls)
    if not chain:
        return None
    fields: dict[str, Any] = {}
    for req in reversed(chain):  # farthest first, nearest last: the nearest level's fields win
        fields.update(dict(req.fields))
    hint = parse_hint(cls, fields, chain[0].location)
    assert isinstance(hint, model)
    return hint


def field_location(step: Step, wf: Workflow, cls: str, name: str) -> Location | None:
    """Where the effective value of field ``name`` of hint ``cls`` is written (the nearest level giving it), else
    the step."""
    origin = next((r for r in hint_chain(step, wf, cls) if name in r.fields), None)
    return origin.location.child(name) if origin is not None and origin.location else step.location


def dataset_inputs(wf: Workflow, from_job_order: Mapping[str, str]) -> dict[str, str]:
    """Workflow input → the catalog dataset it takes: ``dirac:InputData.datasets``, then the job order's
    ``{dataset: NAME}`` (the metadata pass checks that they agree)."""
    req = wf.find("dirac:InputData")
    found: dict[str, str] = {}
    if req is not None:
        found.update(parse_hint(req.cls, dict(req.fields), req.location).datasets)  # type: ignore[attr-defined]
    found.update(from_job_order)
    return found


def catalog_data(wf: Workflow) -> set[str]:
    """The workflow inputs ``dirac:InputData`` describes (metadata or dataset): catalog data."""
    req = wf.find("dirac:InputData")
    if req is None:
        return set()
    return {str(k) for k in req.fields.get("inputs") or {}} | {str(k) for k in req.fields.get("datasets") or {}}
