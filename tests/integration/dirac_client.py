"""Scenarios run against the local DIRAC server, each in a fresh Python process (``python dirac_client.py NAME
ARGS...``; the last stdout line is the JSON result).

A fresh process per scenario because DIRAC keeps process-wide state (``DIRAC.rootPath`` read at import, one
``gConfig``, one command-line parse) and other tests of the suite import DIRAC offline, without any server.
The environment is the server's client environment (``scripts/dirac-server.sh env``), set by the fixture.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SE = "LOCAL-DISK"
FINAL = ("Done", "Failed", "Killed", "Deleted")


def _init() -> None:
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(var, None)
    import DIRAC

    DIRAC.initialize()


def ok(result: dict[str, Any], what: str) -> Any:
    if not result.get("OK"):
        raise RuntimeError(f"{what}: {result.get('Message')}")
    return result.get("Value")


def call(func: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """A DIRAC client call, once: a new connection to the tests' server does not fail (docs/dirac-server.md,
    "TLS handshake failures"), and a failure here is the test's to see."""
    result: dict[str, Any] = func(*args, **kwargs)
    return result


def _job_status(ids: list[int]) -> dict[int, str]:
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    value = ok(call(JobMonitoringClient().getJobsStatus, ids), "getJobsStatus")
    return {int(k): v["Status"] for k, v in value.items()}


def _wait_jobs(ids: list[int], timeout: float) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        status = _job_status(ids)
        if all(s in FINAL for s in status.values()) or time.monotonic() > deadline:
            return status
        time.sleep(1)


# ---------------------------------------------------------------------------------------------------------------


def echo_job(timeout: str = "120") -> dict[str, Any]:
    """Dirac().submitJob of a Job running /bin/echo; wait for Done; fetch the output sandbox."""
    from DIRAC.Interfaces.API.Dirac import Dirac
    from DIRAC.Interfaces.API.Job import Job

    marker = f"hello-{uuid.uuid4().hex[:8]}"
    job = Job()
    job.setName("cwl2dirac-itest-echo")
    job.setExecutable("/bin/echo", arguments=marker, logFile="echo.log")
    job.setOutputSandbox(["echo.log"])
    dirac = Dirac()
    t0 = time.monotonic()
    job_id = ok(call(dirac.submitJob, job), "submitJob")
    history = []
    deadline = t0 + float(timeout)
    status = None
    while time.monotonic() < deadline:
        status = _job_status([job_id])[job_id]
        if not history or history[-1][0] != status:
            history.append((status, round(time.monotonic() - t0, 1)))
        if status in FINAL:
            break
        time.sleep(0.5)
    out = tempfile.mkdtemp(prefix="cwl2dirac-itest-sb-")
    sandbox = call(dirac.getOutputSandbox, job_id, outputDir=out, noJobDir=True)
    log = Path(out, "echo.log")
    return {
        "job_id": job_id,
        "status": status,
        "history": history,
        "seconds": round(time.monotonic() - t0, 1),
        "sandbox_ok": bool(sandbox.get("OK")),
        "sandbox_message": sandbox.get("Message"),
        "marker_in_log": log.exists() and marker in log.read_text(),
    }


def _ensure_field(fc, name: str, ftype: str, level: str) -> None:
    """A metadata field at directory (``-d``) or file (``-f``) level."""
    fields = ok(call(fc.getMetadataFields), "getMetadataFields")
    existing = fields.get("DirectoryMetaFields" if level == "-d" else "FileMetaFields", {})
    if name not in existing:
        ok(call(fc.addMetadataField, name, ftype, level), f"addMetadataField {name}")


def _put(lfn: str, text: str, dir_meta: dict[str, Any], file_meta: dict[str, Any]) -> None:
    from DIRAC.DataManagementSystem.Client.DataManager import DataManager
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog

    fc = FileCatalog()
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp, os.path.basename(lfn))
        local.write_text(text)
        result = ok(call(DataManager().putAndRegister, lfn, str(local), SE), f"putAndRegister {lfn}")
        if lfn not in result.get("Successful", {}):
            raise RuntimeError(f"putAndRegister {lfn}: {result}")
    if dir_meta:
        ok(call(fc.setMetadata, os.path.dirname(lfn), dir_meta), "setMetadata (directory)")
    if file_meta:
        ok(call(fc.setMetadata, lfn, file_meta), "setMetadata (file)")


