"""Faults injected into real server processes (issue 10), on a server of their own (``faults_server``): the
TransformationManager and the File Catalog stopped (SIGSTOP: calls time out) and killed (SIGKILL) in the middle of
a submission and of a task's output registration, MariaDB restarted mid-production, a job's payload killed, and a
job whose node died with it. Afterwards the same command completes the same production, nothing twice, and
outputs that could not be registered are registered by their failover request once the catalog is back.

The tests run one after the other, on one pytest-xdist worker (tests/conftest.py keeps this file's tests together):
each breaks the server that the next one uses, then mends it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from server_support import PROBE_PRELUDE, Server

REPO = Path(__file__).resolve().parents[2]
ENGINES = REPO / "tests" / "data" / "engines"
INJECT = Path(__file__).resolve().parent / "kill_client"
SHORT_RETRIES = {"CWL2DIRAC_DIRAC_RETRY_PAUSES": "1"}
"""The client's retry bound in these tests: one retry (the default, three, is what users get)."""

WAITING_TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
doc: sort, once the test says go (it marks its start with its PID, for the test to kill it)
baseCommand: [sh, -c]
arguments:
  - 'touch "$0/started.$$"; while [ ! -e "$0/go" ]; do sleep 1; done; sort "$1" > sorted.txt'
  - $(inputs.sync)
  - $(inputs.infile.path)
inputs: {infile: File, sync: string}
outputs: {out: {type: File, outputBinding: {glob: sorted.txt}}}
"""
WAITING_WORKFLOW = """\
cwlVersion: v1.2
class: Workflow
inputs: {infile: File, sync: string}
outputs: {sorted: {type: File, outputSource: sort/out}}
steps:
  sort: {run: wait_sort.cwl, in: {infile: infile, sync: sync}, out: [out]}
"""

PROBE = PROBE_PRELUDE + r'''from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient
from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
name, catalog = sys.argv[1], sys.argv[2] == "catalog"
prods = [p for p in ProductionClient().getProductions()["Value"] if p["ProductionName"] == name]
tc = TransformationClient()
trans = ProductionClient().getProductionTransformations(name).get("Value") or []
tids = [t["TransformationID"] for t in trans]
tasks, jobs, files = [], {}, {}
for tid in tids:
    for t in tc.getTransformationTasks({"TransformationID": tid})["Value"]:
        tasks.append([tid, t["TaskID"], t["ExternalStatus"]])
        if str(t["ExternalID"]).isdigit() and int(t["ExternalID"]):
            jobs[int(t["ExternalID"])] = None
    for f in tc.getTransformationFiles({"TransformationID": tid})["Value"]:
        files[f["LFN"]] = f["Status"]
if jobs:
    states = JobMonitoringClient().getJobsStatus(sorted(jobs))["Value"]
    jobs = {str(j): s["Status"] for j, s in states.items()}
result = {"productions": len(prods), "transformations": len(trans),
          "status": [tc.getTransformation(tid)["Value"]["Status"] for tid in tids],
          "tasks": tasks, "jobs": jobs, "files": files}
if catalog:  # the File Catalog answers again: what it holds of the production
    from DIRAC.Resources.Catalog.FileCatalogClient import FileCatalogClient
    fc = FileCatalogClient()
    def walk(path):
        listing = (fc.listDirectory(path)["Value"]["Successful"].get(path)) or {}
        return list(listing.get("Files", {})) + [lfn for sub in listing.get("SubDirs", {}) for lfn in walk(sub)]
    result["lfns"] = sorted(walk(f"/cwl2dirac/{name}"))
    found = fc.findFilesByMetadata({"cwl2dirac_production": name}, "/")["Value"]
    result["tagged"] = sorted(found)
print(json.dumps(result))
'''


def client_env(server: Server, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in server.unset}
    env.update(server.env)
    env.update(extra)
    return env


def cwl2dirac(server: Server, *args: str, cwd: Path, timeout: float = 600,
              **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cwl2dirac", *args], env=client_env(server, **extra),
                          capture_output=True, text=True, timeout=timeout, cwd=str(cwd))


def probe(server: Server, name: str, *, catalog: bool = True) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", PROBE, name, "catalog" if catalog else "no"],
                          env=client_env(server), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def wait_until(what: str, check: Callable[[], Any], timeout: float, pause: float = 2.0,
               explain: Callable[[], Any] | None = None) -> Any:
    """``check()`` once it is true; after ``timeout``, a failure that says what was awaited (and ``explain()``:
    where things stood then)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            said = ""
            if explain is not None:
                try:
                    said = f"; then: {explain()}"
                except Exception as exc:  # the explanation is a help: its failure is said, not raised
                    said = f"; then: ({type(exc).__name__}: {exc})"
            pytest.fail(f"waited {timeout:.0f} s for {what}{said}", pytrace=False)
        time.sleep(pause)


