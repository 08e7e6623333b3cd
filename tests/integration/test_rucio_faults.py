"""Faults of Rucio, DIRAC's catalog, during a production (issue 18), on the DIRAC whose catalog is Rucio
(``rucio_dirac_server``). These tests stop and kill the Rucio server itself: every test that uses Rucio runs on
one pytest-xdist worker, one after the other (tests/conftest.py SERIAL_GROUPS), and Rucio is started again
whatever happens (``rucio_mended``).

Only a dead Rucio is tested, not a frozen one: a Rucio client waits for a server that accepts connections and never
answers for its whole timeout (600 s by default).
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
from collections.abc import Iterator
from pathlib import Path

from server_support import PROBE_PRELUDE, Server
from suite_servers import RUCIO_SCRIPT, rucio_state
from support.outputs import normalise
from test_faults import client_env, probe, started, submit_waiting, wait_until, watch_to_the_end
from test_productions import ENGINES, cwltool
from test_rucio_dirac import rucio_files


def _rucio_script(command: str) -> None:
    proc = subprocess.run(["bash", str(RUCIO_SCRIPT), command], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@contextlib.contextmanager
def rucio_mended() -> Iterator[None]:
    """Whatever the test did to Rucio, it runs again afterwards."""
    try:
        yield
    finally:
        _rucio_script("start")


def kill_rucio() -> None:
    """SIGKILL to Rucio's gunicorn, master and workers (one process group: gunicorn daemonizes)."""
    pid = int((rucio_state() / "gunicorn.pid").read_text().strip())
    group = os.getpgid(pid)  # gunicorn's session (its daemonizing fork made it), not the master's pid
    assert group != os.getpgrp()
    os.killpg(group, signal.SIGKILL)
    wait_until("Rucio to be dead", lambda: subprocess.run(["bash", str(RUCIO_SCRIPT), "status"],
                                                         capture_output=True).returncode != 0, 60, pause=1)


def test_rucio_killed_during_output_registration(rucio_dirac_server: Server, tmp_path: Path) -> None:
    """Rucio dies while a task runs: its output goes to its SE unregistered; the job's failover request
    (RegisterFile, then SetCatalogMetadata, then the input's status) registers it once Rucio is back; the step then
    completes, its output registered once, with its metadata, by one job."""
    name = f"rkill_{uuid.uuid4().hex[:8]}"
    sync, _ = submit_waiting(rucio_dirac_server, tmp_path, name)
    with rucio_mended():
        started(sync, rucio_dirac_server, name)
        kill_rucio()
        (sync / "go").touch()
        state = wait_until(
            "the job to end with its failover request",
            lambda: (lambda s: s if set(s["jobs"].values()) & {"Completed", "Done", "Failed"} else None)(
                probe(rucio_dirac_server, name, catalog=False)),
            600, pause=5,
        )
        assert set(state["jobs"].values()) == {"Completed"}, state  # its request waits: not Done, not Failed
        time.sleep(15)  # the RequestExecutingAgent tries the request meanwhile, and fails: Rucio is dead
        assert set(probe(rucio_dirac_server, name, catalog=False)["files"].values()) == {"Assigned"}
    watch_to_the_end(rucio_dirac_server, name, tmp_path)
    state = wait_until("the job to be Done", lambda: (lambda s: s if set(s["jobs"].values()) == {"Done"} else None)(
        probe(rucio_dirac_server, name, catalog=False)), 180, pause=5)
    assert len(state["jobs"]) == 1 and set(state["files"].values()) == {"Processed"}, state
    outputs = {lfn: f for lfn, f in rucio_files(rucio_dirac_server, name).items() if "/sort/" in lfn}
    assert len(outputs) == 1, outputs  # registered once
    [(lfn, info)] = outputs.items()
    assert lfn.endswith("/sorted.txt") and info["metadata"]["cwl2dirac_step"] == "sort", outputs
    assert info["rses"] == ["LOCAL-DISK"], info


def test_rucio_and_postgresql_restarted_mid_production(rucio_dirac_server: Server, tmp_path: Path) -> None:
    """Rucio and its PostgreSQL stopped and started again once the chain's first step is complete: the production
    goes on to cwltool's outputs."""
    workflow, job = ENGINES / "chain.cwl", ENGINES / "chain.yml"
    name = f"rpg_{uuid.uuid4().hex[:8]}"
    run = subprocess.Popen(
        [sys.executable, "-m", "cwl2dirac", "run", "--backend", "dirac", "--name", name, "--outdir",
         str(tmp_path / "out"), "--timeout", "840", str(workflow), str(job)],
        env=client_env(rucio_dirac_server), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=str(tmp_path),
    )
    try:
        with rucio_mended():
            wait_until("the first step to complete", lambda: _step_complete(rucio_dirac_server, name, tmp_path),
                       600, pause=3)
            _rucio_script("stop")
            time.sleep(10)
        stdout, stderr = run.communicate(timeout=900)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, stderr[-4000:]
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(json.loads(stdout)) == normalise(want)


def _step_complete(server: Server, name: str, tmp_path: Path) -> bool:
    status = subprocess.run([sys.executable, "-m", "cwl2dirac", "status", name, "--json"], env=client_env(server),
                            capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    if status.returncode != 0:
        return False
    steps = json.loads(status.stdout).get("steps") or []
    return bool(steps) and bool(steps[0].get("complete"))


FROZEN_CALL = PROBE_PRELUDE + r"""
import os, signal
from DIRAC.Resources.Catalog.FileCatalogFactory import FileCatalogFactory
catalog = FileCatalogFactory().createCatalog("RucioFileCatalog")["Value"]  # made while Rucio answers
catalog._timeout = int(sys.argv[2])  # the catalog option Timeout, as the configuration would give it
assert catalog.exists(["/cwl2dirac/nothing"])["OK"]
os.killpg(int(sys.argv[1]), signal.SIGSTOP)
try:
    start = time.monotonic()
    result = catalog.exists(["/cwl2dirac/nothing"])
    print(json.dumps({"ok": result["OK"], "seconds": time.monotonic() - start}))
finally:
    os.killpg(int(sys.argv[1]), signal.SIGCONT)
"""


def test_a_frozen_rucio_holds_a_call_for_the_catalog_timeout(rucio_dirac_server: Server) -> None:
    """Rucio stopped (SIGSTOP: it accepts connections and never answers): a call of DIRAC's catalog client fails
    after the catalog's ``Timeout`` (here 5 s; 120 s by default), not after the Rucio client's 600 s."""
    group = os.getpgid(int((rucio_state() / "gunicorn.pid").read_text().strip()))
    assert group != os.getpgrp()
    try:
        proc = subprocess.run([sys.executable, "-c", FROZEN_CALL, str(group), "5"],
                              env=client_env(rucio_dirac_server), capture_output=True, text=True, timeout=200)
    finally:
        os.killpg(group, signal.SIGCONT)  # whatever became of the probe
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # the ping (5 s), a new client's authentication (5 s), the call: far below the 600 s of Rucio's default
    assert result["ok"] is False and result["seconds"] < 60, result
