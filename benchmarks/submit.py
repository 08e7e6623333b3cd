#!/usr/bin/env python
"""Submission to a real DIRAC (the local server of scripts/dirac-server.sh), measured.

    .venv/bin/python benchmarks/submit.py [--files 10000] [--skip-run]

Starts the local server if it is not up (``scripts/dirac-server.sh start``: idempotent) and prints, in one run:

1. the CTAO ``full_chain`` submission (13 transformations): wall time, split into cwl2dirac's own work and the time
   spent in DIRAC's client calls (cProfile: every call from cwl2dirac's code into DIRAC's package, cumulative),
   compile included; target: cwl2dirac's own share under 10 % of the submission;
2. registration of N workflow input files (default 10,000) with their metadata, as a submission does it (bulk
   calls: uploads, catalog entries and metadata by the hundred); target: 10,000 files in under 60 s;
3. ``cwl2dirac run --backend dirac`` of the 3-step chain (tests/data/engines/chain.cwl) to its outputs, against
   ``cwltool`` on the same workflow.

It measures; it does not assert. The productions it makes are stopped afterwards (their jobs would need CTAO's
software).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from dirac_server_env import server_env

ROOT = Path(__file__).resolve().parents[1]


def dirac_share(profile: cProfile.Profile) -> float:
    """Seconds spent in DIRAC's package entered from code outside it (cumulative over each such call)."""
    stats = pstats.Stats(profile)
    entries: Any = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, _tt, _ct, callers) in entries.items():
        if "/DIRAC/" not in filename:
            continue
        for (caller_file, _cl, _cn), edge in callers.items():
            if "/DIRAC/" not in caller_file:
                total += edge[3]
    return total


def stop(production: int) -> None:
    from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient
    from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient

    tc = TransformationClient()
    for t in ProductionClient().getProductionTransformations(production).get("Value") or []:
        tc.setTransformationParameter(t["TransformationID"], "Status", "Stopped")


def full_chain() -> dict[str, float]:
    import cwl2dirac
    from cwl2dirac.backends.dirac.backend import DiracBackend

    backend = DiracBackend()
    backend.clients.initialize()
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    # full_chain names CTAO's namespace (/ctao/MC/PROD6): the local server's VO is cwl2dirac
    request = cwl2dirac.compile(ROOT / "cwl/workflows/full_chain.cwl", ROOT / "examples/full_chain.yml",
                                name=f"bench_full_{uuid.uuid4().hex[:6]}",
                                hints={"*": {"dirac:Job": {"output_path": "/cwl2dirac/bench"}}})
    compiled = time.perf_counter()
    production = backend.submit(request)
    profile.disable()
    wall = time.perf_counter() - t0
    stop(int(production.id))
    in_dirac = dirac_share(profile)
    return {"wall": wall, "compile": compiled - t0, "dirac": in_dirac, "own": wall - in_dirac,
            "transformations": float(len(production.transformations))}


def registration(n: int) -> dict[str, float]:
    import cwl2dirac
    from cwl2dirac.backends.dirac._clients import DiracClients
    from cwl2dirac.backends.dirac.submission import Submission

    clients = DiracClients()
    clients.initialize()
    with tempfile.TemporaryDirectory(prefix="cwl2dirac-bench-") as tmp:
        files = Path(tmp) / "files"
        files.mkdir()
        for i in range(n):
            (files / f"run{i:06d}.simtel").write_text(f"{i}\n")
        workflow = Path(tmp) / "inputs.cwl"
        workflow.write_text(
            "cwlVersion: v1.2\nclass: Workflow\n$namespaces: {dirac: 'https://cwl2dirac.dev/ns#'}\n"
            "hints:\n  dirac:InputData:\n    inputs:\n      simtel: {data_level: 0, outputType: Data}\n"
            "requirements: {ScatterFeatureRequirement: {}}\n"
            "inputs: {simtel: 'File[]'}\noutputs: {out: {type: 'File[]', outputSource: count/count}}\n"
            f"steps:\n  count:\n    run: {ROOT}/tests/data/engines/tools/wc.cwl\n    scatter: infile\n"
            "    in: {infile: simtel}\n    out: [count]\n"
        )
        job = Path(tmp) / "job.json"
        job.write_text(json.dumps({"simtel": [{"class": "File", "location": str(p)} for p in sorted(files.iterdir())]}))
        t0 = time.perf_counter()
        request = cwl2dirac.compile(workflow, job, name=f"bench_inputs_{uuid.uuid4().hex[:6]}", bodies=False,
                                    lfn_base="/cwl2dirac/bench")
        compiled = time.perf_counter()
        submission = Submission(request, clients, [])
        submission.declare_fields()
        t1 = time.perf_counter()
        registered = submission.register_inputs(f"/cwl2dirac/bench/{request.name}", clients.input_se(request))
        t2 = time.perf_counter()
        found = clients.file_catalog().findFilesByMetadata(dict(request.inputs[0].query), "/")["Value"]
    return {"files": float(registered), "found": float(len(found)), "compile": compiled - t0, "register": t2 - t1}


