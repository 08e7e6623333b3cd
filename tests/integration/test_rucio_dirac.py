"""Productions on a DIRAC whose one catalog is Rucio (issue 18): ``scripts/dirac-server.sh start --catalog rucio``
beside the real Rucio of scripts/rucio-server.sh (PostgreSQL 15, Rucio 41), started once per run and stopped when
the suite ends; a test fails, never skips, when they cannot start.

Everything goes through DIRAC as a CTAO production would: cwl2dirac's submission registers the workflow's inputs
(DIRAC's storage element, then the master catalog: the extension's ``RucioFileCatalogClient``), DIRAC's
InputDataAgent asks Rucio's metadata for each step's files, the worker in each job uploads and registers its
outputs through DIRAC's DataManager and sets their metadata in Rucio. Each run is compared with cwltool's output
object, and Rucio itself is read: every output a DID of the production's scope with its step's metadata, in its
task's dataset, and none of it in the DIRAC File Catalog (whose service still runs on that server, unused).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from server_support import PROBE_PRELUDE, Server
from support.outputs import normalise
from test_productions import CONTENT, ENGINES, REPO, cwl2dirac, cwltool, run_id, run_on_dirac, server_env

RUCIO_PROBE = r"""
import json, sys
from rucio.client import Client
client = Client()
scope = sys.argv[1]
out = {}
for did in client.list_dids(scope, {}, did_type="file"):
    parents = [p["name"] for p in client.list_parent_dids(scope, did)]
    replicas = [r for rep in client.list_replicas([{"scope": scope, "name": did}]) for r in rep["rses"]]
    out[did] = {"metadata": client.get_metadata(scope, did, plugin="JSON"), "parents": parents, "rses": replicas}
print(json.dumps(out))
"""
"""Every file DID of a scope: its JSON metadata, the collections it is attached to, the RSEs of its replicas."""

DFC_PROBE = PROBE_PRELUDE + r"""
from DIRAC.Resources.Catalog.FileCatalogClient import FileCatalogClient
result = FileCatalogClient("DataManagement/FileCatalog").exists(sys.argv[1:])
assert result["OK"], result
print(json.dumps(result["Value"]["Successful"]))
"""


def rucio_files(server: Server, scope: str) -> dict[str, dict[str, Any]]:
    proc = subprocess.run([sys.executable, "-c", RUCIO_PROBE, scope], env=server_env(server), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    files: dict[str, dict[str, Any]] = json.loads(proc.stdout)
    return files


def in_dirac_file_catalog(server: Server, lfns: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", DFC_PROBE, *lfns], env=server_env(server), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found: dict[str, Any] = json.loads(proc.stdout)
    return found


def _outputs_are_in_rucio(server: Server, name: str, steps: list[str]) -> dict[str, dict[str, Any]]:
    """The production's files in Rucio (scope = the production's name, the LFNs' second part): the inputs it
    registered and every step's outputs, each with the metadata its children's queries select on, in its
    directory's dataset, on the server's disk SE; none of them in the DIRAC File Catalog."""
    files = rucio_files(server, name)
    by_step: dict[str, list[str]] = {}
    for lfn, info in files.items():
        assert lfn.startswith(f"/cwl2dirac/{name}/"), lfn
        meta = info["metadata"]
        assert meta["cwl2dirac_production"] == name, (lfn, meta)
        by_step.setdefault(meta["cwl2dirac_step"], []).append(lfn)
        assert info["parents"] == [lfn.rsplit("/", 1)[0]], (lfn, info)  # DIRAC's layout: the directory a dataset
        assert info["rses"] == ["LOCAL-DISK"], (lfn, info)
    assert sorted(by_step) == sorted(["_inputs", *steps]), by_step
    assert not any(in_dirac_file_catalog(server, sorted(files)).values())
    return files


def test_chain_through_rucio(rucio_dirac_server: Server, tmp_path: Path) -> None:
    """The 3-step chain (sort, upper, count): cwltool's outputs; inputs and outputs in Rucio, not in the DFC."""
    workflow, job = ENGINES / "chain.cwl", ENGINES / "chain.yml"
    name = f"rchain_{run_id()}"
    got = run_on_dirac(rucio_dirac_server, tmp_path, workflow, job, name)
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got) == normalise(want)
    files = _outputs_are_in_rucio(rucio_dirac_server, name, ["sort", "upper", "count"])
    outputs = {info["metadata"]["cwl2dirac_output"] for info in files.values()
               if info["metadata"]["cwl2dirac_step"] == "count"}
    assert outputs == {"count", "n"}
    status = cwl2dirac(rucio_dirac_server, "status", name, "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["complete"] is True


def test_side_input_step_waits_for_its_producer_through_rucio(rucio_dirac_server: Server, tmp_path: Path) -> None:
    """``apply`` reads the model ``train`` made (a side input, found by a Rucio meta-query): held back until
    ``train`` is complete, then released by the controller."""
    workflow, job = ENGINES / "side_input.cwl", ENGINES / "side_input.yml"
    name = f"rside_{run_id()}"
    got = run_on_dirac(rucio_dirac_server, tmp_path, workflow, job, name)
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got) == normalise(want)
    _outputs_are_in_rucio(rucio_dirac_server, name, ["train", "apply", "merge"])


