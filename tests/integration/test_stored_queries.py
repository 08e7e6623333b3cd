"""The meta-queries DIRAC stores are the ones cwl2dirac meant: read back from the server and run against its File
Catalog, every stored input query selects exactly its parents' outputs — for every production of the CTAO library,
on a catalog where cwl2dirac declares the fields (file level) and on one where CTAO's fields exist on directories.

DIRAC's TransformationDB drops falsy values when it stores a query (``data_level: 0`` is common in CTAO's); the
submission writes them in a form it keeps (see cwl2dirac.backends.dirac.queries).
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
from server_support import Server

REPO = Path(__file__).resolve().parents[2]
CHECK = Path(__file__).resolve().parent / "query_check.py"
LIBRARY = ["process_merge", "simulate", "simulate_process_merge", "train_apply", "full_chain"]
JOB_ORDERS = {"train_apply": "-"}
"""train_apply's example job order names DL2 files that are not in the repository: compiled without one, its inputs
are catalog queries (its dirac:InputData)."""


def check(server: Server, chain: str, *flags: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in server.unset}
    env.update(server.env)
    name = f"q_{chain}_{uuid.uuid4().hex[:6]}"
    root = f"/cwl2dirac/tests/{name}"
    proc = subprocess.run(
        [sys.executable, str(CHECK), f"cwl/workflows/{chain}.cwl", JOB_ORDERS.get(chain, f"examples/{chain}.yml"),
         name, root, *flags],
        env=env, capture_output=True, text=True, timeout=600, cwd=str(REPO),
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def values(term: Any) -> list[Any]:
    """The values a query term selects: ``v``, ``{"=": v}``, ``[v, ...]``, ``{"in": [v, ...]}``."""
    if isinstance(term, dict):
        (op, v), = term.items()
        assert op in ("=", "in"), term
        term = v
    return sorted(term if isinstance(term, list) else [term], key=repr)


def same_query(stored: dict[str, Any], sent: dict[str, Any]) -> bool:
    return set(stored) == set(sent) and all(values(stored[k]) == values(sent[k]) for k in sent)


def _assert_exact(result: dict[str, Any]) -> None:
    for step, got in result["steps"].items():
        if got["sent_input"] is None:
            continue
        assert got["stored_input"] is not None, step
        assert same_query(got["stored_input"], got["sent_input"]), f"{step}: stored not as sent: {got}"
        assert got["expected"], f"{step}: no source files?"
        assert got["selected"] == got["expected"], f"{step} selects {got['selected']}, expected {got['expected']}"
        assert same_query(got["stored_output"], got["sent_output"]), f"{step}: output stored not as sent: {got}"


@pytest.mark.parametrize("chain", LIBRARY)
def test_stored_queries_and_job_templates(dirac_server: Server, chain: str) -> None:
    """Every stored input query selects exactly its parents' outputs; then DIRAC's WorkflowTaskAgent turns a task of
    every transformation into a job the JobManager accepts (DIRAC releases have broken production bodies before:
    DIRACGrid/DIRAC#8773). One production per library workflow does both."""
    result = check(dirac_server, chain, "--jobs")
    _assert_exact(result)
    falsy = [s for s, got in result["steps"].items() if got["sent_input"] and 0 in got["sent_input"].values()]
    if chain in ("process_merge", "full_chain"):
        assert falsy, "the library's DL0 inputs (data_level: 0) should be exercised"
    jobs = result["jobs"]
    assert jobs["missing"] == [], jobs
    for step, job in jobs["made"].items():
        assert job["job"] > 0 and job["type"], (step, job)  # a WMS job, with the template's JobType
        assert "jdl" not in str(job["minor"]).lower(), (step, job)


def test_on_a_catalog_with_ctao_directory_fields(ctao_catalog_server: Server) -> None:
    result = check(ctao_catalog_server, "full_chain", "--directory-fields")
    assert result["levels"]["data_level"] == "directory" and result["levels"]["particle"] == "directory"
    _assert_exact(result)
