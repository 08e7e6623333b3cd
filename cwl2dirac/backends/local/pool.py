"""A pool of task processes that import cwltool once and run the worker entry point in-process.

Each task runs exactly ``cwl2dirac-worker --config TOKEN --task N`` (via :func:`cwl2dirac.worker.main.run`),
in its own fresh directory, with stdout and stderr going to the task's log file. Pool processes are forked
from multiprocessing's fork server, a single-threaded process that has already imported and warmed cwltool
(schema loaded; :mod:`cwl2dirac.backends.local.warm` is its preload), so a task costs milliseconds, not a Python
start. They are not forked from the run's own process: it may have threads (the live progress display, an
executor's manager thread, a test runner's), and ``fork()`` in a multi-threaded process can deadlock the child
(Python 3.12 warns about it). Each pool process takes the parent's current environment and working directory
when it starts. Pool processes die with their parent, the fork server, and the fork server with the run's
process (both ``PR_SET_PDEATHSIG``; multiprocessing's own end of the server waits for the pool's processes,
which never end by themselves): a killed run leaves no task that could still commit.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import weakref
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, cast

from cwl2dirac.request.wire import ENV_CATALOG

_WARM_TOOL: dict[str, Any] = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "id": "file:///cwl2dirac-warmup.cwl",
    "baseCommand": "true",
    "inputs": {},
    "outputs": {},
}


def warm_up() -> None:
    """Import cwltool and load its schemas in this process (the fork server's: inherited by the pool processes)."""
    import cwltool.executors
    import cwltool.workflow  # noqa: F401  (registers the tool constructor)
    from cwltool.context import LoadingContext
    from cwltool.load_tool import load_tool

    import cwl2dirac.worker.task  # noqa: F401

    logging.getLogger("cwltool").setLevel(logging.WARNING)
    with contextlib.suppress(Exception):
        load_tool(cast(Any, dict(_WARM_TOOL)), LoadingContext())
    logging.getLogger("cwltool").setLevel(logging.INFO)


def die_with_parent() -> None:
    """SIGKILL this process when its parent ends (``PR_SET_PDEATHSIG``, Linux; nothing elsewhere)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _init(catalog_url: str, environment: Mapping[str, str]) -> None:
    """A pool process's start: ``environment`` is the parent's whole environment when the pool started (the fork
    server's own is the one it had when the server started), the working directory is multiprocessing's to set."""
    os.environ.clear()
    os.environ.update(environment)
    os.environ[ENV_CATALOG] = catalog_url
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()  # the fork server, which dies with the run's process (see warm.py)


def _stream_handlers() -> list[logging.StreamHandler[Any]]:
    loggers = [
        logging.getLogger(),
        *(lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)),
    ]
    return [
        h
        for lg in loggers
        for h in lg.handlers
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler) and _settable(h)
    ]


def _settable(handler: logging.StreamHandler[Any]) -> bool:
    """Whether the handler's stream can be pointed elsewhere (coloredlogs' stderr handler, which cwltool's main
    installs, has a read-only ``stream``: it always writes to the current ``sys.stderr``)."""
    prop = getattr(type(handler), "stream", None)
    return not isinstance(prop, property) or prop.fset is not None


def execute(argv: Sequence[str], taskdir: str, log_path: str) -> int:
    """Run the worker with ``argv`` in ``taskdir``, output to ``log_path``; returns its exit code.

    Both the file descriptors 1 and 2 (for the tool's processes) and the Python streams and logging handlers
    (for cwltool and the worker) point to the log file while the task runs.
    """
    from cwl2dirac.worker.main import run

    with contextlib.suppress(OSError):  # which process runs it: TaskPool.died tells its death from the others'
        pid_path(taskdir).write_text(str(os.getpid()), encoding="utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    saved_fds = os.dup(1), os.dup(2)
    saved_streams = sys.stdout, sys.stderr
    handlers = _stream_handlers()
    saved_handler_streams = [h.stream for h in handlers]
    cwd = os.getcwd()
    logfile = open(log_path, "w", buffering=1, encoding="utf-8", errors="replace")  # noqa: SIM115
    try:
        os.dup2(logfile.fileno(), 1)
        os.dup2(logfile.fileno(), 2)
        sys.stdout = sys.stderr = logfile
        for h in handlers:
            h.stream = logfile
        os.chdir(taskdir)
        try:
            code = run(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:
            print(f"worker crashed: {type(exc).__name__}: {exc}", file=logfile)
            code = 1
    finally:
        logfile.flush()
        os.chdir(cwd)
        for h, stream in zip(handlers, saved_handler_streams, strict=True):
            h.stream = stream
        sys.stdout, sys.stderr = saved_streams
        os.dup2(saved_fds[0], 1)
        os.dup2(saved_fds[1], 2)
        for f in saved_fds:
            os.close(f)
        logfile.close()
    return code


def pid_path(taskdir: str | Path) -> Path:
    """Beside a task's directory (``tasks/<step>/<task>.pid``): the pool process that runs its current attempt."""
    taskdir = Path(taskdir)
    return taskdir.parent / f"{taskdir.name}.pid"


@contextlib.contextmanager
def _main_not_imported() -> Iterator[None]:
    """While pool processes start: multiprocessing does not import this program's ``__main__`` in them (as it does
    for the fork server's and spawn's children). Their work is cwl2dirac's own functions; the main module may be a
    script without an ``if __name__ == "__main__"`` guard (a program embedding cwl2dirac.run), or the console
    script, which they need not import."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


def _noop() -> int:
    return os.getpid()


class TaskPool:
    """``jobs`` processes running worker tasks (with ``environment`` besides the catalog's variable)."""

    def __init__(self, jobs: int, workdir: Path, environment: Mapping[str, str] | None = None) -> None:
        self.jobs = jobs
        self.catalog_url = f"sqlite:{Path(workdir).resolve()}"
        self.environment = dict(environment or {})
        self._executor: ProcessPoolExecutor | None = None
        self._generation = 0
        self._work: weakref.WeakKeyDictionary[Future[int], tuple[int, str]] = weakref.WeakKeyDictionary()
        """A task's future -> its pool's generation and its pid file (while the runner holds the future)."""
        self._exits: dict[int, dict[int, int | None]] = {}
        """A broken pool's generation -> its processes' exit codes when its break was first seen."""

    def start(self) -> None:
        self._generation += 1
        ctx = multiprocessing.get_context("forkserver")
        # The server starts once per process (at the first pool), importing and warming cwltool; later pools (a
        # restart, another run) fork from it at once. A preload that fails is skipped: each task then warms up.
        ctx.set_forkserver_preload(["cwl2dirac.backends.local.warm"])
        self._executor = ProcessPoolExecutor(
            self.jobs,
            mp_context=ctx,
            initializer=_init,
            initargs=(self.catalog_url, {**os.environ, **self.environment}),
        )
        # every process started and warm before the run's clock (and its live display) starts; all of them here,
        # the executor starts no other (a broken pool is replaced by a new one)
        with _main_not_imported():
            futures = [self._executor.submit(_noop) for _ in range(self.jobs)]
        for future in futures:
            future.result()

    def submit(self, argv: Sequence[str], taskdir: Path, log_path: Path) -> Future[int]:
        if self._executor is None:
            self.start()
        assert self._executor is not None
        pid_path(taskdir).unlink(missing_ok=True)  # an earlier attempt's
        future = self._executor.submit(execute, list(argv), str(taskdir), str(log_path))
        self._work[future] = (self._generation, str(pid_path(taskdir)))
        return future

    def died(self, future: Future[int]) -> int | None:
        """After ``future`` raised BrokenProcessPool: how its own process died (its exit code, negative for a
        signal, as ``subprocess`` says it) when it died by itself (killed, out of memory, crashed); None when the
        executor stopped it because another process of the pool died (SIGTERM), or it had not started. Then the
        pool is replaced, once for the break of all its tasks."""
        generation, pid_file = self._work.pop(future, (0, ""))
        if generation == self._generation:  # the first task of this break: how its processes ended, then a new pool
            processes = dict(getattr(self._executor, "_processes", None) or {})  # CPython's record of its workers
            # The executor's own thread stops the others (SIGTERM) after it marks the break, then joins every
            # process: the exit codes are read once it has ended. Joining them here as well would race with it
            # (two threads reading one forkserver status pipe: the loser reads EOF and records exit code 255).
            manager = getattr(self._executor, "_executor_manager_thread", None)
            if manager is not None:
                manager.join(timeout=30)
            if manager is None or manager.is_alive():
                for process in processes.values():
                    process.join(timeout=10)
            self._exits[generation] = {pid: process.exitcode for pid, process in processes.items()}
            self.restart()
        try:
            pid = int(Path(pid_file).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # not started: nothing of it ran
        exits = self._exits.get(generation, {})
        if pid not in exits:
            return -signal.SIGKILL  # unknown to this Python's executor: charged, as a death of its own
        code = exits[pid]
        return code if code is not None and code != -signal.SIGTERM else None

    def restart(self) -> None:
        """Replace a broken pool."""
        self.shutdown(wait=False)
        self.start()

    def shutdown(self, wait: bool = True) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None
