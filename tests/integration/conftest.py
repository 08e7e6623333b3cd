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

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "dirac-server.sh"
CLIENT = Path(__file__).resolve().parent / "dirac_client.py"
START_TIMEOUT = 900  # from nothing: apt, the environment, certificates, databases (about 1-2 min here)


@dataclass(frozen=True)
class Server:
    state: Path
    env: dict[str, str]  # variables to set
    unset: tuple[str, ...]  # variables to remove
    start_output: str

    def run(self, scenario: str, *args: str, timeout: float = 600) -> dict[str, Any]:
        """Run a dirac_client.py scenario in a fresh Python process with the client environment."""
        env = {k: v for k, v in os.environ.items() if k not in self.unset}
        env.update(self.env)
        proc = subprocess.run(
            [sys.executable, str(CLIENT), scenario, *args],
            env=env, capture_output=True, text=True, timeout=timeout, cwd=str(self.state),
        )
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        if proc.returncode != 0 or not last.startswith("{"):
            pytest.fail(
                f"scenario {scenario} failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}",
                pytrace=False,
            )
        return json.loads(last)

    def log(self, name: str) -> str:
        path = self.state / "log" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def parse_env(text: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """The ``export``/``unset`` lines printed by ``dirac-server.sh env``."""
    env: dict[str, str] = {}
    unset: list[str] = []
    for line in text.splitlines():
        words = shlex.split(line)
        if not words:
            continue
        if words[0] == "unset":
            unset += words[1:]
        elif words[0] == "export":
            for word in words[1:]:
                key, _, value = word.partition("=")
                env[key] = value
    if "PATH" in env:
        env["PATH"] = env["PATH"].replace("$PATH", os.environ.get("PATH", ""))
    return env, tuple(unset)


@pytest.fixture(scope="session")
def dirac_server() -> Server:
    try:
        proc = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scripts/dirac-server.sh start did not finish within {START_TIMEOUT} s: {exc.stdout}{exc.stderr}",
                    pytrace=False)
    if proc.returncode != 0:
        pytest.fail(f"the local DIRAC server did not start (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}",
                    pytrace=False)
    env_out = subprocess.run(["bash", str(SCRIPT), "env"], capture_output=True, text=True, timeout=60, check=True)
    env, unset = parse_env(env_out.stdout)
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


@pytest.fixture(scope="session")
def ctao_catalog_server(dirac_server: Server) -> Server:
    """A second local DIRAC server, on its own ports and state, whose File Catalog gets CTAO's fields at
    directory level (as CTAO's catalog has them) before anything else declares them: fields are global to a
    catalog, so this cannot share the main server. Left running, like the main one (xdist workers share it)."""
    base = int(os.environ.get("CWL2DIRAC_SERVER_PORT") or 29100) + 50
    env = {**os.environ, "CWL2DIRAC_SERVER_DIR": f"{dirac_server.state}-ctao-catalog", "CWL2DIRAC_SERVER_PORT": str(base)}
    proc = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=START_TIMEOUT, env=env)
    if proc.returncode != 0:
        pytest.fail(f"the second DIRAC server did not start (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}",
                    pytrace=False)
    env_out = subprocess.run(["bash", str(SCRIPT), "env"], capture_output=True, text=True, timeout=60, check=True,
                             env=env)
    server_env, unset = parse_env(env_out.stdout)
    return Server(state=Path(server_env["CWL2DIRAC_SERVER_DIR"]), env=server_env, unset=unset,
                  start_output=proc.stdout + proc.stderr)
