"""Reading and checking a job order (``inputs.yml``) against a workflow's inputs, before anything runs."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from cwl2dirac.errors import InputError, Location
from cwl2dirac.ir import NUMERIC, CwlType, SecondaryFile, Workflow
from cwl2dirac.loader.documents import to_uri
from cwl2dirac.loader.hints import suggest
from cwl2dirac.loader.text import check_structure, load_yaml, read_text
from cwl2dirac.location import uri_to_path
from cwl2dirac.request.lfn import LFN_SCHEME, check_lfn, check_name, lfn_of
from cwl2dirac.request.software import SOFTWARE_CONFIG_SCHEME, check_software_config, software_config_of
from cwl2dirac.request.values import directory_listing
from cwl2dirac.request.wire import runs_base

DATASET_KEY = "dataset"
"""A File or File[] input given as ``{dataset: NAME}`` in the job order takes the files of that catalog dataset."""


def is_dataset(value: Any) -> bool:
    """Whether a job-order value names a catalog dataset (``{dataset: NAME}``)."""
    return isinstance(value, dict) and set(value) == {DATASET_KEY} and isinstance(value[DATASET_KEY], str)


def split_datasets(job_order: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The job order without its dataset inputs, and those (input → dataset name)."""
    datasets = {k: v[DATASET_KEY] for k, v in job_order.items() if is_dataset(v)}
    return {k: v for k, v in job_order.items() if k not in datasets}, datasets


def _catalog_inputs(wf: Workflow) -> tuple[set[str], dict[str, str]]:
    """The workflow inputs that ``dirac:InputData`` describes as catalog data (their files may be left out of
    the job order: on DIRAC the query selects them), and those it names a dataset for."""
    req = wf.find("dirac:InputData")
    if req is None:
        return set(), {}
    inputs = req.fields.get("inputs") or {}
    datasets = req.fields.get("datasets") or {}
    return {str(k) for k in inputs} | {str(k) for k in datasets}, {str(k): str(v) for k, v in datasets.items()}


def load_job_order(path: str | Path | None, wf: Workflow) -> dict[str, Any]:
    """The job order at ``path`` with File/Directory locations made absolute; checked against ``wf``."""
    if path is None:
        data: dict[str, Any] = {}
        uri = "<no inputs>"
        base = os.getcwd()
    else:
        uri = to_uri(path)
        file = uri_to_path(uri)
        base = os.path.dirname(file)
        if not os.path.exists(file):
            raise InputError(f"cannot read inputs file {path}: No such file or directory")
        text = read_text(file, uri, InputError, "job order")
        loaded = load_yaml(text, uri, InputError)
        data = loaded if loaded is not None else {}
        if not isinstance(data, dict):
            raise InputError("the inputs file must hold a mapping of input names to values", Location(uri, ()))
        check_structure(data, text, uri, InputError)
    names = {p.id for p in wf.inputs}
    not_given = names - set(data)
    for key in data:
        if key in names or str(key).startswith(("cwl:", "$")):
            continue
        hint = suggest(str(key), not_given)
        if hint:  # a near miss of an input that was not given: surely a typo
            raise InputError(f"unknown input '{key}'{hint}", Location(uri, (key,)))
        # Like cwltool, ignore other extra keys (job files are shared between tools), but say so.
        logging.getLogger("cwl2dirac").warning(
            "%s: ignoring '%s', which is not an input of the workflow", Location(uri, (key,)).render(), key
        )
    result: dict[str, Any] = {}
    catalog_data, datasets = _catalog_inputs(wf)
    for port in wf.inputs:
        where = Location(uri, (port.id,))
        if port.id not in data or data[port.id] is None:
            if port.id in datasets and port.id not in data:
                result[port.id] = {DATASET_KEY: datasets[port.id]}  # named by dirac:InputData.datasets
                continue
            if not port.type.optional and not port.has_default and port.id not in catalog_data:
                raise InputError(f"missing required input '{port.id}' ({port.type})", Location(uri, ()))
            if port.id in data:
                result[port.id] = None
            continue
        if is_dataset(data[port.id]) and port.type.carries_files and not port.type.nests_files:
            result[port.id] = {DATASET_KEY: str(data[port.id][DATASET_KEY])}  # files of a catalog dataset
            continue
        result[port.id] = _check(data[port.id], port.type, port.id, where, base)
    for port in wf.inputs:
        if port.secondary_files and result.get(port.id) is not None:
            where = Location(uri, (port.id,))
            result[port.id] = with_secondary_files(result[port.id], port.secondary_files, result, port.id, where)
        if port.type.nests_files and result.get(port.id) is not None:
            where = Location(uri, (port.id,))
            result[port.id] = with_field_secondary_files(result[port.id], port.type, result, port.id, where)
    return result


