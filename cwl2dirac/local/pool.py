"""A pool of task processes that import cwltool once and run the worker entry point in-process.

Each task runs exactly ``cwl2dirac-worker --config TOKEN --task N`` (via :func:`cwl2dirac.worker.main.run`),
in its own fresh directory, with stdout and stderr going to the task's log file. Pool processes are forked
from a parent that has already imported and warmed cwltool (schema loaded), so a task costs milliseconds, not
a Python start. Pool processes die with the parent (``PR_SET_PDEATHSIG``), so a killed run leaves no task that
could still commit.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, cast

from cwl2dirac.worker.catalog import CATALOG_ENV

_WARM_TOOL: dict[str, Any] = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "id": "file:///cwl2dirac-warmup.cwl",
    "baseCommand": "true",
    "inputs": {},
    "outputs": {},
}


def warm_up() -> None:
    """Import cwltool and load its schemas in this process (inherited by forked pool processes)."""
    import logging

    import cwltool.executors
    import cwltool.workflow  # noqa: F401  (registers the tool constructor)
    from cwltool.context import LoadingContext
    from cwltool.load_tool import load_tool

    import cwl2dirac.worker.task  # noqa: F401

    logging.getLogger("cwltool").setLevel(logging.WARNING)
    with contextlib.suppress(Exception):
        load_tool(cast(Any, dict(_WARM_TOOL)), LoadingContext())
    logging.getLogger("cwltool").setLevel(logging.INFO)


def _init(catalog_url: str) -> None:
    os.environ[CATALOG_ENV] = catalog_url
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def execute(argv: Sequence[str], taskdir: str, log_path: str) -> int:
    """Run the worker with ``argv`` in ``taskdir``, output to ``log_path``; returns its exit code."""
    from cwl2dirac.worker.main import run

    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    cwd = os.getcwd()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(taskdir)
        try:
            code = run(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:
            print(f"worker crashed: {type(exc).__name__}: {exc}", file=sys.stderr)
            code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.chdir(cwd)
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (fd, *saved):
            os.close(f)
    return code


def _noop() -> int:
    return os.getpid()


class TaskPool:
    """``jobs`` forked processes running worker tasks."""

    def __init__(self, jobs: int, workdir: Path) -> None:
        self.jobs = jobs
        self.catalog_url = f"sqlite:{Path(workdir).resolve()}"
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        warm_up()
        ctx = multiprocessing.get_context("fork")
        self._executor = ProcessPoolExecutor(
            self.jobs, mp_context=ctx, initializer=_init, initargs=(self.catalog_url,)
        )
        self._executor.submit(_noop).result()  # with fork, every process starts at the first submit

    def submit(self, argv: Sequence[str], taskdir: Path, log_path: Path) -> Future[int]:
        if self._executor is None:
            self.start()
        assert self._executor is not None
        return self._executor.submit(execute, list(argv), str(taskdir), str(log_path))

    def restart(self) -> None:
        """Replace a broken pool."""
        self.shutdown(wait=False)
        self.start()

    def shutdown(self, wait: bool = True) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None
