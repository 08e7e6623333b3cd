"""The submitting client killed (SIGKILL) after each step of a real submission: the same command again completes
the same production — one production, its transformations once, each input file registered once, the simulation
step extended to its task count once (issue 10: faults against real processes).

The kill is injected by ``kill_client/sitecustomize.py`` on the client's PYTHONPATH; the server is the real one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from server_support import PROBE_PRELUDE, Server

REPO = Path(__file__).resolve().parents[2]
ENGINES = REPO / "tests" / "data" / "engines"
INJECT = Path(__file__).resolve().parent / "kill_client"

PROBE = PROBE_PRELUDE + r'''from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
from DIRAC.Resources.Catalog.FileCatalogClient import FileCatalogClient
from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient
name = sys.argv[1]
prods = [p for p in ProductionClient().getProductions()["Value"] if p["ProductionName"] == name]
tc = TransformationClient()
trans = ProductionClient().getProductionTransformations(name).get("Value") or []
tasks = {t["TransformationID"]: len(tc.getTransformationTasks({"TransformationID": t["TransformationID"]})["Value"])
         for t in trans}
fc = FileCatalogClient()
inputs = fc.findFilesByMetadata({"cwl2dirac_production": name, "cwl2dirac_step": "_inputs"}, "/")
for t in trans:  # nothing needs to run: the jobs would only load the server (Completed: no agent polls it)
    tc.setTransformationParameter(t["TransformationID"], "Status", "Completed")
print(json.dumps({"productions": len(prods), "transformations": len(trans), "tasks": sorted(tasks.values()),
                  "inputs": sorted(inputs.get("Value") or [])}))
'''


def client_env(server: Server, kill_after: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in server.unset}
    env.update(server.env)
    if kill_after:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(INJECT), env.get("PYTHONPATH", "")) if p)
        env["CWL2DIRAC_TEST_KILL_AFTER"] = kill_after
    return env


def submit(server: Server, tmp_path: Path, name: str, workflow: Path, job: Path,
           kill_after: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cwl2dirac", "submit", "--json", "--name", name, str(workflow), str(job)],
        env=client_env(server, kill_after), capture_output=True, text=True, timeout=300, cwd=str(tmp_path),
    )


def probe(server: Server, name: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", PROBE, name], env=client_env(server, None), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# "_upload": in the middle of the input registration (files on the SE and in the catalog, their metadata not yet)
@pytest.mark.parametrize(
    "step", ["declare_fields", "create", "establish", "hold", "annotate", "_upload", "register_inputs"]
)
def test_chain_submission_killed_after_each_step(dirac_server: Server, tmp_path: Path, step: str) -> None:
    name = f"kill_{step}_{uuid.uuid4().hex[:6]}"
    workflow, job = ENGINES / "chain.cwl", ENGINES / "chain.yml"
    killed = submit(dirac_server, tmp_path, name, workflow, job, kill_after=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    again = submit(dirac_server, tmp_path, name, workflow, job)
    assert again.returncode == 0, again.stderr[-3000:]
    production = json.loads(again.stdout)
    state = probe(dirac_server, name)
    assert state["productions"] == 1 and state["transformations"] == 3 == len(production["transformations"]), state
    assert len(state["inputs"]) == 1, state  # the workflow's input file, registered once


def test_simulation_submission_killed_before_its_extension(dirac_server: Server, tmp_path: Path) -> None:
    name = f"kill_sim_{uuid.uuid4().hex[:6]}"
    job = tmp_path / "simulation.yml"
    job.write_text("n_runs: 3\nparticle: gamma\n")
    workflow = ENGINES / "simulation.cwl"
    killed = submit(dirac_server, tmp_path, name, workflow, job, kill_after="register_inputs")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    again = submit(dirac_server, tmp_path, name, workflow, job)
    assert again.returncode == 0, again.stderr[-3000:]
    production = json.loads(again.stdout)
    assert production["extended"] == {"simulate": 3}, production
    third = submit(dirac_server, tmp_path, name, workflow, job)  # and once more: no task added
    assert third.returncode == 0 and json.loads(third.stdout) == production, third.stdout
    state = probe(dirac_server, name)
    assert state["productions"] == 1, state
    assert 3 in state["tasks"] and max(state["tasks"]) == 3, state  # the simulation's tasks, made once


STATUSES = PROBE_PRELUDE + r'''from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient
tc = TransformationClient()
ids = [t["TransformationID"] for t in ProductionClient().getProductionTransformations(sys.argv[1])["Value"]]
for tid in ids[int(sys.argv[3]):] if len(sys.argv) > 2 else ():
    assert tc.setTransformationParameter(tid, "Status", sys.argv[2])["OK"]
print(json.dumps([tc.getTransformation(tid)["Value"]["Status"] for tid in ids]))
'''


def statuses(server: Server, name: str, *setting: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", STATUSES, name, *setting], env=client_env(server, None),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_transformations_left_new_by_the_start_are_started(dirac_server: Server, tmp_path: Path) -> None:
    """DIRAC's startProduction answers OK even when starting the transformations failed on its way (its call to its
    own service refused in the TLS handshake, seen on a loaded CI machine): the production is Active, the
    transformations from the failed one on stay New, and no agent ever looks at them. The same command again starts
    them, as DIRAC would have."""
    name = f"left_new_{uuid.uuid4().hex[:6]}"
    workflow, job = ENGINES / "chain.cwl", ENGINES / "chain.yml"
    killed = submit(dirac_server, tmp_path, name, workflow, job, kill_after="establish")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert statuses(dirac_server, name, "New", "1")[1:] == ["New", "New"]  # as the failed start leaves them
    again = submit(dirac_server, tmp_path, name, workflow, job)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stderr.count("was left New by DIRAC's startProduction: started it") == 2, again.stderr
    assert "New" not in statuses(dirac_server, name), again.stderr
    assert probe(dirac_server, name)["transformations"] == 3
