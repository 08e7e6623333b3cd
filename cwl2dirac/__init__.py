"""cwl2dirac: compile CWL workflows into DIRAC Production System requests; run them locally or on the grid.

The public API, in a few names::

    import cwl2dirac
    workflow = cwl2dirac.load("pipeline.cwl")                        # the typed IR
    request = cwl2dirac.compile("pipeline.cwl", "inputs.yml")       # a ProductionRequest
    request.write("production.yaml")
    local = cwl2dirac.LocalBackend(jobs=4, container="none")        # a backend, configured once
    result = cwl2dirac.run(request, outdir="out", backend=local)    # result.outputs: the CWL outputs
    production = cwl2dirac.submit(request, backend=cwl2dirac.DiracBackend(config_files="dirac.cfg"))

See docs/api.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cwl2dirac._api import Pipeline, RunResult, compile, describe, load, run, status, submit
from cwl2dirac.backends.base import Backend, FailedTask, Production, ProductionStatus, StepStatus
from cwl2dirac.errors import (
    BackendError,
    Cwl2DiracError,
    DeterministicFailure,
    InputError,
    LoadError,
    Location,
    NameRuleError,
    PathEscape,
    TaskFailed,
    UnsupportedFeature,
    ValidationError,
)
from cwl2dirac.request import ProductionRequest, StepSpec

if TYPE_CHECKING:
    from cwl2dirac.backends.dirac.backend import DiracBackend
    from cwl2dirac.backends.local.backend import LocalBackend

_LAZY = {
    "LocalBackend": "cwl2dirac.backends.local.backend",
    "DiracBackend": "cwl2dirac.backends.dirac.backend",
}
"""Names imported at their first use: the local backend's modules (its runner, catalog and display) and the DIRAC
backend's (DIRAC itself) are not imported by ``import cwl2dirac``."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cwl2dirac' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "Backend",
    "BackendError",
    "Cwl2DiracError",
    "DeterministicFailure",
    "DiracBackend",
    "FailedTask",
    "InputError",
    "LoadError",
    "LocalBackend",
    "Location",
    "NameRuleError",
    "PathEscape",
    "Pipeline",
    "Production",
    "ProductionRequest",
    "ProductionStatus",
    "RunResult",
    "StepSpec",
    "StepStatus",
    "TaskFailed",
    "UnsupportedFeature",
    "ValidationError",
    "__version__",
    "compile",
    "describe",
    "load",
    "run",
    "status",
    "submit",
]
