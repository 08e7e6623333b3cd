"""cwl2dirac: compile CWL workflows into DIRAC Production System requests; run them locally or on the grid.

The public API, in a few names::

    import cwl2dirac
    workflow = cwl2dirac.loader("pipeline.cwl")                      # the typed IR
    request = cwl2dirac.compile("pipeline.cwl", "inputs.yml")       # a ProductionRequest
    request.write("production.yaml")
    result = cwl2dirac.run(request, outdir="out")                   # locally; result.outputs: the CWL outputs
    production = cwl2dirac.submit(request)                          # to the configured DIRAC

See docs/api.md.
"""

from __future__ import annotations

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

__version__ = "0.1.0"

__all__ = [
    "Backend",
    "BackendError",
    "Cwl2DiracError",
    "DeterministicFailure",
    "FailedTask",
    "InputError",
    "LoadError",
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
