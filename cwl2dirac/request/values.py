"""CWL values on the wire: File references in carried values, and directory listings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cwl2dirac.request.wire import FILE_REF


def replace_files(value: Any, fn: Callable[[dict[str, Any]], Any]) -> Any:
    """``value`` with each File or Directory object in it (not those inside them) replaced by ``fn(obj)``, in
    document order (records: in their key order; arrays: in order)."""
    if isinstance(value, Mapping):
        if value.get("class") in ("File", "Directory"):
            return fn(dict(value))
        return {k: replace_files(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_files(v, fn) for v in value]
    return value


def has_file_refs(value: Any) -> bool:
    """Whether a carried value holds references to catalog entries (:data:`~cwl2dirac.request.wire.FILE_REF`)."""
    if isinstance(value, Mapping):
        return FILE_REF in value or any(has_file_refs(v) for v in value.values())
    if isinstance(value, list):
        return any(has_file_refs(v) for v in value)
    return False


def directory_listing(path: Path) -> list[dict[str, Any]]:
    """The deep CWL listing of ``path``: File and Directory objects, sorted by name (job-order literals, and
    directories given to a task)."""
    return [
        {"class": "Directory", "location": p.as_uri(), "basename": p.name, "listing": directory_listing(p)}
        if p.is_dir()
        else {"class": "File", "location": p.as_uri(), "basename": p.name}
        for p in sorted(path.iterdir(), key=lambda p: p.name)
    ]
