"""Pass: every CWL expression and parameter reference parses, before any task runs.

A JavaScript syntax error in a ``valueFrom``, a ``when`` or a tool's ``arguments`` would otherwise fail every task
of the step on the grid (cwltool only lints them, with warnings). Parameter references (``$(inputs.x)``) without
``InlineJavascriptRequirement`` are checked against CWL's grammar; with it, every fragment and the
``expressionLib`` are parsed by one node process (``new Function``: parsed, never run). Without node on this
machine the JavaScript is not checked here (cwltool needs node to run it anyway).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

from cwl2dirac.errors import Location, ValidationError
from cwl2dirac.ir import Requirement, Step, Tool, Workflow
from cwl2dirac.passes.context import Compilation
from cwl2dirac.request.expressions import expression_strings, is_expression

_NODE_CHECK = r"""
let data = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { data += chunk; });
process.stdin.on("end", () => {
  const out = JSON.parse(data).map((code) => {
    try { new Function('"use strict";\n' + code); return null; } catch (e) { return String(e); }
  });
  process.stdout.write(JSON.stringify(out));
});
"""


@dataclass(frozen=True, slots=True)
class Expression:
    """One expression-bearing string: where it is, what it is, and whether JavaScript applies to it."""

    text: str
    what: str
    location: Location | None
    javascript: bool


def check_expressions(comp: Compilation) -> Compilation:
    wf = comp.workflow
    found: list[Expression] = []
    libraries: dict[str, Location | None] = {}
    seen: set[tuple[str, bool]] = set()
    for step in wf.steps:
        reqs = _javascript(step, wf)
        js = reqs is not None
        if reqs is not None:
            for lib in reqs.fields.get("expressionLib") or ():
                if isinstance(lib, str):
                    libraries.setdefault(lib, reqs.location)
        for inp in step.inputs:
            if inp.value_from is not None:
                where = inp.location.child("valueFrom") if inp.location else step.location
                found.append(Expression(inp.value_from, f"step '{step.id}' input '{inp.id}' valueFrom", where, js))
        if step.when is not None:
            where = step.location.child("when") if step.location else None
            if not is_expression(step.when):  # as cwltool's schema (an Expression)
                raise ValidationError(
                    f"step '{step.id}': 'when' must be an expression that gives true or false, such as "
                    f"$(inputs.x > 0); {_shown(step.when)} is a literal string (cwltool's schema refuses it)",
                    where,
                )
            found.append(Expression(step.when, f"step '{step.id}' when", where, js))
        if (step.tool.id, js) not in seen and step.tool.cls in ("CommandLineTool", "ExpressionTool"):
            seen.add((step.tool.id, js))
            found.extend(_tool_expressions(step.tool, js))
    fragments: list[tuple[str, str, Expression]] = []
    for expr in found:
        for code, written in _fragments(expr):
            fragments.append((code, written, expr))
    codes = [code for code, _, _ in fragments] + list(libraries)
    if codes:
        errors = _parse_with_node(codes)
        for (_, written, expr), error in zip(fragments, errors, strict=False):
            if error is not None:
                raise ValidationError(f"{expr.what}: JavaScript {error} in {_shown(written)}", expr.location)
        for (_, where), error in zip(libraries.items(), errors[len(fragments):], strict=False):
            if error is not None:
                raise ValidationError(f"InlineJavascriptRequirement expressionLib: JavaScript {error}", where)
    return comp


def _javascript(step: Step, wf: Workflow) -> Requirement | None:
    for req in (*step.all_requirements(), *wf.requirements, *step.all_hints(), *wf.hints):
        if req.cls == "InlineJavascriptRequirement":
            return req
    return None


def _shown(code: str) -> str:
    text = " ".join(code.split())
    return repr(text if len(text) <= 60 else text[:56] + "...")


def _tool_expressions(tool: Tool, js: bool) -> Iterator[Expression]:
    """The expression strings of a tool document, with their locations."""
    own = any(r.cls == "InlineJavascriptRequirement" for r in (*tool.requirements, *tool.hints))
    name = tool.id.split("#", 1)[0].rsplit("/", 1)[-1]
    for path, text in expression_strings(tool.document):
        where = tool.location.child(*path) if tool.location else None
        field = ".".join(str(p) for p in path)
        yield Expression(text, f"{name}, {field}", where, js or own)


def _fragments(expr: Expression) -> Iterator[tuple[str, str]]:
    """The JavaScript function bodies of ``expr``'s ``$(...)`` and ``${...}`` parts (with the part as written); a
    parameter reference that
    is not one (without InlineJavascriptRequirement), or an unfinished one, is a :class:`ValidationError`."""
    from cwl_utils.expression import scanner
    from cwl_utils.sandboxjs import param_re

    rest = expr.text
    while True:
        try:
            found = scanner(rest)
        except Exception as exc:  # SubstitutionError: "$(" without its ")"
            raise ValidationError(
                f"{expr.what}: unfinished expression {_shown(rest)}: a '$(' or '${{' without its closing bracket",
                expr.location,
            ) from exc
        if found is None:
            return
        start, end = found
        part = rest[start:end]
        rest = rest[end:]
        if part.startswith("\\"):
            continue
        inner = part[1:]  # "(...)" or "{...}"
        if not expr.javascript:
            match = None if inner.startswith("{") else param_re.match(inner)
            if inner == "(null)":  # CWL's one literal parameter reference
                continue
            if match is None or match.group(1) not in ("inputs", "self", "runtime"):
                raise ValidationError(
                    f"{expr.what}: {_shown(part)} is JavaScript, not a parameter reference ($(inputs.name), "
                    "$(self.path)...); add InlineJavascriptRequirement to the requirements", expr.location,
                )
            continue
        yield (f"return ({inner[1:-1]});" if inner.startswith("(") else inner), part


def _parse_with_node(codes: list[str]) -> list[str | None]:
    """For each JavaScript function body, None or its syntax error (one node process for all)."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        return [None] * len(codes)
    try:
        proc = subprocess.run(
            [node, "-e", _NODE_CHECK], input=json.dumps(codes), capture_output=True, text=True, timeout=60,
            check=False,
        )
        result = json.loads(proc.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return [None] * len(codes)
    return [r if isinstance(r, str) else None for r in result]
