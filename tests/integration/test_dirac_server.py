"""The local DIRAC server against DIRAC's own clients and agents (real services, real jobs; nothing mocked).

Ids (jobs, productions, transformations) are whatever the server gives: the database lives as long as the
state directory, so earlier runs' objects are there too. Each test names its files and productions with a
fresh run id.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid

from server_support import SCRIPT, Server

COMPONENTS = [
    "MariaDB", "Configuration/Server", "Framework/ProxyManager", "Production/ProductionManager",
    "Transformation/TransformationManager", "DataManagement/FileCatalog", "WorkloadManagement/JobManager",
    "WorkloadManagement/JobMonitoring", "WorkloadManagement/JobStateUpdate", "WorkloadManagement/Matcher",
    "WorkloadManagement/OptimizationMind", "WorkloadManagement/SandboxStore", "ResourceStatus/ResourceStatus",
    "RequestManagement/ReqManager", "WorkloadManagement/Optimizers", "Transformation/InputDataAgent",
    "Transformation/TransformationAgent", "Transformation/WorkflowTaskAgent",
    "RequestManagement/RequestExecutingAgent", "Production/ProductionControllerAgent",
    "WorkloadManagement/JobAgent",
]


def run_id() -> str:
    return uuid.uuid4().hex[:10]


def test_status_every_component_up(dirac_server: Server) -> None:
    proc = subprocess.run(["bash", str(SCRIPT), "status"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line and not line.startswith("dirac-")}
    for component in COMPONENTS:
        assert component in rows, f"{component} missing from status:\n{proc.stdout}"
        assert re.search(r"\sup\s", rows[component]), rows[component]
    assert "all" in proc.stdout.splitlines()[-1]


def test_start_again_is_quick(dirac_server: Server) -> None:
    t0 = time.monotonic()
    proc = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "already running" in proc.stdout
    assert time.monotonic() - t0 < 15


def test_the_server_version_is_read_before_a_submission(dirac_server: Server) -> None:
    """cwl2dirac reads the ProductionManager's DIRAC version from its ping (refusing 9.1.13-9.1.17, checking what an
    older ProductionDB stores unescaped): the server runs the development environment's DIRAC."""
    from cwl2dirac.backends.dirac.versions import parse_version

    result = dirac_server.run("server_version")
    assert result["server"] is not None and tuple(result["server"]) == parse_version(result["client"]), result


def test_echo_job_goes_to_done_with_its_sandbox(dirac_server: Server) -> None:
    result = dirac_server.run("echo_job", "150")
    assert result["status"] == "Done", result
    statuses = [s for s, _ in result["history"]]
    assert "Matched" in statuses or "Running" in statuses, result  # went through the Matcher and a JobAgent
    assert result["sandbox_ok"], result
    assert result["marker_in_log"], result


def test_metadata_on_directories_and_files(dirac_server: Server) -> None:
    run = run_id()
    result = dirac_server.run("metadata", run)
    a, b = result["lfns"]
    assert result["both"] == [a]  # directory-level itest_run and file-level itest_kind together
    assert result["dir_only"] == [a, b]
    assert result["none"] == []
    assert result["fields"]["DirectoryMetaFields"]["itest_run"].lower() == "varchar(128)"
    assert result["fields"]["FileMetaFields"]["itest_kind"].lower() == "varchar(128)"


def test_two_step_production_runs_through_dirac_agents(dirac_server: Server) -> None:
    """4 files -> step 1 (group size 2): 2 tasks/jobs, each registering 1 output -> step 2: 2 tasks/jobs."""
    result = dirac_server.run("production", run_id(), "4", "360")
    step1, step2 = (str(t) for t in result["transformations"])
    assert result["queries"][step2][0] == result["queries"][step1][1]  # step 2 reads what step 1 writes
    for step in (step1, step2):
        jobs = result["jobs"][step]
        assert len(jobs) == result["expected_jobs"][step], result
        assert set(jobs.values()) == {"Done"}, result
    assert result["files"][step1] == ["Processed"] * 4, result
    assert result["files"][step2] == ["Processed"] * 2, result
    # a production made by hand, not by cwl2dirac: recover refuses it unless told to
    env = {k: v for k, v in os.environ.items() if k not in dirac_server.unset}
    env.update(dirac_server.env)
    refused = subprocess.run([sys.executable, "-m", "cwl2dirac", "recover", str(result["production_id"])],
                             env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "was not made by cwl2dirac" in refused.stderr, refused.stderr
    assert refused.stderr.count("\n") == 1, refused.stderr
    forced = subprocess.run([sys.executable, "-m", "cwl2dirac", "recover", "--force", "--dry-run",
                             str(result["production_id"])], env=env, capture_output=True, text=True, timeout=120)
    assert forced.returncode == 0 and "nothing to recover" in forced.stderr, forced.stderr


def test_failover_request_is_executed(dirac_server: Server) -> None:
    result = dirac_server.run("failover", run_id(), "120")
    assert result["status"] == "Done", result
    assert not result["in_catalog_before"]
    assert result["in_catalog_after"]
    assert result["replicas"] == ["LOCAL-DISK"]


def test_controller_agent_runs(dirac_server: Server) -> None:
    deadline = time.monotonic() + 60
    while True:
        log = dirac_server.log("ProductionControllerAgent")
        current = log[log.rfind("starting ProductionControllerAgent") :]  # since the server's last start
        loaded = "Loaded agent module Production/ProductionControllerAgent" in current
        cycled = re.search(r"cwl2dirac production controller (not available|cycle)", current)
        if (loaded and cycled) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert loaded, current[-3000:]
    assert cycled, current[-3000:]
