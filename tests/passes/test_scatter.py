"""Scatters over values known when compiling: flattening keeps nested scatters as levels; the plan expands them
into one task per combination and the layout their outputs are gathered by."""

from __future__ import annotations

import pytest

from cwl2dirac.errors import UnsupportedFeature
from cwl2dirac.ir import ScatterLevel
from cwl2dirac.passes.flatten import flatten
from cwl2dirac.passes.plan import plan_steps
from cwl2dirac.passes.scatter import expand


def test_a_scatter_inside_a_scattered_sub_workflow_keeps_both_levels(run_passes):
    step = run_passes("fidelity/scatter_in_nested_scatter.cwl", until=flatten).workflow.step("each/join")
    assert step.scatter_levels == (
        ScatterLevel("nested_crossproduct", (("letter",), ("mark",))),
        ScatterLevel("flat_crossproduct", (("number",), ("sign",))),
    )
    assert step.scatter == ("letter", "mark", "number", "sign") and step.scatter_method is None
    assert step.scatter_depth == 3


def test_a_crossproduct_parameter_feeding_two_inputs_is_one_level(run_passes):
    step = run_passes("fidelity/crossproduct_subworkflow.cwl", until=flatten).workflow.step("each/join")
    assert step.scatter_levels == (ScatterLevel("flat_crossproduct", (("a", "c"), ("b",))),)
    assert step.scatter_depth == 1


def test_one_level_with_one_input_per_parameter_stays_a_plain_scatter(run_passes):
    plain = run_passes("subworkflow.cwl", until=flatten).workflow.step("each/say")
    assert plain.scatter == ("message",) and plain.scatter_levels == ()
    nested = run_passes("fidelity/scatter_in_scatter.cwl", until=flatten).workflow.step("each/pair")
    assert nested.scatter_levels == (ScatterLevel("dotproduct", (("a",),)), ScatterLevel("dotproduct", (("b",),)))


def test_the_inner_scatter_goes_over_the_outer_element(run_passes):
    plan = run_passes("fidelity/scatter_over_element.cwl", "fidelity/scatter_over_element.yml",
                      until=plan_steps).plans["each/pair"]
    assert plan.task_values == {"a": ["a", "b", "c", "d"]}
    assert plan.task_layout == [[1, 2, 3], [], [4]]


def test_levels_expand_outermost_first(run_passes):
    step = run_passes("fidelity/scatter_in_nested_scatter.cwl", until=flatten).workflow.step("each/join")
    values = {"letter": ["a", "b"], "mark": ["!"], "number": [1, 2], "sign": ["+", "-"]}
    expansion = expand(step, values)
    assert expansion.layout == [[[1, 2, 3, 4]], [[5, 6, 7, 8]]]
    assert expansion.task_values["letter"] == ["a"] * 4 + ["b"] * 4
    assert expansion.task_values["number"] == [1, 1, 2, 2] * 2
    assert expansion.task_values["sign"] == ["+", "-"] * 4


def test_a_value_that_is_not_an_array_is_refused(run_passes):
    step = run_passes("fidelity/scatter_in_scatter.cwl", until=flatten).workflow.step("each/pair")
    with pytest.raises(UnsupportedFeature, match="step 'each/pair': scatter input 'b' is not an array"):
        expand(step, {"a": ["x"], "b": "1"})
