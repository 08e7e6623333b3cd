"""CWL's linkMerge and pickValue, on plain values (shared by the worker and the workflow-output assembly)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cwl2dirac.errors import TaskFailed


def merge_sources(values: Sequence[Any], link_merge: str) -> list[Any]:
    """Combine the values of several sources: ``merge_nested`` keeps one element per source,
    ``merge_flattened`` concatenates arrays and appends single values."""
    if link_merge == "merge_nested":
        return list(values)
    if link_merge == "merge_flattened":
        out: list[Any] = []
        for v in values:
            if isinstance(v, list):
                out.extend(v)
            else:
                out.append(v)
        return out
    raise TaskFailed(f"unknown linkMerge {link_merge!r}")


def apply_pick_value(value: Any, pick_value: str, port: str) -> Any:
    """CWL ``pickValue`` on a list of values (a non-list is returned unchanged)."""
    if not isinstance(value, list):
        return value
    non_null = [v for v in value if v is not None]
    if pick_value == "first_non_null":
        if not non_null:
            raise TaskFailed(f"all sources for {port!r} are null")
        return non_null[0]
    if pick_value == "the_only_non_null":
        if len(non_null) != 1:
            raise TaskFailed(f"expected exactly one non-null source for {port!r}, got {len(non_null)}")
        return non_null[0]
    if pick_value == "all_non_null":
        return non_null
    raise TaskFailed(f"unknown pickValue {pick_value!r}")
