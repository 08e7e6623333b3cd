"""Run in a fresh process with a DIRAC server's client environment: submit a CTAO library production with every step
held (no job runs), register one file per step output (with the metadata that output gets, as the worker sets it:
directory-level fields on the file's directory), read every transformation's stored input and output meta-query
back from the server and run the stored input queries against the File Catalog.

    python query_check.py WORKFLOW JOB_ORDER NAME ROOT [--directory-fields] [--jobs]

``--directory-fields``: first declare CTAO's catalog fields at directory level (as CTAO's catalog has them).
``--jobs``: then release every step (and give each step without input data one task), let DIRAC's
WorkflowTaskAgent turn a task of every transformation into a job, report what the JobManager made of each job,
and kill them (their inputs are not real files).
Prints one JSON line: per step, the stored queries, the LFNs the stored input query selects and the LFNs it should
select (the files of the sources of the step's file inputs).
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

NO_MATCH = "cwl2dirac-test-never-matched"
"""A job tag no JobAgent of the local server offers."""


def main(workflow: str, job: str, name: str, root: str, directory_fields: bool, jobs: bool) -> dict[str, Any]:
    import cwl2dirac
    from cwl2dirac.backends.dirac import _boundary
    from cwl2dirac.backends.dirac._clients import DiracClients
    from cwl2dirac.backends.dirac.submission import Submission, fingerprint, production_steps
    from cwl2dirac.passes.metadata import CTAO_FIELDS
    from cwl2dirac.request.wire import FIELD_INDEX, FIELD_ITEM, FIELD_SCATTER

    clients = DiracClients()
    clients.initialize()
    fc = clients.file_catalog()
    if directory_fields:
        known = _boundary.ok(fc.getMetadataFields(), "fields")
        for field, kind in CTAO_FIELDS.items():
            if field not in known["DirectoryMetaFields"] and field not in known["FileMetaFields"]:
                _boundary.ok(fc.addMetadataField(field, kind, "-d"), f"declare {field}")
    # with --jobs the jobs must not run (their inputs are not real): a tag no JobAgent offers keeps them waiting
    hints = {"*": {"dirac:Job": {"tags": [NO_MATCH]}}} if jobs else None
    request = cwl2dirac.compile(workflow, None if job == "-" else job, name=name, lfn_base=f"{root}/out", hints=hints)
    steps = production_steps(request, fingerprint(request))
    for ps in steps:
        ps.AgentType = "Manual"  # nothing is submitted: only the queries are looked at
    submission = Submission(request, clients, steps)
    levels = submission.declare_fields()
    submission.establish(None)
    prod_id = _boundary.ok(clients.production().getProduction(name), "getProduction")["ProductionID"]
    transformations = submission.transformations(int(prod_id))

    # one file per output port of every step, and per workflow input, with its metadata
    files: dict[str, str] = {}
    for spec in request.steps:
        for out in spec.outputs:
            files[f"{spec.name}/{out.port}"] = f"{root}/files/{spec.dirac_name}/{out.port}/f.dat"
    for ds in request.inputs:
        files[f"_inputs/{ds.name}"] = f"{root}/files/_inputs/{ds.name}/f.dat"
    metadata: dict[str, dict[str, Any]] = {}
    for spec in request.steps:
        for out in spec.outputs:
            metadata[f"{spec.name}/{out.port}"] = {**out.metadata, FIELD_INDEX: 1, FIELD_ITEM: 0, FIELD_SCATTER: 0}
    for ds in request.inputs:
        base = ds.files[0].metadata if ds.files else {}
        metadata[f"_inputs/{ds.name}"] = {**base, **ds.query, FIELD_INDEX: 0}
    records = {
        lfn: {"PFN": f"file:///nowhere{lfn}", "Size": 1, "SE": "LOCAL-DISK", "GUID": str(uuid.uuid4()),
              "Checksum": "00000001"}
        for lfn in files.values()
    }
    _boundary.bulk_ok(fc.addFile(records), "addFile")
    for source, lfn in files.items():
        meta = metadata[source]
        on_dir = {k: v for k, v in meta.items() if levels.get(k) == "directory"}
        on_file = {k: v for k, v in meta.items() if levels.get(k, "file") == "file"}
        if on_dir:
            _boundary.ok(fc.setMetadata(lfn.rsplit("/", 1)[0], on_dir), f"directory metadata of {lfn}")
        _boundary.ok(fc.setMetadata(lfn, on_file), f"metadata of {lfn}")

    tc = clients.transformation()
    out: dict[str, Any] = {"levels": {k: levels.get(k) for k in CTAO_FIELDS}, "steps": {}}
    for spec in request.steps:
        tid = transformations[spec.name]
        stored_in = (
            _boundary.ok(tc.getTransformationMetaQuery(tid, "Input"), "input query") if spec.input_query else None
        )
        stored_out = _boundary.ok(tc.getTransformationMetaQuery(tid, "Output"), "output query")
        selected = sorted(_boundary.ok(fc.findFilesByMetadata(stored_in, root), "find")) if stored_in else []
        sources = sorted({s for b in spec.config.inputs if b.kind == "files" for s in b.sources})
        out["steps"][spec.name] = {
            "sent_input": spec.input_query,
            "stored_input": stored_in,
            "sent_output": spec.output_query,
            "stored_output": stored_out,
            "selected": selected,
            "expected": sorted(files[s] for s in sources if s in files),
        }
    if jobs:
        out["jobs"] = _jobs(clients, request, transformations)
    return out


def _jobs(clients: Any, request: Any, transformations: dict[str, int]) -> dict[str, Any]:
    import time
    from functools import partial

    from DIRAC.Interfaces.API.Dirac import Dirac
    from DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient import JobMonitoringClient

    from cwl2dirac.backends.dirac import _boundary

    tc = clients.transformation()
    for spec in request.steps:
        tid = transformations[spec.name]
        if not spec.input_query:
            _boundary.ok(tc.extendTransformation(tid, 1), f"extend {tid}")
        _boundary.ok(tc.setTransformationParameter(tid, "AgentType", "Automatic"), f"release {tid}")
    grouped = {transformations[s.name] for s in request.steps if s.input_query and s.group_size > 1}
    jobs: dict[str, int] = {}
    deadline = time.monotonic() + 300
    while len(jobs) < len(transformations) and time.monotonic() < deadline:
        for step, tid in transformations.items():
            tasks = _boundary.ok(_boundary.retried(partial(tc.getTransformationTasks, {"TransformationID": tid})),
                                 f"tasks of {tid}") or []
            ids = [int(t["ExternalID"]) for t in tasks if str(t["ExternalID"]).isdigit() and int(t["ExternalID"])]
            if ids:
                jobs[step] = ids[0]
            elif tid in grouped and not tasks and (_boundary.ok(_boundary.retried(
                    partial(tc.getTransformationStats, tid)), f"files of {tid}") or {}).get("Unused"):
                # one file per parent output here: the incomplete group is made a task (as the controller would)
                tc.setTransformationParameter(tid, "Status", "Flush")
        time.sleep(3)
    monitoring = JobMonitoringClient()
    report: dict[str, Any] = {}
    for step, job in jobs.items():
        summary = _boundary.ok(_boundary.retried(partial(monitoring.getJobSummary, job)), f"job {job}")
        report[step] = {"job": job, "status": summary.get("Status"), "minor": summary.get("MinorStatus"),
                        "type": summary.get("JobType")}
    for tid in transformations.values():  # no more tasks: nothing else runs, and no agent polls it (as Stopped)
        _boundary.ok(tc.setTransformationParameter(tid, "Status", "Completed"), f"set aside {tid}")
    if jobs:
        Dirac().killJob(list(jobs.values()))
    return {"made": report, "missing": sorted(set(transformations) - set(jobs))}


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    result = main(*args, directory_fields="--directory-fields" in sys.argv, jobs="--jobs" in sys.argv)
    print(json.dumps(result, default=str, sort_keys=True))