def with_field_secondary_files(value: Any, t: CwlType, job: dict[str, Any], name: str, where: Location) -> Any:
    """``value`` with the secondary files of the Files in its records, per the ``secondaryFiles`` patterns of
    the record fields (:func:`with_secondary_files`)."""
    t = t.non_null()
    if t.kind == "union":
        records = [m for m in t.members if m.kind in ("record", "array")]
        return with_field_secondary_files(value, records[0], job, name, where) if len(records) == 1 else value
    if t.kind == "array" and t.items is not None and isinstance(value, list):
        return [with_field_secondary_files(v, t.items, job, name, where.child(i)) for i, v in enumerate(value)]
    if t.kind != "record" or not isinstance(value, dict) or "class" in value:
        return value
    patterns = dict(t.field_secondary_files)
    out = dict(value)
    for field_name, field_type in t.fields:
        v = out.get(field_name)
        if v is None:
            continue
        v = with_field_secondary_files(v, field_type, job, f"{name}.{field_name}", where.child(field_name))
        if field_name in patterns:
            v = with_secondary_files(v, patterns[field_name], job, f"{name}.{field_name}", where.child(field_name))
        out[field_name] = v
    return out


def with_secondary_files(
    value: Any, patterns: Sequence[SecondaryFile], job: dict[str, Any], name: str, where: Location
) -> Any:
    """``value`` with the secondary files its patterns name that exist beside each File added to the File's
    ``secondaryFiles`` (as cwltool discovers them for the inputs of the process it runs). A missing secondary
    file of a plain pattern that is required is an error; expressions are left to cwltool, when the tool runs."""
    if isinstance(value, list):
        return [with_secondary_files(v, patterns, job, name, where.child(i)) for i, v in enumerate(value)]
    if not isinstance(value, dict) or value.get("class") != "File":
        return value
    location = str(value.get("location", ""))
    if not location.startswith("file://"):
        return value
    path = uri_to_path(location)
    basename = str(value.get("basename") or os.path.basename(path))
    root, ext = os.path.splitext(basename)
    secondaries = list(value.get("secondaryFiles") or [])
    have = {str(s.get("basename") or os.path.basename(str(s.get("location", "")))) for s in secondaries}
    port_name = name
    for entry in patterns:
        for name in _secondary_names(entry.pattern, value | {"basename": basename, "nameroot": root,
                                                             "nameext": ext, "path": path,
                                                             "dirname": os.path.dirname(path)}, job):
            if name in have:
                continue
            check_name(name, f"input '{port_name}': secondary file name (pattern '{entry.pattern}')", where)
            candidate = os.path.join(os.path.dirname(path), name)
            if os.path.isfile(candidate) or os.path.isdir(candidate):
                secondaries.append({
                    "class": "File" if os.path.isfile(candidate) else "Directory",
                    "location": Path(candidate).as_uri(),
                    "basename": name,
                })
                have.add(name)
            elif _plainly_required(entry):
                raise InputError(
                    f"input '{port_name}': missing required secondary file {candidate} (pattern "
                    f"'{entry.pattern}' of {path})", where,
                )
    if not secondaries:
        return value
    return value | {"secondaryFiles": secondaries}


def _plainly_required(entry: SecondaryFile) -> bool:
    """A pattern without expression that is required (``required`` true, or unset and no trailing ``?``)."""
    if "$(" in entry.pattern or "${" in entry.pattern or isinstance(entry.required, str):
        return False
    if entry.required is None:
        return not entry.pattern.endswith("?")
    return bool(entry.required)


