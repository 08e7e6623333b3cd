"""The recovery policy shared by the backends: how many times a failed task's input is tried, and whether a
deterministic failure (worker exit 34, see docs/errors.md) is tried again.

The DIRAC backend applies it in its production controller and in ``cwl2dirac recover``
(:mod:`cwl2dirac.backends.dirac.recovery`); the local backend in its runner's retries.
"""

from __future__ import annotations

from dataclasses import dataclass

from cwl2dirac.errors import BackendError


@dataclass(frozen=True)
class Policy:
    """How failed tasks are recovered."""

    max_attempts: int = 3
    """Tasks a file may be given; after that many failures it is Problematic."""
    deterministic_final: bool = True
    """A deterministic failure (worker exit 34) makes the files Problematic at once."""

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or isinstance(self.max_attempts, bool) or not (
            1 <= self.max_attempts <= 100
        ):
            raise BackendError(f"recovery policy: max attempts must be a whole number from 1 to 100, not "
                               f"{self.max_attempts!r}")
