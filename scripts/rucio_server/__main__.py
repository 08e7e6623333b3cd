"""A real single-machine Rucio server for cwl2dirac's tests (issue 18): Debian's PostgreSQL 15 as a private
instance on 127.0.0.1 and a pinned Rucio (PyPI ``rucio[postgresql]``) served by gunicorn, bootstrapped with a root
account, the VO's scope and one RSE whose storage is a local directory. Stdlib only: it runs with any Python 3.11+;
Rucio itself lives in its own venv (``$CWL2DIRAC_RUCIO_VENV``, default ``<repo>/.venv-rucio``), made by uv.

    python scripts/rucio_server start|stop|status|env

Environment: ``CWL2DIRAC_RUCIO_DIR`` (state: configuration, logs, the RSE's storage; default
``~/.cache/cwl2dirac/rucio-server``), ``CWL2DIRAC_RUCIO_PORT`` (PostgreSQL's port; Rucio's HTTP port is the next
one; default 29600), ``CWL2DIRAC_RUCIO_SCOPE`` (default ``cwl2dirac``, the first part of the VO's LFNs).
PostgreSQL refuses to run as root and cannot reach a directory under /root: its data directory is
``/var/tmp/cwl2dirac-rucio-<port>``, owned by the ``postgres`` user when this runs as root.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUCIO_VERSION = "41.5.1"
"""The Rucio server and client this project is tested with (``rucio[postgresql]``)."""
PG_BIN = Path("/usr/lib/postgresql/15/bin")
STATE = Path(os.environ.get("CWL2DIRAC_RUCIO_DIR") or Path.home() / ".cache" / "cwl2dirac" / "rucio-server")
VENV = Path(os.environ.get("CWL2DIRAC_RUCIO_VENV") or ROOT / ".venv-rucio")
PORT = int(os.environ.get("CWL2DIRAC_RUCIO_PORT") or 29600)
HTTP_PORT = PORT + 1
SCOPE = os.environ.get("CWL2DIRAC_RUCIO_SCOPE") or "cwl2dirac"
RSE = "CWL2DIRAC-DISK"
PGDATA = Path(f"/var/tmp/cwl2dirac-rucio-{PORT}")
PASSWORD = "cwl2dirac-rucio"
"""The root account's password (userpass): a test server on loopback only."""


def _log(message: str) -> None:
    print(f"rucio-server: {message}", file=sys.stderr, flush=True)


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload]


def need_packages() -> None:
    """Debian's PostgreSQL 15 server binaries (apt, without starting Debian's own cluster)."""
    if (PG_BIN / "postgres").exists():
        return
    _log("installing postgresql-15 (apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    _run([*sudo, "apt-get", "update", "-qq"], env=env)
    _run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql-15"], env=env)
    # Debian's package starts a cluster of its own on 5432; this server does not need it
    subprocess.run([*sudo, "pg_ctlcluster", "15", "main", "stop"], capture_output=True, check=False)


def need_venv() -> None:
    """Rucio's own environment (its server pins Flask, SQLAlchemy 2, psycopg 3: kept apart from DIRAC's)."""
    python = VENV / "bin" / "python"
    if python.exists() and subprocess.run(
        [str(python), "-c", f"import rucio, gunicorn, psycopg; from rucio import version; "
         f"assert version.version_string() == {RUCIO_VERSION!r}"], capture_output=True, check=False,
    ).returncode == 0:
        return
    _log(f"making {VENV} (rucio[postgresql]=={RUCIO_VERSION}, gunicorn)")
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    _run([uv, "venv", "-q", "--allow-existing", "--python", "3.11", str(VENV)])
    _run([uv, "pip", "install", "-q", "--python", str(python), f"rucio[postgresql]=={RUCIO_VERSION}",
          "gunicorn==23.0.0"])


# -- PostgreSQL ---------------------------------------------------------------------------------------------------
def _pg_ready() -> bool:
    return subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(PORT)],
                          check=False).returncode == 0


def start_postgres() -> None:
    if _pg_ready():
        return
    if not (PGDATA / "PG_VERSION").exists():
        PGDATA.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(PGDATA, user.pw_uid, user.pw_gid)
        PGDATA.chmod(0o700)
        _run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(PGDATA), "-U", "rucio", "--auth=trust",
                           "-E", "UTF8", "--locale=C.UTF-8"]))
        with open(PGDATA / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {PORT}\nunix_socket_directories = '{PGDATA}'\n"
                       "max_connections = 200\nfsync = off\nsynchronous_commit = off\n")
    _run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(PGDATA), "-l", str(PGDATA / "postgres.log"), "-w",
                       "-t", "60", "start"]))
    exists = _run(_as_postgres([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(PORT), "-U", "rucio",
                                "-d", "postgres", "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'rucio'"]))
    if exists.stdout.strip() != "1":
        _run(_as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PORT), "-U", "rucio", "rucio"]))


def stop_postgres() -> None:
    if (PGDATA / "postmaster.pid").exists():
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(PGDATA), "-m", "fast", "-w", "stop"]),
                       capture_output=True, check=False)


