"""The workflow's output object after a production, with its files placed in ``--outdir`` as cwltool does.

Backend-independent: it reads the catalog through an :class:`OutputSource` (the local run's catalog and storage, or
the DIRAC File Catalog with files downloaded on demand).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from cwl2dirac.errors import BackendError
from cwl2dirac.request import (
    FIELD_FORMAT,
    FIELD_INDEX,
    FIELD_SECONDARY,
    MetaQuery,
    ProductionRequest,
    StepSpec,
    WorkflowOutputSpec,
    secondary_link,
)
from cwl2dirac.request.layout import fill_layout
from cwl2dirac.request.values import has_file_refs, replace_files
from cwl2dirac.request.wire import FIELD_ITEM, FIELD_SCATTER, FILE_REF
from cwl2dirac.worker.catalog import CatalogFile, find_attached
from cwl2dirac.worker.task import element_index, source_of
from cwl2dirac.worker.values import apply_pick_value, merge_sources


class OutputSource(Protocol):
    """What the output collector reads: catalog queries, the files' content, and which task read which files."""

    def find(self, query: MetaQuery) -> list[CatalogFile]:
        """Files matching ``query``, in stable order."""
        ...

    def fetch(self, lfn: str) -> Path:
        """A local path holding the content of ``lfn`` (the stored file itself, or a download)."""
        ...

    def step_tasks(self, step: str) -> list[tuple[int, list[str]]]:
        """The tasks of ``step`` with the LFNs of their input files."""
        ...

    def files(self, lfns: Sequence[str]) -> list[CatalogFile]:
        """The catalog entries of ``lfns``."""
        ...


