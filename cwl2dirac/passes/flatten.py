"""Pass: flatten sub-workflows into one level of steps named ``outer/inner``.

Inner steps inherit the sub-workflow step's and the sub-workflow's requirements and hints (inner ones win). A
scattered sub-workflow step scatters every inner step that depends on a scattered input, element by element; an
inner step that scatters itself (a nested scatter) keeps both scatters as levels (:attr:`Step.scatter_levels`),
whose combinations the plan forms when the values are known.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from cwl2dirac.errors import UnsupportedFeature
from cwl2dirac.ir import PortRef, ScatterLevel, Step, StepInput, Workflow, WorkflowOutput
from cwl2dirac.passes.context import Compilation


@dataclass(frozen=True, slots=True)
class _Binding:
    sources: tuple[PortRef, ...]
    link_merge: str | None = None
    pick_value: str | None = None


def flatten(comp: Compilation) -> Compilation:
    if not any(s.tool.cls == "Workflow" for s in comp.workflow.steps):
        return comp
    return replace(comp, workflow=flatten_workflow(comp.workflow))


def flatten_workflow(wf: Workflow) -> Workflow:
    steps: list[Step] = []
    outputs: dict[PortRef, _Binding] = {}
    for step in wf.steps:
        if step.tool.cls != "Workflow" or step.tool.workflow is None:
            steps.append(step)
            continue
        inner_steps, inner_outputs = _inline(step, flatten_workflow(step.tool.workflow))
        steps.extend(inner_steps)
        outputs.update(inner_outputs)
    steps = [_resolve_step(s, outputs) for s in steps]
    wf_outputs = tuple(_resolve_output(o, outputs) for o in wf.outputs)
    return replace(wf, steps=tuple(steps), outputs=wf_outputs)


def _first_default(outer_in: StepInput | None, port: Any) -> Any:
    """The first non-null default of the outer step's input and the sub-workflow's input, in that order."""
    for holder in (outer_in, port):
        if holder is not None and holder.has_default and holder.default is not None:
            return holder.default
    return None


def _inline(outer: Step, inner: Workflow) -> tuple[list[Step], dict[PortRef, _Binding]]:
    if outer.when is not None:
        raise UnsupportedFeature(
            f"step '{outer.id}': 'when' on a sub-workflow step is not supported; put 'when' on its inner steps",
            outer.location,
        )
    prefix = outer.id
    scattered = {PortRef(None, name) for name in outer.scatter}
    per_element: set[PortRef] = set(scattered)
    mapped: list[Step] = []
    for step in inner.steps:
        inputs: list[StepInput] = []
        for inp in step.inputs:
            sources: list[PortRef] = []
            link_merge, pick_value = inp.link_merge, inp.pick_value
            default, has_default = inp.default, inp.has_default
            load_contents = inp.load_contents
            for src in inp.sources:
                if src.step is not None:
                    sources.append(PortRef(f"{prefix}/{src.step}", src.port))
                    continue
                outer_in = outer.input(src.port)
                given = outer_in.sources if outer_in is not None else ()
                if outer_in is not None and outer_in.value_from is not None:
                    raise UnsupportedFeature(
                        f"step '{outer.id}': valueFrom on input '{outer_in.id}' of a sub-workflow step is not "
                        "supported; move the expression to the inner step",
                        outer_in.location,
                    )
                # loadContents on the sub-workflow step's input (or the sub-workflow's own input): its File
                # arrives with its contents at every inner step that takes it
                inner_port = inner.input(src.port)
                if (outer_in is not None and outer_in.load_contents) or (
                    inner_port is not None and inner_port.load_contents
                ):
                    if len(inp.sources) > 1:
                        raise UnsupportedFeature(
                            f"step '{outer.id}/{step.id}': input '{inp.id}' merges sub-workflow input '{src.port}', "
                            "whose Files carry their contents (loadContents), with other sources",
                            inp.location,
                        )
                    load_contents = True
                # cwltool: the outer step's value (its source, else its default when null), then the sub-workflow
                # input's default when still null, then the inner step's default when still null
                fallback = _first_default(outer_in, inner.input(src.port))
                # (a source's value may be null, and its fallback then take its place in the merge)
                if len(inp.sources) > 1 and (not given or fallback is not None):
                    raise UnsupportedFeature(
                        f"step '{outer.id}/{step.id}': input '{inp.id}' merges sub-workflow input '{src.port}', "
                        "whose value may be a default or null, with other sources",
                        inp.location,
                    )
                if fallback is not None:
                    default, has_default = fallback, True
                if not given:
                    continue
                assert outer_in is not None
                if len(outer_in.sources) > 1 or outer_in.link_merge or outer_in.pick_value:
                    if len(inp.sources) > 1:
                        raise UnsupportedFeature(
                            f"step '{outer.id}/{step.id}': input '{inp.id}' merges a merged sub-workflow input",
                            inp.location,
                        )
                    link_merge = outer_in.link_merge or link_merge
                    pick_value = outer_in.pick_value or pick_value
                sources.extend(outer_in.sources)
            inputs.append(
                replace(inp, sources=tuple(sources), link_merge=link_merge, pick_value=pick_value,
                        default=default, has_default=has_default, load_contents=load_contents)
            )
        mapped.append(
            replace(
                step,
                id=f"{prefix}/{step.id}",
                inputs=tuple(inputs),
                requirements=step.requirements + outer.requirements + inner.requirements,
                hints=step.hints + outer.hints + inner.hints,
            )
        )
    if scattered:
        elementwise = _scatter_elementwise(outer, inner, mapped, per_element)
        _check_gathered(outer, inner, {s.id for s, e in zip(mapped, elementwise, strict=True) if s is e})
        mapped = elementwise
    outputs = {
        PortRef(prefix, o.id): _Binding(
            tuple(_map_ref(src, prefix, outer) for src in o.sources), o.link_merge, o.pick_value
        )
        for o in inner.outputs
    }
    return mapped, outputs


def _scatter_elementwise(
    outer: Step, inner: Workflow, steps: list[Step], per_element: set[PortRef]
) -> list[Step]:
    """Scatter every inner step that consumes a scattered input or a per-element output, as cwltool runs the
    whole sub-workflow once per element of the outer scatter."""
    original = {f"{outer.id}/{s.id}": s for s in inner.steps}
    # per-element outputs of the inner steps scattered so far, in the flattened namespace (the scattered inputs
    # themselves are found by name, in ``per_element``: their sources may feed other, whole inputs too)
    elem: set[PortRef] = set()
    done: dict[str, Step] = {}
    changed = True
    while changed:
        changed = False
        for step in steps:
            if step.id in done:
                continue
            inner_step = original[step.id]
            direct: dict[str, list[str]] = {}  # outer scatter parameter -> the inputs taking its element
            indirect: list[str] = []  # inputs taking per-element outputs of other inner steps
            for i, orig in zip(step.inputs, inner_step.inputs, strict=True):
                keys = [src.port for src in orig.sources if src.step is None and src in per_element]
                from_steps = any(src in elem for src in i.sources if src.step is not None)
                if (keys or from_steps) and len(orig.sources) > 1:
                    raise UnsupportedFeature(
                        f"step '{step.id}': input '{i.id}' merges a per-element value of the scattered "
                        f"sub-workflow step '{outer.id}' with other sources",
                        i.location,
                    )
                if keys:
                    direct.setdefault(keys[0], []).append(i.id)
                elif from_steps:
                    indirect.append(i.id)
            if not direct and not indirect:
                continue
            done[step.id] = _under_outer_scatter(outer, step, direct, indirect)
            elem.update(PortRef(step.id, o) for o in step.outputs)
            changed = True
    return [done.get(s.id, s) for s in steps]


def _check_gathered(outer: Step, inner: Workflow, once: set[str]) -> None:
    """cwltool gathers each output of a scattered sub-workflow into an array of one element per element of the
    scatter: an output of an inner step that runs once (it takes no element), or an input passed through that is
    not the scattered one (or under a crossproduct), would arrive as one value, not that array."""
    crossed = len(outer.scatter) > 1 and (outer.scatter_method or "dotproduct") != "dotproduct"
    for out in inner.outputs:
        for src in out.sources:
            if src.step is not None and f"{outer.id}/{src.step}" in once:
                raise UnsupportedFeature(
                    f"step '{outer.id}/{src.step}': it takes no element of the scatter of sub-workflow step "
                    f"'{outer.id}', whose output '{out.id}' it gives: cwltool runs it once per element and gathers "
                    "an array of its outputs, which one run does not make",
                    outer.location,
                )
            if src.step is None and (src.port not in outer.scatter or crossed):
                raise UnsupportedFeature(
                    f"step '{outer.id}': its sub-workflow output '{out.id}' passes input '{src.port}' through, "
                    "which cwltool gathers into one element per element of the scatter; connect it directly",
                    outer.location,
                )


def _under_outer_scatter(outer: Step, step: Step, direct: dict[str, list[str]], indirect: list[str]) -> Step:
    """``step`` scattered as the sub-workflow step ``outer`` is: a plain scatter when one says it exactly, else
    the scatter levels (outer's, then the step's own)."""
    keys = list(outer.scatter)
    method = outer.scatter_method or "dotproduct"
    crossed = len(keys) > 1 and method != "dotproduct"
    if crossed:
        missing = [k for k in keys if k not in direct]
        if indirect and method == "flat_crossproduct" and not direct and not step.scatter:
            # the other inner steps' outputs are flat, one element per combination, in order
            return replace(step, scatter=tuple(indirect), scatter_method="dotproduct" if len(indirect) > 1 else None)
        if indirect:
            raise UnsupportedFeature(
                f"step '{step.id}': it takes per-element outputs of other steps of the sub-workflow run by "
                f"'{outer.id}' under its {method} scatter; pairing them with the combinations is not supported",
                step.location,
            )
        if missing:
            raise UnsupportedFeature(
                f"step '{step.id}': under the {method} scatter of sub-workflow step '{outer.id}' it takes no "
                f"element of {', '.join(missing)}: cwltool runs it once per combination, which its inputs do not "
                "tell apart",
                step.location,
            )
    ports = [p for k in keys for p in direct.get(k, [])] + indirect
    params = tuple(tuple(direct[k]) for k in keys if k in direct) + tuple((p,) for p in indirect)
    level = ScatterLevel(method if crossed else "dotproduct", params)
    if not step.levels:
        if not crossed or all(len(ps) == 1 for ps in level.params):
            plain = "dotproduct" if len(ports) > 1 and not crossed else method if crossed else None
            return replace(step, scatter=tuple(ports), scatter_method=plain)
        return replace(step, scatter=tuple(ports), scatter_method=None, scatter_levels=(level,))
    if indirect:
        raise UnsupportedFeature(
            f"step '{step.id}': a scatter inside a scattered sub-workflow (nested scatter) over per-element "
            f"outputs of other steps of the sub-workflow run by '{outer.id}' is not supported",
            step.location,
        )
    levels = (level, *step.levels)
    every = tuple(dict.fromkeys(p for lv in levels for ps in lv.params for p in ps))
    return replace(step, scatter=every, scatter_method=None, scatter_levels=levels)


def _map_ref(src: PortRef, prefix: str, outer: Step) -> PortRef:
    if src.step is not None:
        return PortRef(f"{prefix}/{src.step}", src.port)
    outer_in = outer.input(src.port)
    if outer_in is not None and len(outer_in.sources) == 1:
        return outer_in.sources[0]
    raise UnsupportedFeature(
        f"step '{outer.id}': sub-workflow output passes input '{src.port}' through; connect it directly",
        outer.location,
    )


def _expand(ref: PortRef, outputs: dict[PortRef, _Binding]) -> _Binding | None:
    seen = 0
    binding = outputs.get(ref)
    while binding is not None and len(binding.sources) == 1 and binding.sources[0] in outputs and seen < 100:
        binding = outputs[binding.sources[0]]
        seen += 1
    return binding


def _resolve_sources(
    sources: tuple[PortRef, ...], link_merge: str | None, pick_value: str | None,
    outputs: dict[PortRef, _Binding], where: str, location: object,
) -> tuple[tuple[PortRef, ...], str | None, str | None]:
    if not any(src in outputs for src in sources):
        return sources, link_merge, pick_value
    new: list[PortRef] = []
    for src in sources:
        binding = _expand(src, outputs)
        if binding is None:
            new.append(src)
            continue
        if len(binding.sources) > 1 or binding.link_merge or binding.pick_value:
            if len(sources) > 1:
                raise UnsupportedFeature(f"{where}: merges an already merged sub-workflow output")
            link_merge = binding.link_merge or link_merge
            pick_value = binding.pick_value or pick_value
        new.extend(binding.sources)
    return tuple(new), link_merge, pick_value


def _resolve_step(step: Step, outputs: dict[PortRef, _Binding]) -> Step:
    if not outputs:
        return step
    inputs = []
    for inp in step.inputs:
        srcs, lm, pv = _resolve_sources(
            inp.sources, inp.link_merge, inp.pick_value, outputs, f"step '{step.id}' input '{inp.id}'", inp.location
        )
        inputs.append(replace(inp, sources=srcs, link_merge=lm, pick_value=pv))
    return replace(step, inputs=tuple(inputs))


def _resolve_output(out: WorkflowOutput, outputs: dict[PortRef, _Binding]) -> WorkflowOutput:
    srcs, lm, pv = _resolve_sources(
        out.sources, out.link_merge, out.pick_value, outputs, f"workflow output '{out.id}'", out.location
    )
    return replace(out, sources=srcs, link_merge=lm, pick_value=pv)
