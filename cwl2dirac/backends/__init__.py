"""Where a production request runs: one :class:`~cwl2dirac.backends.base.Backend` interface, several backends.

- :mod:`~cwl2dirac.backends.local`: this machine (SQLite catalog, a task pool, progress on stderr), the default;
- :mod:`~cwl2dirac.backends.dirac`: DIRAC's Production and Transformation Systems (the only package that imports
  DIRAC).

:func:`get_backend` makes one by name; each backend also provides the catalog its workers talk to, registered in
the ``cwl2dirac.catalogs`` entry points (see :mod:`cwl2dirac.worker.catalog`).
"""

from __future__ import annotations

from typing import Any

from cwl2dirac.backends.base import Backend, FailedTask, Production, ProductionStatus, StepStatus
from cwl2dirac.errors import BackendError

BACKENDS = ("local", "dirac")


def get_backend(name: str, **options: Any) -> Backend:
    """The backend ``name`` (``local`` or ``dirac``) made with its ``options`` (see each backend's constructor)."""
    if name == "local":
        from cwl2dirac.backends.local.backend import LocalBackend

        return LocalBackend(**options)
    if name == "dirac":
        from cwl2dirac.backends.dirac.backend import DiracBackend

        return DiracBackend(**options)
    raise BackendError(f"unknown backend {name!r} (expected one of: {', '.join(BACKENDS)})")


__all__ = ["BACKENDS", "Backend", "FailedTask", "Production", "ProductionStatus", "StepStatus", "get_backend"]
