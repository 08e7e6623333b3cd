"""The S_OK/S_ERROR boundary: the process made ready for DIRAC, DIRAC results unwrapped into values or
:class:`~cwl2dirac.errors.BackendError`, and the DIRAC objects shared within a process (see docs/dirac-mapping.md,
"Environment")."""

from __future__ import annotations

import functools
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from cwl2dirac.errors import BackendError

CA_BUNDLE_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
"""When set, they override DIRAC's CA directory ("self-signed certificate in certificate chain")."""


def prepare() -> None:
    """Point DIRAC at this environment's root (``<venv>/etc/dirac.cfg``) unless ``DIRAC_ROOT_PATH`` is set.

    Must run before the first ``import DIRAC``; DIRAC reads it once. Without it DIRAC takes
    ``sys.base_prefix`` (the base interpreter, not the venv) as its root.
    """
    if "DIRAC" not in sys.modules:
        os.environ.setdefault("DIRAC_ROOT_PATH", sys.prefix)


SHOW_DIRAC_MESSAGES = False
"""Whether DIRAC's own log messages are shown (``cwl2dirac --debug``); else only its fatal ones."""


def quiet_dirac_logging() -> None:
    """DIRAC's log messages on stderr, never stdout (the CLI's stdout holds its result, e.g. the output object),
    and only the fatal ones unless :data:`SHOW_DIRAC_MESSAGES`: the errors it logs on the way (a connection that is
    then retried) are cwl2dirac's to report, in one line."""
    import logging

    from DIRAC import gLogger

    for handler in logging.getLogger("dirac").handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
            handler.setStream(sys.stderr)
    if not SHOW_DIRAC_MESSAGES:
        gLogger.setLevel("FATAL")


def prepare_for_server() -> None:
    """Also drop the CA-bundle variables; only before talking to a server (this affects the whole process)."""
    prepare()
    for var in CA_BUNDLE_VARS:
        os.environ.pop(var, None)


def ok(result: Any, what: str) -> Any:
    """The value of a DIRAC ``S_OK``; a ``BackendError`` naming ``what`` for an ``S_ERROR``."""
    if not isinstance(result, dict) or "OK" not in result:
        raise BackendError(f"{what}: unexpected DIRAC result {result!r}")
    if not result["OK"]:
        message = " ".join(str(result.get("Message", "unknown error")).split())
        raise BackendError(f"{what}: {message}")
    return result.get("Value")


@functools.lru_cache(maxsize=1)
def prodvalidator() -> Any:
    """DIRAC's ``ProdValidator`` (one per process)."""
    prepare()
    from DIRAC.ProductionSystem.Utilities.ProdValidator import ProdValidator

    return ProdValidator()


RETRY_PAUSES = (1.0, 3.0, 9.0)
"""Seconds between the attempts of a DIRAC call that failed on its way (3 retries, 13 s in all, then the failure
stands); ``CWL2DIRAC_DIRAC_RETRY_PAUSES`` (comma-separated seconds, ``""`` for no retry) replaces them. Kept for
what a grid has and a client cannot prevent: a service restarted, a network interruption, a connection timed out
(tests/integration/test_faults.py stops and kills services mid-submission). Not for the local test server's
handshake failures, whose cause is fixed (docs/dirac-server.md, "TLS handshake failures"): the stress benchmark
(benchmarks/tls_stress.py) makes each call once, outside this retry."""
RETRY_PAUSES_VAR = "CWL2DIRAC_DIRAC_RETRY_PAUSES"
CALL_TIMEOUT = 120
"""Seconds a DIRAC call may take before it counts as failed on its way (DIRAC's own default: 600; its floor: 120);
``CWL2DIRAC_DIRAC_TIMEOUT`` replaces it."""
CALL_TIMEOUT_VAR = "CWL2DIRAC_DIRAC_TIMEOUT"


def retry_pauses() -> tuple[float, ...]:
    """The pauses between retries: :data:`RETRY_PAUSES`, or those of ``CWL2DIRAC_DIRAC_RETRY_PAUSES``."""
    text = os.environ.get(RETRY_PAUSES_VAR)
    if text is None:
        return RETRY_PAUSES
    try:
        pauses = tuple(float(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        pauses = (-1.0,)
    if len(pauses) > 10 or any(not (0 <= p <= 3600) for p in pauses):
        raise BackendError(f"{RETRY_PAUSES_VAR}={text!r}: expected at most 10 comma-separated pauses in seconds "
                           "(0 to 3600), e.g. '1,3,9'")
    return pauses


def call_timeout() -> int:
    """Seconds a DIRAC call may take: :data:`CALL_TIMEOUT`, or ``CWL2DIRAC_DIRAC_TIMEOUT``."""
    text = os.environ.get(CALL_TIMEOUT_VAR)
    if text is None:
        return CALL_TIMEOUT
    if not text.strip().isdigit() or not (1 <= int(text) <= 86400):
        raise BackendError(f"{CALL_TIMEOUT_VAR}={text!r}: expected a whole number of seconds from 1 to 86400 "
                           "(DIRAC waits at least 120)")
    return int(text)


TRANSIENT = re.compile(
    r"connect|timed? ?out|timeout|reset by peer|broken pipe|\beof\b|unreachable|ssl|no route|temporar|"
    r"try again|not responding|socket",
    re.IGNORECASE,
)
"""What a DIRAC error says when the call did not get through (worth another try), unlike a refusal."""


def transient(result: Any) -> bool:
    """Whether a failed DIRAC result is a transport problem (a retry may pass), not an answer of the service."""
    return isinstance(result, dict) and not result.get("OK") and bool(TRANSIENT.search(str(result.get("Message"))))


def retried(call: Callable[[], Any], pauses: Sequence[float] | None = None) -> Any:
    """The DIRAC result of ``call()``, tried again after each of ``pauses`` (default :func:`retry_pauses`) while it
    fails on its way (a
    :func:`transient` error, or an OSError): the last result, OK or not, so that the caller keeps its ``rpcStub``.
    A service's refusal is returned at once."""
    result: Any = None
    for pause in (*(retry_pauses() if pauses is None else pauses), None):
        try:
            result = call()
        except OSError as exc:  # a dropped connection below DIRAC's own handling
            result = {"OK": False, "Message": f"connection: {type(exc).__name__}: {exc}"}
        if not transient(result):
            return result
        if pause is not None:
            time.sleep(pause)
    return result


def bulk_ok(result: Any, what: str) -> dict[str, Any]:
    """The ``Successful`` part of a DIRAC bulk result; a BackendError for an S_ERROR or any ``Failed`` entry."""
    value = ok(result, what)
    failed = (value or {}).get("Failed") or {}
    if failed:
        first, reason = next(iter(sorted(failed.items())))
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise BackendError(f"{what}: {first}: {' '.join(str(reason).split())}{more}")
    return dict((value or {}).get("Successful") or {})
