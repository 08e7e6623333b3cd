"""Pass: output globs must stay inside the task's working directory (no ``../``, no absolute paths).

A literal glob is checked when compiling, so the error comes before any task runs; a glob that is an expression
is checked by the worker when it is evaluated.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from typing import Any

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import Tool
from cwl2dirac.passes.context import Compilation


def escapes_workdir(pattern: str) -> bool:
    """True if ``pattern`` can match outside the directory it is evaluated in."""
    if pattern.startswith("/"):
        return True
    normal = posixpath.normpath(pattern)
    return normal == ".." or normal.startswith("../")


def check_globs(comp: Compilation) -> Compilation:
    seen: set[str] = set()
    for step in comp.workflow.steps:
        tool = step.tool
        if tool.cls != "CommandLineTool" or tool.id in seen:
            continue
        seen.add(tool.id)
        _check_tool(tool)
    return comp


def _literal_globs(glob: Any) -> Iterable[str]:
    for item in glob if isinstance(glob, list) else [glob]:
        if isinstance(item, str) and "$(" not in item and "${" not in item:
            yield item


def _check_tool(tool: Tool) -> None:
    for output in tool.document.get("outputs", []):
        binding = output.get("outputBinding") or {}
        for pattern in _literal_globs(binding.get("glob")):
            if escapes_workdir(pattern):
                port = str(output.get("id", "")).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                where = tool.location.child("outputs", port, "outputBinding", "glob") if tool.location else None
                name = tool.id.split("#", 1)[0].rsplit("/", 1)[-1]
                raise ValidationError(
                    f"{name}, output '{port}': glob {pattern!r} reaches outside the task's working directory; "
                    "outputs must be produced inside it",
                    where,
                )
