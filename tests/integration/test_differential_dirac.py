"""Differential testing on DIRAC (issue 16): a few generated workflows (tests/differential/generator.py) run with
``cwl2dirac run --backend dirac`` through the tests' DIRAC server and with ``cwltool --no-container``; the output
objects must be equal as in tests/differential (files by basename, size and checksum, directories by listing), or
cwl2dirac must refuse with 33 up front.

The cases are drawn from the long run's seed (``scripts/differential.py --seed 1``) and picked among those that the
local backend computes as cwltool does, covering a scatter over values, a scatter over files with an ExpressionTool
and a sub-workflow or records.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from differential.generator import Case
from differential.harness import draw_cases
from differential.oracle import Run, judge, run_cwltool, save_repro
from server_support import Server

SEED = 1
PICKED = (0, 1, 2)
"""Indices into ``draw_cases(…, SEED)``: cases the local backend agrees on with cwltool (see the module's doc)."""
RUN_TIMEOUT = 900


@functools.cache
def picked_cases() -> list[Case]:
    drawn = draw_cases(max(PICKED) + 1, SEED)
    return [drawn[i] for i in PICKED]


def run_on_dirac(server: Server, folder: Path, wf: Path, job: Path | None) -> Run:
    env = {k: v for k, v in os.environ.items() if k not in server.unset}
    env.update(server.env)
    cmd = [sys.executable, "-m", "cwl2dirac", "run", "--backend", "dirac", "--name", f"diff_{uuid.uuid4().hex[:8]}",
           "--outdir", str(folder / "B"), "--timeout", str(RUN_TIMEOUT - 60), str(wf)]
    if job is not None:
        cmd.append(str(job))
    proc = subprocess.run(cmd, cwd=str(folder), env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    if proc.returncode == 0:
        run.outputs = json.loads(proc.stdout)
    return run


@pytest.mark.parametrize("index", range(len(PICKED)))
def test_generated_workflow_on_dirac_agrees_with_cwltool(dirac_server: Server, tmp_path: Path, index: int) -> None:
    case = picked_cases()[index]
    folder = tmp_path / "case"
    wf, job = case.write(folder)
    verdict = judge(folder, run_cwltool(folder, wf, job), run_on_dirac(dirac_server, folder, wf, job))
    repro = save_repro(verdict, folder, tmp_path / "repro")
    assert verdict.kind in ("equal", "refused"), f"repro: {repro}\n{verdict.report()}"