def metadata(run: str) -> dict[str, Any]:
    """putAndRegister + directory- and file-level metadata; findFilesByMetadata on both."""
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog

    fc = FileCatalog()
    _ensure_field(fc, "itest_run", "VARCHAR(128)", "-d")
    _ensure_field(fc, "itest_kind", "VARCHAR(128)", "-f")
    base = f"/cwl2dirac/itest/{run}/meta"
    lfns = [f"{base}/a.txt", f"{base}/b.txt"]
    _put(lfns[0], "a", {"itest_run": run}, {"itest_kind": "alpha"})
    _put(lfns[1], "b", {}, {"itest_kind": "beta"})
    return {
        "lfns": lfns,
        "both": sorted(ok(call(fc.findFilesByMetadata, {"itest_run": run, "itest_kind": "alpha"}), "find both")),
        "dir_only": sorted(ok(call(fc.findFilesByMetadata, {"itest_run": run}), "find dir")),
        "none": sorted(ok(call(fc.findFilesByMetadata, {"itest_run": run, "itest_kind": "gamma"}), "find none")),
        "fields": ok(fc.getMetadataFields(), "getMetadataFields"),
    }


def _body(name: str, step: int, run: str) -> str:
    """A job template built with DIRAC's Job API, as cwl2dirac's bodies are."""
    from DIRAC.Interfaces.API.Job import Job

    job = Job()
    job.setName(name)
    job.setType("DataReprocessing")
    job.setLogLevel("INFO")
    job.setOutputSandbox(["*.log"])
    job.setExecutable("/bin/echo", arguments=f"step {step} task @{{JOB_ID}} of transformation @{{PRODUCTION_ID}}",
                      logFile="echo.log")
    # A tiny script: checks the task's InputData was downloaded into the working directory, then registers
    # one output whose metadata match the next step's input query.
    job.setExecutable(sys.executable, arguments=f"{HERE / 'job_step.py'} {run} {step} @{{PRODUCTION_ID}} @{{JOB_ID}}",
                      logFile="job_step.log")
    return job.workflow.toXML()


