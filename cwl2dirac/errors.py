"""The one exception hierarchy of cwl2dirac.

Every error a user can cause derives from :class:`Cwl2DiracError`; the CLI prints ``str(error)`` as one line and
exits with ``error.exit_code``. Errors that point into a CWL document carry a :class:`Location` and render as
``file:line:col: message``.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator

from cwl2dirac.location import Location


class Cwl2DiracError(Exception):
    """Base of every error cwl2dirac raises on purpose."""

    exit_code = 1
    retryable = False
    """Whether the same action may succeed when tried again unchanged (a task is retried only then)."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location.render()}: {self.message}"


class LoadError(Cwl2DiracError):
    """A document cannot be read or parsed (missing file, malformed YAML, schema violation)."""


class ValidationError(Cwl2DiracError):
    """The workflow is well-formed CWL but wrong: dangling sources, incompatible types, cycles, bad hints."""


class PathEscape(ValidationError):
    """A path, LFN or file name that could resolve outside its directory or LFN namespace (``..``, a relative
    LFN base, an absolute glob, a name with ``/``...); see :mod:`cwl2dirac.request.lfn`."""


class NameRuleError(ValidationError):
    """A name or value that DIRAC (or the local SQLite catalog) would refuse: a metadata field name that is not an
    SQL identifier, a value too long or of the wrong type, a production name DIRAC would take for an id...; see
    :mod:`cwl2dirac.request.names`."""


class InputError(Cwl2DiracError):
    """The job order (inputs.yml) does not fit the workflow."""


class UnsupportedFeature(Cwl2DiracError):
    """A CWL feature that cannot be mapped onto DIRAC's Production System (exit code 33, as cwltool)."""

    exit_code = 33


class BackendError(Cwl2DiracError):
    """A backend (DIRAC, local) refused or failed a request."""

    retryable = True


class TaskFailed(Cwl2DiracError):
    """A task failed (after all its retries, when raised by a run)."""

    retryable = True


class DeterministicFailure(TaskFailed):
    """A task failure that would happen again on every retry: an expression that fails, a ``when`` that is not a
    boolean, an output outside the task's directory or of the wrong type. The worker exits with
    :data:`cwl2dirac.request.wire.EXIT_DETERMINISTIC`, and the task is not retried."""

    retryable = False


_JS_ERROR = re.compile(r"^\s*'?((?:[A-Z][A-Za-z]*)?Error|Uncaught \w+): (.+?)'?\s*$")


def expression_failure(exc: BaseException, limit: int = 240) -> str:
    """What an expression evaluator's exception (cwl-utils' ``JavascriptException``, ``WorkflowException``...)
    says, as one short line: the JavaScript error (``ReferenceError: x is not defined``), looked for in the
    exception and its causes, rather than the script, node's stack and cwl-utils' or cwltool's wrapping."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    lines = [line.strip() for e in chain for line in str(e).splitlines() if line.strip()]
    for line in lines:
        match = _JS_ERROR.match(line)
        if match:
            return f"{match.group(1)}: {match.group(2)}"[:limit]
    noise = ("Expression evaluation error", "Expecting value", "script was", "stdout was", "stderr was")
    cleaned = [re.sub(r"^\S+:\d+:\d+:\s*", "", line) for line in lines]
    first = next((line for line in cleaned if line and not line.startswith(noise)), "") or type(exc).__name__
    return " ".join(first.split())[:limit]


@contextlib.contextmanager
def quiet_evaluator() -> Iterator[None]:
    """cwl-utils logs every failed expression with its traceback before raising; the error is reported once, by
    whoever catches it."""
    logger = logging.getLogger("cwl_utils")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


__all__ = [
    "BackendError",
    "Cwl2DiracError",
    "DeterministicFailure",
    "InputError",
    "LoadError",
    "Location",
    "NameRuleError",
    "PathEscape",
    "TaskFailed",
    "UnsupportedFeature",
    "ValidationError",
    "expression_failure",
    "quiet_evaluator",
]
