"""``cwl2dirac-worker``: the entry point of every task.

    cwl2dirac-worker --config TOKEN --task N [--catalog URL]

``TOKEN`` is :func:`cwl2dirac.request.encode_config` of the step's :class:`~cwl2dirac.request.StepConfig` (the
same token as in the DIRAC job body), ``N`` the task number (``@{JOB_ID}`` on DIRAC). The task's input files
are asked from the catalog (:meth:`~cwl2dirac.worker.catalog.Catalog.task_inputs`: the local task table, or
the job's InputData on DIRAC); the catalog is ``--catalog`` or ``$CWL2DIRAC_CATALOG`` (``sqlite:<workdir>``
locally, ``dirac`` by default). The current directory is the task's working directory.

Exit codes (:mod:`cwl2dirac.request.wire`): 0 success (outputs registered), 1 a failure that may pass when retried,
33 unsupported feature, 34 a deterministic failure (an expression that fails, a ``when`` that is not a boolean, an
output outside the task or not of its type, an LFN outside the step's base): not worth retrying.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cwl2dirac.errors import Cwl2DiracError
from cwl2dirac.request.wire import EXIT_DETERMINISTIC, EXIT_FAILURE


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cwl2dirac-worker", description="Run one task of a cwl2dirac step.")
    p.add_argument("--config", required=True, help="encoded step configuration (encode_config)")
    p.add_argument("--task", required=True, type=int, help="task number (1-based)")
    p.add_argument("--catalog", default=None, help="catalog URL (default: $CWL2DIRAC_CATALOG or 'dirac')")
    p.add_argument("--debug", action="store_true")
    return p


def run(argv: Sequence[str]) -> int:
    """Run the worker with ``argv``; returns the exit code (no ``sys.exit``)."""
    args = _parser().parse_args(list(argv))
    log = logging.getLogger("cwl2dirac.worker")
    if not log.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
    log.setLevel(logging.DEBUG if args.debug else logging.INFO)
    logging.getLogger("cwltool").setLevel(logging.DEBUG if args.debug else logging.INFO)
    t0 = time.perf_counter()
    from cwl2dirac.request import decode_config
    from cwl2dirac.worker.catalog import open_catalog
    from cwl2dirac.worker.task import run_task

    catalog = None
    try:
        config = decode_config(args.config)
        catalog = open_catalog(args.catalog)
        result = run_task(config, args.task, catalog, Path.cwd())
    except Cwl2DiracError as exc:
        log.error("task %s failed: %s", args.task, exc)
        _discard(catalog)
        return exit_code(exc)
    except Exception as exc:
        log.exception("task %s failed: %s", args.task, exc)
        _discard(catalog)
        return 1
    log.info(
        "task %s of %s: %s, %d file(s) registered, %.3f s",
        args.task,
        config.step,
        result.status,
        len(result.registered),
        time.perf_counter() - t0,
    )
    return 0


def exit_code(exc: Cwl2DiracError) -> int:
    """The worker's exit code for ``exc``: its own (33 for an unsupported feature), else
    :data:`~cwl2dirac.request.wire.EXIT_DETERMINISTIC` when retrying cannot help, else 1."""
    if exc.exit_code != EXIT_FAILURE:
        return exc.exit_code
    return EXIT_FAILURE if exc.retryable else EXIT_DETERMINISTIC


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _discard(catalog: object) -> None:
    discard = getattr(catalog, "discard_pending", None)
    if callable(discard):
        discard()


def main() -> None:
    """Console script entry point."""
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
