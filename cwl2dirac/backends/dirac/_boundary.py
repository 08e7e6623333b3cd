"""The S_OK/S_ERROR boundary: the process made ready for DIRAC, DIRAC results unwrapped into values or
:class:`~cwl2dirac.errors.BackendError`, and the DIRAC objects shared within a process (see docs/dirac-mapping.md,
"Environment")."""

from __future__ import annotations

import functools
import os
import sys
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
