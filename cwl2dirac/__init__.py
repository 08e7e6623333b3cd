"""cwl2dirac: compile CWL workflows into DIRAC Production System requests; run them locally or on the grid.

The public API, in a few names::

    import cwl2dirac
    workflow = cwl2dirac.load("pipeline.cwl")                      # the typed IR
    request = cwl2dirac.compile("pipeline.cwl", "inputs.yml")       # a ProductionRequest
    request.write("production.yaml")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cwl2dirac.errors import (
    BackendError,
    Cwl2DiracError,
    InputError,
    LoadError,
    TaskFailed,
    UnsupportedFeature,
    ValidationError,
)
from cwl2dirac.request import ProductionRequest

if TYPE_CHECKING:
    from cwl2dirac.ir import Workflow

__version__ = "0.1.0"


def load(path: str) -> Workflow:
    """Load a CWL document (v1.0-v1.2; ``file.cwl`` or ``packed.cwl#main``) as the typed IR."""
    from cwl2dirac.loader import load as _load

    return _load(path)


def compile(pipeline: str, inputs: str | None = None, **options: Any) -> ProductionRequest:
    """Compile a CWL workflow (and optional job order) into a :class:`ProductionRequest`."""
    from cwl2dirac.compiler import compile_workflow

    return compile_workflow(pipeline, inputs, **options)


__all__ = [
    "BackendError",
    "Cwl2DiracError",
    "InputError",
    "LoadError",
    "ProductionRequest",
    "TaskFailed",
    "UnsupportedFeature",
    "ValidationError",
    "__version__",
    "compile",
    "load",
]
