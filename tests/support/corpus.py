"""The bad-input corpus (``tests/data/bad/<case>/``): one folder per case, its input files and ``expect.json``.

``expect.json``: ``args`` (the command line after ``cwl2dirac``, run in the case's folder), ``exit`` (the exit code),
``message`` (a fragment of the one line on stderr), ``location`` (``file:line:col`` the line starts with, when a
document is at fault), ``class`` (which class of bad input it is, for the tables of ``docs/errors.md``) and, for a
failure that happens while a task runs, ``runtime: true``. A file ``NAME.in`` is written as ``NAME`` with every
``@@c*n@@`` replaced by ``n`` times ``c`` (the 5 MB strings are made when a case is used, not committed). Used by
``tests/cli/test_bad_inputs.py`` and ``benchmarks/bad_inputs.py``.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support import DATA

CORPUS = DATA / "bad"
_REPEAT = re.compile(r"@@(.)\*(\d+)@@")


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    expect: dict[str, Any]

    @property
    def args(self) -> list[str]:
        return list(self.expect["args"])

    @property
    def documents(self) -> list[str]:
        """The CWL document and job order the command is given (for cwltool), when it has any."""
        command = self.args[0]
        if command not in ("validate", "compile", "run", "graph", "submit"):
            return []
        options_with_values = {"--outdir", "-o", "--output", "--name", "-j", "--jobs", "--retries", "--format"}
        given, skip = [], False
        for a in self.args[1:]:
            if skip:
                skip = False
                continue
            if a in options_with_values:
                skip = True
                continue
            if not a.startswith("-"):
                given.append(a)
        return given[:2]


def cases() -> list[Case]:
    """Every case of the corpus, by name."""
    return [
        Case(d.name, d, json.loads((d / "expect.json").read_text(encoding="utf-8")))
        for d in sorted(CORPUS.iterdir())
        if (d / "expect.json").is_file()
    ]


def materialise(case: Case, dest: Path) -> Path:
    """A copy of the case's folder at ``dest`` (``*.in`` files expanded), to run it in."""
    shutil.copytree(case.folder, dest, ignore=shutil.ignore_patterns("expect.json"))
    for template in dest.rglob("*.in"):
        text = template.read_text(encoding="utf-8")
        template.with_suffix("").write_text(_REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), text), encoding="utf-8")
        template.unlink()
    return dest