def _secondary_names(pattern: str, file_obj: dict[str, Any], job: dict[str, Any]) -> list[str]:
    """The file names a ``secondaryFiles`` pattern gives for ``file_obj`` (names only: an expression returning
    File objects is left to cwltool, which evaluates it again when the tool runs)."""
    if "$(" in pattern or "${" in pattern:
        from cwl_utils.expression import do_eval

        try:
            result = do_eval(pattern, job, [{"class": "InlineJavascriptRequirement"}], None, None, {},
                             context=file_obj)
        except Exception:  # the tool evaluates it again when it runs, and reports its own error
            return []
        items = result if isinstance(result, list) else [result]
        return [str(item) for item in items if isinstance(item, str) and item and "/" not in item]
    pattern = pattern.removesuffix("?")
    name = str(file_obj["basename"])
    while pattern.startswith("^"):
        pattern = pattern[1:]
        if "." in name:
            name = name[: name.rindex(".")]
    return [name + pattern]


def _check(value: Any, t: CwlType, name: str, where: Location, base: str) -> Any:
    kind = t.kind
    if kind == "Any":
        return _resolve_files(value, base, name, where)
    if kind == "union":
        errors = []
        for member in t.members:
            try:
                return _check(value, member, name, where, base)
            except InputError as exc:
                errors.append(exc)
        if any(m.kind in ("File", "Directory") for m in t.members) and errors:
            file_errors = [e for e in errors if "does not exist" in e.message]
            if file_errors:
                raise file_errors[0]
        raise InputError(f"input '{name}' expects {t} but got {_show(value)}", where)
    if kind == "null":
        if value is None:
            return None
    elif kind in ("File", "Directory"):
        if isinstance(value, dict) and value.get("class") == kind:
            return _resolve_files(value, base, name, where)
    elif kind == "array":
        if isinstance(value, list):
            assert t.items is not None
            return [_check(v, t.items, name, where.child(i), base) for i, v in enumerate(value)]
    elif kind == "boolean":
        if isinstance(value, bool):
            return value
    elif kind in NUMERIC:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if kind in ("int", "long") and isinstance(value, float):
                raise InputError(f"input '{name}' expects {kind} but got {_show(value)}", where)
            return value
    elif kind in ("string",):
        if isinstance(value, str):
            return value
    elif kind == "enum":
        if isinstance(value, str) and value in t.symbols:
            return value
        raise InputError(
            f"input '{name}' must be one of {', '.join(t.symbols)}, not {_show(value)}"
            f"{suggest(str(value), t.symbols)}", where,
        )
    elif kind == "record" and isinstance(value, dict):
        return {k: _check(value.get(k), ft, f"{name}.{k}", where.child(k), base) for k, ft in t.fields} | {
            k: v for k, v in value.items() if k not in dict(t.fields)
        }
    raise InputError(f"input '{name}' expects {t} but got {_show(value)}", where)


def _show(value: Any) -> str:
    if isinstance(value, dict) and "class" in value:
        return f"a {value['class']}"
    if isinstance(value, bool):
        return str(value).lower()
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _resolve_files(value: Any, base: str, name: str, where: Location) -> Any:
    if isinstance(value, list):
        return [_resolve_files(v, base, name, where.child(i)) for i, v in enumerate(value)]
    if not isinstance(value, dict) or value.get("class") not in ("File", "Directory"):
        return value
    out = dict(value)
    literal = "contents" in out if value["class"] == "File" else "listing" in out
    if literal and "location" not in out and "path" not in out:
        return _materialise(out, base, name, where)
    is_uri = bool(out.get("location"))
    loc = out.pop("location", None) or out.pop("path", None)
    if loc is None:
        raise InputError(f"input '{name}': a {value['class']} needs 'location' or 'path'", where)
    if software_config_of(str(loc)) is not None:  # a file of the software release: found by the worker
        if value["class"] != "File" or "secondaryFiles" in out:
            raise InputError(f"input '{name}': a {SOFTWARE_CONFIG_SCHEME} location names one File of the software "
                             "release (no Directory, no secondaryFiles)", where)
        at = where.child("location" if "location" in value else "path")
        out["location"] = check_software_config(str(loc), f"input '{name}'", at)
        return out
    lfn = lfn_of(str(loc))
    if lfn is not None:  # a file of the grid's catalog: registered by the DIRAC backend, refused by the local one
        at = where.child("location" if "location" in value else "path")
        out["location"] = LFN_SCHEME + check_lfn(lfn, what=f"input '{name}': the LFN of its location", location=at)
        if "basename" in out:
            check_name(out["basename"], f"input '{name}': basename", where.child("basename"))
        if "secondaryFiles" in out:
            out["secondaryFiles"] = [_resolve_files(s, base, name, where) for s in out["secondaryFiles"]]
        return out
    path = uri_to_path(str(loc)) if str(loc).startswith("file://") else str(loc)
    if "://" in path:
        out["location"] = path
        return out
    raw = os.path.normpath(os.path.join(base, path))
    # a relative 'location' is a URI reference: percent escapes (%23 for '#') are decoded, as cwltool does
    path = os.path.normpath(os.path.join(base, unquote(path))) if is_uri and "%" in path else raw
    if not os.path.exists(path) and os.path.exists(raw):
        path = raw
    exists = os.path.isfile(path) if value["class"] == "File" else os.path.isdir(path)
    if not exists:
        if value["class"] == "File" and os.path.isdir(path):
            raise InputError(f"input '{name}': {path} is a directory, not a file (write class: Directory)", where)
        if value["class"] == "Directory" and os.path.exists(path):
            raise InputError(f"input '{name}': {path} is a file, not a directory (write class: File)", where)
        raise InputError(f"input '{name}': {value['class'].lower()} {path} does not exist", where)
    if "basename" in out:
        check_name(out["basename"], f"input '{name}': basename", where.child("basename"))
    out["location"] = Path(path).as_uri()
    if "secondaryFiles" in out:
        out["secondaryFiles"] = [_resolve_files(s, base, name, where) for s in out["secondaryFiles"]]
    return out


