"""Pass: the job template of every step, made by the target's body builder (DIRAC's: a Job's workflow XML).

The pass gathers what a template needs from the step (its configuration, type, ``dirac:`` hints, resources); the
builder itself comes with the :class:`~cwl2dirac.passes.context.Compilation` (``body_builder``), so the compiler
never imports a backend. Without a builder (a local run, a picture) the steps get no body.
"""

from __future__ import annotations

from dataclasses import replace

from cwl2dirac.errors import UnsupportedFeature
from cwl2dirac.ir import CwlType, Step, Workflow
from cwl2dirac.loader.hints import Apptainer, Job, Software, Worker
from cwl2dirac.passes.context import BodyRequest, Compilation
from cwl2dirac.passes.hint_lookup import effective_hint
from cwl2dirac.passes.resources import step_resources


def build_bodies(comp: Compilation) -> Compilation:
    if comp.body_builder is None:
        return comp
    wf = comp.workflow
    bodies: dict[str, str] = {}
    for step in wf.steps:
        _files_only(step, wf)
        plan = comp.plans[step.id]
        res = step_resources(step, wf)
        bodies[step.id] = comp.body_builder(
            BodyRequest(
                config=comp.configs[step.id],
                name=f"{comp.name}.{plan.dirac_name}",
                step_type=plan.type,
                job=effective_hint(step, wf, "dirac:Job", Job),
                software=effective_hint(step, wf, "dirac:Software", Software),
                apptainer=_apptainer(step, wf),
                worker=effective_hint(step, wf, "dirac:Worker", Worker),
                cpu_time=res.cpu_time,
                processors=res.processors,
                memory_mb=res.memory_mb,
            )
        )
    return replace(comp, bodies=bodies)


def _files_only(step: Step, wf: Workflow) -> None:
    """A DIRAC storage element holds files: a Directory registered as a task's output, or staged from a workflow
    input, is refused up front (locally it runs)."""
    for port in step.outputs:
        out = step.tool.output(port)
        if out is not None and _has_directory(out.type):
            raise UnsupportedFeature(
                f"step '{step.id}': output '{port}' is a Directory, and a DIRAC storage element holds files only "
                "(run it locally, or have the tool pack the directory into a file)", step.location,
            )
    for inp in step.inputs:
        for src in inp.sources:
            given = wf.input(src.port) if src.step is None else None
            if given is not None and _has_directory(given.type):
                raise UnsupportedFeature(
                    f"step '{step.id}': input '{inp.id}' takes the Directory '{src.port}', and a DIRAC storage "
                    "element holds files only (give its files, or a packed file)", inp.location,
                )


def _has_directory(t: CwlType) -> bool:
    t = t.non_null()
    if t.kind == "Directory":
        return True
    if t.kind == "array":
        return t.items is not None and _has_directory(t.items)
    if t.kind == "union":
        return any(_has_directory(m) for m in t.members)
    if t.kind == "record":
        return any(_has_directory(ft) for _, ft in t.fields)
    return False


def _apptainer(step: Step, wf: Workflow) -> Apptainer | None:
    hint = effective_hint(step, wf, "dirac:Apptainer", Apptainer)
    if hint is not None:
        return hint
    docker = step.find("DockerRequirement") or wf.find("DockerRequirement")
    if docker is not None and docker.fields.get("dockerPull"):
        return Apptainer(image=f"docker://{docker.fields['dockerPull']}")
    return None
