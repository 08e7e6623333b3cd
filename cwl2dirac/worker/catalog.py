"""The catalog interface the worker talks to: the only thing that differs between a grid job and a local task.

A :class:`Catalog` finds files by meta-query, makes a file available locally, puts and registers a file with
its metadata, and reports a task's input files processed. The local implementation is
:class:`cwl2dirac.backends.local.catalog.LocalCatalog` (SQLite + a storage directory); a DIRAC one (DataManager,
FileCatalog, TransformationClient) plugs in through :func:`open_catalog`.

How the worker learns which catalog to use: the ``CWL2DIRAC_CATALOG`` environment variable (or ``--catalog``):
``sqlite:<workdir>`` for the local backend, ``dirac`` (the default) inside a grid job.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cwl2dirac.errors import BackendError
from cwl2dirac.request import (
    FIELD_INDEX,
    FIELD_ITEM,
    FIELD_PRODUCTION,
    FIELD_SECONDARY,
    MetaQuery,
    StepConfig,
    secondary_link,
)
from cwl2dirac.request.wire import ENV_CATALOG

CATALOG_ENTRY_POINTS = "cwl2dirac.catalogs"
"""The entry-point group of catalog factories: name = URL scheme, value = a callable taking the rest of the URL
(``sqlite:/path`` → ``factory("/path")``) and returning a :class:`Catalog`."""


@dataclass(frozen=True, slots=True)
class CatalogFile:
    """A catalog entry: its LFN and its metadata."""

    lfn: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    size: int | None = None
    checksum: str | None = None

    def sort_key(self) -> tuple[int, int, str]:
        """The stable order children see files in: index, item, LFN."""
        return (_int(self.metadata.get(FIELD_INDEX)), _int(self.metadata.get(FIELD_ITEM)), self.lfn)


def attached_metadata(primary_lfn: str, production: str | None) -> dict[str, Any]:
    """The metadata that attaches a file to the file ``primary_lfn`` (a CWL secondary file, or a File inside a
    carried record): the link, the production when known, and no step or output, so no input query selects it."""
    metadata: dict[str, Any] = {FIELD_SECONDARY: secondary_link(primary_lfn)}
    if production is not None:
        metadata[FIELD_PRODUCTION] = production
    return metadata


class Finder(Protocol):
    """Anything that answers meta-queries (a catalog, the output collector's view of one)."""

    def find(self, query: MetaQuery) -> list[CatalogFile]: ...


def find_attached(catalog: Finder, files: Sequence[CatalogFile]) -> dict[str, list[CatalogFile]]:
    """The files attached to each of ``files`` (their secondary files), by the primary's link; every primary's
    link is a key. One meta-query per 500 files."""
    links = sorted({secondary_link(f.lfn) for f in files})
    found: dict[str, list[CatalogFile]] = {link: [] for link in links}
    for i in range(0, len(links), 500):
        for sf in catalog.find({FIELD_SECONDARY: {"in": links[i : i + 500]}}):
            found.setdefault(str(sf.metadata[FIELD_SECONDARY]), []).append(sf)
    return found


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@runtime_checkable
class Catalog(Protocol):
    """What a worker needs from a file catalog and its storage."""

    def find(self, query: MetaQuery) -> list[CatalogFile]:
        """Files whose metadata match ``query`` (field -> value | {"=": v} | {"in": [...]}), in stable
        order."""
        ...

    def task_inputs(self, step: str, task: int) -> list[CatalogFile]:
        """The input files of task ``task`` of step ``step`` (locally: the task table; on DIRAC: the job's
        InputData)."""
        ...

    def get(self, lfn: str, dest: Path) -> Path:
        """Make ``lfn`` available locally and return its path (a file in directory ``dest``, or the stored
        file itself when storage is local)."""
        ...

    def put(self, path: Path, lfn: str, metadata: Mapping[str, Any]) -> None:
        """Upload ``path`` as ``lfn`` and register it with ``metadata``. An implementation may defer the
        registration to :meth:`commit_task` (the local one does, to make it atomic)."""
        ...

    def commit_task(self, step: str, task: int, inputs: Sequence[str]) -> None:
        """The task succeeded: make its puts visible and mark its input files Processed (locally, in one
        transaction that also marks the task done)."""
        ...

    def use_step(self, config: StepConfig) -> None:
        """The task about to run is of the step ``config`` (a grid catalog takes its output SE from it)."""
        ...

    def directory_fields(self) -> frozenset[str]:
        """The metadata fields this catalog keeps on directories, not files (DIRAC's directory-level fields): a
        file with such a field gets a directory of its own port, since all files of a directory share them."""
        ...


@functools.cache
def catalog_entry_points() -> dict[str, EntryPoint]:
    """The registered catalog factories by URL scheme (read once per process)."""
    return {ep.name: ep for ep in entry_points(group=CATALOG_ENTRY_POINTS)}


def open_catalog(url: str | None = None) -> Catalog:
    """The catalog named by ``url`` (default: ``$CWL2DIRAC_CATALOG``, else ``dirac``): ``<scheme>[:<rest>]``,
    the scheme naming a factory of the ``cwl2dirac.catalogs`` entry points."""
    url = url or os.environ.get(ENV_CATALOG) or "dirac"
    scheme, _, rest = url.partition(":")
    registered = catalog_entry_points()
    if scheme not in registered:
        known = ", ".join(f"'{name}:...'" for name in sorted(registered)) or "none installed"
        raise BackendError(f"unknown catalog {url!r} (catalogs: {known})")
    try:
        factory: Callable[[str], Catalog] = registered[scheme].load()
    except ImportError as exc:
        raise BackendError(f"the catalog {scheme!r} is not available: {exc}") from exc
    catalog: Catalog = factory(rest)
    return catalog
