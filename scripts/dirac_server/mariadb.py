"""Debian's MariaDB, run by the server itself: data directory, socket and log in the state directory."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import DIRAC

from . import cfg, procs
from .settings import Settings

NAME = "MariaDB"


def _mariadbd() -> str:
    for path in ("/usr/sbin/mariadbd", shutil.which("mariadbd") or ""):
        if path and os.access(path, os.X_OK):
            return path
    raise procs.StartError(NAME, "mariadbd not found: install Debian's mariadb-server-core (the shell script does)")


def client_args(s: Settings) -> list[str]:
    return ["mariadb", "--no-defaults", "-uroot", f"--socket={s.db_socket}"]


def sql(s: Settings, statement: str, database: str | None = None, stdin: str | None = None) -> str:
    args = [*client_args(s), "-N", "-B"]
    if database:
        args.append(database)
    if stdin is None:
        args += ["-e", statement]
    result = subprocess.run(args, input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        raise procs.StartError(NAME, f"SQL failed ({statement[:80]}): {result.stderr.strip()}")
    return result.stdout


def _answers(s: Settings) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", s.ports[NAME]), timeout=1):
            pass
    except OSError:
        return False
    return subprocess.run([*client_args(s), "-e", "SELECT 1"], capture_output=True).returncode == 0


def start(s: Settings) -> None:
    data = s.db_dir / "data"
    log = s.log / "MariaDB.log"
    s.log.mkdir(parents=True, exist_ok=True)
    if procs.alive(s, NAME) and _answers(s):
        return
    procs.kill(s, NAME)
    if procs.port_answers(s.ports[NAME]):
        raise procs.StartError(NAME, f"port {s.ports[NAME]} is already in use by another program; choose another "
                               "base port with CWL2DIRAC_SERVER_PORT")
    if not (data / "mysql").is_dir():
        if data.exists():
            shutil.rmtree(data)
        data.mkdir(parents=True)
        result = subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root", "--skip-test-db",
             "--auth-root-authentication-method=socket"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise procs.StartError(NAME, f"mariadb-install-db failed: {result.stdout}{result.stderr}")
        (s.db_dir / "initialized").unlink(missing_ok=True)
    args = [
        _mariadbd(), "--no-defaults", f"--datadir={data}", f"--socket={s.db_socket}",
        f"--port={s.ports[NAME]}", "--bind-address=127.0.0.1", f"--pid-file={s.db_dir / 'mariadbd.pid'}",
        "--user=root", f"--log-error={log}", "--skip-name-resolve", "--performance-schema=OFF",
        "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M", "--max-connections=500",
        "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
        # DIRAC's schemas use zero dates and implicit defaults of older MySQLs
        "--sql-mode=NO_ENGINE_SUBSTITUTION",
    ]
    procs.spawn(s, NAME, args, log=s.log / "MariaDB.stdout.log", env=dict(os.environ))
    deadline = time.monotonic() + 30
    while not _answers(s):
        if not procs.alive(s, NAME):
            raise procs.StartError(NAME, "mariadbd exited", log)
        if time.monotonic() > deadline:
            raise procs.StartError(NAME, "mariadbd did not answer within 30 s", log)
        time.sleep(0.2)
    if not (s.db_dir / "initialized").exists():
        create_databases(s)
        (s.db_dir / "initialized").write_text("ok\n")


def create_databases(s: Settings) -> None:
    """The DIRAC user, and each database from the ``.sql`` file DIRAC ships for it (as DIRAC's installer)."""
    password = cfg.db_password(s)
    user = s.db_user
    sql(s, f"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY '{password}'; "
           f"ALTER USER '{user}'@'%' IDENTIFIED BY '{password}';")
    dirac_dir = Path(DIRAC.__file__).parent
    perms = ("SELECT,INSERT,LOCK TABLES,UPDATE,DELETE,CREATE,DROP,ALTER,REFERENCES,CREATE VIEW,SHOW VIEW,INDEX,"
             "TRIGGER,ALTER ROUTINE,CREATE ROUTINE,CREATE TEMPORARY TABLES,EXECUTE")
    for system, names in cfg.DATABASES.items():
        for name in names:
            sql(s, f"CREATE DATABASE IF NOT EXISTS `{name}`; GRANT {perms} ON `{name}`.* TO '{user}'@'%';")
            schema = dirac_dir / f"{system}System" / "DB" / f"{name}.sql"
            if schema.exists():
                sql(s, f"source {schema}", database=name, stdin=schema.read_text())
    sql(s, "FLUSH PRIVILEGES;")


def stop(s: Settings) -> None:
    procs.kill(s, NAME, timeout=30)
