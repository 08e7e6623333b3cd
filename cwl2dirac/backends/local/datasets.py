"""Local datasets: the files a workflow input given as a catalog dataset takes in a local run.

A local dataset is a named meta-query in the catalog of a local run (``cwl2dirac catalog dataset add WORKDIR NAME
field=value…``), as a DIRAC dataset is a named meta-query of the File Catalog. A run whose request has an input
dataset naming it finds it in the work directories it is given (``--datasets-from``), else in every run under the
runs base (:func:`~cwl2dirac.request.wire.runs_base`), and registers its files (with their metadata and secondary
files) as that input's files: ``_inputs/<input>`` with :data:`~cwl2dirac.request.wire.FIELD_DATASET`, so the
request's query, resolved or not, selects them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cwl2dirac.backends.local.catalog import DB_NAME, LocalCatalog
from cwl2dirac.errors import BackendError
from cwl2dirac.request import (
    FIELD_INDEX,
    FIELD_ITEM,
    FIELD_OUTPUT,
    FIELD_PRODUCTION,
    FIELD_SCATTER,
    FIELD_STEP,
    INPUTS_STEP,
    InputDataset,
    MetaQuery,
    secondary_link,
)
from cwl2dirac.request.wire import FIELD_DATASET, runs_base
from cwl2dirac.worker.catalog import CatalogFile, attached_metadata, find_attached


@dataclass(frozen=True)
class LocalDataset:
    """A dataset found in the catalog of a local run."""

    name: str
    query: MetaQuery
    workdir: Path


def _dataset_query(workdir: Path, name: str) -> MetaQuery | None:
    """The query of dataset ``name`` in ``workdir``'s catalog, read without writing to it (None: no such)."""
    path = workdir / DB_NAME
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            row = db.execute("SELECT query FROM datasets WHERE name = ?", (name,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error:  # an older catalog without datasets, or not a catalog
        return None
    return json.loads(row[0]) if row else None


def _candidates(search: Sequence[Path], exclude: Path | None) -> Iterator[tuple[Path, bool]]:
    seen: set[Path] = set()
    for workdir in search:
        resolved = Path(workdir).resolve()
        seen.add(resolved)
        yield resolved, True
    base = runs_base()
    if base.is_dir():
        for workdir in sorted(p for p in base.iterdir() if (p / DB_NAME).is_file()):
            resolved = workdir.resolve()
            if resolved not in seen and resolved != exclude:
                yield resolved, False


def find_dataset(name: str, search: Sequence[Path] = (), exclude: Path | None = None) -> LocalDataset:
    """The local dataset ``name``: in the first of ``search`` (work directories) that has it, else in the one run
    under the runs base that has it (several is an error: name the one meant with ``search``)."""
    found: list[LocalDataset] = []
    for workdir, explicit in _candidates(search, exclude):
        query = _dataset_query(workdir, name)
        if query is None:
            continue
        if explicit:
            return LocalDataset(name, query, workdir)
        found.append(LocalDataset(name, query, workdir))
    if len(found) == 1:
        return found[0]
    if found:
        raise BackendError(
            f"dataset {name!r} is defined in several local runs ({', '.join(str(d.workdir) for d in found)}); "
            "say which with --datasets-from WORKDIR"
        )
    where = ", ".join(str(p) for p in search) or "no work directory given"
    raise BackendError(
        f"dataset {name!r} is in no local catalog (searched: {where}, and the runs in {runs_base()}); define it with "
        f"'cwl2dirac catalog dataset add WORKDIR {name} field=value…'"
    )


def dataset_entries(
    production: str, ds: InputDataset, search: Sequence[Path] = (), exclude: Path | None = None
) -> tuple[list[tuple[str, dict[str, Any], Path | None]], dict[str, str]]:
    """What to register for the input dataset ``ds`` (``ds.dataset`` names a local dataset): ``(lfn, metadata,
    stored file)`` of each of its files and their secondary files, and the field types they use."""
    assert ds.dataset is not None
    found = find_dataset(ds.dataset, search, exclude)
    source = LocalCatalog.open(found.workdir)
    files = source.find(found.query)
    attached = find_attached(source, files)
    entries: list[tuple[str, dict[str, Any], Path | None]] = []
    used: set[str] = set()
    for index, f in enumerate(files):
        name = f.lfn.rsplit("/", 1)[-1]
        secondaries = sorted(attached.get(secondary_link(f.lfn), []), key=CatalogFile.sort_key)
        base = f"/{production}/{INPUTS_STEP}/{ds.name}"
        names = [name, *(s.lfn.rsplit("/", 1)[-1] for s in secondaries)]
        if any(f"{base}/{n}" in used for n in names):
            base = f"{base}/{index:06d}"
        used.update(f"{base}/{n}" for n in names)
        metadata = {k: v for k, v in f.metadata.items() if k not in (FIELD_ITEM, FIELD_SCATTER)}
        metadata.update({
            FIELD_PRODUCTION: production, FIELD_STEP: INPUTS_STEP, FIELD_OUTPUT: ds.name, FIELD_INDEX: index,
            FIELD_DATASET: ds.dataset,
        })
        entries.append((f"{base}/{name}", metadata, source.storage_path(f.lfn)))
        link = attached_metadata(f"{base}/{name}", production)
        for j, (s, sname) in enumerate(zip(secondaries, names[1:], strict=True), start=1):
            extra = {k: v for k, v in s.metadata.items() if k == "cwl2dirac_format"}
            entries.append((f"{base}/{sname}", {**extra, **link, FIELD_ITEM: j}, source.storage_path(s.lfn)))
    return entries, source.field_types()



def local_resolver(search: Sequence[Path] = ()) -> Callable[[str], dict[str, Any]]:
    """A dataset resolver for compiling a local run (``compile_workflow(..., datasets=)``): a local dataset's
    meta-query, without cwl2dirac's own keys (they name the run that made the files) and with
    :data:`~cwl2dirac.request.wire.FIELD_DATASET`, which the files get when they are registered in the new run.
    The step's outputs then inherit the dataset's metadata, as on DIRAC."""

    def resolve(name: str) -> dict[str, Any]:
        query = find_dataset(name, search).query
        return {FIELD_DATASET: name, **{k: v for k, v in query.items() if not k.startswith("cwl2dirac_")}}

    return resolve
