"""CWL's linkMerge and pickValue on plain values, as the worker applies them to a task's inputs."""

from __future__ import annotations

import pytest

from cwl2dirac.errors import TaskFailed
from cwl2dirac.worker.values import apply_pick_value, merge_sources


def test_merge_nested_keeps_one_element_per_source() -> None:
    assert merge_sources([[1, 2], 3], "merge_nested") == [[1, 2], 3]


def test_merge_flattened_concatenates() -> None:
    assert merge_sources([[1, 2], 3, []], "merge_flattened") == [1, 2, 3]


def test_pick_value() -> None:
    assert apply_pick_value([None, 4, 5], "first_non_null", "p") == 4
    assert apply_pick_value([None, 4], "the_only_non_null", "p") == 4
    assert apply_pick_value([None, 4, None, 5], "all_non_null", "p") == [4, 5]
    assert apply_pick_value(7, "first_non_null", "p") == 7  # not a list: unchanged


@pytest.mark.parametrize(
    ("value", "method", "message"),
    [
        ([None, None], "first_non_null", "all sources for 'p' are null"),
        ([1, 2], "the_only_non_null", "exactly one non-null source for 'p', got 2"),
        ([1], "any_non_null", "unknown pickValue 'any_non_null'"),
    ],
)
def test_pick_value_errors(value: list[int | None], method: str, message: str) -> None:
    with pytest.raises(TaskFailed, match=message):
        apply_pick_value(value, method, "p")
