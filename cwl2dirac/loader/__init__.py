"""Load CWL documents (v1.0-v1.2; multi-file, packed, ``$import``/``$include``) into the IR."""

from __future__ import annotations

from pathlib import Path

from cwl2dirac.ir import PortRef, Step, StepInput, Workflow, WorkflowOutput
from cwl2dirac.loader.convert import Converter
from cwl2dirac.loader.documents import DocumentCache, to_uri
from cwl2dirac.request.wire import safe_name

__all__ = ["DocumentCache", "load"]


def load(path: str | Path, cache: DocumentCache | None = None) -> Workflow:
    """Load the process at ``path`` (``file.cwl`` or ``packed.cwl#main``) as a workflow.

    A bare CommandLineTool or ExpressionTool is wrapped in a one-step workflow whose step is named after the file.
    """
    cache = cache or DocumentCache()
    uri = to_uri(path)
    tool = Converter(cache).process(cache.get(uri), uri)
    if tool.workflow is not None:
        return tool.workflow
    name = safe_name(Path(uri.split("#", 1)[0]).stem) or "main"
    step = Step(
        id=name,
        tool=tool,
        inputs=tuple(StepInput(p.id, (PortRef(None, p.id),)) for p in tool.inputs),
        outputs=tuple(p.id for p in tool.outputs),
        location=tool.location,
    )
    return Workflow(
        id=tool.id,
        cwl_version=tool.cwl_version,
        inputs=tool.inputs,
        outputs=tuple(
            WorkflowOutput(p.id, p.type, (PortRef(name, p.id),), location=p.location) for p in tool.outputs
        ),
        steps=(step,),
        label=tool.label,
        doc=tool.doc,
        location=tool.location,
    )
