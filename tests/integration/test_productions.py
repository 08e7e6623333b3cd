"""cwl2dirac productions run through DIRAC's own agents on the local DIRAC server, with the outputs cwltool gives.

Each test submits with ``cwl2dirac run --backend dirac`` (the real command, in a fresh process with the server's
client environment): DIRAC's InputDataAgent, TransformationAgent and WorkflowTaskAgent make the jobs, the
JobAgents run them through DIRAC's job wrapper, the worker in each job stages its inputs from the server's storage
element and registers its outputs, the cwl2dirac controller agent flushes, releases and completes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from server_support import PROBE_PRELUDE, Server
from support.outputs import normalise

CONTENT = frozenset({"checksum", "size"})

REPO = Path(__file__).resolve().parents[2]
ENGINES = REPO / "tests" / "data" / "engines"
RUN_TIMEOUT = 900


def run_id() -> str:
    return uuid.uuid4().hex[:8]


def server_env(server: Server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in server.unset}
    env.update(server.env)
    return env


def cwl2dirac(server: Server, *args: str, cwd: Path, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cwl2dirac", *args], env=server_env(server), capture_output=True, text=True,
        timeout=timeout, cwd=str(cwd),
    )


def cwltool(*args: str, cwd: Path) -> dict[str, Any]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([sys.executable, "-m", "cwltool", "--quiet", *args], capture_output=True, text=True,
                          timeout=600, cwd=str(cwd), env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def run_on_dirac(server: Server, tmp_path: Path, workflow: Path, job: Path, name: str) -> dict[str, Any]:
    proc = cwl2dirac(
        server, "run", "--backend", "dirac", "--name", name, "--outdir", str(tmp_path / "out"),
        "--timeout", str(RUN_TIMEOUT - 60), str(workflow), str(job), cwd=tmp_path,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-2000:]}\nstderr:\n{proc.stderr[-5000:]}"
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_chain_gives_cwltool_s_outputs(dirac_server: Server, tmp_path: Path) -> None:
    workflow, job = ENGINES / "chain.cwl", ENGINES / "chain.yml"
    got = run_on_dirac(dirac_server, tmp_path, workflow, job, f"chain_{run_id()}")
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got) == normalise(want)
    assert Path(got["shouted"]["path"]).read_text() == Path(want["shouted"]["path"]).read_text()


def test_an_empty_output_is_stored_registered_and_read_by_the_next_step(dirac_server: Server, tmp_path: Path) -> None:
    """A step's 0-byte output, which DIRAC's putAndRegister refuses ("Supplied file is zero size."): put on the
    output SE and registered with size 0 by the worker, downloaded into the next step's job as its input data
    (beside another file) and by the run as a workflow output."""
    workflow, job = ENGINES / "empty_output.cwl", ENGINES / "empty_output.yml"
    name = f"empty_{run_id()}"
    got = run_on_dirac(dirac_server, tmp_path, workflow, job, name)
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got) == normalise(want)
    assert got["empty"]["size"] == 0 and Path(got["empty"]["path"]).stat().st_size == 0
    assert Path(got["joined"]["path"]).read_text() == (ENGINES / "fruits.txt").read_text()
    storage = dirac_server.state / "storage"
    stored = [p for p in (storage / "LOCAL-DISK").rglob("empty.txt") if name in p.parts]
    assert len(stored) == 1 and stored[0].stat().st_size == 0, stored
    assert not [p for p in (storage / "LOCAL-FAILOVER").rglob("*") if name in p.parts]  # no failover on the way


def test_simulation_fan_out_and_merge(dirac_server: Server, tmp_path: Path) -> None:
    """A first step without input data (tasks by extension, the task number as run number), a fan-out over its
    files and a merge of all of them (a Merging step flushed by the controller once its parent is complete)."""
    job = tmp_path / "simulation.yml"
    job.write_text("n_runs: 3\nparticle: gamma\n")
    workflow = ENGINES / "simulation.cwl"
    got = run_on_dirac(dirac_server, tmp_path, workflow, job, f"sim_{run_id()}")
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got) == normalise(want)
    assert len(got["simulated"]) == 3
    assert Path(got["merged"]["path"]).read_text() == Path(want["merged"]["path"]).read_text()


def test_side_input_step_waits_for_its_producer(dirac_server: Server, tmp_path: Path) -> None:
    """``apply`` reads the model made by ``train`` (a side input): held back (AgentType Manual) until ``train`` is
    complete, then released by the controller."""
    workflow, job = ENGINES / "side_input.cwl", ENGINES / "side_input.yml"
    name = f"side_{run_id()}"
    got = run_on_dirac(dirac_server, tmp_path, workflow, job, name)
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got) == normalise(want)
    model = Path(ENGINES / "model.txt").read_text().upper()
    assert all(Path(f["path"]).read_text().startswith(model) for f in got["applied"])
    status = cwl2dirac(dirac_server, "status", name, "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["version"] == 1 and data["complete"] is True
    assert [s["name"] for s in data["steps"]] == ["train", "apply", "merge"]


FAILING = """cwlVersion: v1.2
class: Workflow
inputs: {infile: File}
outputs: {out: {type: File, outputSource: bad/out}}
steps:
  ok:
    run: %s/tools/sort.cwl
    in: {infile: infile}
    out: [out]
  bad:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, "echo this tool is broken on purpose >&2; exit 3"]
      inputs: {infile: File}
      outputs: {out: {type: File, outputBinding: {glob: x}}}
    in: {infile: ok/out}
    out: [out]
