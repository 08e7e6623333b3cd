"""DIRAC in a forked helper process, so that importing it overlaps the compiler's own work.

Importing DIRAC's client (the ``Job`` API and ``ProdValidator``) costs about 0.5 s, a quarter of a whole
``cwl2dirac compile`` of a 1000-step chain, while the compiler only needs a few DIRAC calls at the end (one job
template per job shape, one ``ProdValidator`` check per link). The command line therefore starts this sidecar
first thing (:func:`start`): a process forked from the CLI that imports DIRAC on the second core while the
CLI loads the CWL documents and runs the passes, then answers :func:`call` requests over a pipe.

Without a sidecar (library use, one CPU, no ``fork``, or a process that already has other threads, where
``fork()`` could deadlock the child and Python 3.12 warns), :func:`call` runs the function in this process: the
results are the same, only the timing differs. The sidecar ends when its pipe closes, i.e. when this process
exits or calls :func:`stop`.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.errors import BackendError

T = TypeVar("T")

_conn: Connection | None = None
_process: Any = None


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _threads() -> int:
    """The threads of this process, those Python did not start included (as Python 3.12's fork warning counts)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # pragma: no cover - not Linux
        return threading.active_count()


def start() -> bool:
    """Fork the sidecar unless DIRAC is already imported here, one is running, there is no second CPU or no
    ``fork``, or this process has other threads. True when a sidecar runs after the call."""
    global _conn, _process
    if _conn is not None:
        return True
    if "DIRAC" in sys.modules or _usable_cpus() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return False
    if _threads() > 1:
        return False
    ctx = multiprocessing.get_context("fork")
    parent_end, child_end = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child_end, parent_end), name="cwl2dirac-dirac", daemon=True)
    # Ctrl-C is the CLI's to handle; the sidecar ignores it (the pipe closing ends it). SIGINT is blocked around
    # the fork: the child starts with it blocked and ignores it before unblocking it (a pending one is then
    # discarded), and here a Ctrl-C that came meanwhile is delivered, not lost, when it is unblocked.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    child_end.close()
    _conn, _process = parent_end, process
    return True


def running() -> bool:
    return _conn is not None


def stop(*, kill: bool = False) -> None:
    """Close the pipe and wait for the sidecar to end (``kill``: end it at once, even in the middle of an
    import)."""
    global _conn, _process
    conn, process, _conn, _process = _conn, _process, None, None
    if conn is not None:
        conn.close()
    if process is not None:
        if kill:
            process.kill()
        process.join(timeout=10)


def call(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in the sidecar when one runs, else here. ``func`` must be a module-level function and its
    arguments and result picklable; an exception it raises is raised here."""
    if _conn is None:
        return func(*args)
    try:
        _conn.send((func, args))  # (a pickling error here is a bug of the caller's: raised as it is)
        ok, value = _conn.recv()
    except (EOFError, OSError) as exc:
        stop()
        raise BackendError(f"the DIRAC helper process ended unexpectedly ({exc.__class__.__name__})") from exc
    except (pickle.UnpicklingError, TypeError, AttributeError) as exc:
        # an answer that cannot be rebuilt here, e.g. an exception class whose constructor wants other arguments
        raise BackendError(f"the DIRAC helper process sent an answer that cannot be read ({exc})") from exc
    if not ok:
        raise value
    result: T = value
    return result


def _serve(conn: Connection, parent_end: Connection) -> None:  # pragma: no cover - runs in the forked child
    """The sidecar's loop: import DIRAC, then run what is sent until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the CLI's to handle; the pipe closing ends us
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by start() around the fork
    parent_end.close()
    _boundary.prepare()
    # An import failure here is raised again, in the caller, by the first call that needs DIRAC.
    with contextlib.suppress(Exception):
        import DIRAC.Interfaces.API.Job  # noqa: F401

        _boundary.prodvalidator()  # DIRAC's validator, with its TransformationClient
    gc.freeze()  # what the imports made lives until the end: keep the collector from walking it at each call
    while True:
        try:
            func, args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            break
        try:
            reply: tuple[bool, Any] = (True, func(*args))
        except Exception as exc:  # every error goes back to the caller, with where it happened (for --debug)
            exc.add_note("raised in the DIRAC sidecar:\n" + traceback.format_exc().rstrip())
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # e.g. an exception that cannot be pickled
            what = f"{reply[1].__class__.__name__}: {reply[1]}" if not reply[0] else f"unpicklable result ({exc})"
            conn.send((False, BackendError(what)))
    os._exit(0)
