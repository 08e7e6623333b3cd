"""Pass: ``dirac:`` hints given by the caller (``compile(..., hints=...)``) over the document's own.

``hints`` maps a step id (after flattening: ``outer/inner``), or ``"*"`` for the whole workflow, to hint classes
and their fields, e.g. ``{"merge": {"dirac:Transformation": {"group_size": 10}}}``. A caller's hint is nearer than
any of the document's at the same place, so its fields win; fields it does not give keep the document's value.
"""

from __future__ import annotations

from dataclasses import replace

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import Requirement
from cwl2dirac.loader.hints import PREFIX, parse_hint, short_class, suggest
from cwl2dirac.passes.context import Compilation, HintOverrides

WORKFLOW = "*"
"""The key of hints for the whole workflow."""


def apply_overrides(comp: Compilation) -> Compilation:
    if not comp.hint_overrides:
        return comp
    wf = comp.workflow
    steps = {s.id: s for s in wf.steps}
    for key in comp.hint_overrides:
        if key != WORKFLOW and key not in steps:
            raise ValidationError(
                f"hints given for step '{key}', which the workflow does not have{suggest(key, steps)} "
                f"(steps: {', '.join(sorted(steps))}; '{WORKFLOW}' for the whole workflow)"
            )
    new_steps = tuple(
        replace(s, hints=(*_requirements(comp.hint_overrides[s.id], s.id), *s.hints))
        if s.id in comp.hint_overrides
        else s
        for s in wf.steps
    )
    top = comp.hint_overrides.get(WORKFLOW)
    hints = (*_requirements(top, WORKFLOW), *wf.hints) if top else wf.hints
    return replace(comp, workflow=replace(wf, steps=new_steps, hints=hints))


def _requirements(given: HintOverrides | None, where: str) -> list[Requirement]:
    out = []
    for cls, fields in (given or {}).items():
        short = short_class(cls)
        if short is None:
            raise ValidationError(f"hints for '{where}': '{cls}' is not a dirac: hint class (write 'dirac:{cls}')")
        try:
            parse_hint(cls, dict(fields))
        except ValidationError as exc:
            raise ValidationError(f"hints for '{where}': {exc.message}") from None
        out.append(Requirement(PREFIX + short, dict(fields)))
    return out
