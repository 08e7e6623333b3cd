"""The integration tests' DIRAC server: ``scripts/dirac-server.sh start``, once per test run.

``dirac_server`` (session) starts it (idempotent and serialised with ``flock`` by the script, so every
pytest-xdist worker may call it: the first starts the server, the others wait and find it up) and fails, never
skips, when it cannot start, with the tail of the failing component's log. Its client environment
(``scripts/dirac-server.sh env``) is put into ``os.environ`` around each test of this folder (``dirac_env``,
autouse), not for the whole session: the same worker also runs tests that need no DIRAC configuration at all
(tests/dirac/test_dirac_backend.py::test_submit_without_configuration). The tests run their DIRAC calls in a
fresh Python process each (dirac_client.py), which inherits that environment.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from server_support import SCRIPT, START_TIMEOUT, Server, parse_env
from suite_servers import RUCIO_SCRIPT, mark_started, rucio_state

os.environ.setdefault("CWL2DIRAC_SERVER_AGENT_CYCLE", "5")
"""The tests' servers' agents cycle every 5 s instead of DIRAC's 10 s (docs/dirac-server.md, Settings): a production
waits on several agent cycles in a row. In ``os.environ`` (this worker's, inherited by every ``dirac-server.sh``
call), so that a fault test's ``start`` again finds the same settings."""

REPLACE = {"CWL2DIRAC_SERVER_REPLACE": "1"}
"""A server another checkout (another venv) left running in the tests' state directory is stopped and this one's
started: the tests own that directory (without it, a leftover server fails the whole run)."""


@pytest.fixture(scope="session")
def dirac_server() -> Server:
    try:
        proc = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=START_TIMEOUT,
                              env={**os.environ, **REPLACE})
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scripts/dirac-server.sh start did not finish within {START_TIMEOUT} s: {exc.stdout}{exc.stderr}",
                    pytrace=False)
    if proc.returncode != 0:
        pytest.fail(f"the local DIRAC server did not start (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}",
                    pytrace=False)
    env_out = subprocess.run(["bash", str(SCRIPT), "env"], capture_output=True, text=True, timeout=60, check=True)
    env, unset = parse_env(env_out.stdout)
    if "already running" not in proc.stdout:
        mark_started(Path(env["CWL2DIRAC_SERVER_DIR"]))  # stopped when the suite ends (tests/conftest.py)
    return Server(state=Path(env["CWL2DIRAC_SERVER_DIR"]), env=env, unset=unset,
                  start_output=proc.stdout + proc.stderr)


@pytest.fixture(autouse=True)
def dirac_env(dirac_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """The server's client environment in ``os.environ`` for the duration of each integration test."""
    for var in dirac_server.unset:
        monkeypatch.delenv(var, raising=False)
    for key, value in dirac_server.env.items():
        monkeypatch.setenv(key, value)
    return dirac_server


def other_server(main: Server, suffix: str, offset: int, **settings: str) -> Server:
    """Another local DIRAC server beside the main one: state ``<main state>-<suffix>``, ports ``offset`` above."""
    base = int(os.environ.get("CWL2DIRAC_SERVER_PORT") or 29100) + offset
    settings = {"CWL2DIRAC_SERVER_PORT": str(base), **settings}
    env = {**os.environ, "CWL2DIRAC_SERVER_DIR": f"{main.state}-{suffix}", **settings}
    proc = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=START_TIMEOUT,
                          env={**env, **REPLACE})
    if proc.returncode != 0:
        pytest.fail(f"the {suffix} DIRAC server did not start (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}",
                    pytrace=False)
    env_out = subprocess.run(["bash", str(SCRIPT), "env"], capture_output=True, text=True, timeout=60, check=True,
                             env=env)
    server_env, unset = parse_env(env_out.stdout)
    if "already running" not in proc.stdout:
        mark_started(Path(server_env["CWL2DIRAC_SERVER_DIR"]))
    return Server(state=Path(server_env["CWL2DIRAC_SERVER_DIR"]), env=server_env, unset=unset,
                  start_output=proc.stdout + proc.stderr, settings=settings)


@pytest.fixture(scope="session")
def ctao_catalog_server(dirac_server: Server) -> Server:
    """A second local DIRAC server, on its own ports and state, whose File Catalog gets CTAO's fields at
    directory level (as CTAO's catalog has them) before anything else declares them: fields are global to a
    catalog, so this cannot share the main server. Shared by the xdist workers; stopped when the suite ends."""
    return other_server(dirac_server, "ctao-catalog", 50)


@pytest.fixture(scope="session")
def faults_server(dirac_server: Server) -> Server:
    """A third local DIRAC server for the fault tests (tests/integration/test_faults.py, kept on one xdist worker by
    tests/conftest.py: they run one after the other), which stop, kill and restart its services: the other tests'
    server is never touched.
    Its controller takes a job silent for a minute as stalled, and its processes (the jobs' workers among them)
    retry a DIRAC call once (``CWL2DIRAC_DIRAC_RETRY_PAUSES``), as the tests' clients do."""
    return other_server(dirac_server, "faults", 100, CWL2DIRAC_SERVER_STALLED_AFTER="60",
                        CWL2DIRAC_DIRAC_RETRY_PAUSES="1")


@pytest.fixture(scope="session")
def dirac919_server(dirac_server: Server) -> Server:
    """A local server of DIRAC 9.1.9 (CTADIRAC 3.1.0's pin), in its own venv (``.venv-dirac-9.1.9``, made by the
    script with uv), state and ports: cwl2dirac's submissions must work on the DIRAC versions CTAO runs. Stopped
    when the suite ends."""
    return other_server(dirac_server, "dirac-9.1.9", 150, CWL2DIRAC_SERVER_DIRAC="9.1.9")



@pytest.fixture(scope="session")
def rucio_dirac_server(dirac_server: Server) -> Server:
    """A local DIRAC server whose one catalog is Rucio (``start --catalog rucio``: scripts/rucio-server.sh started
    too, the SEs registered as RSEs of the same names; docs/rucio.md), on its own state and ports. Both are stopped
    when the suite ends (Rucio only if this run started it)."""
    rucio_up = subprocess.run(["bash", str(RUCIO_SCRIPT), "status"], capture_output=True, timeout=60).returncode == 0
    server = other_server(dirac_server, "rucio", 200, CWL2DIRAC_SERVER_CATALOG="rucio")
    if not rucio_up:
        mark_started(rucio_state())
    return server