# -- Rucio --------------------------------------------------------------------------------------------------------
def config_file() -> Path:
    """The server's configuration (its database: Rucio reads a file with [database] as a server's)."""
    return STATE / "etc" / "rucio.cfg"


def client_config_file() -> Path:
    """The clients' configuration (host, account, password; no [database], so the client runs in client mode)."""
    return STATE / "etc" / "rucio-client.cfg"


def write_config() -> None:
    """rucio.cfg for the server and its clients (one file: the server's database, the clients' host and account),
    and alembic.ini from the template Rucio ships (its logger sections kept)."""
    etc = STATE / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    (STATE / "logs").mkdir(exist_ok=True)
    url = f"postgresql+psycopg://rucio@127.0.0.1:{PORT}/rucio"
    template = VENV / "rucio" / "etc" / "alembic.ini.template"
    alembic = template.read_text(encoding="utf-8")
    tail = alembic.partition("# Logging configuration")[2]
    (etc / "alembic.ini").write_text(
        f"[alembic]\nsqlalchemy.url = {url}\nversion_table_schema = rucio\n"
        f"script_location = {_site_packages() / 'rucio' / 'db' / 'sqla' / 'migrate_repo'}\n\n"
        f"# Logging configuration{tail}",
        encoding="utf-8",
    )
    host = f"http://127.0.0.1:{HTTP_PORT}"
    client_config_file().write_text(textwrap.dedent(f"""\
        [client]
        rucio_host = {host}
        auth_host = {host}
        auth_type = userpass
        username = root
        password = {PASSWORD}
        account = root
        request_retries = 3

        [policy]
        extract_scope = dirac
        """), encoding="utf-8")
    config_file().write_text(textwrap.dedent(f"""\
        [common]
        logdir = {STATE / 'logs'}
        loglevel = WARNING

        [database]
        default = {url}
        schema = rucio
        pool_size = 10
        max_overflow = 20
        pool_reset_on_return = rollback

        [alembic]
        cfg = {etc / 'alembic.ini'}

        [bootstrap]
        userpass_identity = root
        userpass_pwd = {PASSWORD}
        userpass_email = root@localhost

        [policy]
        permission = generic
        schema = generic
        lfn2pfn_algorithm_default = hash
        extract_scope = dirac

        """), encoding="utf-8")


def _site_packages() -> Path:
    return next((VENV / "lib").glob("python3*/site-packages"))


BOOTSTRAP_DATABASE = """
from rucio.db.sqla.session import get_session
from rucio.db.sqla.util import build_database, create_base_vo, create_root_account
from sqlalchemy import inspect
if not inspect(get_session().get_bind()).has_table("accounts", schema="rucio"):
    build_database()
    create_base_vo()
    create_root_account()
"""
"""Rucio's tables, its base VO and the root account (userpass from the configuration's [bootstrap])."""

BOOTSTRAP_SERVER = """
import json, sys
from rucio.client import Client
from rucio.common.exception import Duplicate
state = json.loads(sys.argv[1])
client = Client()
if state["scope"] not in client.list_scopes():
    client.add_scope("root", state["scope"])
if state["rse"] not in [r["rse"] for r in client.list_rses()]:
    client.add_rse(state["rse"])
    client.add_protocol(state["rse"], {
        "scheme": "file", "hostname": "", "port": 0, "prefix": state["storage"],
        "impl": "rucio.rse.protocols.posix.Default",
        "domains": {"lan": {"read": 1, "write": 1, "delete": 1},
                    "wan": {"read": 1, "write": 1, "delete": 1, "third_party_copy_read": 1,
                            "third_party_copy_write": 1}}})
    client.add_rse_attribute(state["rse"], "ANY", True)
client.set_local_account_limit("root", state["rse"], -1)
"""
"""Through the server, as an operator would: the VO's scope, the RSE (posix storage on a local directory, the
``ANY=true`` attribute DIRAC's bulk registration needs) and no quota for root there."""


DIRAC_STORAGE = """
import json, sys
from rucio.client import Client
from rucio.common.exception import DataIdentifierAlreadyExists
state = json.loads(sys.argv[1])
client = Client()
vo = state["vo"]
if vo not in client.list_scopes():
    client.add_scope("root", vo)
try:  # the top of the VO's namespace: DIRAC's registration (Rucio's dirac add_files) attaches below it
    client.add_container(vo, "/" + vo)
except DataIdentifierAlreadyExists:
    pass
rses = {r["rse"] for r in client.list_rses()}
for rse, prefix in state["rses"].items():
    if rse not in rses:
        client.add_rse(rse, deterministic=False)
    elif client.get_rse(rse)["deterministic"]:
        client.update_rse(rse, {"deterministic": False})
    protocols = [p for p in client.get_rse(rse).get("protocols") or [] if p.get("scheme") == "file"]
    if "lfn2pfn_algorithm" in client.list_rse_attributes(rse):  # an earlier version of this script set it
        client.delete_rse_attribute(rse, "lfn2pfn_algorithm")
    if any(p.get("prefix", "").rstrip("/") != prefix.rstrip("/") for p in protocols):
        print(f"rucio-server: {rse}: its storage moves to {prefix}")
        client.delete_protocols(rse, "file")
        protocols = []
    if not protocols:
        client.add_protocol(rse, {
            "scheme": "file", "hostname": "", "port": 0, "prefix": prefix,
            "impl": "rucio.rse.protocols.posix.Default",
            "domains": {"lan": {"read": 1, "write": 1, "delete": 1},
                        "wan": {"read": 1, "write": 1, "delete": 1, "third_party_copy_read": 1,
                                "third_party_copy_write": 1}}})
    client.add_rse_attribute(rse, "ANY", True)
    client.set_local_account_limit("root", rse, -1)
"""
"""A DIRAC server's storage elements as RSEs of the same names (``dirac-storage``), non-deterministic: DIRAC's
catalog client then registers each replica with the PFN DIRAC's storage element wrote it at (``<its path><LFN>``;
no Rucio LFN-to-PFN algorithm gives that path: ``identity`` is ``<scope>/<name>``); the VO's scope and its top
container ``/<vo>`` (DIRAC's registration, Rucio's ``dirac`` ``add_files``, needs it)."""


