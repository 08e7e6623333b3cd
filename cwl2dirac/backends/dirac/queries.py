"""Meta-queries as DIRAC's TransformationDB stores them, so that the stored query is the one we meant.

TransformationDB (9.1) writes each term of a transformation's input or output meta-query as one row and skips every
falsy value on the way (``if not value: continue``): ``data_level: 0`` would vanish and the stored input query would
also select the step's own outputs. It writes an int as an Integer, a list as its items joined by ``;;;``, a dict
as its ``str()`` (read back with ``saferEval``) and anything else as a String; a bool, an int to Python, would be
written as ``"True"``, a float comes back as a string (``20.0`` → ``"20.0"``) and ``[0]`` as ``0``.
:func:`stored_form` writes each falsy value and each float as an explicit ``{"=": value}``, and each list as
``{"in": [...]}`` (dicts: never skipped, and read back with their types; DIRAC's ProdValidator and File Catalog
read them as the bare value), and a bool as the int it stands for. Ints and strings are left alone.
"""

from __future__ import annotations

from typing import Any

from cwl2dirac.request import MetaQuery


def stored_value(value: Any) -> Any:
    """``value`` (one term of a meta-query) in a form that DIRAC's TransformationDB keeps."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, dict):
        return {op: [_plain(x) for x in v] if isinstance(v, list) else _plain(v) for op, v in value.items()}
    if isinstance(value, list):
        return {"in": [_plain(x) for x in value]}
    if not value or isinstance(value, float):
        return {"=": value}
    return value


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def stored_form(query: MetaQuery | None) -> MetaQuery | None:
    """``query`` with every term in :func:`stored_value` form (None stays None)."""
    if query is None:
        return None
    return {key: stored_value(value) for key, value in query.items()}
