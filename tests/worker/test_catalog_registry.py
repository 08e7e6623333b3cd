"""The worker finds its catalog through the ``cwl2dirac.catalogs`` entry points, never by importing a backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwl2dirac.errors import BackendError
from cwl2dirac.request.wire import ENV_CATALOG
from cwl2dirac.worker.catalog import Catalog, catalog_entry_points, open_catalog


def test_the_local_backend_registers_sqlite() -> None:
    entry = catalog_entry_points()["sqlite"]
    assert entry.value.startswith("cwl2dirac.backends.local.")


def test_open_by_url_and_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = open_catalog(f"sqlite:{tmp_path}")
    assert isinstance(catalog, Catalog)
    assert (tmp_path / "catalog.sqlite").is_file()
    monkeypatch.setenv(ENV_CATALOG, f"sqlite:{tmp_path}")
    assert open_catalog() is catalog  # one catalog per work directory and process


def test_an_unknown_scheme_names_the_registered_ones() -> None:
    with pytest.raises(BackendError, match=r"unknown catalog 'ftp://x' \(catalogs: .*'sqlite:\.\.\.'"):
        open_catalog("ftp://x")
