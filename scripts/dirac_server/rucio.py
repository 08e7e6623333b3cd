"""The server with Rucio as its catalog (``start --catalog rucio``, docs/rucio.md): the project's Rucio server
(``scripts/rucio-server.sh``) and the DIRAC storage elements as RSEs of the same names."""

from __future__ import annotations

import functools
import subprocess

from .settings import PROJECT, Settings

RUCIO_SCRIPT = PROJECT / "scripts" / "rucio-server.sh"


@functools.cache
def client_env() -> dict[str, str]:
    """What a Rucio client needs (``RUCIO_CONFIG``: the server, the account and its password), from
    ``rucio-server.sh env``."""
    out = subprocess.run(["bash", str(RUCIO_SCRIPT), "env"], capture_output=True, text=True, check=True).stdout
    env = {}
    for line in out.splitlines():
        key, sep, value = line.removeprefix("export ").partition("=")
        if sep:
            env[key] = value
    return env


def prepare(s: Settings, storage_elements: tuple[str, ...]) -> None:
    """Rucio up, the VO's scope and top container, and one RSE per storage element whose storage is the SE's
    directory (so that DIRAC's uploads are the replicas Rucio names)."""
    for argv in (["start"], ["dirac-storage", s.vo, *(f"{se}={s.storage / se}" for se in storage_elements)]):
        proc = subprocess.run(["bash", str(RUCIO_SCRIPT), *argv], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"dirac-server: rucio-server.sh {argv[0]} failed ({proc.returncode}):\n"
                             f"{(proc.stdout + proc.stderr)[-3000:]}")
