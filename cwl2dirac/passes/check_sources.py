"""Pass: every source names a workflow input or an output a step declares; scatter names step inputs."""

from __future__ import annotations

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import PortRef, Workflow
from cwl2dirac.loader.hints import suggest
from cwl2dirac.passes.context import Compilation


def check_sources(comp: Compilation) -> Compilation:
    wf = comp.workflow
    known = _known_refs(wf)
    names = sorted(str(r) for r in known)
    for step in wf.steps:
        for inp in step.inputs:
            for src in inp.sources:
                if src not in known:
                    raise ValidationError(
                        f"step '{step.id}' input '{inp.id}': source '{src}' names nothing{suggest(str(src), names)}",
                        inp.location,
                    )
        declared = {p.id for p in step.tool.outputs}
        for out_name in step.outputs:
            if out_name not in declared:
                raise ValidationError(
                    f"step '{step.id}': output '{out_name}' is not an output of its tool{suggest(out_name, declared)}",
                    step.location.child("out") if step.location else None,
                )
        given = {i.id for i in step.inputs}
        for name in step.scatter:
            if name not in given:
                raise ValidationError(
                    f"step '{step.id}': scatter names '{name}', which is not an input of the step"
                    f"{suggest(name, given)}",
                    step.location.child("scatter") if step.location else None,
                )
        for port in step.tool.inputs:
            if port.type.optional or port.has_default:
                continue
            given_input = step.input(port.id)
            if given_input is None or (
                not given_input.sources and not given_input.has_default and given_input.value_from is None
            ):
                raise ValidationError(
                    f"step '{step.id}': required input '{port.id}' of its tool is not connected",
                    step.location.child("in") if step.location else None,
                )
    for out in wf.outputs:
        for src in out.sources:
            if src not in known:
                raise ValidationError(
                    f"workflow output '{out.id}': outputSource '{src}' names nothing{suggest(str(src), names)}",
                    out.location,
                )
    return comp


def _known_refs(wf: Workflow) -> set[PortRef]:
    known = {PortRef(None, p.id) for p in wf.inputs}
    for step in wf.steps:
        known.update(PortRef(step.id, o) for o in step.outputs)
    return known