def signal_group(server: Server, process: str, sig: signal.Signals) -> None:
    os.killpg(server.pid(process), sig)


@contextlib.contextmanager
def mended(server: Server, process: str) -> Iterator[None]:
    """Whatever the test did to ``process``, it runs again afterwards (SIGCONT, then ``start`` for what died)."""
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            signal_group(server, process, signal.SIGCONT)
        started = server.script("start")
        assert started.returncode == 0, started.stdout + started.stderr


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-3000:]
    return lines[0]


def assert_chain_submitted_once(server: Server, name: str, submitted: subprocess.CompletedProcess[str]) -> None:
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    production = json.loads(submitted.stdout)
    state = probe(server, name)
    assert state["productions"] == 1 and state["transformations"] == 3 == len(production["transformations"]), state
    inputs = [lfn for lfn in state["tagged"] if "/_inputs/" in lfn or lfn.endswith("fruits.txt")]
    assert len(inputs) == 1, state  # the workflow's input file, registered once
    server.run("stop_production", name)  # its jobs are not what these tests look at: they would only load the server


def submit_chain(server: Server, tmp_path: Path, name: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return cwl2dirac(server, "submit", "--json", "--name", name, str(ENGINES / "chain.cwl"),
                     str(ENGINES / "chain.yml"), cwd=tmp_path, **extra)


def injected(server: Server, after: str, sig: str, process: str) -> dict[str, str]:
    """The environment that makes the submitting client send ``sig`` to ``process`` once step ``after`` is done."""
    return {"PYTHONPATH": str(INJECT), "CWL2DIRAC_TEST_SIGNAL_AFTER": after, "CWL2DIRAC_TEST_SIGNAL": sig,
            "CWL2DIRAC_TEST_SIGNAL_PGID": str(server.pid(process))}


# -- submission --------------------------------------------------------------------------------------------------
def test_transformation_manager_stopped_mid_submission(faults_server: Server, tmp_path: Path) -> None:
    """SIGSTOP of the TransformationManager (and the ProductionManager of its process) once the production is made:
    the start's calls time out, are retried within the bound, and the client stops with one line; once the service
    runs again, the same command completes the same production."""
    name = f"tmstop_{uuid.uuid4().hex[:6]}"
    with mended(faults_server, "Services-Production"):
        t0 = time.monotonic()
        stopped = submit_chain(faults_server, tmp_path, name, **SHORT_RETRIES,
                               **injected(faults_server, "create", "STOP", "Services-Production"))
        took = time.monotonic() - t0
        line = one_line_error(stopped)
        assert "timed out" in line.lower() or "timeout" in line.lower(), line
        assert took < 400, took  # bounded: DIRAC's default timeout (600 s a call) would hang it for much longer
    again = submit_chain(faults_server, tmp_path, name)
    assert_chain_submitted_once(faults_server, name, again)


def test_transformation_manager_killed_mid_submission(faults_server: Server, tmp_path: Path) -> None:
    """SIGKILL of the TransformationManager's process once the production is started: the next calls are refused,
    retried, then one line; restarted, the same command completes the same production (holds, annotations and
    inputs done once)."""
    name = f"tmkill_{uuid.uuid4().hex[:6]}"
    with mended(faults_server, "Services-Production"):
        killed = submit_chain(faults_server, tmp_path, name, **SHORT_RETRIES,
                              **injected(faults_server, "establish", "KILL", "Services-Production"))
        line = one_line_error(killed)
        assert "transformation" in line.lower() or "production" in line.lower(), line
    again = submit_chain(faults_server, tmp_path, name)
    assert_chain_submitted_once(faults_server, name, again)


def test_file_catalog_killed_mid_submission(faults_server: Server, tmp_path: Path) -> None:
    """SIGKILL of the File Catalog before the inputs are registered: one line; restarted, the same command
    registers the input once and completes the production."""
    name = f"fckill_{uuid.uuid4().hex[:6]}"
    with mended(faults_server, "Services-Catalog"):
        killed = submit_chain(faults_server, tmp_path, name, **SHORT_RETRIES,
                              **injected(faults_server, "annotate", "KILL", "Services-Catalog"))
        one_line_error(killed)
    again = submit_chain(faults_server, tmp_path, name)
    assert_chain_submitted_once(faults_server, name, again)


# -- running -----------------------------------------------------------------------------------------------------
def submit_waiting(server: Server, tmp_path: Path, name: str) -> tuple[Path, str]:
    """Submit the one-step production whose task waits for ``<sync>/go``; (sync directory, production id)."""
    sync = tmp_path / "sync"
    sync.mkdir()
    (tmp_path / "wait_sort.cwl").write_text(WAITING_TOOL)
    workflow = tmp_path / "wait.cwl"
    workflow.write_text(WAITING_WORKFLOW)
    job = tmp_path / "wait.yml"
    job.write_text(f"infile: {{class: File, location: {ENGINES / 'fruits.txt'}}}\nsync: {sync}\n")
    submitted = cwl2dirac(server, "submit", "--json", "--name", name, str(workflow), str(job), cwd=tmp_path)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    return sync, str(json.loads(submitted.stdout)["id"])


def started(sync: Path, server: Server, name: str, timeout: float = 300) -> list[int]:
    """The PIDs of the waiting tasks started so far (waits for the first; when none starts, the failure says where
    the production's tasks and jobs stand)."""
    return wait_until("the task to start", lambda: sorted(int(p.suffix[1:]) for p in sync.glob("started.*")),
                      timeout, explain=lambda: probe(server, name, catalog=False))


def watch_to_the_end(server: Server, name: str, tmp_path: Path, timeout: float = 600) -> dict[str, Any]:
    """``cwl2dirac status --watch``: it stops by itself, exit 0 when the production completed."""
    watched = cwl2dirac(server, "status", name, "--json", "--watch", "5", cwd=tmp_path, timeout=timeout)
    assert watched.returncode == 0, (watched.stdout[-3000:], watched.stderr[-3000:])
    last: dict[str, Any] = json.loads(watched.stdout.splitlines()[-1])
    return last


FINAL_JOBS = frozenset({"Done", "Failed", "Killed"})


def settled(server: Server, name: str, timeout: float = 180) -> dict[str, Any]:
    """The probe once every job of ``name`` is final: the worker marks its task Done at the end of the payload, and
    the job wrapper still uploads the sandbox before the WMS says Done (seconds, or a minute on a busy machine)."""
    state: dict[str, Any] = wait_until(
        "the jobs to end", lambda: (lambda s: s if set(s["jobs"].values()) <= FINAL_JOBS else None)(
            probe(server, name)), timeout, pause=5)
    return state


def assert_sorted_once(state: dict[str, Any], name: str) -> None:
    outputs = [lfn for lfn in state["lfns"] if "/sort/" in lfn]
    assert len(outputs) == 1 and outputs[0].endswith("sorted.txt"), state  # one output: never made twice
    assert outputs[0] in state["tagged"], state  # with its step's metadata: the child query finds it
    assert set(state["files"].values()) == {"Processed"}, state
    assert state["status"] == ["Completed"], state


@pytest.mark.parametrize("sig", [signal.SIGSTOP, signal.SIGKILL], ids=["stopped", "killed"])
def test_file_catalog_down_during_output_registration(faults_server: Server, tmp_path: Path,
                                                      sig: signal.Signals) -> None:
    """The File Catalog stops answering while a task runs: its output goes to its SE without a catalog entry, and
    the job's failover request (RegisterFile, then the metadata and the file status) registers it once the catalog
    is back; the step then completes, with its output registered once."""
    name = f"fcreg_{sig.name.lower()}_{uuid.uuid4().hex[:6]}"
    sync, _ = submit_waiting(faults_server, tmp_path, name)
    with mended(faults_server, "Services-Catalog"):
        started(sync, faults_server, name)
        signal_group(faults_server, "Services-Catalog", sig)
        (sync / "go").touch()
        state = wait_until(
            "the job to end with its failover request",
            lambda: (lambda s: s if set(s["jobs"].values()) & {"Completed", "Done", "Failed"} else None)(
                probe(faults_server, name, catalog=False)),
            600, pause=5,
        )
        assert set(state["jobs"].values()) == {"Completed"}, state  # its request waits: not Done, not Failed
        time.sleep(15)  # the RequestExecutingAgent tries the request meanwhile, and fails: the catalog is down
        assert set(probe(faults_server, name, catalog=False)["files"].values()) == {"Assigned"}
    watch_to_the_end(faults_server, name, tmp_path)
    state = settled(faults_server, name)
    assert_sorted_once(state, name)
    assert set(state["jobs"].values()) == {"Done"} and len(state["jobs"]) == 1, state  # one job: not run again


JOB_STATES = PROBE_PRELUDE + r'''
from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient
jobs = [int(j) for j in sys.argv[1:]]
states = JobMonitoringClient().getJobsStatus(jobs)["Value"]
print(json.dumps({str(j): s["Status"] for j, s in states.items()}))
'''


def job_states(server: Server, jobs: list[str]) -> dict[str, str]:
    """The WMS statuses of ``jobs`` (asked of the WMS alone: the Transformation System may be down)."""
    proc = subprocess.run([sys.executable, "-c", JOB_STATES, *jobs], env=client_env(server), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_transformation_manager_killed_while_a_task_marks_its_input_processed(faults_server: Server,
                                                                             tmp_path: Path) -> None:
    """The TransformationManager killed while a task runs: its output is registered, but its input cannot be
    marked Processed; that goes to the job's failover request (SetFileStatus), and the task is not marked Done by
    the worker (the WMS tells the transformation later). Once the service is back, the request marks the input
    Processed and the step completes: one job, one output."""
    name = f"tmreg_{uuid.uuid4().hex[:6]}"
    sync, _ = submit_waiting(faults_server, tmp_path, name)
    started(sync, faults_server, name)
    jobs = sorted(probe(faults_server, name, catalog=False)["jobs"])
    assert len(jobs) == 1, jobs
    with mended(faults_server, "Services-Production"):
        signal_group(faults_server, "Services-Production", signal.SIGKILL)
        (sync / "go").touch()
        states = wait_until(
            "the job to end with its failover request",
            lambda: (lambda s: s if set(s.values()) & {"Completed", "Done", "Failed"} else None)(
                job_states(faults_server, jobs)),
            600, pause=5,
        )
        assert set(states.values()) == {"Completed"}, states  # its request waits for the service: not Done
    watch_to_the_end(faults_server, name, tmp_path)
    state = settled(faults_server, name)
    assert_sorted_once(state, name)
    assert set(state["jobs"].values()) == {"Done"} and list(state["jobs"]) == jobs, state  # the same job, once


def test_mariadb_restarted_mid_production(faults_server: Server, tmp_path: Path) -> None:
    """MariaDB restarted while a task runs: DIRAC's services reconnect, the task's job finishes, and the production
    completes with one output."""
    name = f"mariadb_{uuid.uuid4().hex[:6]}"
    sync, _ = submit_waiting(faults_server, tmp_path, name)
    started(sync, faults_server, name)
    signal_group(faults_server, "MariaDB", signal.SIGTERM)
    wait_until("MariaDB to stop", lambda: not _alive(faults_server.pid("MariaDB")), 60)
    restarted = faults_server.script("start")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    (sync / "go").touch()
    watch_to_the_end(faults_server, name, tmp_path)
    state = probe(faults_server, name)
    assert_sorted_once(state, name)


def test_a_job_killed_mid_run_is_retried(faults_server: Server, tmp_path: Path) -> None:
    """The task's payload killed (SIGKILL) while it runs: the job fails, the recovery policy gives its file to a
    new task, which completes; one output."""
    name = f"jobkill_{uuid.uuid4().hex[:6]}"
    sync, _ = submit_waiting(faults_server, tmp_path, name)
    (pid,) = started(sync, faults_server, name)
    os.kill(pid, signal.SIGKILL)
    (sync / "go").touch()
    last = watch_to_the_end(faults_server, name, tmp_path)
    state = settled(faults_server, name)
    assert_sorted_once(state, name)
    assert sorted(state["jobs"].values()) == ["Done", "Failed"], state  # the killed job, then its retry
    assert last["complete"] is True, last


def test_a_job_whose_node_died_is_found_stalled(faults_server: Server, tmp_path: Path) -> None:
    """The JobAgent running the task killed with its job (a node gone with its pilot): the WMS still says Running,
    nobody will say otherwise. The controller finds the job silent (a minute on this server), kills it in the WMS
    and gives its file to a new task, which a new JobAgent runs; one output."""
    name = f"stalled_{uuid.uuid4().hex[:6]}"
    sync, _ = submit_waiting(faults_server, tmp_path, name)
    (pid,) = started(sync, faults_server, name)
    agent = _jobagent_of(faults_server, pid)
    with mended(faults_server, agent):
        signal_group(faults_server, agent, signal.SIGKILL)
        for task_process in _processes_under(faults_server.state / "jobagents" / agent.split("-")[1]):
            with contextlib.suppress(ProcessLookupError):
                os.kill(task_process, signal.SIGKILL)  # its job wrapper and payload go with the node
        wait_until("the task to die with its node", lambda: not _alive(pid), 30)
    (sync / "go").touch()
    last = watch_to_the_end(faults_server, name, tmp_path, timeout=900)
    state = settled(faults_server, name)
    assert_sorted_once(state, name)
    assert sorted(state["jobs"].values()) == ["Done", "Killed"], state  # the silent job, killed; then its retry
    assert last["complete"] is True, last


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _jobagent_of(server: Server, pid: int) -> str:
    """The JobAgent (``JobAgent-<n>``) that runs task process ``pid``: its job runs under ``jobagents/<n>/``."""
    cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
    root = server.state / "jobagents"
    assert cwd.is_relative_to(root), cwd
    return f"JobAgent-{cwd.relative_to(root).parts[0]}"


def _processes_under(directory: Path) -> list[int]:
    """The processes whose working directory is in ``directory``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if Path(os.readlink(entry / "cwd")).is_relative_to(directory):
                    found.append(int(entry.name))
    return found
