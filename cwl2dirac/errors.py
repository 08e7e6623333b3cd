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
_LOCATED = re.compile(r"^(?:\S+:\d+:\d+:\s*)+")
"""The ``file:line:col:`` that cwltool and schema-salad put before each line of a message (in the worker, the task's
copy of the tool: ``file:///…/s.cwl#tool.cwl:1:1:``, of no use to a reader)."""
_NOISE = ("Expecting value", "stdout was", "stderr was")
_CWL_OBJECT = re.compile(r"\{'basename': '([^']*)', 'class': '(File|Directory)',.*?(?:\[\.\.\.\]|\})(?=\s+is\s)")
"""A File or Directory that schema-salad prints whole (or cut with ``[...]``) before saying what is wrong with it."""


def one_line(text: str, limit: int = 400) -> str:
    """A message of several lines (cwltool's, schema-salad's) as one line that keeps the reason: each line without
    its ``file:line:col:`` prefix, joined (``Invalid job input record: Missing required input parameter 'm'``,
    not only its first line); the output record cwltool dumps after it (``in {…``) and a script listing
    (``script was:``) left out, a File or Directory value shown by its name (``the value File 'a.txt' is not a
    list``)."""
    text = text.split("\n in {", 1)[0].split("script was:", 1)[0]
    lines = [_LOCATED.sub("", line).strip() for line in text.splitlines()]
    joined = " ".join(" ".join(line for line in lines if line and not line.startswith(_NOISE)).split())
    joined = _CWL_OBJECT.sub(lambda m: f"{m.group(2)} '{m.group(1)}'", joined)
    return joined if len(joined) <= limit else joined[: limit - 3] + "..."


def expression_failure(exc: BaseException, limit: int = 240) -> str:
    """What an expression evaluator's exception (cwl-utils' ``JavascriptException``, ``WorkflowException``...)
    says, as one short line: the JavaScript error (``ReferenceError: x is not defined``), looked for in the
    exception and its causes, rather than the script, node's stack and cwl-utils' or cwltool's wrapping; else the
    whole message of the outermost exception that says something (:func:`one_line`)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    lines = [_LOCATED.sub("", line).strip() for e in chain for line in str(e).splitlines()]
    for line in lines:
        match = _JS_ERROR.match(line)
        if match:
            return f"{match.group(1)}: {match.group(2)}"[:limit]
    for e in chain:
        said = one_line(str(e), limit).removeprefix("Expression evaluation error:").strip()
        if said:
            return said
    return type(exc).__name__


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
    "one_line",
    "quiet_evaluator",
]
