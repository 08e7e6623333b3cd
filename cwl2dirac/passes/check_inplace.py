"""Pass: an in-place update (``InplaceUpdateRequirement``) that other readers of the file would see is refused.

A catalog's files are never modified: a tool that updates its input in place updates the task's copy. That is what
cwltool computes as long as nothing else reads the file; when another step or a workflow output reads the same
source, cwltool shows them the updated content and a production cannot (exit 33)."""

from __future__ import annotations

from cwl2dirac.errors import UnsupportedFeature
from cwl2dirac.ir import PortRef, Step, Workflow
from cwl2dirac.passes.context import Compilation


def check_inplace(comp: Compilation) -> Compilation:
    wf = comp.workflow
    for step in wf.steps:
        if not _updates_in_place(step, wf):
            continue
        for inp in step.inputs:
            for src in inp.sources:
                other = _other_reader(wf, step, src)
                if other is not None:
                    raise UnsupportedFeature(
                        f"step '{step.id}': InplaceUpdateRequirement updates its input '{inp.id}' ({src}) in place, "
                        f"which {other} also reads; catalog files are never modified, so it would read the old "
                        "content",
                        inp.location or step.location,
                    )
    return comp


def _updates_in_place(step: Step, wf: Workflow) -> bool:
    req = step.find("InplaceUpdateRequirement") or next(
        (r for r in (*wf.requirements, *wf.hints) if r.cls == "InplaceUpdateRequirement"), None
    )
    return req is not None and bool(req.fields.get("inplaceUpdate"))


def _other_reader(wf: Workflow, step: Step, src: PortRef) -> str | None:
    for other in wf.steps:
        if other.id != step.id and any(src in i.sources for i in other.inputs):
            return f"step '{other.id}'"
    for out in wf.outputs:
        if src in out.sources:
            return f"workflow output '{out.id}'"
    return None
