"""The graph picture backend: the production's step DAG as Graphviz DOT, rendered to SVG/PNG/PDF by ``dot``."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from cwl2dirac.errors import BackendError
from cwl2dirac.request import FIELD_PRODUCTION, ProductionRequest

_COLOURS = {
    "MCSimulation": "#dbeafe", "DataReprocessing": "#dcfce7", "Merging": "#fef9c3",
    "Training": "#fce7f3", "ApplyModel": "#ede9fe",
}


STATE_COLOURS = {"complete": "#bbf7d0", "running": "#bfdbfe", "waiting": "#e5e7eb", "failed": "#fecaca"}
"""A step's fill colour by its state, in a picture of a production's status (``graph --status``)."""


class StepState(Protocol):
    """What the picture shows of a step's status (:class:`~cwl2dirac.backends.base.StepStatus` has it)."""

    @property
    def state(self) -> str: ...

    @property
    def tasks(self) -> Mapping[str, int]: ...


def _state_text(status: StepState) -> str:
    total = sum(status.tasks.values())
    done, failed = status.tasks.get("done", 0), status.tasks.get("failed", 0)
    text = f"{status.state.upper()}: {done}/{total} task(s) done"
    return text + (f", {failed} failed" if failed else "")


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _query_text(query: dict[str, object] | None) -> str:
    if not query:
        return "no input query"
    parts = []
    for key, value in sorted(query.items()):
        if key == FIELD_PRODUCTION:
            continue
        parts.append(_esc(f"{key.removeprefix('cwl2dirac_')}={json.dumps(value, sort_keys=True)}"))
    return "\\l".join(parts) + "\\l"


def to_dot(request: ProductionRequest, status: Mapping[str, StepState] | None = None) -> str:
    """DOT text: one box per step (type, plugin, group size or tasks, input query), one arrow per parent link.
    With ``status`` (step name → its status), each box is coloured by the step's state and says it."""
    lines = [
        f'digraph "{_esc(request.name)}" {{',
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for dataset in request.inputs:
        lines.append(
            f'  "input:{_esc(dataset.name)}" [shape=note, fillcolor="#f3f4f6", '
            f'label="{_esc(dataset.name)}\\n{len(dataset.files)} file(s)"];'
        )
    for step in request.steps:
        size = f"tasks: {step.tasks}" if step.input_query is None else f"group size: {step.group_size}" + (
            " (flush)" if step.flush else ""
        )
        label = (
            f"{_esc(step.name)}\\n{step.type} / {step.plugin}\\n{size}\\n"
            f"{_query_text(step.input_query)}"
        )
        colour = _COLOURS.get(step.type, "#e5e7eb")
        if status is not None:
            state = status.get(step.name)
            colour = STATE_COLOURS.get(state.state, "#e5e7eb") if state else "#ffffff"
            label += _esc(_state_text(state) if state else "NOT IN THE PRODUCTION") + "\\n"
        lines.append(f'  "{_esc(step.name)}" [fillcolor="{colour}", label="{label}"];')
    for step in request.steps:
        for parent in step.parents:
            lines.append(f'  "{_esc(parent)}" -> "{_esc(step.name)}";')
        for parent in step.after:
            lines.append(f'  "{_esc(parent)}" -> "{_esc(step.name)}" [style=dashed, label="side input"];')
        for binding in step.config.inputs:
            for source in binding.sources:
                if source.startswith("_inputs/"):
                    name = source.split("/", 1)[1]
                    style = ' [style=dashed, label="side input"]' if binding.kind == "side" else ""
                    lines.append(f'  "input:{_esc(name)}" -> "{_esc(step.name)}"{style};')
    lines.append("}")
    return "\n".join(dict.fromkeys(lines)) + "\n"


def write_graph(request: ProductionRequest, output: str | Path, status: Mapping[str, StepState] | None = None) -> None:
    """Write the picture (of the production's status, with ``status``); the format follows the suffix (.dot, .svg,
    .png, .pdf)."""
    out = Path(output)
    dot = to_dot(request, status)
    if out.suffix == ".dot":
        out.write_text(dot, encoding="utf-8")
        return
    exe = shutil.which("dot")
    if exe is None:
        raise BackendError("Graphviz 'dot' is not installed (apt-get install graphviz); or write a .dot file")
    fmt = out.suffix.lstrip(".") or "svg"
    proc = subprocess.run([exe, f"-T{fmt}", "-o", str(out)], input=dot, text=True, capture_output=True)
    if proc.returncode != 0:
        raise BackendError(f"dot failed: {proc.stderr.strip().splitlines()[0] if proc.stderr else proc.returncode}")
