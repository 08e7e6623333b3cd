"""The local backend's tests: the two engines' runs share compiled bytecode."""

from __future__ import annotations

import pytest
from support.engines import ENV


@pytest.fixture(scope="session", autouse=True)
def _bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Let the runs share compiled bytecode (in the session's temporary directory, shared by the xdist
    workers), even where ``PYTHONDONTWRITEBYTECODE`` is set: else every run compiles cwltool, schema-salad,
    networkx... again, seconds per run."""
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.getbasetemp().parent / "pycache")
