"""Where a step's CWL expressions are written, so that a task that fails in one names its ``file:line:col``.

The compiler records, in each step's :attr:`~cwl2dirac.request.model.StepConfig.sources`, the ``file:line:col`` of
every expression the step evaluates, by a key: ``when``, ``in.<port>.valueFrom`` (the step's), and ``tool.<path>``
for the expressions of the tool document, ``<path>`` as :func:`expression_strings` names them
(``tool.outputs.out.outputBinding.glob``, ``tool.arguments.0.valueFrom``...). The worker cannot read the CWL files
(it runs on a grid node); when a task fails it finds the expression the error comes from
(:func:`source_of_error`: the JavaScript cwltool ran, or the output it was collecting) and puts its place in front
of the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

EXPRESSION_FIELDS = frozenset({
    "valueFrom", "glob", "outputEval", "expression", "when", "stdin", "stdout", "stderr", "entry", "entryname",
    "envValue", "coresMin", "coresMax", "ramMin", "ramMax", "tmpdirMin", "tmpdirMax", "outdirMin", "outdirMax",
    "timelimit",
})
"""Fields of a CWL process whose strings are expressions (``arguments`` items too)."""
_SKIP = frozenset({"doc", "label", "default", "$namespaces", "$schemas", "id", "class"})

WHEN = "when"
TOOL = "tool."


def value_from_key(port: str) -> str:
    """The :attr:`~cwl2dirac.request.model.StepConfig.sources` key of the ``valueFrom`` of step input ``port``."""
    return f"in.{port}.valueFrom"


def tool_key(path: tuple[str | int, ...]) -> str:
    """The :attr:`~cwl2dirac.request.model.StepConfig.sources` key of the tool's expression at ``path``."""
    return TOOL + ".".join(str(p) for p in path)


def expression_strings(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every expression-bearing string of a tool document with its key path (list items named as
    :mod:`cwl2dirac.location` names them: by their id's last part, else their class, else their index)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in _SKIP:
                continue
            if key in EXPRESSION_FIELDS and isinstance(value, str):
                yield (*path, key), value
            elif key == "glob" and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, str):
                        yield (*path, key, i), item
            elif key == "arguments" and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, str):
                        yield (*path, key, i), item
                    else:
                        yield from expression_strings(item, (*path, key, i))
            elif isinstance(value, Mapping | list):
                yield from expression_strings(value, (*path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from expression_strings(item, (*path, item_key(item, i)))


def item_key(item: Any, index: int) -> str | int:
    """How :mod:`cwl2dirac.location` names a list item: its id's last part, else its class, else its index."""
    if isinstance(item, Mapping):
        if isinstance(item.get("id"), str):
            return str(item["id"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if isinstance(item.get("class"), str):
            return str(item["class"])
    return index


def is_expression(text: str) -> bool:
    """Whether ``text`` holds a ``$(...)`` or ``${...}`` (as cwltool's schema tells an Expression)."""
    return "$(" in text or "${" in text


def _codes(text: str) -> list[str]:
    """The JavaScript cwltool runs for each ``$(...)`` and ``${...}`` of ``text`` (as it shows it in a failed
    script), whitespace collapsed."""
    from cwl_utils.expression import scanner

    codes: list[str] = []
    rest = text
    while True:
        try:
            found = scanner(rest)
        except Exception:  # an unfinished expression (refused at compile time)
            return codes
        if found is None:
            return codes
        start, end = found
        part, rest = rest[start:end], rest[end:]
        if not part.startswith("\\"):  # $(x) runs as ((x)), ${body} as {body}
            code = " ".join(part[2:-1].split())
            codes.append(f"(({code}))" if part.startswith("$(") else code)


_LOCATED = re.compile(r"^(?:\S+:\d+:\d+:\s*)+", re.MULTILINE)
_NUMBERED = re.compile(r"^\d+ ", re.MULTILINE)
_COLLECTING = re.compile(r"Error collecting output for parameter '([^']+)'")
_GLOB_ESCAPE = re.compile(r"output '([^']+)': glob ")
"""What the worker's own check of a computed glob says (:func:`cwl2dirac.request.lfn.check_relative`)."""


def source_of_error(tool: Mapping[str, Any], sources: Mapping[str, str], text: str) -> str | None:
    """The ``file:line:col`` of the tool's expression that ``text`` (an error cwltool raised or logged) comes from:
    the one whose JavaScript is in the script cwltool shows (the longest, if several are), else the glob or
    ``outputEval`` of the output cwltool was collecting; None when it cannot be told."""
    if not sources:
        return None
    flat = " ".join(_NUMBERED.sub("", _LOCATED.sub("", text)).split())
    best: tuple[int, str] | None = None
    for path, expr in expression_strings(tool):
        where = sources.get(tool_key(path))
        if where is None:
            continue
        for code in _codes(expr):
            if code in flat and (best is None or len(code) > best[0]):
                best = (len(code), where)
    if best is not None:
        return best[1]
    escape, collecting = _GLOB_ESCAPE.search(text), _COLLECTING.search(text)
    match = escape or collecting
    if match is None:
        return None
    port = match.group(1)
    found = {path[-1] if isinstance(path[-1], str) else path[-2]: sources[tool_key(path)]
             for path, _ in expression_strings(tool)
             if len(path) > 3 and path[:2] == ("outputs", port) and tool_key(path) in sources}
    return found.get("glob") if escape is not None else found.get("outputEval") or found.get("glob")
