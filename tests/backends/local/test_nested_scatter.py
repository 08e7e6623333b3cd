"""Nested scatter outputs (issue 16, conformance 37, 41, 81, 283, 305 and 341-350): ``nested_crossproduct`` over
values, and a scatter inside a scattered sub-workflow. The tasks are the combinations (known when compiling); the
outputs are gathered by the step's layout into arrays of arrays, as cwltool gathers them.

Each supported shape runs with ``cwl2dirac run`` and with cwltool (the output objects must be equal, files by
basename, size and checksum); each shape that cannot be run exactly is refused up front (exit 33), naming the
step.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support import DATA
from support.engines import assert_same_outputs, run_both

import cwl2dirac
from cwl2dirac.compiler import compile_workflow
from cwl2dirac.errors import UnsupportedFeature
from cwl2dirac.passes import PASSES
from cwl2dirac.passes.context import Compilation
from cwl2dirac.passes.plan import plan_steps

FIDELITY = DATA / "fidelity"

CASES = [
    # (workflow, job order or None, step, its tasks, its layout: None when gathered in task order)
    ("nested_crossproduct_values.cwl", "nested_crossproduct_values.yml", "pair", 6, [[1, 2, 3], [4, 5, 6]]),
    ("nested_crossproduct_values.cwl", "nested_crossproduct_second_empty.yml", "pair", 0, [[], []]),
    ("nested_crossproduct_when.cwl", None, "pair", 24, [
        [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], [[13, 14, 15, 16], [17, 18, 19, 20], [21, 22, 23, 24]]]),
    ("nested_crossproduct_value_from.cwl", "nested_crossproduct_value_from.yml", "pair", 6, [[1, 2], [3, 4], [5, 6]]),
    ("scatter_in_scatter.cwl", "scatter_in_scatter.yml", "each/pair", 6, [[1, 2], [3, 4], [5, 6]]),
    ("scatter_in_nested_scatter.cwl", "scatter_in_nested_scatter.yml", "each/join", 24, [
        [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], [[13, 14, 15, 16], [17, 18, 19, 20], [21, 22, 23, 24]]]),
    ("scatter_over_element.cwl", "scatter_over_element.yml", "each/pair", 4, [[1, 2, 3], [], [4]]),
    ("crossproduct_subworkflow.cwl", "crossproduct_subworkflow.yml", "each/join", 6, None),
    ("nested_values_consumed.cwl", "nested_crossproduct_values.yml", "pair", 6, [[1, 2, 3], [4, 5, 6]]),
    ("nested_values_consumed.cwl", "nested_crossproduct_second_empty.yml", "pair", 0, [[], []]),
]


@pytest.mark.parametrize(
    ("pipeline", "job", "step", "tasks", "layout"), CASES,
    ids=[f"{Path(c).stem}-{Path(j).stem if j else 'no_job_order'}" for c, j, *_ in CASES],
)
def test_same_outputs_as_cwltool(
    pipeline: str, job: str | None, step: str, tasks: int, layout: list[Any] | None, tmp_path: Path
) -> None:
    request = cwl2dirac.compile(FIDELITY / pipeline, FIDELITY / job if job else None, bodies=False)
    spec = request.step(step)
    assert spec.tasks == tasks
    assert spec.config.task_layout == layout
    assert_same_outputs(FIDELITY / pipeline, FIDELITY / job if job else None, tmp_path)


def test_values_of_nested_scatters_reach_the_next_step_by_the_layout(tmp_path: Path) -> None:
    """The consumer's binding carries the producer's layout: the worker places each carried value by its index
    (``when`` skipped the tasks of "y": nulls at their places, as cwltool gives them)."""
    request = cwl2dirac.compile(FIDELITY / "nested_values_consumed.cwl", FIDELITY / "nested_crossproduct_values.yml",
                                bodies=False)
    binding = next(b for b in request.step("count").config.inputs if b.port == "texts")
    assert binding.carrier and binding.layout == [[1, 2, 3], [4, 5, 6]]
    assert "layout" in request.step("count").config.wire_data()["inputs"][0]
    assert "layout" not in request.step("pair").config.wire_data()["inputs"][0]


def test_a_folded_nested_crossproduct_gives_its_arrays_of_arrays_as_a_constant(tmp_path: Path) -> None:
    request = cwl2dirac.compile(FIDELITY / "folded_nested.cwl", FIDELITY / "nested_crossproduct_values.yml",
                                bodies=False)
    assert [s.name for s in request.steps] == ["show"]
    assert request.step("show").config.inputs[0].default == [["one-x", "one-y", "one-z"], ["two-x", "two-y", "two-z"]]
    assert_same_outputs(FIDELITY / "folded_nested.cwl", FIDELITY / "nested_crossproduct_values.yml", tmp_path)


REFUSED = [
    # (workflow, job order, the step named, why)
    ("refused_nested_output_consumed.cwl", "nested_crossproduct_values.yml", "count",
     "input 'files' takes 'pair/file', gathered from the nested scatters of step 'pair' \\(arrays of arrays\\); a "
     "step's input files are gathered as one flat array"),
    ("refused_scatter_over_nested_values.cwl", "nested_crossproduct_values.yml", "row",
     "input 'texts' takes 'pair/text', gathered from the nested scatters of step 'pair' \\(arrays of arrays\\); it "
     "is scattered over"),
    ("refused_untold_combination.cwl", "crossproduct_subworkflow.yml", "each/pair",
     "under the flat_crossproduct scatter of sub-workflow step 'each' it takes no element of y"),
    ("refused_nested_scatter_over_files.cwl", "refused_files.yml", "each/tag",
     "the scatters it runs under .* go over files \\(conf\\)"),
    ("refused_nested_scatter_chain.cwl", "scatter_in_scatter.yml", "each/again",
     "a scatter inside a scattered sub-workflow \\(nested scatter\\) over per-element outputs"),
]


@pytest.mark.parametrize(("pipeline", "job", "step", "why"), REFUSED, ids=[Path(c).stem for c, *_ in REFUSED])
def test_refused_up_front_naming_the_step(pipeline: str, job: str, step: str, why: str) -> None:
    with pytest.raises(UnsupportedFeature, match=f"step '{step}': {why}") as info:
        cwl2dirac.compile(FIDELITY / pipeline, FIDELITY / job, bodies=False)
    assert info.value.exit_code == 33


def test_a_sub_workflow_crossproduct_missing_a_parameter_exits_33_where_it_ran_less(tmp_path: Path) -> None:
    """It once ran to exit 0 with one output per x (2) where cwltool gives one per combination (6)."""
    local, reference = run_both(FIDELITY / "refused_untold_combination.cwl",
                                FIDELITY / "crossproduct_subworkflow.yml", tmp_path)
    assert len(reference.output()["out"]) == 6
    assert local.code == 33, local.stderr
    assert "step 'each/pair'" in local.stderr and local.stderr.count("\n") == 1


def _compile_with(plan_change: Any) -> None:
    def changed_plan(comp: Compilation) -> Compilation:
        comp = plan_steps(comp)
        return replace(comp, plans={**comp.plans, "pair": plan_change(comp.plans["pair"])})

    passes = tuple(changed_plan if p is plan_steps else p for p in PASSES)
    compile_workflow(FIDELITY / "nested_crossproduct_values.cwl", FIDELITY / "nested_crossproduct_values.yml",
                     bodies=False, passes=passes)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        # two outputs at each other's places
        (lambda p: replace(p, task_layout=[[1, 2, 3], [5, 4, 6]]), "task 5 would take b = 'y', not 'x'"),
        # the outputs gathered flat
        (lambda p: replace(p, task_layout=None), "the gathered output's shape is not the scatter's"),
        # a combination without its task
        (lambda p: replace(p, tasks=5, task_values={k: v[:5] for k, v in p.task_values.items()},
                           task_layout=[[1, 2, 3], [4, 5]]), "does not place each of its 5 task|shape"),
        # a task twice
        (lambda p: replace(p, task_layout=[[1, 2, 3], [4, 5, 5]]), "does not place each of its 6 task"),
    ],
    ids=["swapped", "flat", "dropped", "twice"],
)
def test_coverage_check_refuses_a_layout_that_is_not_the_scatter(change: Any, why: str) -> None:
    with pytest.raises(UnsupportedFeature, match=f"step 'pair': .*({why}).*refuses it rather than run less"):
        _compile_with(change)
