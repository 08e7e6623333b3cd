"""The local DIRAC server of scripts/dirac-server.sh for the benchmarks (submit.py, load.py): started if it is not
up, and this process made its client."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "dirac-server.sh"


def server_env() -> dict[str, str]:
    """Start the server named by the environment if it is not up (idempotent) and make this process its client
    (what ``eval "$(scripts/dirac-server.sh env)"`` does); the variables set."""
    started = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True)
    if started.returncode != 0:
        raise SystemExit(f"scripts/dirac-server.sh start failed:\n{started.stdout[-1500:]}{started.stderr[-1500:]}")
    out = subprocess.run(["bash", str(SCRIPT), "env"], check=True, capture_output=True, text=True).stdout
    env: dict[str, str] = {}
    for line in out.splitlines():
        words = shlex.split(line)
        if words and words[0] == "unset":
            for name in words[1:]:
                os.environ.pop(name, None)
        elif words and words[0] == "export":
            for word in words[1:]:
                key, _, value = word.partition("=")
                env[key] = value.replace("$PATH", os.environ.get("PATH", ""))
    os.environ.update(env)
    return env
