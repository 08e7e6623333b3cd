"""Task layouts: how the outputs of a step's tasks are gathered when that is not simply in task order.

A layout is a JSON array whose leaves are task numbers (from 1) and whose nesting is the gathered output's: a
``nested_crossproduct`` scatter over ``[a, b]`` and ``[c, d, e]`` has ``[[1, 2, 3], [4, 5, 6]]``. Both backends
fill it the same way (:func:`fill_layout`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def layout_tasks(layout: Any) -> list[int]:
    """The task numbers of a layout, in order."""
    if isinstance(layout, list):
        return [t for item in layout for t in layout_tasks(item)]
    return [layout]


def is_flat_layout(layout: Any) -> bool:
    """Whether the layout is the tasks in order, one array level (outputs gathered as usual)."""
    return isinstance(layout, list) and layout == list(range(1, len(layout) + 1))


def fill_layout(layout: Any, value_of: Callable[[int], Any]) -> Any:
    """The layout with each task number ``t`` replaced by ``value_of(t)``."""
    if isinstance(layout, list):
        return [fill_layout(item, value_of) for item in layout]
    return value_of(int(layout))