def test_ctao_process_merge_through_rucio(rucio_dirac_server: Server, tmp_path: Path) -> None:
    """CTAO's example with real ctapipe on the two real LST files: each registered in Rucio, processed by its own
    job, the DL1 files merged by ctapipe-merge from what Rucio's metadata query gives."""
    workflow, job = REPO / "cwl" / "workflows" / "process_merge.cwl", REPO / "examples" / "process_merge.yml"
    name = f"rpm_{run_id()}"
    got = run_on_dirac(rucio_dirac_server, tmp_path, workflow, job, name)
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(workflow), str(job), cwd=tmp_path)
    assert normalise(got, CONTENT) == normalise(want, CONTENT)  # ctapipe writes dates and paths into its files
    import tables

    with tables.open_file(got["merged_file"]["path"]) as h5:
        assert h5.root.dl1.event.subarray.trigger.nrows == 4  # 1 + 3 events
    files = rucio_files(rucio_dirac_server, name)
    inputs = sorted(Path(lfn).name for lfn, f in files.items() if f["metadata"]["cwl2dirac_step"] == "_inputs")
    assert len(inputs) == 2 and all(n.endswith(".simtel.zst") for n in inputs), inputs


def test_a_name_that_cannot_be_a_rucio_scope_is_refused_before_anything(
    rucio_dirac_server: Server, tmp_path: Path
) -> None:
    """The LFNs' second part is their Rucio scope: a production name Rucio cannot take as a scope (over 25
    characters) is one line before anything is sent; no production, no scope, no file."""
    workflow, job = ENGINES / "chain.cwl", ENGINES / "chain.yml"
    name = f"a_production_name_longer_than_a_scope_{run_id()}"
    proc = cwl2dirac(rucio_dirac_server, "submit", "--name", name, str(workflow), str(job), cwd=tmp_path)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Rucio" in lines[0] and "scope" in lines[0] and name in lines[0], proc.stderr
    status = cwl2dirac(rucio_dirac_server, "status", name, "--json", cwd=tmp_path)
    assert status.returncode != 0 and "Traceback" not in status.stderr


UPLOAD = PROBE_PRELUDE + r"""
from rucio.client import Client
from DIRAC.DataManagementSystem.Client.DataManager import DataManager
scope, directory, *paths = sys.argv[1:]
Client().add_scope("root", scope)
for path in paths:
    result = DataManager().putAndRegister(f"{directory}/{path.rsplit('/', 1)[-1]}", path, "LOCAL-DISK")
    assert result["OK"] and not result["Value"]["Failed"], result
"""
"""Files put on the SE and registered in Rucio through DIRAC, as a CTAO user's data would be: their directory is
a Rucio dataset."""