def _sha1(path: Path) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Outdir:
    """Places files in the output directory, renaming on collisions (``name_2``, basename unchanged) like
    cwltool."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.used: set[str] = set()

    def place(self, src: Path, basename: str, fmt: Any = None) -> dict[str, Any]:
        name = basename
        n = 1
        while name in self.used:
            n += 1
            name = f"{basename}_{n}"
        self.used.add(name)
        dest = self.outdir / name
        self.outdir.mkdir(parents=True, exist_ok=True)
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        elif dest.exists() or dest.is_symlink():
            dest.unlink()
        if src.is_dir():
            shutil.copytree(src, dest, copy_function=_link_or_copy)
            return _directory_object(dest, basename)
        _link_or_copy(src, dest)
        obj = _file_object(dest, basename)
        if fmt:
            obj["format"] = fmt
        return obj


def _link_or_copy(src: Any, dest: Any) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def _directory_object(path: Path, basename: str) -> dict[str, Any]:
    """A Directory output as cwltool gives it: its whole listing, with checksums."""
    listing = [
        _directory_object(p, p.name) if p.is_dir() else _file_object(p, p.name)
        for p in sorted(path.iterdir(), key=lambda p: p.name)
    ]
    return {
        "class": "Directory",
        "location": path.resolve().as_uri(),
        "path": str(path.resolve()),
        "basename": basename,
        "listing": listing,
    }


def _file_object(dest: Path, basename: str) -> dict[str, Any]:
    # as cwltool: the file is renamed on disk, its basename stays the one the tool gave it
    root, ext = os.path.splitext(basename)
    return {
        "class": "File",
        "location": dest.resolve().as_uri(),
        "path": str(dest.resolve()),
        "basename": basename,
        "nameroot": root,
        "nameext": ext,
        "checksum": f"sha1${_sha1(dest)}",
        "size": dest.stat().st_size,
    }


def _source_value(
    request: ProductionRequest,
    files: list[CatalogFile],
    spec: WorkflowOutputSpec,
    source: str,
    catalog: OutputSource,
    outdir: _Outdir,
    single: bool,
) -> Any:
    step_name = source.rsplit("/", 1)[0]
    step = next((s for s in request.steps if s.name == step_name), None)
    carrier = step is not None and any(
        o.port == source.rsplit("/", 1)[1] and o.carrier for o in step.config.outputs
    )
    values: list[Any] = []
    secondaries = {} if carrier else find_attached(catalog, files)
    declared = not carrier and step is not None and _declares_secondary_files(step, source.rsplit("/", 1)[1])
    for f in files:
        path = catalog.fetch(f.lfn)
        if carrier:
            values.append(_carried(catalog, f, json.loads(path.read_text(encoding="utf-8")), outdir))
        else:
            obj = outdir.place(path, f.lfn.rsplit("/", 1)[-1], f.metadata.get(FIELD_FORMAT))
            found = secondaries.get(secondary_link(f.lfn), [])
            if found or (declared and obj["class"] == "File"):  # as cwltool: a declared output has the list
                obj["secondaryFiles"] = [
                    outdir.place(catalog.fetch(sf.lfn), sf.lfn.rsplit("/", 1)[-1], sf.metadata.get(FIELD_FORMAT))
                    for sf in found
                ]
            values.append(obj)
    if step is not None and step.config.task_layout is not None:
        return _by_layout(step, source.rsplit("/", 1)[1], files, values, carrier)
    scattered = any(f.metadata.get(FIELD_SCATTER) for f in files) or bool(step and step.config.scatter)
    if scattered:
        if step is not None and step.input_query is None and step.tasks:
            slots: list[Any] = [None] * step.tasks  # tasks skipped by `when` give null, as in CWL
            nested = not carrier and spec.type.endswith("[][]")
            for f, v in zip(files, values, strict=True):
                i = int(f.metadata.get(FIELD_INDEX) or 0) - 1
                if 0 <= i < step.tasks:
                    if nested:
                        slots[i] = [*(slots[i] or []), v]
                    else:
                        slots[i] = v
            return slots
        if step is not None and step.input_query is not None and step.config.when is not None:
            return _per_task(step, files, values, catalog, nested=not carrier and spec.type.endswith("[][]"))
        if not carrier and spec.type.endswith("[][]"):
            grouped: dict[int, list[Any]] = {}
            for f, v in zip(files, values, strict=True):
                grouped.setdefault(int(f.metadata.get(FIELD_INDEX) or 0), []).append(v)
            return [grouped[k] for k in sorted(grouped)]
        return values
    if carrier:
        return values[0] if values else None
    if (single and spec.array) or any(int(f.metadata.get(FIELD_ITEM) or 0) > 0 for f in files):
        return values
    return values[0] if values else None


def _by_layout(step: StepSpec, port: str, files: list[CatalogFile], values: list[Any], carrier: bool) -> Any:
    """The output ``port`` of a step whose tasks' outputs are gathered by its layout (nested scatters): each task
    number replaced by the task's value (its files' index is its number); null for a task skipped by ``when``."""
    per_task: dict[int, list[Any]] = {}
    for f, v in zip(files, values, strict=True):
        per_task.setdefault(int(f.metadata.get(FIELD_INDEX) or 0), []).append(v)
    kind = next((o.type for o in step.config.outputs if o.port == port), "")
    many = not carrier and "[]" in kind  # a task's output is an array of files: all its files

    def value_of(task: int) -> Any:
        got = per_task.get(task)
        if got is None:
            return [] if many and step.config.when is None else None
        if not many and len(got) > 1:
            raise BackendError(f"step {step.name}: task {task} registered {len(got)} values for output {port}")
        return got if many else got[0]

    return fill_layout(step.config.task_layout, value_of)


def _carried(catalog: OutputSource, cf: CatalogFile, data: Any, outdir: _Outdir) -> Any:
    """A carried value with its File references replaced by the Files (attached to the carrier ``cf``), placed
    in the output directory with their secondary files."""
    if not has_file_refs(data):
        return data
    attached = {f.lfn: f for f in catalog.find({FIELD_SECONDARY: secondary_link(cf.lfn)})}
    secondaries = find_attached(catalog, list(attached.values()))

    def resolve(ref: dict[str, Any]) -> Any:
        f = attached[str(ref[FILE_REF])]
        obj = outdir.place(catalog.fetch(f.lfn), f.lfn.rsplit("/", 1)[-1], f.metadata.get(FIELD_FORMAT))
        found = secondaries.get(secondary_link(f.lfn), [])
        if found or "secondaryFiles" in ref:
            obj["secondaryFiles"] = [
                outdir.place(catalog.fetch(sf.lfn), sf.lfn.rsplit("/", 1)[-1], sf.metadata.get(FIELD_FORMAT))
                for sf in sorted(found, key=CatalogFile.sort_key)
            ]
        return obj

    return replace_files(data, resolve)


def _declares_secondary_files(step: StepSpec, port: str) -> bool:
    """Whether the step's tool declares ``secondaryFiles`` on output ``port`` (cwltool then lists them, even
    none)."""
    outputs = step.config.tool.get("outputs") or []
    if isinstance(outputs, Mapping):
        outputs = [{"id": k, **(v if isinstance(v, Mapping) else {"type": v})} for k, v in outputs.items()]
    for o in outputs:
        if isinstance(o, Mapping) and str(o.get("id", "")).rsplit("#", 1)[-1].rsplit("/", 1)[-1] == port:
            return bool(o.get("secondaryFiles"))
    return False


def _per_task(
    step: StepSpec, files: list[CatalogFile], values: list[Any], catalog: OutputSource, nested: bool
) -> list[Any]:
    """The values of a conditional step scattered over files: one element per task, in the order of the tasks'
    input files; a task skipped by ``when`` registered nothing and gives null, as in CWL."""
    base = step.config.output_path.rstrip("/") + "/"
    by_task: dict[int, list[Any]] = {}
    for f, v in zip(files, values, strict=True):
        if f.lfn.startswith(base):
            by_task.setdefault(int(f.lfn[len(base) :].split("/", 1)[0]), []).append(v)
    def key(cf: CatalogFile) -> tuple[int, int, str]:
        return (element_index(step.config, cf), *cf.sort_key()[1:])

    tasks = [(min((key(cf) for cf in catalog.files(inputs)), default=(0, 0, "")), task)
             for task, inputs in catalog.step_tasks(step.name)]
    out: list[Any] = []
    for _, task in sorted(tasks):
        got = by_task.get(task)
        out.append(None if got is None else got if nested else got[0])
    return out


def _input_value(request: ProductionRequest, spec: WorkflowOutputSpec, name: str, outdir: _Outdir) -> Any:
    value = request.job_order.get(name)
    value = copy.deepcopy(spec.defaults.get(name) if value is None else value)

    def fix(v: Any) -> Any:
        if isinstance(v, Mapping) and v.get("class") in ("File", "Directory"):
            loc = str(v.get("path") or v.get("location", ""))
            path = Path(unquote(urlparse(loc).path)) if loc.startswith("file://") else Path(loc)
            obj = outdir.place(path, str(v.get("basename") or path.name), v.get("format"))
            if v.get("class") == "File" and "secondaryFiles" in v:
                obj["secondaryFiles"] = [fix(s) for s in v["secondaryFiles"]]
            return obj
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        return v

    return fix(value)


def collect_outputs(request: ProductionRequest, catalog: OutputSource, outdir: Path) -> dict[str, Any]:
    """The workflow output object, built from the catalog; files are linked (or copied) into ``outdir``."""
    place = _Outdir(outdir)
    result: dict[str, Any] = {}
    step_names = {s.name for s in request.steps}
    for spec in request.outputs:
        per_source: list[Any] = []
        pool: list[CatalogFile] | None = catalog.find(spec.query) if spec.query else None
        for source in spec.sources:
            head = source.rsplit("/", 1)[0] if "/" in source else ""
            if head in step_names:
                files = pool if pool is not None else []
                if pool is None or len(spec.sources) > 1 or spec.query is None:
                    from cwl2dirac.request import FIELD_OUTPUT, FIELD_STEP

                    files = catalog.find({FIELD_STEP: head, FIELD_OUTPUT: source.rsplit("/", 1)[1]})
                files = sorted((f for f in files if source_of(f) == source), key=CatalogFile.sort_key)
                per_source.append(
                    _source_value(
                        request,
                        files,
                        spec,
                        source,
                        catalog,
                        place,
                        single=len(spec.sources) == 1 and not spec.link_merge,
                    )
                )
            else:
                name = source.removeprefix("_inputs/")
                per_source.append(_input_value(request, spec, name, place))
        if len(per_source) == 1 and not spec.link_merge:
            value = per_source[0]
        else:
            value = merge_sources(per_source, spec.link_merge or "merge_nested")
        if spec.pick_value:
            value = apply_pick_value(value, spec.pick_value, spec.name)
        result[spec.name] = value
    return result
