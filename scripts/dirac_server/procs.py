"""Processes of the server: started in their own session, recorded by PID file, stopped by process group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from .settings import Settings

START_MARK = "===== dirac-server: "
"""Begins the line written into a component's log when the script starts it (DIRAC's own banners have ===== too)."""


class StartError(RuntimeError):
    """A component did not start; carries the tail of its log."""

    def __init__(self, component: str, message: str, log: Path | None = None) -> None:
        self.component = component
        self.log = log
        text = f"{component}: {message}"
        if log is not None:
            text += f"\n--- last lines of {log} ---\n{tail(log)}"
        super().__init__(text)


def tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode(errors="replace")
    except OSError as exc:
        return f"(cannot read: {exc})"
    return "\n".join(data.splitlines()[-lines:])


def pid_file(s: Settings, name: str) -> Path:
    return s.run / f"{name.replace('/', '_')}.pid"


def _start_time(p: int) -> str | None:
    """The process's start time (clock ticks since boot): with the PID, it names one process for good."""
    try:
        with open(f"/proc/{p}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def pid(s: Settings, name: str) -> int | None:
    """The recorded PID, if that very process (same start time) still exists."""
    try:
        fields = pid_file(s, name).read_text().split()
        p = int(fields[0])
    except (OSError, ValueError, IndexError):
        return None
    if len(fields) > 1 and _start_time(p) != fields[1]:
        return None  # the PID was reused by another process
    return p


def _is_alive(p: int) -> bool:
    try:
        os.kill(p, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not reaped) is not alive
    with contextlib.suppress(OSError), open(f"/proc/{p}/stat") as f:
        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def alive(s: Settings, name: str) -> bool:
    p = pid(s, name)
    return p is not None and _is_alive(p)


def port_answers(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def spawn(s: Settings, name: str, args: list[str], *, log: Path, env: dict[str, str], cwd: Path | None = None) -> int:
    """Start ``args`` detached (own session), output appended to ``log``; record its PID."""
    s.run.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n{START_MARK}{time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}: {' '.join(args)}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
            cwd=str(cwd) if cwd else None, start_new_session=True, close_fds=True,
        )
    pid_file(s, name).write_text(f"{proc.pid} {_start_time(proc.pid)}\n")
    return proc.pid


def kill(s: Settings, name: str, timeout: float = 15) -> bool:
    """SIGTERM the recorded process group, SIGKILL after ``timeout``; True if something was running."""
    p = pid(s, name)
    path = pid_file(s, name)
    if p is None or not _is_alive(p):
        path.unlink(missing_ok=True)
        return False
    try:
        pgid = os.getpgid(p)
    except ProcessLookupError:
        pgid = None
    # Our processes lead their own session: kill the whole group (service children, job wrappers)
    target = -pgid if pgid == p else p
    with contextlib.suppress(ProcessLookupError):
        os.kill(target, signal.SIGTERM)
    def running() -> bool:
        return _group_alive(pgid) if pgid == p else _is_alive(p)

    deadline = time.monotonic() + timeout
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    if running():
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)
        time.sleep(0.2)
    path.unlink(missing_ok=True)
    return True


def _group_alive(pgid: int) -> bool:
    """Whether a live (non-zombie) process of the group is left."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields: state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def kill_strays(fragment: str) -> list[int]:
    """SIGKILL every process whose command line contains ``fragment`` (a job wrapper under a JobAgent's work
    directory that left the agent's process group); their PIDs."""
    killed = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if fragment in cmdline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
    return killed
