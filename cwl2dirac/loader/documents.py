"""Reading CWL documents through cwl-utils, each document once.

Fast path: the file is parsed with libyaml (PyYAML's C loader) and handed to cwl-utils, which validates it against
the CWL schema of its ``cwlVersion`` and resolves ``$import``/``$include``. Only when that fails is the file read
again with ruamel, so that the error can name the line and column.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

from cwl2dirac.errors import LoadError, Location
from cwl2dirac.loader.text import check_structure, load_yaml, read_text
from cwl2dirac.location import display_path, uri_to_path

SUPPORTED_VERSIONS = ("v1.0", "v1.1", "v1.2")


def to_uri(path: str | Path) -> str:
    text = str(path)
    if "://" in text:
        return text
    base, frag = urldefrag(text)
    uri = Path(base).resolve().as_uri()
    return f"{uri}#{frag}" if frag else uri


class DocumentCache:
    """cwl-utils process objects by URI; each file is read and validated once."""

    def __init__(self) -> None:
        self._files: dict[str, Any] = {}
        self._objects: dict[str, Any] = {}
        self.reads = 0

    def get(self, uri: str) -> Any:
        """The process object at ``uri`` (``file.cwl`` or ``file.cwl#id`` for packed documents)."""
        if uri in self._objects:
            return self._objects[uri]
        base, frag = urldefrag(uri)
        objects = self._load_file(base)
        key = uri if frag else base
        if key not in self._objects:
            single = [k for k in objects if k.startswith(f"{base}#")]
            if not frag and f"{base}#main" in self._objects:
                key = f"{base}#main"
            elif not frag and len(single) == 1 and single[0] in self._objects:  # one process with its own id
                key = single[0]
            else:
                known = ", ".join(sorted(k.split("#", 1)[-1] for k in objects if "#" in k)) or "none"
                raise LoadError(
                    f"no process '{frag or base}' in this document (it holds: {known})", Location(base)
                )
        obj = self._objects[key]
        self._objects[uri] = obj
        return obj

    def _load_file(self, base: str) -> dict[str, Any]:
        if base in self._files:
            return self._files[base]
        path = uri_to_path(base)
        text = read_text(path, base, LoadError, "CWL document")
        self.reads += 1
        if not text.strip():
            raise LoadError(
                "the file is empty; a CWL document has at least cwlVersion, class, inputs and outputs",
                Location(base, (), 1, 1),
            )
        data = load_yaml(text, base, LoadError)
        if not isinstance(data, dict):
            raise LoadError("not a CWL document: expected a mapping at the top", Location(base, (), 1, 1))
        for keys, key, target in check_structure(data, text, base, LoadError):
            _check_import(base, keys, key, target)
        version = data.get("cwlVersion")
        if version not in SUPPORTED_VERSIONS:
            where = Location(base, ("cwlVersion",))
            if version is None:
                raise LoadError("missing cwlVersion (expected one of v1.0, v1.1, v1.2)", where)
            raise LoadError(f"unsupported cwlVersion {version!r} (expected v1.0, v1.1 or v1.2)", where)
        from cwl_utils.parser import load_document_by_yaml

        try:
            if "$graph" in data:
                loaded = load_document_by_yaml(data, base, _loading_options(base), load_all=True)
            else:
                loaded = load_document_by_yaml(data, base, _loading_options(base))
        except Exception as exc:  # schema-salad raises many kinds; re-read for a located message
            raise _located_error(base, exc) from None
        objects: dict[str, Any] = {}
        for obj in loaded if isinstance(loaded, list) else [loaded]:
            oid = getattr(obj, "id", None) or base
            objects[oid] = obj
            if oid == base or oid.endswith("#main"):
                objects.setdefault(base, obj)
        self._files[base] = objects
        self._objects.update(objects)
        return objects


def _check_import(base: str, keys: tuple[str | int, ...], key: str, target: str) -> None:
    """An ``$import`` or ``$include`` of a local file that does not exist is an error at the reference (schema-salad
    would report it as a type mismatch, or without a location)."""
    uri = urljoin(base, target)
    if not uri.startswith("file:"):
        return
    path = uri_to_path(urldefrag(uri)[0])
    if not os.path.exists(path):
        raise LoadError(f"{key}: file not found: {display_path(path)}", Location(base, keys))
    if os.path.isdir(path):
        raise LoadError(f"{key}: {display_path(path)} is a directory, not a file", Location(base, keys))
    read_text(path, urldefrag(uri)[0], LoadError, f"file for {key}")  # not text: said at the file itself


@functools.lru_cache(maxsize=1)
def _offline_fetcher() -> type:
    from schema_salad.fetcher import DefaultFetcher

    class OfflineFetcher(DefaultFetcher):
        """Never touches the network. cwl-utils' default fetcher sends an HTTP HEAD request for every
        namespaced class it meets (``dirac:Job`` is ``https://cwl2dirac.dev/ns#Job``), and again on each use
        when the URL does not answer: seconds per document, and a hang without network. Such URLs are taken to
        exist (a misspelt ``dirac:`` class is reported by :mod:`cwl2dirac.loader.hints`)."""

        def check_exists(self, url: str) -> bool:
            if url.partition(":")[0].lower() in ("http", "https"):
                return True
            known = self._exists.get(url)
            if known is None:  # cwl-utils asks again for every step that runs the same file
                known = self._exists[url] = bool(super().check_exists(url))
            return known

        @functools.cached_property
        def _exists(self) -> dict[str, bool]:
            return {}

    return OfflineFetcher


def _loading_options(uri: str) -> Any:
    from cwl_utils.parser import LoadingOptions

    return LoadingOptions(fileuri=uri, fetcher=_offline_fetcher()({}, None))


def _located_error(base: str, exc: Exception) -> LoadError:
    """Re-validate with line information and keep the most specific message as one line."""
    from cwl_utils.parser import load_document_by_uri
    from schema_salad.exceptions import SchemaSaladException

    err: Exception = exc
    if not isinstance(exc, SchemaSaladException) or not exc.file:
        try:
            load_document_by_uri(uri_to_path(base), _loading_options(base), load_all=True)
        except Exception as again:
            err = again
    if isinstance(err, SchemaSaladException):
        leaves = [leaf for leaf in err.leaves() if leaf.message] or [err]
        leaf = _most_useful(leaves)
        message = _one_line(leaf.message)
        bad_class = re.match(r"^Field `class` contains undefined reference to `(?:[^`]*[#/])?([^`/#]+)`$", message)
        if bad_class:
            classes = ("CommandLineTool", "ExpressionTool", "Workflow", "Operation")
            close = difflib.get_close_matches(bad_class.group(1), classes, n=1, cutoff=0.6)
            message = f"class '{bad_class.group(1)}' is not a CWL process class ({', '.join(classes)})" + (
                f" (did you mean '{close[0]}'?)" if close else ""
            )
        invalid = _INVALID_FIELD.match(message)
        if invalid:  # a misspelt key: name the right one
            expected = re.findall(r"`([^`]+)`", invalid.group(2))
            close = difflib.get_close_matches(invalid.group(1), expected, n=1, cutoff=0.6)
            if close:
                message = f"invalid field `{invalid.group(1)}` (did you mean `{close[0]}`?)"
        if leaf.file and leaf.start:
            file_uri = leaf.file if "://" in leaf.file else to_uri(leaf.file)
            return LoadError(message, Location(file_uri, (), leaf.start[0], leaf.start[1]))
        return LoadError(message, Location(base))
    mark = getattr(err, "problem_mark", None)
    if mark is not None:
        return LoadError(
            f"malformed YAML: {getattr(err, 'problem', '')}", Location(base, (), mark.line + 1, mark.column + 1)
        )
    return LoadError(_one_line(str(err)) or type(err).__name__, Location(base))


_INVALID_FIELD = re.compile(r"^invalid field `([^`]+)`, expected one of:?(.*)$")


def _most_useful(leaves: list[Any]) -> Any:
    """The leaf to show: a misspelt field rather than the "missing required field" it causes (that one points at
    the start of the mapping), else the first."""
    missing = [m.group(1) for leaf in leaves if (m := re.match(r"missing required field `([^`]+)`", leaf.message))]
    for leaf in leaves:
        invalid = _INVALID_FIELD.match(_one_line(leaf.message))
        if invalid and (not missing or difflib.get_close_matches(invalid.group(1), missing, n=1, cutoff=0.6)):
            return leaf
    return leaves[0]


def _one_line(message: str) -> str:
    text = re.sub(r"\s+", " ", message).strip()
    return re.sub(r"^\S+:\d+:\d+:\s*", "", text)