def test_a_rucio_dataset_input_takes_its_files(rucio_dirac_server: Server, tmp_path: Path) -> None:
    """A File[] input given as ``{dataset: scope:name}``: the files of that Rucio dataset, in LFN order, scattered
    over (one task each) and gathered, as cwltool computes with the same files listed in that order."""
    scope = f"d{run_id()}"
    directory = f"/cwl2dirac/{scope}/data"
    names = ["one.txt", "fruits.txt", "greek.txt"]
    proc = subprocess.run([sys.executable, "-c", UPLOAD, scope, directory, *(str(ENGINES / n) for n in names)],
                          env=server_env(rucio_dirac_server), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    job = tmp_path / "dataset.yml"
    job.write_text(json.dumps({"infiles": {"dataset": f"{scope}:{directory}"}}))
    got = run_on_dirac(rucio_dirac_server, tmp_path, ENGINES / "scatter_gather.cwl", job, f"rds_{run_id()}")
    listed = tmp_path / "listed.yml"
    listed.write_text(json.dumps({"infiles": [{"class": "File", "location": str(ENGINES / n)}
                                              for n in sorted(names)]}))
    want = cwltool("--outdir", str(tmp_path / "cwltool"), str(ENGINES / "scatter_gather.cwl"), str(listed),
                   cwd=tmp_path)
    assert normalise(got) == normalise(want)
    assert got["counts"] == [4, 2, 1]  # fruits, greek, one


def test_a_dataset_rucio_does_not_have_is_refused_before_anything(
    rucio_dirac_server: Server, tmp_path: Path
) -> None:
    job = tmp_path / "missing.yml"
    job.write_text(json.dumps({"infiles": {"dataset": "cwl2dirac:/cwl2dirac/no/such/dataset"}}))
    name = f"rmiss_{run_id()}"
    proc = cwl2dirac(rucio_dirac_server, "submit", "--name", name, str(ENGINES / "scatter_gather.cwl"), str(job),
                     cwd=tmp_path)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Rucio has no dataset or container 'cwl2dirac:/cwl2dirac/no/such/dataset'" in lines[0]
    status = cwl2dirac(rucio_dirac_server, "status", name, "--json", cwd=tmp_path)
    assert status.returncode != 0 and "Traceback" not in status.stderr


FAILOVER_METADATA = PROBE_PRELUDE + r"""
from rucio.client import Client
from DIRAC.DataManagementSystem.Client.DataManager import DataManager
from DIRAC.RequestManagementSystem.Client.Operation import Operation
from DIRAC.RequestManagementSystem.Client.ReqClient import ReqClient
from DIRAC.RequestManagementSystem.Client.Request import Request
scope, path = sys.argv[1:]
Client().add_scope("root", scope)
lfn = f"/cwl2dirac/{scope}/out/00000001/{path.rsplit('/', 1)[-1]}"
result = DataManager().putAndRegister(lfn, path, "LOCAL-DISK")
assert result["OK"] and not result["Value"]["Failed"], result
request = Request()
request.RequestName = f"cwl2dirac_failover_metadata_{scope}"
operation = Operation()
operation.Type = "SetCatalogMetadata"  # as the worker writes it when Rucio did not take an output's metadata
operation.Arguments = json.dumps({lfn: {"cwl2dirac_step": "out", "cwl2dirac_index": 7}})
request.addOperation(operation)
put = ReqClient().putRequest(request)
assert put["OK"], put
for _ in range(120):  # the RequestExecutingAgent runs it (the extension's handler, configured in the CS)
    status = ReqClient().getRequestStatus(put["Value"])
    if status["OK"] and status["Value"] in ("Done", "Failed"):
        break
    time.sleep(2)
print(json.dumps({"status": status["Value"], "metadata": Client().get_metadata(scope, lfn, plugin="JSON")}))
"""


def test_a_metadata_call_left_to_the_failover_request_is_made_by_dirac(
    rucio_dirac_server: Server, tmp_path: Path
) -> None:
    """With Rucio as the catalog a metadata call has no DISET service to be forwarded to: the worker leaves it to
    the job's failover request as a ``SetCatalogMetadata`` operation, which DIRAC's RequestExecutingAgent runs with
    the extension's handler (configured in the CS): the file gets its metadata in Rucio."""
    scope = f"f{run_id()}"
    proc = subprocess.run([sys.executable, "-c", FAILOVER_METADATA, scope, str(ENGINES / "one.txt")],
                          env=server_env(rucio_dirac_server), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"status": "Done", "metadata": {"cwl2dirac_step": "out", "cwl2dirac_index": 7}}, result
