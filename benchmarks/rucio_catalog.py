#!/usr/bin/env python
"""Rucio as DIRAC's catalog against the DIRAC File Catalog, measured side by side in one run (issue 18).

    .venv/bin/python benchmarks/rucio_catalog.py [--files 10000] [--dids 100000]

Starts (idempotent) the project's DIRAC with the DIRAC File Catalog (``scripts/dirac-server.sh start``) and the one
whose catalog is Rucio (``start --catalog rucio --dir ~/.cache/cwl2dirac/dirac-server-rucio --port 29300``, with
``scripts/rucio-server.sh``), then, against each, in a child process that is that server's DIRAC client:

1. **registration of N workflow input files** (default 10,000) with their metadata, as a submission does it
   (``Submission.register_inputs``: uploads to the SE, catalog entries and metadata in bulk); target < 60 s;
2. **a meta-query over M files** (default 100,000) carrying CTAO's 24 catalog fields (``cwl2dirac/request/ctao.py``,
   here as file fields prefixed ``b<run>_``): the files are registered without storage, in the DFC through DIRAC's
   catalog interface (``addFile``, ``setMetadataBulk``; 1000 files a call), in Rucio through its own bulk calls
   (``add_replicas``, ``set_dids_metadata_bulk``), then DIRAC's ``findFilesByMetadata`` (what the InputDataAgent
   asks each cycle; for Rucio the extension's client) with a query of 4 fields selecting 1 % of them, median of
   5; target < 1 s.

It measures; it does not assert.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "dirac-server.sh"
RUCIO_SERVER = ["--catalog", "rucio", "--dir", str(Path.home() / ".cache/cwl2dirac/dirac-server-rucio"),
                "--port", "29300"]
SERVERS = {"DIRAC File Catalog": [], "Rucio": RUCIO_SERVER}


def _client_env(options: list[str]) -> dict[str, str]:
    """Start the server (idempotent) and return its client environment."""
    started = subprocess.run(["bash", str(SCRIPT), "start", *options], capture_output=True, text=True)
    if started.returncode != 0:
        raise SystemExit(f"dirac-server.sh start {' '.join(options)} failed:\n{started.stderr[-2000:]}")
    out = subprocess.run(["bash", str(SCRIPT), "env", *options], check=True, capture_output=True, text=True).stdout
    env = {k: v for k, v in os.environ.items()
           if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "X509_USER_CERT", "X509_USER_KEY")}
    for line in out.splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = value.strip("'").replace('"$PATH"', os.environ.get("PATH", ""))
    return env


# -- in the child: one server's client ---------------------------------------------------------------------------
def _clients() -> Any:
    from cwl2dirac.backends.dirac._clients import DiracClients

    clients = DiracClients()
    clients.initialize()
    if clients.catalog_is_rucio():
        from cwl2dirac.backends.rucio.catalog import ensure_scopes

        ensure_scopes(clients.file_catalog().client, ["/cwl2dirac/bench"])
    return clients


def registration(n: int) -> dict[str, float]:
    """benchmarks/submit.py's registration (the submission's own ``register_inputs``), on this server."""
    from submit import registration as registered

    _clients()  # Rucio: the scope of /cwl2dirac/bench made first, as a submission makes its scopes
    return registered(n)


def _ctao_values(i: int, prefix: str) -> dict[str, Any]:
    from cwl2dirac.request.ctao import FIELDS

    values: dict[str, Any] = {}
    for name, field in FIELDS.items():
        if field.type == "INT":
            values[prefix + name] = i if name == "runNumber" else i % 7
        elif field.type == "FLOAT":
            values[prefix + name] = float(20 * (i % 3))
        else:
            values[prefix + name] = f"{name}-{i % 5}"
    values[prefix + "particle"] = ("gamma", "proton", "electron", "gamma-diffuse")[i % 4]
    return values


def metaquery(m: int) -> dict[str, float]:
    from cwl2dirac.request.ctao import FIELDS

    clients = _clients()
    fc = clients.file_catalog()
    prefix = f"b{uuid.uuid4().hex[:5]}_"
    for name, field in FIELDS.items():
        assert fc.addMetadataField(prefix + name, field.type, "-f")["OK"]
    base = f"/cwl2dirac/bench/q{prefix.rstrip('_')}"
    se = "LOCAL-DISK"
    t0 = time.perf_counter()
    rucio = fc.client if clients.catalog_is_rucio() else None
    prefix_pfn = ("file://" + rucio.get_rse(se)["protocols"][0]["prefix"].rstrip("/")) if rucio is not None else ""
    for start in range(0, m, 1000):
        chunk = range(start, min(start + 1000, m))
        if rucio is not None:  # Rucio's own bulk calls (as CTAO's data management ingests): 1000 files a call
            names = [f"{base}/{i // 1000:04d}/run{i:07d}.h5" for i in chunk]
            rucio.add_replicas(se, [{"scope": "bench", "name": n, "bytes": 1, "adler32": "00000001",
                                     "pfn": f"{prefix_pfn}{n}"} for n in names])
            rucio.set_dids_metadata_bulk([{"scope": "bench", "name": n, "meta": _ctao_values(i, prefix)}
                                          for i, n in zip(chunk, names, strict=True)])
            continue
        records = {f"{base}/{i // 1000:04d}/run{i:07d}.h5": {
            "PFN": f"file:///nowhere{base}/{i // 1000:04d}/run{i:07d}.h5", "Size": 1, "SE": se,
            "GUID": str(uuid.uuid4()), "Checksum": "00000001"} for i in chunk}
        result = fc.addFile(records)
        assert result["OK"] and not result["Value"]["Failed"], str(result)[:500]
        meta = {f"{base}/{i // 1000:04d}/run{i:07d}.h5": _ctao_values(i, prefix) for i in chunk}
        result = fc.setMetadataBulk(meta)
        assert result["OK"], str(result)[:500]
    filled = time.perf_counter() - t0
    query = {prefix + "particle": "gamma", prefix + "data_level": 3, prefix + "site": "site-2",
             prefix + "runNumber": {">=": 0, "<": m}}
    times, found = [], 0
    for _ in range(5):
        t = time.perf_counter()
        result = fc.findFilesByMetadata(query, "/")
        times.append(time.perf_counter() - t)
        assert result["OK"], result
        found = len(result["Value"])
    expected = sum(1 for i in range(m) if i % 4 == 0 and i % 7 == 3 and i % 5 == 2)
    return {"files": float(m), "fill": filled, "query": statistics.median(times), "found": float(found),
            "expected": float(expected)}


def child(what: str, n: int) -> None:
    result = registration(n) if what == "registration" else metaquery(n)
    print(json.dumps(result))


# -- the parent ----------------------------------------------------------------------------------------------------
def _run(label: str, env: dict[str, str], what: str, n: int) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--child", what, str(n)], env=env, capture_output=True,
                          text=True, cwd=str(ROOT))
    if proc.returncode != 0:
        raise SystemExit(f"{label}: {what} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--dids", type=int, default=100_000)
    parser.add_argument("--catalogs", default="dfc,rucio", help="which to measure (default: %(default)s)")
    parser.add_argument("--skip-registration", action="store_true", help="only the meta-query")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    load = os.getloadavg()
    print(f"Rucio against the DIRAC File Catalog, {time.strftime('%Y-%m-%dT%H:%M:%S')}; load average at start "
          f"{load[0]:.2f} on {os.cpu_count()} cores")
    chosen = {"dfc": "DIRAC File Catalog", "rucio": "Rucio"}
    wanted = [chosen[c.strip()] for c in args.catalogs.split(",") if c.strip()]
    envs = {label: _client_env(options) for label, options in SERVERS.items() if label in wanted}
    envs_reg = {} if args.skip_registration else envs
    print(f"\n1. registration of {args.files} workflow input files with metadata (target < 60 s per 10,000)")
    for label, env in envs_reg.items():
        r = _run(label, env, "registration", args.files)
        per10k = r["register"] * 10_000 / max(r["files"], 1)
        print(f"   {label:<20} {r['register']:7.1f} s ({r['files'] / r['register']:.0f} files/s), the input query "
              f"finds {r['found']:.0f}  {'PASS' if per10k < 60 else 'MISS'} ({per10k:.1f} s per 10,000)")
    print(f"\n2. findFilesByMetadata over {args.dids} files with CTAO's 24 fields, 4 in the query (target < 1 s)")
    for label, env in envs.items():
        r = _run(label, env, "metaquery", args.dids)
        ok = r["found"] == r["expected"]
        print(f"   {label:<20} median {r['query'] * 1000:7.1f} ms, found {r['found']:.0f} of {r['expected']:.0f} "
              f"expected{'' if ok else ' (WRONG)'}  {'PASS' if r['query'] < 1 and ok else 'MISS'}  "
              f"(filled in {r['fill']:.0f} s: {r['files'] / r['fill']:.0f} files/s)")


if __name__ == "__main__":
    main()
