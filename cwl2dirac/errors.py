"""The one exception hierarchy of cwl2dirac.

Every error a user can cause derives from :class:`Cwl2DiracError`; the CLI prints ``str(error)`` as one line and
exits with ``error.exit_code``. Errors that point into a CWL document carry a :class:`Location` and render as
``file:line:col: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where something stands in a document: a file URI plus a path of keys into its YAML tree.

    Line and column are resolved lazily (only when an error is shown), by re-reading the file with a
    line-preserving YAML parser; see :mod:`cwl2dirac.loader.locate`.
    """

    uri: str
    path: tuple[str | int, ...] = ()
    line: int | None = None
    col: int | None = None

    def child(self, *keys: str | int) -> Location:
        return Location(self.uri, self.path + keys)

    def render(self) -> str:
        from cwl2dirac.loader.locate import render_location

        return render_location(self)


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


@dataclass
class ErrorList:
    """Collects several errors; raises the first (sorted by position) when asked."""

    errors: list[Cwl2DiracError] = field(default_factory=list)

    def add(self, error: Cwl2DiracError) -> None:
        self.errors.append(error)

    def raise_first(self) -> None:
        if self.errors:
            raise self.errors[0]
