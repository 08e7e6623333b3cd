"""What the integration tests share: the server's script, its client environment, and running a scenario of
dirac_client.py in a fresh Python process (imported by conftest.py and the tests; a module of its own because
pytest imports every folder's conftest.py as the same module name ``conftest``)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "dirac-server.sh"
CLIENT = Path(__file__).resolve().parent / "dirac_client.py"
START_TIMEOUT = 900  # from nothing: apt, the environment, certificates, databases (about 1-2 min here)


PROBE_PRELUDE = r'''
import json, sys, time
import DIRAC
DIRAC.initialize()

'''
"""The head of the tests' probe scripts (``python -c``): DIRAC initialised. Their calls are not retried: a new
connection to the tests' server does not fail (see docs/dirac-server.md, "TLS handshake failures")."""

@dataclass(frozen=True)
class Server:
    state: Path
    env: dict[str, str]  # variables to set
    unset: tuple[str, ...]  # variables to remove
    start_output: str
    settings: dict[str, str] = field(default_factory=dict)
    """The ``CWL2DIRAC_SERVER_*`` settings it was started with beyond its state (to start it again)."""

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

    def script(self, command: str, timeout: float = START_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """``scripts/dirac-server.sh COMMAND`` for this server (e.g. ``start`` again after a fault test killed
        one of its processes: it starts what is down)."""
        env = {**os.environ, "CWL2DIRAC_SERVER_DIR": str(self.state), **self.settings}
        return subprocess.run(["bash", str(SCRIPT), command], capture_output=True, text=True, timeout=timeout,
                              env=env)

    def pid(self, process: str) -> int:
        """The PID of one of the server's processes (``Services-Production``, ``Services-Catalog``, ``MariaDB``…):
        it leads its process group."""
        return int((self.state / "run" / f"{process}.pid").read_text().split()[0])

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
