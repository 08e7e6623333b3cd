"""Pass: the type of every source fits the input it is connected to (scatter, linkMerge and pickValue aware)."""

from __future__ import annotations

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import NUMERIC, CwlType, PortRef, Workflow
from cwl2dirac.passes.context import Compilation


def check_types(comp: Compilation) -> Compilation:
    wf = comp.workflow
    for step in wf.steps:
        for inp in step.inputs:
            port = step.tool.input(inp.id)
            if port is None or not inp.sources or inp.value_from is not None:
                continue
            target = port.type
            for _ in range(sum(any(inp.id in ports for ports in level.params) for level in step.levels)):
                target = CwlType("array", items=target)
            source_types = [source_type(wf, src) for src in inp.sources]
            if len(source_types) > 1 or inp.link_merge:
                merged = _merge(source_types, inp.link_merge or "merge_nested")
            else:
                merged = source_types[0]
            if inp.pick_value:
                merged = picked(merged, inp.pick_value)
            if not compatible(merged, target, inp.pick_value is not None):
                names = ", ".join(str(s) for s in inp.sources)
                raise ValidationError(
                    f"step '{step.id}' input '{inp.id}' expects {target} but its source {names} gives {merged}",
                    inp.location,
                )
    for out in wf.outputs:
        if not out.sources:
            continue
        types = [source_type(wf, src) for src in out.sources]
        merged = _merge(types, out.link_merge or "merge_nested") if len(types) > 1 or out.link_merge else types[0]
        if out.pick_value:
            merged = picked(merged, out.pick_value)
        if not compatible(merged, out.type, out.pick_value is not None):
            names = ", ".join(str(s) for s in out.sources)
            how = f" after pickValue {out.pick_value}" if out.pick_value else ""
            raise ValidationError(
                f"workflow output '{out.id}' is declared {out.type} but {names} gives {merged}{how}", out.location
            )
    return comp


def source_type(wf: Workflow, src: PortRef) -> CwlType:
    """The type of the value at ``src`` as seen by a consumer (scattered steps give arrays)."""
    if src.step is None:
        port = wf.input(src.port)
        return port.type if port is not None else CwlType("Any")
    step = wf.step(src.step)
    out = step.tool.output(src.port)
    t = out.type if out is not None else CwlType("Any")
    if step.when is not None:
        t = CwlType("union", members=(CwlType("null"), t))
    for _ in range(step.scatter_depth):
        t = CwlType("array", items=t)
    return t


def picked(t: CwlType, method: str) -> CwlType:
    """The type after ``pickValue`` (applied to the array of sources): ``all_non_null`` keeps an array of the
    non-null items; ``first_non_null`` and ``the_only_non_null`` give one non-null item."""
    item = t.item().non_null()
    return CwlType("array", items=item) if method == "all_non_null" else item


def _merge(types: list[CwlType], method: str) -> CwlType:
    items = [_flattened(t) for t in types] if method == "merge_flattened" else types
    first = items[0]
    same = all(compatible(t, first) and compatible(first, t) for t in items)
    return CwlType("array", items=first if same else CwlType("Any"))


def _flattened(t: CwlType) -> CwlType:
    """What one source adds to a ``merge_flattened`` array: its items if it is an array, else itself; for a union,
    each member so (``string[]?`` adds ``string`` or null), as cwltool's checker reads it."""
    if t.kind == "union":
        return CwlType("union", members=tuple(_flattened(m) for m in t.members))
    if t.kind == "array" and t.items is not None:
        return t.items
    return t


def compatible(src: CwlType, dst: CwlType, lenient_null: bool = False) -> bool:
    """Can a value of type ``src`` be given where ``dst`` is expected?"""
    if dst.kind == "Any" or src.kind == "Any":
        return True
    if src.kind == "union":
        members = [m for m in src.members if not (lenient_null and m.kind == "null")]
        return any(compatible(m, dst) for m in members)
    if dst.kind == "union":
        return any(compatible(src, m) for m in dst.members)
    if src.kind == "null":
        return dst.optional
    if src.kind == "array" or dst.kind == "array":
        if src.kind != dst.kind:
            return False
        assert src.items is not None and dst.items is not None
        return compatible(src.items, dst.items)
    if src.kind in NUMERIC and dst.kind in NUMERIC:
        return not (src.kind in ("float", "double") and dst.kind in ("int", "long"))
    if {src.kind, dst.kind} <= {"string", "enum"}:
        return True
    return src.kind == dst.kind
