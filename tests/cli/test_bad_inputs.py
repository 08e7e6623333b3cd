"""The bad-input corpus (``tests/data/bad/<case>/``, see ``support.corpus``), through the real command line.

Every case: exit code as expected, exactly one line on stderr (no traceback), holding the expected fragment and
starting with ``file:line:col`` where a document is at fault, nothing on stdout, and nothing written (no output
file, no work directory). A failure that happens while a task runs (``runtime``) leaves its run's work directory, but
its task ran once (deterministic failures are not retried) and nothing but the inputs is in the catalog.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.corpus import Case, cases, materialise

from cwl2dirac.cli import main
from cwl2dirac.cli._common import State
from cwl2dirac.request.wire import ENV_WORKDIR_BASE, INPUTS_STEP

CASES = cases()


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_corpus_is_large_and_covers_every_class():
    assert len(CASES) >= 100
    by_class: dict[str, int] = {}
    for case in CASES:
        by_class[case.expect["class"]] = by_class.get(case.expect["class"], 0) + 1
    for name in ("path escape", "typo", "DIRAC names", "not text", "malformed YAML", "references", "missing files",
                 "job order types", "nesting", "deterministic", "command line", "empty"):
        assert by_class.get(name, 0) >= 3, name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_located_line(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = materialise(case, tmp_path / "case")
    runs = tmp_path / "runs"
    monkeypatch.setenv(ENV_WORKDIR_BASE, str(runs))
    monkeypatch.chdir(work)
    monkeypatch.setattr(State, "debug", False)
    before = _files(work)

    result = CliRunner().invoke(main, case.args, prog_name="cwl2dirac")

    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert "Traceback" not in result.stderr and "internal error" not in line, line
    assert result.exit_code == case.expect["exit"], line
    assert case.expect["message"] in line, line
    location = case.expect.get("location")
    if location:
        assert line.startswith((f"{location}: ", f"cwl2dirac: {location}: ")), line
    assert result.stdout == "", result.stdout
    assert _files(work) == before, "the case wrote into its folder"
    if not case.expect.get("runtime"):
        assert not runs.exists() or not any(runs.iterdir()), "a work directory was made"
        return
    (workdir,) = [d for d in runs.iterdir() if d.name != "_literals"]
    with sqlite3.connect(workdir / "catalog.sqlite") as db:
        attempts = [row[0] for row in db.execute("SELECT attempts FROM tasks")]
        registered = [json.loads(m) for (m,) in db.execute("SELECT metadata FROM files")]
    assert attempts == [1], "a deterministic failure was retried"
    assert all(m.get("cwl2dirac_step") == INPUTS_STEP for m in registered), registered