def dirac_storage(vo: str, pairs: list[str]) -> int:
    rses = {}
    for pair in pairs:
        rse, sep, prefix = pair.partition("=")
        if not sep or not rse or not prefix.startswith("/"):
            print(f"rucio-server: dirac-storage: {pair!r}: expected RSE=/absolute/path", file=sys.stderr)
            return 2
        Path(prefix).mkdir(parents=True, exist_ok=True)
        rses[rse] = prefix
    _python(DIRAC_STORAGE, json.dumps({"vo": vo, "rses": rses}), client=True)
    return 0


def _env() -> dict[str, str]:
    return {**os.environ, "RUCIO_CONFIG": str(config_file()), "RUCIO_HOME": str(STATE)}


def _python(code: str, *args: str, client: bool = False) -> None:
    env = {**_env(), "RUCIO_CONFIG": str(client_config_file())} if client else _env()
    proc = subprocess.run([str(VENV / "bin" / "python"), "-c", code, *args], env=env, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"rucio-server: bootstrap failed:\n{proc.stderr[-3000:]}")


def bootstrap() -> None:
    storage = STATE / "storage" / RSE
    storage.mkdir(parents=True, exist_ok=True)
    _python(BOOTSTRAP_SERVER, json.dumps({"scope": SCOPE, "rse": RSE, "storage": str(storage)}), client=True)


def _pid() -> int | None:
    try:
        pid = int((STATE / "gunicorn.pid").read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _ping() -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{HTTP_PORT}/ping", timeout=2) as answer:
            return "version" in json.loads(answer.read())
    except (OSError, ValueError):
        return False


def start_rucio() -> None:
    if _pid() is not None and _ping():
        return
    log = STATE / "logs" / "gunicorn.log"
    subprocess.run(
        [str(VENV / "bin" / "gunicorn"), "--daemon", "--pid", str(STATE / "gunicorn.pid"), "--bind",
         f"127.0.0.1:{HTTP_PORT}", "--workers", "2", "--timeout", "120", "--error-logfile", str(log),
         "--capture-output", "rucio.web.rest.flaskapi.v1.main:application"],
        env=_env(), check=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _ping():
            return
        if time.monotonic() > deadline - 55 and _pid() is None:  # gunicorn's master gave up (a worker failed)
            break
        time.sleep(0.3)
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:] if log.exists() else []
    raise SystemExit(f"rucio-server: Rucio did not answer on port {HTTP_PORT}; {log}: " + " | ".join(tail))


def stop_rucio() -> None:
    pid = _pid()
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    (STATE / "gunicorn.pid").unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    args = argv[1:]
    if command == "start":
        t0 = time.monotonic()
        STATE.mkdir(parents=True, exist_ok=True)
        need_packages()
        need_venv()
        start_postgres()
        write_config()
        _python(BOOTSTRAP_DATABASE)
        start_rucio()
        bootstrap()
        _log(f"up in {time.monotonic() - t0:.1f} s: Rucio {RUCIO_VERSION} on http://127.0.0.1:{HTTP_PORT}, "
             f"PostgreSQL on 127.0.0.1:{PORT}, scope {SCOPE}, RSE {RSE} ({STATE / 'storage' / RSE})")
        return 0
    if command == "stop":
        stop_rucio()
        stop_postgres()
        return 0
    if command == "status":
        pg, rucio = _pg_ready(), _pid() is not None and _ping()
        print(f"postgresql 127.0.0.1:{PORT} {'up' if pg else 'down'}")
        print(f"rucio http://127.0.0.1:{HTTP_PORT} {'up' if rucio else 'down'}")
        return 0 if pg and rucio else 1
    if command == "env":
        print(f"export RUCIO_CONFIG={client_config_file()}")
        print(f"export CWL2DIRAC_RUCIO_SCOPE={SCOPE}")
        print(f"export CWL2DIRAC_RUCIO_RSE={RSE}")
        return 0
    if command == "dirac-storage" and len(args) >= 2:
        return dirac_storage(args[0], args[1:])
    print("usage: rucio-server.sh start|stop|status|env|dirac-storage VO RSE=/path...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
