"""The one exception hierarchy of cwl2dirac.

Every error a user can cause derives from :class:`Cwl2DiracError`; the CLI prints ``str(error)`` as one line and
exits with ``error.exit_code``. Errors that point into a CWL document carry a :class:`Location` and render as
``file:line:col: message``.
"""

from __future__ import annotations

from cwl2dirac.location import Location


class Cwl2DiracError(Exception):
    """Base of every error cwl2dirac raises on purpose."""

    exit_code = 1

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


class InputError(Cwl2DiracError):
    """The job order (inputs.yml) does not fit the workflow."""


class UnsupportedFeature(Cwl2DiracError):
    """A CWL feature that cannot be mapped onto DIRAC's Production System (exit code 33, as cwltool)."""

    exit_code = 33


class BackendError(Cwl2DiracError):
    """A backend (DIRAC, local) refused or failed a request."""


class TaskFailed(Cwl2DiracError):
    """A task failed after all its retries."""


__all__ = [
    "BackendError",
    "Cwl2DiracError",
    "InputError",
    "LoadError",
    "Location",
    "TaskFailed",
    "UnsupportedFeature",
    "ValidationError",
]
