"""A task that fails in an ExpressionTool's expression (not folded: its input is a file made at run time) fails once,
for good, on one line that starts with the expression's file:line:col and says the JavaScript error (issue 16)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cwl2dirac.cli import main
from cwl2dirac.cli._common import State
from cwl2dirac.request.wire import ENV_WORKDIR_BASE


def test_an_expression_tool_that_throws_is_located(data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    shutil.copytree(data("runtime_errors"), work)
    (work / "inputs.yml").write_text("message: hi\n")
    monkeypatch.setenv(ENV_WORKDIR_BASE, str(tmp_path / "runs"))
    monkeypatch.chdir(work)
    monkeypatch.setattr(State, "debug", False)

    result = CliRunner().invoke(main, ["run", "--quiet", "--no-container", "--outdir", "out", "wf.cwl", "inputs.yml"],
                                prog_name="cwl2dirac")

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("cwl2dirac: expression_tool.cwl:8:1: count task 1 failed for good after 1 attempt(s) "
                           "(not retried: a deterministic failure"), line
    reason = "the ExpressionTool's expression failed: TypeError: Cannot read properties of undefined (reading 'x')"
    assert reason in line
