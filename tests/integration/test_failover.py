"""Outputs are not lost: a job whose output SE cannot take its outputs puts them on the failover SE, and the failover
request (executed by DIRAC's RequestExecutingAgent) brings them to their SE once it works again; until then the
task's input files are not Processed, so its step is not complete.

The fault is real: the storage element's directory is replaced by a file, so that every write to it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from server_support import PROBE_PRELUDE, Server

REPO = Path(__file__).resolve().parents[2]
ENGINES = REPO / "tests" / "data" / "engines"
SE = "LOCAL-DISK-2"

PROBE = PROBE_PRELUDE + r'''from DIRAC.DataManagementSystem.Client.DataManager import DataManager
from DIRAC.Resources.Catalog.FileCatalogClient import FileCatalogClient
from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient
prod = sys.argv[1]
from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
tids = [t["TransformationID"] for t in ProductionClient().getProductionTransformations(prod)["Value"]]
tc = TransformationClient()
files = {}
status = [tc.getTransformation(tid)["Value"]["Status"] for tid in tids]
for tid in tids:
    for f in tc.getTransformationFiles({"TransformationID": tid})["Value"]:
        files[f["LFN"]] = f["Status"]
fc = FileCatalogClient()
def walk(path):  # the step's outputs by place: their metadata waits in the failover request with them
    listing = fc.listDirectory(path)["Value"]["Successful"].get(path) or {}
    return list(listing.get("Files", {})) + [lfn for sub in listing.get("SubDirs", {}) for lfn in walk(sub)]
outputs = sorted(walk(sys.argv[3]))
replicas = DataManager().getReplicas(outputs, getUrl=False)["Value"]["Successful"] if outputs else {}
tagged = fc.findFilesByMetadata({"cwl2dirac_production": sys.argv[2], "cwl2dirac_step": "sort"}, "/")["Value"]
replicas = {k: sorted(v) for k, v in replicas.items()}
print(json.dumps({"status": status, "inputs": files, "replicas": replicas, "tagged": sorted(tagged)}))
'''


def client_env(server: Server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in server.unset}
    env.update(server.env)
    return env


def probe(server: Server, production: str, name: str) -> dict[str, Any]:
    step_dir = f"/cwl2dirac/{name}/sort"  # the server's VO (the default) and the step's place under it
    proc = subprocess.run([sys.executable, "-c", PROBE, production, name, step_dir], env=client_env(server),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def wait_for(server: Server, production: str, name: str, ok: Any, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = probe(server, production, name)
        if ok(state) or time.monotonic() > deadline:
            return state
        time.sleep(5)


def test_outputs_go_through_the_failover_request(dirac_server: Server, tmp_path: Path) -> None:
    storage = dirac_server.state / "storage" / SE
    workflow = tmp_path / "sort.cwl"
    workflow.write_text(
        "cwlVersion: v1.2\nclass: Workflow\n$namespaces: {dirac: 'https://cwl2dirac.dev/ns#'}\n"
        f"hints:\n  dirac:Job: {{output_se: {SE}}}\n"
        "inputs: {infile: File}\noutputs: {sorted: {type: File, outputSource: sort/out}}\n"
        f"steps:\n  sort:\n    run: {ENGINES}/tools/sort.cwl\n    in: {{infile: infile}}\n    out: [out]\n"
    )
    job = tmp_path / "job.yml"
    job.write_text(f"infile: {{class: File, location: {ENGINES / 'fruits.txt'}}}\n")
    name = f"failover_{uuid.uuid4().hex[:6]}"
    # the inputs go to LOCAL-DISK-2 too: submit while it works, then break it before the job writes
    submitted = subprocess.run(
        [sys.executable, "-m", "cwl2dirac", "submit", "--json", "--name", name, str(workflow), str(job)],
        env=client_env(dirac_server), capture_output=True, text=True, timeout=300, cwd=str(tmp_path),
    )
    assert submitted.returncode == 0, submitted.stderr
    production = str(json.loads(submitted.stdout)["id"])
    backup = storage.with_name(SE + ".saved")
    shutil.move(storage, backup)
    storage.write_text("this storage element is broken on purpose\n")
    try:
        broken = wait_for(dirac_server, production, name,
                          lambda s: any(r == ["LOCAL-FAILOVER"] for r in s["replicas"].values()), 300)
        assert broken["replicas"], broken
        (lfn, where), = broken["replicas"].items()
        assert where == ["LOCAL-FAILOVER"], broken  # on the failover SE, not lost
        time.sleep(15)  # the request is tried and fails while the SE is broken: the input is not Processed yet
        still = probe(dirac_server, production, name)
        assert still["replicas"][lfn] == ["LOCAL-FAILOVER"] and "Processed" not in still["inputs"].values(), still
        assert still["tagged"] == [], still  # no child step selects it before it is where it belongs
        assert still["status"] != ["Completed"], still
    finally:
        storage.unlink()
        shutil.move(backup, storage)
    healed = wait_for(dirac_server, production, name,
                      lambda s: s["replicas"].get(lfn) == [SE] and set(s["inputs"].values()) == {"Processed"}
                      and s["tagged"] == [lfn], 600)
    assert healed["replicas"][lfn] == [SE], healed  # replicated to its SE, the failover copy removed
    assert set(healed["inputs"].values()) == {"Processed"}, healed
    assert healed["tagged"] == [lfn], healed  # its metadata, set by the request after the replication