"""


DETERMINISTIC = """cwlVersion: v1.2
class: Workflow
requirements: {InlineJavascriptRequirement: {}}
inputs: {infile: File}
outputs: {n: {type: int, outputSource: bad/n}}
steps:
  bad:
    run:
      class: CommandLineTool
      requirements: {InlineJavascriptRequirement: {}}
      baseCommand: [cat]
      inputs: {infile: {type: File, inputBinding: {position: 1}}}
      stdout: out.txt
      outputs: {n: {type: int, outputBinding: {glob: out.txt, outputEval: "$(null.length)"}}}
    in: {infile: infile}
    out: [n]
"""


def failed_line(proc: subprocess.CompletedProcess[str]) -> tuple[int, str]:
    """The task number and the one line ``run`` printed for the failed task of step ``bad``."""
    lines = [x for x in proc.stderr.splitlines() if x.startswith("cwl2dirac: bad task ")]
    assert len(lines) == 1 and "fix and re-run" in lines[0], proc.stderr[-3000:]
    return int(lines[0].split()[3]), lines[0]


def test_a_failing_task_is_retried_then_reported_with_its_log(dirac_server: Server, tmp_path: Path) -> None:
    """The recovery policy (the server's controller: MaxAttempts 2): the failed task's file goes to a second task,
    which fails too; the file is then Problematic and the step completes without it. ``run --backend dirac``
    exits 1 with that task and its log (the job's output sandbox, downloaded); ``status`` names it and what its
    job says; ``graph --status`` colours the step; ``recover`` finds nothing left to do."""
    workflow = tmp_path / "failing.cwl"
    workflow.write_text(FAILING % ENGINES)
    name = f"fail_{run_id()}"
    try:
        proc = cwl2dirac(dirac_server, "run", "--backend", "dirac", "--name", name, "--outdir", str(tmp_path / "out"),
                         "--timeout", "600", str(workflow), str(ENGINES / "chain.yml"), cwd=tmp_path)
        assert proc.returncode == 1 and proc.stdout == "", proc.stderr[-3000:]
        task, line = failed_line(proc)
        expected = "failed for good after 2 attempt(s): job Failed: Application Finished With Errors"
        assert task == 2 and expected in line, line
        log = Path(line.rsplit("(log: ", 1)[1].split(")")[0])
        assert log.is_file() and "this tool is broken on purpose" in log.read_text(errors="replace"), line
        status = cwl2dirac(dirac_server, "status", name, "--json", cwd=tmp_path)
        assert status.returncode == 0, status.stderr
        data = json.loads(status.stdout)
        (failed,) = data["failed"]
        assert (failed["step"], failed["task"], failed["attempts"]) == ("bad", 2, 2), data
        assert "dirac-wms-job-get-output" in failed["log"] and failed["message"].startswith("job Failed"), data
        watched = cwl2dirac(dirac_server, "status", name, "--watch", "5", cwd=tmp_path, timeout=120)
        assert watched.returncode == 1, watched.stdout  # it stops by itself: a task failed for good
        bad = next(s for s in json.loads(
            cwl2dirac(dirac_server, "status", name, "--json", "--watch", "5", cwd=tmp_path, timeout=300).stdout
            .splitlines()[-1])["steps"] if s["name"] == "bad")
        assert bad["files"].get("Problematic") == 1, bad
        picture = tmp_path / "status.dot"
        drawn = cwl2dirac(dirac_server, "graph", "--status", name, "-o", str(picture), cwd=tmp_path)
        assert drawn.returncode == 0, drawn.stderr
        node = next(x for x in picture.read_text().splitlines() if x.startswith('  "bad" ['))
        assert "failed" in node.lower(), node
        again = cwl2dirac(dirac_server, "recover", name, "--dry-run", cwd=tmp_path)
        assert again.returncode == 0 and again.stdout == "" and "nothing to recover" in again.stderr, again.stderr
    finally:
        dirac_server.run("stop_production", name)


def test_a_deterministic_failure_is_not_retried(dirac_server: Server, tmp_path: Path) -> None:
    """An expression error (worker exit 34): the file is Problematic at its first failure, no second task."""
    workflow = tmp_path / "deterministic.cwl"
    workflow.write_text(DETERMINISTIC)
    name = f"det_{run_id()}"
    try:
        proc = cwl2dirac(dirac_server, "run", "--backend", "dirac", "--name", name, "--outdir", str(tmp_path / "out"),
                         "--timeout", "600", str(workflow), str(ENGINES / "chain.yml"), cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr[-3000:]
        task, line = failed_line(proc)
        expected = "after 1 attempt(s) (not retried: a deterministic failure, it would fail the same way)"
        assert task == 1 and expected in line, line
        assert "Status 34" in line, line
    finally:
        dirac_server.run("stop_production", name)


FLAKY_SIMULATION = """cwlVersion: v1.2
class: Workflow
inputs: {sync: string}
outputs: {out: {type: File, outputSource: simulate/out}}
steps:
  simulate:
    run:
      class: CommandLineTool
      doc: fails the first time (as a simulation on a bad node), then makes its output
      baseCommand: [sh, -c]
      arguments:
        - 'if [ -e "$0/tried" ]; then echo shower > shower.txt; else touch "$0/tried"; exit 1; fi'
        - $(inputs.sync)
      inputs: {sync: string}
      outputs: {out: {type: File, outputBinding: {glob: shower.txt}}}
    in: {sync: sync}
    out: [out]
"""


def test_a_failed_task_without_input_data_is_submitted_again(dirac_server: Server, tmp_path: Path) -> None:
    """A step without input data (tasks by extension: a simulation) has no file to reset: the recovery policy
    sets its failed task Created again, DIRAC submits a new job for it, and the production completes."""
    workflow = tmp_path / "flaky.cwl"
    workflow.write_text(FLAKY_SIMULATION)
    job = tmp_path / "flaky.yml"
    job.write_text(f"sync: {tmp_path}\n")
    name = f"flaky_{run_id()}"
    try:
        out = run_on_dirac(dirac_server, tmp_path, workflow, job, name)
        assert (tmp_path / "tried").exists()  # the first job did fail
        assert Path(out["out"]["path"]).read_text() == "shower\n", out
        status = json.loads(cwl2dirac(dirac_server, "status", name, "--json", cwd=tmp_path).stdout)
        (step,) = status["steps"]
        assert step["state"] == "complete" and status["failed"] == [], status
    finally:
        dirac_server.run("stop_production", name)


def test_the_same_submission_again_finds_its_production(dirac_server: Server, tmp_path: Path) -> None:
    workflow, job = ENGINES / "chain.cwl", ENGINES / "chain.yml"
    name = f"again_{run_id()}"
    first = cwl2dirac(dirac_server, "submit", "--json", "--name", name, str(workflow), str(job), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = cwl2dirac(dirac_server, "submit", "--json", "--name", name, str(workflow), str(job), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a == b and len(a["transformations"]) == 3
    other = tmp_path / "other.yml"
    other.write_text(f"infile: {{class: File, location: {ENGINES / 'greek.txt'}}}\n")
    third = cwl2dirac(dirac_server, "submit", "--name", name, str(workflow), str(other), cwd=tmp_path)
    assert third.returncode == 1
    assert third.stderr.count("\n") == 1 and f"a production named '{name}' exists" in third.stderr, third.stderr


@pytest.mark.slow
def test_ctao_process_merge_on_real_files(dirac_server: Server, tmp_path: Path) -> None:
    """The CTAO example: ctapipe-process on both LST files of examples/data (one job each), then ctapipe-merge."""
    workflow, job = REPO / "cwl" / "workflows" / "process_merge.cwl", REPO / "examples" / "process_merge.yml"
    got = run_on_dirac(dirac_server, tmp_path, workflow, job, f"pm_{run_id()}")
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    # ctapipe writes dates and paths into its files: compare names and shapes, not contents
    assert normalise(got, CONTENT) == normalise(want, CONTENT)
    import tables

    with tables.open_file(got["merged_file"]["path"]) as h5:
        assert h5.root.dl1.event.subarray.trigger.nrows == 4  # 1 + 3 events


SANDBOX = PROBE_PRELUDE + r'''from DIRAC.Interfaces.API.Dirac import Dirac
from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient
tc = TransformationClient()
prod = ProductionClient().getProduction(sys.argv[1])["Value"]["ProductionID"]
for t in ProductionClient().getProductionTransformations(prod)["Value"]:
    for task in tc.getTransformationTasks({"TransformationID": t["TransformationID"]})["Value"]:
        job = int(task["ExternalID"])
        for _ in range(60):  # its task is Done at the end of the payload; the job, once its sandbox is uploaded
            if Dirac().getJobStatus(job)["Value"][job]["Status"] in ("Done", "Failed", "Killed"):
                break
            time.sleep(3)
        got = Dirac().getOutputSandbox(job, outputDir=sys.argv[2])
        assert got["OK"], got
        print(open(f"{sys.argv[2]}/{job}/cwl2dirac-worker.log").read())
'''


def test_worker_set_up_by_a_script(dirac_server: Server, tmp_path: Path) -> None:
    """dirac:Worker setup: script — the job sources the script (a CVMFS set-up, here a local one) before the
    worker, and the tools still get their own environment."""
    script = tmp_path / "setup-cwl2dirac.sh"
    venv_bin = Path(sys.executable).parent
    script.write_text(f'echo "cwl2dirac set-up sourced from $0" >&2\nexport PATH="{venv_bin}:$PATH"\n')
    workflow = tmp_path / "chain.cwl"
    workflow.write_text(
        (ENGINES / "chain.cwl").read_text()
        .replace("label: three steps", "$namespaces: {dirac: 'https://cwl2dirac.dev/ns#'}\nhints:\n"
                 f"  dirac:Worker: {{setup: script, script: {script}}}\nlabel: three steps")
        .replace("run: tools/", f"run: {ENGINES}/tools/")
    )
    name = f"script_{run_id()}"
    got = run_on_dirac(dirac_server, tmp_path, workflow, ENGINES / "chain.yml", name)
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(ENGINES / "chain.cwl"), str(ENGINES / "chain.yml"),
                   cwd=tmp_path)
    assert normalise(got) == normalise(want)
    logs = subprocess.run([sys.executable, "-c", SANDBOX, name, str(tmp_path / "sandboxes")], env=server_env(
        dirac_server), capture_output=True, text=True, timeout=300)
    assert logs.returncode == 0, logs.stderr[-2000:]
    assert logs.stdout.count(f"cwl2dirac set-up sourced from {script}") == 3  # one job per step


FIDELITY = REPO / "tests" / "data" / "fidelity"


@pytest.mark.parametrize("shape", ["values_beside_file", "values_beside_step_file"])
def test_scatter_over_values_beside_a_file_makes_a_task_per_value(
    dirac_server: Server, tmp_path: Path, shape: str
) -> None:
    """Issue 16: a scatter over names beside one shared File (a workflow input, or made by an earlier step, then
    held until that step is complete) is one DIRAC task per name, each finding the file by query; it once ran as
    one task over the file, two of the three names dropped at exit 0."""
    workflow, job = FIDELITY / f"{shape}.cwl", FIDELITY / f"{shape}.yml"
    got = run_on_dirac(dirac_server, tmp_path, workflow, job, f"{shape[:12]}_{run_id()}")
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got) == normalise(want)
    assert [f["basename"] for f in got["out"]] == ["alpha.txt", "beta.txt", "gamma.txt"]


@pytest.mark.parametrize("shape", ["nested_crossproduct_values", "nested_values_consumed"])
def test_nested_crossproduct_gives_arrays_of_arrays(dirac_server: Server, tmp_path: Path, shape: str) -> None:
    """Issue 16: a nested_crossproduct over values is one task per combination; the workflow outputs (values and
    files) are gathered by the step's layout from the File Catalog, and a next step gets the values by the same
    layout (nulls for the tasks ``when`` skipped)."""
    workflow, job = FIDELITY / f"{shape}.cwl", FIDELITY / "nested_crossproduct_values.yml"
    got = run_on_dirac(dirac_server, tmp_path, workflow, job, f"{shape[:12]}_{run_id()}")
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got) == normalise(want)


def test_scatter_over_sources_merged_nested_is_one_task_per_source(dirac_server: Server, tmp_path: Path) -> None:
    """Issue 16, conformance 28's shape: each task finds its source's files whole by query (one source made by a
    scattered step, held until it is complete; one empty)."""
    data = REPO / "tests" / "data" / "conformance"
    workflow, job = data / "scatter_merge_nested_steps.cwl", data / "scatter_merge_nested_steps.yml"
    got = run_on_dirac(dirac_server, tmp_path, workflow, job, f"merge_nested_{run_id()}")
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got) == normalise(want)
    assert got["counts"] == [2, 2, 0]
