"""The worker's DIRAC catalog refuses an LFN that could name a path outside its place before any DIRAC call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cwl2dirac.backends.dirac.catalog import DiracCatalog
from cwl2dirac.errors import PathEscape


class NoDirac:
    """Clients that must not be used: any call is a failure of the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"DIRAC was called ({name}) for an LFN that should have been refused")


ESCAPES = ["/vo/prod/../../etc/passwd", "vo/prod/relative.txt", "/vo/prod/./x.txt", "/vo//prod/x.txt", "/vo/prod/.."]


@pytest.mark.parametrize("lfn", ESCAPES)
def test_put_refuses_an_escaping_lfn(lfn: str, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("x")
    catalog = DiracCatalog(1, clients=NoDirac(), job_dir=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(PathEscape, match="output LFN"):
        catalog.put(out, lfn, {})


@pytest.mark.parametrize("lfn", ESCAPES)
def test_get_refuses_an_escaping_lfn(lfn: str, tmp_path: Path) -> None:
    catalog = DiracCatalog(1, clients=NoDirac(), job_dir=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(PathEscape, match="input LFN"):
        catalog.get(lfn, tmp_path / "in")
    assert not (tmp_path / "in").exists()
