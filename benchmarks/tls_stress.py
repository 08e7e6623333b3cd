#!/usr/bin/env python
"""TLS stress of the local DIRAC server: many new ``dips://`` connections to one service, failures counted by message.

    .venv/bin/python benchmarks/tls_stress.py [--connections 10000] [--processes 20] [--threads 1]
        [--service Production/ProductionManager] [--credentials proxy|host|mixed] [--start fork|spawn]
        [--json out.json]

Each of ``--processes`` client processes (started by ``fork`` after this process imported and initialised DIRAC,
as pytest-xdist workers and DIRAC's agents do, or by ``spawn``) runs ``--threads`` threads; each thread makes
DIRAC RPC calls (``ping``, answered by every service without touching a database) with a fresh client object, so
every call is a new TCP connection and a full TLS handshake, as the product's calls are. ``--credentials`` picks
what the client presents: the user proxy (``X509_USER_PROXY``, as cwl2dirac's CLI and the tests' clients), the
host certificate (``useCertificates``, as the server's agents), or half of each. The server is the one
``CWL2DIRAC_SERVER_DIR``/``CWL2DIRAC_SERVER_PORT`` name (started if it is not up).

Printed (and written with ``--json``): connections made, failures grouped by their message (addresses and numbers
blanked), the rate, the call latency (median, p99, max). Exit status 1 if any call failed. The suite's concurrency
is about ``--processes 4`` (pytest -n 2, each test's client process, DIRAC's agents); the load benchmark's is
``--processes 20``. See docs/dirac-server.md, "TLS handshake failures".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dirac_server_env import server_env


def _normalise(message: str) -> str:
    """A failure message with what varies between occurrences (ports, addresses, numbers) blanked."""
    message = re.sub(r"dips://[^/]+/", "dips://HOST/", message)
    message = re.sub(r"\('127\.0\.0\.1', \d+\)|\d+\.\d+\.\d+\.\d+:\d+", "ADDR", message)
    message = re.sub(r"\b\d+\b", "N", message)
    return " ".join(message.split())[:240]


def _worker(index: int, args: argparse.Namespace, quota: int, out: Any) -> None:
    """One client process: ``args.threads`` threads sharing ``quota`` calls; its counts sent through ``out``."""
    import DIRAC

    if not getattr(_worker, "initialised", False):  # spawned: initialise here; forked: inherited
        DIRAC.initialize()
    from DIRAC import gLogger
    from DIRAC.Core.DISET.RPCClient import RPCClient

    gLogger.setLevel("FATAL")
    urls = [f"dips://localhost:{port}/{service}" for service, port in zip(args.services, args.ports, strict=True)]
    use_host = args.credentials == "host" or (args.credentials == "mixed" and index % 2 == 1)
    lock = threading.Lock()
    left = [quota]
    failures: Counter[str] = Counter()
    latencies: list[float] = []

    def run(n: int) -> None:
        url = urls[(index * args.threads + n) % len(urls)]
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            kwargs: dict[str, Any] = {"timeout": 120}
            if use_host:
                kwargs["useCertificates"] = True
            t0 = time.monotonic()
            try:
                result = RPCClient(url, **kwargs).ping()
            except Exception as exc:  # a failure below DIRAC's own handling counts too
                result = {"OK": False, "Message": f"exception {type(exc).__name__}: {exc}"}
            took = time.monotonic() - t0
            with lock:
                latencies.append(took)
                if not result.get("OK"):
                    failures[_normalise(str(result.get("Message")))] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.send({"failures": dict(failures), "latencies": latencies, "host": use_host})
    out.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--processes", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="threads per process")
    parser.add_argument("--service", default="Production/ProductionManager",
                        help="System/Name, or several comma-separated: the clients take them in turn")
    parser.add_argument("--credentials", choices=("proxy", "host", "mixed"), default="mixed")
    parser.add_argument("--start", choices=("fork", "spawn"), default="fork")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    server_env()
    args.services = args.service.split(",")
    args.ports = [_service_port(service) for service in args.services]
    if args.start == "fork":
        import DIRAC

        DIRAC.initialize()
        _worker.initialised = True  # type: ignore[attr-defined]
    ctx = multiprocessing.get_context(args.start)
    per, extra = divmod(args.connections, args.processes)
    procs, pipes = [], []
    t0 = time.monotonic()
    for i in range(args.processes):
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_worker, args=(i, args, per + (1 if i < extra else 0), send))
        p.start()
        send.close()
        procs.append(p)
        pipes.append(recv)
    failures: Counter[str] = Counter()
    latencies: list[float] = []
    lost = 0
    for p, recv in zip(procs, pipes, strict=True):
        try:
            got = recv.recv()
        except EOFError:
            lost += 1
            got = {"failures": {}, "latencies": []}
        failures.update(got["failures"])
        latencies += got["latencies"]
        p.join()
    wall = time.monotonic() - t0
    latencies.sort()
    report = {
        "service": args.service, "processes": args.processes, "threads": args.threads,
        "credentials": args.credentials, "start": args.start, "connections": len(latencies),
        "failed": sum(failures.values()), "failures": dict(failures.most_common()), "lost_processes": lost,
        "wall_s": round(wall, 1), "per_s": round(len(latencies) / wall, 1) if wall else 0.0,
        "latency_s": {
            "median": round(statistics.median(latencies), 3) if latencies else None,
            "p99": round(latencies[int(0.99 * (len(latencies) - 1))], 3) if latencies else None,
            "max": round(latencies[-1], 3) if latencies else None,
        },
        "load_avg": os.getloadavg(),
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if report["failed"] or lost else 0


def _service_port(service: str) -> int:
    """The service's port from the server's settings (scripts/dirac_server/settings.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from dirac_server.settings import Settings

    return Settings.from_env().ports[service]


if __name__ == "__main__":
    sys.exit(main())