def literals_dir() -> Path:
    """Where File and Directory literals of job orders are written: ``$CWL2DIRAC_WORKDIR_BASE`` (default
    ``~/.cache/cwl2dirac/runs``) ``/_literals/<sha1 of the literal>/`` (the same literal, the same path, so
    that the request and its work directory stay the same)."""
    return runs_base() / "_literals"


def _materialise(value: dict[str, Any], base: str, name: str, where: Location) -> dict[str, Any]:
    """A File literal (``contents``) or Directory literal (``listing``) written to a file or directory, as a
    File/Directory with a ``location`` (input files are registered in the catalog, so they must exist)."""
    import hashlib
    import json
    import shutil

    resolved = dict(value)
    if value["class"] == "Directory":
        resolved["listing"] = [_resolve_files(e, base, name, where) for e in value.get("listing", [])]
    digest = hashlib.sha1(json.dumps(resolved, sort_keys=True, default=str).encode()).hexdigest()
    basename = str(value.get("basename") or f"literal_{digest[:12]}")
    check_name(basename, f"input '{name}': basename", where)
    target = literals_dir() / digest / basename
    if not target.exists():
        tmp = literals_dir() / f".{digest}.{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        _write_literal(resolved, tmp / basename, name, where)
        target.parent.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(tmp, target.parent)
        except OSError:  # written meanwhile by another run
            shutil.rmtree(tmp, ignore_errors=True)
    out = {k: v for k, v in value.items() if k not in ("contents", "listing")}
    out["location"] = target.as_uri()
    if value["class"] == "Directory":  # the job order gave its listing: tools see it (as with cwltool)
        out["listing"] = directory_listing(target)
    out["basename"] = basename
    return out


def _write_literal(value: dict[str, Any], dest: Path, name: str, where: Location) -> None:
    import shutil

    from cwl2dirac.location import uri_to_path

    if value.get("class") == "File":
        dest.parent.mkdir(parents=True, exist_ok=True)
        if "location" in value:
            shutil.copyfile(uri_to_path(str(value["location"])), dest)
        else:
            dest.write_text(str(value.get("contents", "")), encoding="utf-8")
        return
    if "location" in value:
        shutil.copytree(uri_to_path(str(value["location"])), dest)
        return
    dest.mkdir(parents=True, exist_ok=True)
    for entry in value.get("listing", []):
        if not isinstance(entry, dict) or entry.get("class") not in ("File", "Directory"):
            raise InputError(f"input '{name}': a Directory listing holds Files and Directories", where)
        loc = str(entry.get("location", ""))
        entry_name = str(
            entry.get("basename") or (os.path.basename(uri_to_path(loc)) if loc else f"literal_{id(entry)}")
        )
        _write_literal(entry, dest / entry_name, name, where)
