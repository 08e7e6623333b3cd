"""Parent/child meta-query checks, with DIRAC's own ``ProdValidator`` code, offline.

When a production starts, DIRAC's ProductionManager runs ``ProdValidator.checkTransDependency`` on every
parent→child link and refuses the whole production if one fails. ``checkMatchQuery`` asks the live File
Catalog for the metadata field types; here the request's ``metadata_fields`` stand for the catalog, and
everything else is DIRAC's code: ``checkformatQuery`` (operators, normal form) and ``compareValues`` (subset
test).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from cwl2dirac.backends.dirac import _boundary, sidecar
from cwl2dirac.errors import ValidationError
from cwl2dirac.request import MetaQuery, ProductionRequest

SUPPORTED_TYPES = ("varchar(128)", "int", "float")
"""Field types ``ProdValidator.checkMatchQuery`` accepts (compared lower-cased, as DIRAC does)."""


def _format(query: Mapping[str, Any], side: str) -> tuple[dict[str, Any] | None, str | None]:
    """DIRAC's normal form of a query ({key: {"in": [...]}} or {"=": [...]}) or an error message."""
    validator = _boundary.prodvalidator()
    try:
        result = validator.checkformatQuery(copy.deepcopy(dict(query)))  # it rewrites its argument
    except (AttributeError, IndexError, TypeError) as exc:  # e.g. {"field": {}}
        return None, f"malformed {side} query ({exc})"
    if not result["OK"]:
        return None, f"{side} query: {result['Message']}"
    formatted: dict[str, Any] = result["Value"]
    return formatted, None


def _values(normal: Any) -> Any:
    return next(iter(normal.values()))


def check_query_pair(
    child_q: MetaQuery | None, parent_q: MetaQuery | None, field_types: Mapping[str, str]
) -> str | None:
    """Why DIRAC would refuse to link a child with input query ``child_q`` to a parent with output query
    ``parent_q``; None if it would accept. ``field_types``: the catalog's metadata fields and types."""
    if not child_q:
        return "the child has no input meta-query"
    if not parent_q:
        return "the parent has no output meta-query"
    child, error = _format(child_q, "input")
    if error or child is None:
        return error
    parent, error = _format(parent_q, "parent output")
    if error or parent is None:
        return error
    validator = _boundary.prodvalidator()
    for key, value in child.items():
        if key not in field_types:
            return f"metadata field '{key}' is not defined in the catalog"
        mtype = str(field_types[key])
        if mtype.lower() not in SUPPORTED_TYPES:
            return (
                f"metadata field '{key}' has type {mtype.lower()}, not supported by the production validator"
            )
        if key not in parent:
            return f"metadata field '{key}' is not in the parent's output query"
        try:
            match = validator.compareValues(value, parent[key])
        except TypeError as exc:  # unhashable values
            return f"metadata field '{key}': values cannot be compared ({exc})"
        if not match:
            return (
                f"metadata field '{key}': input values {_show(_values(value))} and parent output values "
                f"{_show(_values(parent[key]))} are not a subset of one another"
            )
    return None


def _show(values: Any) -> str:
    if isinstance(values, list | tuple | set):
        return "{" + ", ".join(repr(v) for v in values) + "}"
    return "{" + repr(values) + "}"


def check_links(request: ProductionRequest) -> None:
    """Check every parent→child link of ``request`` as DIRAC will at ``startProduction``.

    Raises :class:`ValidationError` (one line: child step, parent step, key, both value sets) at the first
    failing link, in step order. The DIRAC calls run in the DIRAC sidecar when one runs
    (:mod:`cwl2dirac.backends.dirac.sidecar`), all links in one call.
    """
    by_name = {s.name: s for s in request.steps}
    links: list[tuple[str, str]] = []
    for step in request.steps:
        for parent_name in step.parents:
            if parent_name not in by_name:
                raise ValidationError(
                    f"step '{step.name}': parent step '{parent_name}' is not in the request"
                )
            links.append((parent_name, step.name))
    pairs = [(by_name[child].input_query, by_name[parent].output_query) for parent, child in links]
    problems = sidecar.call(query_pair_problems, pairs, dict(request.metadata_fields))
    for (parent, child), problem in zip(links, problems, strict=True):
        if problem:
            raise ValidationError(f"DIRAC would refuse the link from step '{parent}' to step '{child}': {problem}")


def query_pair_problems(
    pairs: list[tuple[MetaQuery | None, MetaQuery | None]], field_types: Mapping[str, str]
) -> list[str | None]:
    """:func:`check_query_pair` of each (child input query, parent output query) pair."""
    return [check_query_pair(child_q, parent_q, field_types) for child_q, parent_q in pairs]
