"""``cwl:requirements`` of a job order: requirements the input object adds to the process it runs (CWL v1.1+),
winning over the tool's own of the same class, as cwltool applies them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cwl2dirac.errors import InputError, Location, UnsupportedFeature
from cwl2dirac.ir import Requirement, Workflow
from cwl2dirac.loader.documents import to_uri
from cwl2dirac.loader.text import load_yaml, read_text
from cwl2dirac.location import uri_to_path

KEYS = ("cwl:requirements", "https://w3id.org/cwl/cwl#requirements")


def with_job_requirements(wf: Workflow, inputs: str | Path | None) -> Workflow:
    """``wf`` with the ``cwl:requirements`` of the job order at ``inputs`` applied to its tool. Supported when the
    process run is one tool (a workflow's would apply to every step: refused, exit 33)."""
    if inputs is None:
        return wf
    uri = to_uri(inputs)
    path = uri_to_path(uri)
    if not os.path.isfile(path):
        return wf  # (the job order's loader says why)
    data = load_yaml(read_text(path, uri, InputError, "job order"), uri, InputError)
    if not isinstance(data, Mapping):
        return wf
    key = next((k for k in KEYS if k in data), None)
    if key is None:
        return wf
    where = Location(uri, (key,))
    reqs = data[key]
    if not isinstance(reqs, list) or not all(isinstance(r, Mapping) and isinstance(r.get("class"), str) for r in reqs):
        raise InputError(f"{key} must be a list of requirements, each with its 'class'", where)
    step = wf.steps[0] if len(wf.steps) == 1 else None
    if step is None or step.tool.id != wf.id or step.tool.cls == "Workflow":
        raise UnsupportedFeature(
            f"{key} in the job order of a workflow: supported for a single tool only (each step would take them)",
            where,
        )
    classes = {str(r["class"]) for r in reqs}
    tool = step.tool
    document = dict(tool.document)
    own = [r for r in _as_list(document.get("requirements")) if r.get("class") not in classes]
    document["requirements"] = own + [dict(r) for r in reqs]
    if document.get("hints"):
        document["hints"] = [h for h in _as_list(document.get("hints")) if h.get("class") not in classes]
    added = tuple(Requirement(str(r["class"]), {k: v for k, v in r.items() if k != "class"}, where) for r in reqs)
    tool = replace(
        tool,
        document=document,
        requirements=tuple(r for r in tool.requirements if r.cls not in classes) + added,
        hints=tuple(h for h in tool.hints if h.cls not in classes),
    )
    return replace(wf, steps=(replace(step, tool=tool),))


def _as_list(section: Any) -> list[dict[str, Any]]:
    if isinstance(section, Mapping):
        return [{"class": k, **(dict(v) if isinstance(v, Mapping) else {})} for k, v in section.items()]
    return [dict(r) for r in section or [] if isinstance(r, Mapping)]
