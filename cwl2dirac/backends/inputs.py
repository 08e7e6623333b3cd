"""The workflow's input files as catalog entries: what every backend registers before a production starts.

Each input dataset's files get an LFN under ``<base>/_inputs/<input name>/`` (a file and its secondary files side
by side, as cwltool stages them; ``…/<i:06d>/`` when names collide or the value is a record) and the metadata the
first steps' input queries select them by. A value that holds Files inside a record travels as one JSON carrier
with its Files attached to it (``cwl2dirac_secondary_of``), referenced by LFN.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from cwl2dirac.errors import BackendError
from cwl2dirac.request import (
    FIELD_INDEX,
    FIELD_OUTPUT,
    FIELD_PRODUCTION,
    FIELD_SECONDARY,
    FIELD_STEP,
    FILE_INDEX,
    InputDataset,
    ProductionRequest,
    secondary_link,
)
from cwl2dirac.request.lfn import lfn_of
from cwl2dirac.request.values import replace_files
from cwl2dirac.request.wire import FILE_REF, INPUTS_STEP
from cwl2dirac.worker.catalog import attached_metadata


@dataclass(frozen=True)
class InputEntry:
    """One catalog entry to register: its LFN, metadata and local file (None: an ``lfn:`` input, in the catalog
    already)."""

    lfn: str
    metadata: dict[str, Any]
    path: Path | None


def plan_inputs(request: ProductionRequest, base: str, scratch: Path) -> list[InputEntry]:
    """The entries of ``request``'s input datasets under ``base`` (carriers are written into ``scratch``)."""
    entries: list[InputEntry] = []
    carried: list[tuple[str, dict[str, Any], Any]] = []
    for ds in request.inputs:
        if ds.dataset is not None:  # a catalog dataset: its files are in the catalog already (its query selects them)
            continue
        used: set[str] = set()
        file_lfns: list[str] = []
        for i, f in enumerate(ds.files):
            lfn = lfn_of(f.location)
            if lfn is not None:  # lfn:/vo/path or lfn://vo/path: in the catalog already
                entries.append(InputEntry(lfn, _own_metadata(ds, f.metadata, i), None))
                file_lfns.append(lfn)
                continue
            path = _input_path(ds.name, f.location)
            secondaries = [(s, _input_path(ds.name, s.location)) for s in f.secondary_files]
            names = [f.basename or path.name, *(s.basename or sp.name for s, sp in secondaries)]
            directory = f"{base}/{INPUTS_STEP}/{ds.name}"
            if len(set(names)) < len(names):
                raise BackendError(f"input {ds.name}: a file and its secondary files share a name: {', '.join(names)}")
            if ds.value is not None or any(f"{directory}/{n}" in used for n in names):
                directory = f"{directory}/{i:06d}"
            lfn = f"{directory}/{names[0]}"
            used.update(f"{directory}/{n}" for n in names)
            meta = _own_metadata(ds, f.metadata, i)
            if ds.value is not None:  # a File inside a record: attached to the dataset's carrier
                meta = dict(f.metadata) | {FIELD_SECONDARY: secondary_link(carrier_lfn(base, ds))}
            entries.append(InputEntry(lfn, meta, path))
            file_lfns.append(lfn)
            link = attached_metadata(lfn, meta.get(FIELD_PRODUCTION))
            for (s, sp), name in zip(secondaries, names[1:], strict=True):
                entries.append(InputEntry(f"{directory}/{name}", s.metadata | link, sp))
        if ds.value is not None:
            meta = dict(ds.carrier_metadata)
            meta.setdefault(FIELD_STEP, INPUTS_STEP)
            meta.setdefault(FIELD_OUTPUT, ds.name)
            meta.setdefault(FIELD_INDEX, 0)
            carried.append((carrier_lfn(base, ds), meta, replace_files(ds.value, partial(_input_ref, file_lfns))))
    for n, (lfn, meta, value) in enumerate(carried):
        path = scratch / f"{n}.json"
        path.write_text(json.dumps(value, sort_keys=True), encoding="utf-8")
        entries.append(InputEntry(lfn, meta, path))
    return entries


def _own_metadata(ds: InputDataset, metadata: dict[str, Any], index: int) -> dict[str, Any]:
    meta = dict(metadata)
    if ds.value is None:
        meta.setdefault(FIELD_STEP, INPUTS_STEP)
        meta.setdefault(FIELD_OUTPUT, ds.name)
        meta.setdefault(FIELD_INDEX, index)
    return meta


def carrier_lfn(base: str, ds: InputDataset) -> str:
    """The LFN of the carrier of an input dataset whose value is a record holding Files."""
    return f"{base}/{INPUTS_STEP}/{ds.name}/{ds.name}.json"


def _input_ref(lfns: list[str], ref: dict[str, Any]) -> dict[str, Any]:
    return {"class": ref.get("class"), FILE_REF: lfns[int(ref[FILE_INDEX])]}


def _local_path(location: str) -> Path:
    if location.startswith("file://"):
        return Path(unquote(urlparse(location).path))
    if "://" in location:
        raise BackendError(f"input {location}: only local files can be registered by the local backend")
    return Path(location)


def _input_path(name: str, location: str) -> Path:
    path = _local_path(location)
    if not path.is_file() and not path.is_dir():
        raise BackendError(f"input {name}: {path} is not a file or directory")
    return path
