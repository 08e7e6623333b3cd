"""cwl2dirac on the DIRAC versions CTAO runs (issue 17): a real DIRAC 9.1.9 server (CTADIRAC 3.1.0's pin, in its own
venv: ``scripts/dirac-server.sh start --dirac 9.1.9``) beside the tests' 9.1.22 one, with a 9.1.9 client (the same
venv, as in a CTADIRAC environment).

9.1.9's ProductionDB pastes names, descriptions and queries into its SQL between quotes with no escaping, and the
body's JSON text unquoted (MariaDB then decodes its escapes): cwl2dirac refuses, before sending, what would not
survive (unit tests: tests/backends/dirac/test_versions.py); here everything it sends of CTAO's ``full_chain`` is
read back intact, and a chain runs to its end on 9.1.9's agents with cwltool's outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from server_support import Server
from support.outputs import normalise

REPO = Path(__file__).resolve().parents[2]
PYTHON = REPO / ".venv-dirac-9.1.9" / "bin" / "python"
ENGINES = REPO / "tests" / "data" / "engines"


def _env(server: Server) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in server.unset} | server.env


def test_full_chain_is_stored_intact_by_dirac_9_1_9(dirac919_server: Server) -> None:
    name = f"fc919_{uuid.uuid4().hex[:8]}"
    proc = subprocess.run(
        [str(PYTHON), str(Path(__file__).parent / "steps_check.py"), "cwl/workflows/full_chain.cwl",
         "examples/full_chain.yml", name, f"/cwl2dirac/tests/{name}"],
        env=_env(dirac919_server), capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["server_version"] == [9, 1, 9] and result["client_version"] == "9.1.9"
    assert result["transformations"] == 13 and len(result["steps"]) == 13
    # name, descriptions, type, plugin, group size, queries and the job template's XML, as cwl2dirac meant them
    assert {step: diff for step, diff in result["steps"].items() if diff} == {}


def test_a_chain_runs_to_its_end_on_dirac_9_1_9(dirac919_server: Server, tmp_path: Path) -> None:
    workflow, job = ENGINES / "chain.cwl", ENGINES / "chain.yml"
    proc = subprocess.run(
        [str(PYTHON), "-m", "cwl2dirac", "run", "--backend", "dirac", "--name", f"chain919_{uuid.uuid4().hex[:8]}",
         "--outdir", str(tmp_path / "out"), "--timeout", "840", str(workflow), str(job)],
        env=_env(dirac919_server), capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    assert proc.returncode == 0, f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    got = json.loads(proc.stdout)
    ref = subprocess.run([sys.executable, "-m", "cwltool", "--quiet", "--outdir", str(tmp_path / "ref"),
                          str(workflow), str(job)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert ref.returncode == 0, ref.stderr[-3000:]
    assert normalise(got) == normalise(json.loads(ref.stdout))