def chain_run(env: dict[str, str]) -> dict[str, float]:
    engines = ROOT / "tests" / "data" / "engines"
    with tempfile.TemporaryDirectory(prefix="cwl2dirac-bench-") as tmp:
        run_env = {**os.environ, **env}
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "cwl2dirac", "run", "--backend", "dirac", "--quiet", "--name",
             f"bench_chain_{uuid.uuid4().hex[:6]}", "--outdir", f"{tmp}/out",
             str(engines / "chain.cwl"), str(engines / "chain.yml")],
            env=run_env, capture_output=True, text=True, cwd=tmp,
        )
        dirac = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"run --backend dirac failed:\n{proc.stderr[-3000:]}")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cwltool", "--quiet", "--outdir", f"{tmp}/cwltool",
                        str(engines / "chain.cwl"), str(engines / "chain.yml")], check=True, capture_output=True,
                       env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
        cwltool = time.perf_counter() - t0
    return {"dirac": dirac, "cwltool": cwltool}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--skip-run", action="store_true", help="Leave out the chain run.")
    args = parser.parse_args()
    env = server_env()
    load = os.getloadavg()
    print(f"cwl2dirac submission benchmark against the local DIRAC server, {time.strftime('%Y-%m-%dT%H:%M:%S')}")
    print(f"load average at start: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} cores")

    fc = full_chain()
    share = fc["own"] / fc["wall"]
    print(f"\n1. full_chain submission ({fc['transformations']:.0f} transformations): {fc['wall']:.2f} s")
    print(f"   in DIRAC's client calls {fc['dirac']:.2f} s, cwl2dirac's own work {fc['own']:.2f} s "
          f"(compile {fc['compile']:.2f} s, of which the DIRAC Job API is counted as DIRAC's)")
    print(f"   {'PASS' if share < 0.10 else 'MISS'}  cwl2dirac's own share {share:.1%}, target < 10 %")

    reg = registration(args.files)
    rate = reg["files"] / reg["register"] if reg["register"] else 0.0
    print(f"\n2. registration of {reg['files']:.0f} input files with metadata: {reg['register']:.1f} s "
          f"({rate:.0f} files/s; compile of the 10,000-file job order {reg['compile']:.1f} s); the input query "
          f"finds {reg['found']:.0f}")
    scaled = reg["register"] * 10_000 / max(reg["files"], 1)
    print(f"   {'PASS' if scaled < 60 else 'MISS'}  {scaled:.1f} s per 10,000 files, target < 60 s")

    if not args.skip_run:
        run = chain_run(env)
        print(f"\n3. run --backend dirac, 3-step chain to its outputs: {run['dirac']:.1f} s "
              f"(cwltool on this machine: {run['cwltool']:.1f} s, ratio {run['dirac'] / run['cwltool']:.0f}x: "
              "DIRAC's agents poll, each job passes the optimizers, a JobAgent and DIRAC's job wrapper)")


if __name__ == "__main__":
    main()
