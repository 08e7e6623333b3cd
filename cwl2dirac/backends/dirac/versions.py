"""The DIRAC servers a production can be submitted to, and what an old ProductionDB cannot store (issue 17).

The ProductionManager's DIRAC version is read from its ``ping`` (``version``). Two facts of DIRAC's history:

- **9.1.13 to 9.1.17** store a step's body as JSON text and never decode it (DIRAC issue 8773, "Production system
  broken for >= 9.1.13"): their transformations get a quoted JSON string for a body. Refused up front.
- **up to 9.1.12**, ``ProductionDB.addProductionStep`` pastes the step's name, descriptions, type, plugin and
  queries (the JSON of ``ProductionStep.getAsDict``) into its SQL inside ``'…'`` with no escaping, and the body (the
  JSON string of the job's XML) unquoted, so that MariaDB reads it as a ``"…"`` literal; ``addProduction`` pastes
  the production's name and description the same way. MariaDB then unescapes what it reads: a ``'`` ends the
  literal (a syntax error at best), a ``\\`` starts an escape. :func:`unescaped_sql_problems` names each field whose
  text would not survive; the body survives when it is ASCII without control characters other than tab and newline
  (JSON writes any other as ``\\uXXXX`` or ``\\f``, which MariaDB reads as ``uXXXX`` and ``f``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

BROKEN = ((9, 1, 13), (9, 1, 17))
"""The first and last DIRAC versions whose ProductionDB stores a step's body undecoded (DIRAC issue 8773)."""
ESCAPED_FROM = (9, 1, 13)
"""The first DIRAC version whose ProductionDB escapes what it stores."""

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: object) -> tuple[int, int, int] | None:
    """``'v9.1.22'`` or ``'9.1.22'`` (DIRAC's ``version``) as a tuple; None when it is not one."""
    match = _VERSION.match(str(text or "").strip())
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def version_problem(version: tuple[int, int, int] | None) -> str | None:
    """Why a production cannot be submitted to a ProductionManager of this DIRAC version, or None."""
    if version is not None and BROKEN[0] <= version <= BROKEN[1]:
        shown = ".".join(map(str, version))
        return (
            f"the DIRAC server's Production System is version {shown}, which stores production steps without "
            "decoding them (DIRAC issue 8773, versions 9.1.13 to 9.1.17): ask for 9.1.18 or later (or 9.1.12 or "
            "earlier)"
        )
    return None


def stores_unescaped(version: tuple[int, int, int] | None) -> bool:
    return version is not None and version < ESCAPED_FROM


def _quoted_problem(text: str) -> str | None:
    if "'" in text:
        return "holds a ' (quote)"
    if "\\" in text:
        return "holds a \\ (backslash)"
    return None


def _body_problem(body: str) -> str | None:
    for ch in body:
        if ord(ch) > 0x7E or (ord(ch) < 0x20 and ch not in "\t\n\r"):
            return f"holds the character {ch!r} (U+{ord(ch):04X})"
    return None


def unescaped_sql_problems(steps: Iterable[Any], production_name: str) -> list[str]:
    """What of ``steps`` (DIRAC ``ProductionStep`` objects, as sent) and the production's name a ProductionDB
    older than 9.1.13 would store damaged or refuse: one line per field, naming the step and the field."""
    problems = []
    why = _quoted_problem(production_name)
    if why:
        problems.append(f"the production name {production_name!r} {why}")
    for ps in steps:
        fields = {
            "name": str(ps.Name),
            "description": str(ps.Description),
            "long description": str(ps.LongDescription),
            "type": str(ps.Type),
            "plugin": str(ps.Plugin),
            "agent type": str(ps.AgentType),
            "input query": json.dumps(ps.Inputquery),
            "output query": json.dumps(ps.Outputquery),
        }
        for field, text in fields.items():
            why = _quoted_problem(text)
            if why:
                problems.append(f"step '{ps.Name}': its {field} {why}")
        why = _body_problem(str(ps.Body or ""))
        if why:
            problems.append(f"step '{ps.Name}': its job template (body) {why}")
    return problems
