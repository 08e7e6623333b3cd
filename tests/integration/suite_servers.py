"""The DIRAC servers the test suite starts, and stopping them when it ends.

The integration tests start up to four local DIRAC servers (tests/integration/conftest.py): the main one
(``CWL2DIRAC_SERVER_DIR``, ``CWL2DIRAC_SERVER_PORT``), ``-ctao-catalog`` (ports +50), ``-faults`` (+100) and
``-dirac-9.1.9`` (+150, DIRAC 9.1.9 in its own venv), and a
Rucio server (scripts/rucio-server.sh: ``CWL2DIRAC_RUCIO_DIR``, its PostgreSQL and gunicorn). The
test run has an id (``CWL2DIRAC_SUITE_ID``, set by the first of scripts/test.sh and the pytest controller, inherited
by the xdist workers); the fixture that starts a server writes it into the server's ``run/started-by-suite``. When
the suite ends, every server that this run started and that was not already up when it began is stopped (MariaDB,
the dips services, the agents), unless ``CWL2DIRAC_KEEP_SERVERS=1``: a server up before, or started by another
run, is left. Called from tests/conftest.py (``pytest_sessionstart`` and
``pytest_sessionfinish``, on the pytest-xdist controller: after every worker has finished) and from
scripts/test.sh (a trap, for a run that dies before pytest's own end)::

    python tests/integration/suite_servers.py up               # the names of the suite's servers that are up
    python tests/integration/suite_servers.py stop [KEEP...]   # stop those this run started, except the KEEP ones
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "dirac-server.sh"
KEEP_VAR = "CWL2DIRAC_KEEP_SERVERS"
SUITE_VAR = "CWL2DIRAC_SUITE_ID"
MARKER = "started-by-suite"
SERVERS = {"main": ("", 0), "ctao-catalog": ("-ctao-catalog", 50), "faults": ("-faults", 100),
           "dirac-9.1.9": ("-dirac-9.1.9", 150), "rucio-dirac": ("-rucio", 200), "rucio": ("", 0)}
"""Name: (state directory suffix, port offset), as tests/integration/conftest.py starts them (``rucio-dirac``: a
DIRAC whose catalog is Rucio; ``rucio``: the Rucio server of scripts/rucio-server.sh, in its own state directory,
stopped after the DIRAC servers)."""
RUCIO_SCRIPT = ROOT / "scripts" / "rucio-server.sh"


def rucio_state() -> Path:
    """The Rucio server's state directory (``CWL2DIRAC_RUCIO_DIR``, as scripts/rucio-server.sh reads it)."""
    return Path(os.environ.get("CWL2DIRAC_RUCIO_DIR") or Path.home() / ".cache/cwl2dirac/rucio-server")


def keep() -> bool:
    """Whether the user asked to keep the servers running after the suite (``CWL2DIRAC_KEEP_SERVERS=1``)."""
    return os.environ.get(KEEP_VAR, "").strip().lower() in ("1", "yes", "true")


def _env(name: str) -> dict[str, str]:
    """The environment naming one of the suite's servers (state directory and base port)."""
    suffix, offset = SERVERS[name]
    state = os.environ.get("CWL2DIRAC_SERVER_DIR") or str(Path.home() / ".cache/cwl2dirac/dirac-server")
    base = int(os.environ.get("CWL2DIRAC_SERVER_PORT") or 29100) + offset
    release = {"CWL2DIRAC_SERVER_DIRAC": name.removeprefix("dirac-")} if name.startswith("dirac-") else {}
    return {**os.environ, "CWL2DIRAC_SERVER_DIR": f"{state}{suffix}", "CWL2DIRAC_SERVER_PORT": str(base), **release}


def _run_dir(name: str) -> Path:
    if name == "rucio":
        return rucio_state().expanduser().resolve() / "run"
    return Path(_env(name)["CWL2DIRAC_SERVER_DIR"]).expanduser().resolve() / "run"


def mark_started(state: Path) -> None:
    """Record in a server's state directory that this test run started it (called by the fixture that did)."""
    suite = os.environ.get(SUITE_VAR)
    if suite:
        (state / "run").mkdir(parents=True, exist_ok=True)
        (state / "run" / MARKER).write_text(suite + "\n")


def _started_by_this_run(name: str) -> bool:
    suite = os.environ.get(SUITE_VAR)
    try:
        return bool(suite) and (_run_dir(name) / MARKER).read_text().strip() == suite
    except OSError:
        return False


def _alive(name: str) -> bool:
    """Whether any process of that server (MariaDB or a DIRAC component; PostgreSQL or gunicorn) is alive, by its
    PID files."""
    if name == "rucio":
        return subprocess.run(["bash", str(RUCIO_SCRIPT), "status"], capture_output=True, timeout=60,
                              check=False).returncode == 0 or _rucio_pids_alive()
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from dirac_server import procs
    finally:
        sys.path.pop(0)
    run = _run_dir(name)
    if not run.is_dir():
        return False
    where = SimpleNamespace(run=run)  # all that procs.alive reads of the server's settings
    return any(procs.alive(where, pid_file.stem) for pid_file in run.glob("*.pid"))  # type: ignore[arg-type]


def _rucio_pids_alive() -> bool:
    """Whether the Rucio server's PostgreSQL or gunicorn (their PID files) is alive, even when Rucio does not
    answer."""
    port = int(os.environ.get("CWL2DIRAC_RUCIO_PORT") or 29600)
    if Path(f"/var/tmp/cwl2dirac-rucio-{port}/postmaster.pid").exists():
        return True
    try:
        os.kill(int((rucio_state() / "gunicorn.pid").read_text().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def up() -> list[str]:
    """The suite's servers that are up (any of their processes alive)."""
    return [name for name in SERVERS if _alive(name)]


def stop(keep_up: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Stop every suite server that this run started and that is up, except those named in ``keep_up``; the names
    stopped."""
    stopped = []
    for name in SERVERS:
        if name in keep_up or not _started_by_this_run(name) or not _alive(name):
            continue
        script, env = (RUCIO_SCRIPT, dict(os.environ)) if name == "rucio" else (SCRIPT, _env(name))
        proc = subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True, text=True, timeout=300)
        print(f"suite servers: {name}: {(proc.stdout + proc.stderr).strip()}", file=sys.stderr)
        (_run_dir(name) / MARKER).unlink(missing_ok=True)
        stopped.append(name)
    return stopped


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("up", "stop"):
        print("usage: python tests/integration/suite_servers.py up | stop [KEEP...]", file=sys.stderr)
        return 2
    if sys.argv[1] == "up":
        print(" ".join(up()))
    else:
        stop(sys.argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
