"""Comparing CWL output objects of two engines (cwl2dirac's backends and cwltool)."""

from __future__ import annotations

import os
from typing import Any

PLACE_KEYS = frozenset({"location", "path"})
"""Keys of a File/Directory object that depend on where the engine put it."""
DERIVED_KEYS = frozenset({"nameroot", "nameext"})


def normalise(value: Any, drop: frozenset[str] = frozenset()) -> Any:
    """The output object without ``location``/``path`` of its files (and of their secondary files), nor the keys
    in ``drop``.

    ``nameroot``/``nameext`` (which cwl2dirac prints and cwltool leaves out) are checked against ``basename``, then
    dropped: they carry nothing more."""
    if isinstance(value, dict):
        is_file = value.get("class") in ("File", "Directory")
        if is_file and "nameroot" in value:
            root, ext = os.path.splitext(value["basename"])
            assert (value["nameroot"], value.get("nameext")) == (root, ext), value
        gone = PLACE_KEYS | DERIVED_KEYS | drop
        return {k: normalise(v, drop) for k, v in value.items() if not (is_file and k in gone)}
    if isinstance(value, list):
        return [normalise(v, drop) for v in value]
    return value