def production(run: str, files: str = "4", timeout: str = "300") -> dict[str, Any]:
    """A 2-step production; the agents turn registered files into tasks and jobs of both steps."""
    from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
    from DIRAC.ProductionSystem.Client.ProductionStep import ProductionStep
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
    from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient

    fc = FileCatalog()
    _ensure_field(fc, "itest_run", "VARCHAR(128)", "-d")
    _ensure_field(fc, "itest_level", "INT", "-f")
    t0 = time.monotonic()

    # Queries: levels start at 1 (TransformationDB drops falsy query values such as 0)
    def query(level: int) -> dict[str, Any]:
        return {"itest_run": run, "itest_level": level}

    client = ProductionClient()
    steps = []
    for step, parent in ((1, None), (2, 0)):
        ps = ProductionStep()
        ps.Name = f"itest{step}"
        ps.Type = "DataReprocessing"
        ps.Plugin = "Standard"
        ps.AgentType = "Automatic"
        ps.GroupSize = 2 if step == 1 else 1
        ps.Inputquery = query(step)
        ps.Outputquery = query(step + 1)
        ps.Body = _body(f"itest-step{step}", step, run)
        if parent is not None:
            ps.ParentStep = steps[parent]
        ok(client.addProductionStep(ps), "addProductionStep")
        steps.append(ps)
    name = f"cwl2dirac-itest-{run}"
    ok(client.addProduction(name, json.dumps(client.prodDescription)), "addProduction")
    ok(client.startProduction(name), "startProduction")
    prod_id = ok(client.getProduction(name), "getProduction")["ProductionID"]
    trans = sorted(ok(client.getProductionTransformations(prod_id), "getProductionTransformations"),
                   key=lambda t: t["TransformationID"])
    trans_ids = [int(t["TransformationID"]) for t in trans]
    t_started = time.monotonic() - t0

    # Input data for step 1
    n = int(files)
    for i in range(n):
        _put(f"/cwl2dirac/itest/{run}/input/f{i}.txt", f"input {i}\n", {"itest_run": run}, {"itest_level": 1})
    t_registered = time.monotonic()

    tc = TransformationClient()
    deadline = time.monotonic() + float(timeout)
    seen: dict[int, dict[int, str]] = {}
    first_job: dict[int, float] = {}
    expected = {trans_ids[0]: n // 2, trans_ids[1]: n // 2}
    while time.monotonic() < deadline:
        done = True
        for tid in trans_ids:
            tasks = ok(call(tc.getTransformationTasks, {"TransformationID": tid}), "getTransformationTasks")
            wms = [int(t["ExternalID"]) for t in tasks if str(t["ExternalID"]) not in ("", "0")]
            if wms and tid not in first_job:
                first_job[tid] = round(time.monotonic() - t_registered, 1)
            seen[tid] = _job_status(wms) if wms else {}
            if len(seen[tid]) < expected[tid] or not all(s in FINAL for s in seen[tid].values()):
                done = False
        if done:
            break
        time.sleep(2)
    files_status = {
        tid: sorted(f["Status"] for f in ok(tc.getTransformationFiles({"TransformationID": tid}), "files"))
        for tid in trans_ids
    }
    queries = {tid: [ok(tc.getTransformationMetaQuery(tid, q), "metaquery") for q in ("Input", "Output")]
               for tid in trans_ids}
    # Leave nothing for the agents to poll: every Active transformation costs each agent cycle a catalog
    # query and a few service calls, and the database outlives the test run.
    for tid in trans_ids:
        ok(tc.setTransformationParameter(tid, "Status", "Completed"), "complete transformation")
    return {
        "production_id": prod_id,
        "transformations": trans_ids,
        "queries": queries,
        "jobs": {tid: seen.get(tid, {}) for tid in trans_ids},
        "files": files_status,
        "expected_jobs": expected,
        "first_job_after_registration": first_job,
        "seconds_start_production": round(t_started, 1),
        "seconds_total": round(time.monotonic() - t0, 1),
    }


def failover(run: str, timeout: str = "120") -> dict[str, Any]:
    """A file on the SE but not in the catalog, and a RegisterFile request for it: the RequestExecutingAgent
    registers it (what a job's failover request does when the catalog was down at upload time)."""
    from DIRAC.Core.Utilities.Adler import fileAdler
    from DIRAC.RequestManagementSystem.Client.File import File
    from DIRAC.RequestManagementSystem.Client.Operation import Operation
    from DIRAC.RequestManagementSystem.Client.ReqClient import ReqClient
    from DIRAC.RequestManagementSystem.Client.Request import Request
    from DIRAC.Resources.Catalog.FileCatalog import FileCatalog
    from DIRAC.Resources.Storage.StorageElement import StorageElement

    lfn = f"/cwl2dirac/itest/{run}/failover/f.txt"
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp, "f.txt")
        local.write_text(f"failover {run}\n")
        se = StorageElement(SE)
        ok(se.putFile({lfn: str(local)}), "putFile")
        pfn = ok(se.getURL(lfn, protocol="file"), "getURL")["Successful"][lfn]
        checksum, size = fileAdler(str(local)), local.stat().st_size
    fc = FileCatalog()
    before = ok(fc.exists(lfn), "exists")["Successful"].get(lfn)

    request = Request()
    request.RequestName = f"cwl2dirac-itest-failover-{run}"
    op = Operation()
    op.Type = "RegisterFile"
    op.TargetSE = SE
    f = File()
    f.LFN, f.PFN, f.Size, f.Checksum, f.ChecksumType, f.GUID = lfn, pfn, size, checksum, "ADLER32", str(uuid.uuid4())
    op.addFile(f)
    request.addOperation(op)
    rc = ReqClient()
    req_id = ok(rc.putRequest(request), "putRequest")
    t0 = time.monotonic()
    status = None
    while time.monotonic() - t0 < float(timeout):
        status = ok(call(rc.getRequestStatus, req_id), "getRequestStatus")
        if status in ("Done", "Failed", "Canceled"):
            break
        time.sleep(1)
    after = ok(fc.exists(lfn), "exists")["Successful"].get(lfn)
    replicas = ok(fc.getReplicas(lfn), "getReplicas")["Successful"].get(lfn, {})
    return {"request_id": req_id, "status": status, "seconds": round(time.monotonic() - t0, 1),
            "in_catalog_before": bool(before), "in_catalog_after": bool(after), "replicas": sorted(replicas)}


def stop_production(name: str) -> dict[str, Any]:
    """Every transformation of production ``name`` set aside (a failed one's files would be tried again): Completed,
    not Stopped, which DIRAC's WorkflowTaskAgent and the controller still poll every cycle — on the server all the
    tests share, their cycles grew from 0.2 s to 15 s over a CI run as the Stopped ones piled up."""
    _init()
    from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
    from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient

    tc = TransformationClient()
    stopped = []
    for row in ok(call(ProductionClient().getProductionTransformations, name), "transformations"):
        ok(call(tc.setTransformationParameter, row["TransformationID"], "Status", "Completed"), "stop")
        stopped.append(row["TransformationID"])
    return {"stopped": stopped}


def server_version() -> dict[str, Any]:
    """The ProductionManager's DIRAC version as cwl2dirac reads it before a submission, beside this client's."""
    import DIRAC

    from cwl2dirac.backends.dirac._clients import DiracClients

    return {"server": DiracClients().production_version(), "client": DIRAC.version}


SCENARIOS = {"echo_job": echo_job, "metadata": metadata, "production": production, "failover": failover,
             "stop_production": stop_production, "server_version": server_version}

if __name__ == "__main__":
    _init()
    result = SCENARIOS[sys.argv[1]](*sys.argv[2:])
    print(json.dumps(result, default=str))
