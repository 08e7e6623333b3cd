"""Regression tests of issue 16: shapes of workflow that once ran to exit 0 with less work than cwltool does.

Each workflow of ``tests/data/fidelity`` runs with ``cwl2dirac run`` and with ``cwl2dirac run --engine cwltool``;
the output objects must be equal (files by basename, size and checksum). The compiled request is also checked for
the number of tasks, so that a scatter element without its task is named, not only seen as a missing file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import DATA
from support.engines import assert_same_outputs, run_both

import cwl2dirac
from cwl2dirac.errors import InputError, UnsupportedFeature
from cwl2dirac.request import StepSpec

FIDELITY = DATA / "fidelity"

CASES = [
    # (workflow, job order or None for no job order, step, tasks of that step)
    ("values_beside_file.cwl", "values_beside_file.yml", "tag", 3),
    ("folded_values_beside_file.cwl", "folded_values_beside_file.yml", "tag", 3),
    ("scattered_subworkflow_shared_file.cwl", "scattered_subworkflow_shared_file.yml", "sub/again", 3),
    ("values_beside_step_file.cwl", "values_beside_step_file.yml", "tag", 3),
    ("crossproduct_values_beside_file.cwl", "crossproduct_values_beside_file.yml", "tag", 6),
    ("values_beside_gather.cwl", "values_beside_gather.yml", "count", 2),
    ("workflow_default.cwl", None, "show", 1),
    ("workflow_default.cwl", "empty.yml", "show", 1),
    ("workflow_default.cwl", "partial.yml", "write", 1),
    # cwl-utils splices nested lists of a default into their parent: [[a, b, c], [d, e], [f]] made 6 tasks, and
    # a tool's own nested default reached cwltool flattened
    ("nested_defaults.cwl", None, "echo", 3),
]


def test_a_file_renamed_by_a_folded_expression_is_staged_in_the_task_not_beside_its_source(tmp_path: Path) -> None:
    """Conformance 360's shape: the renamed File kept the path of its source, and cwltool staged it under the new
    name in the user's folder (a file written there, the next run failing on it)."""
    before = sorted(p.name for p in FIDELITY.iterdir())
    out = assert_same_outputs(FIDELITY / "rename_folded.cwl", None, tmp_path)
    assert out["out"]["basename"] == "shown.txt"
    assert sorted(p.name for p in FIDELITY.iterdir()) == before


@pytest.mark.parametrize(
    ("pipeline", "job", "step", "tasks"), CASES, ids=[f"{Path(c).stem}-{j or 'no_job_order'}" for c, j, *_ in CASES]
)
def test_same_work_as_cwltool(pipeline: str, job: str | None, step: str, tasks: int, tmp_path: Path) -> None:
    request = cwl2dirac.compile(FIDELITY / pipeline, FIDELITY / job if job else None, bodies=False)
    assert _tasks(request.step(step)) == tasks
    out = assert_same_outputs(FIDELITY / pipeline, FIDELITY / job if job else None, tmp_path)
    assert out


def _tasks(spec: StepSpec) -> int | None:
    """The tasks the step's transformation will make: its count (no input files), else its files by group."""
    if spec.tasks is not None or spec.expected_files is None:
        return spec.tasks
    return -(-spec.expected_files // spec.group_size)


def test_workflow_default_wins_over_the_tool_default(tmp_path: Path) -> None:
    """cwltool gives 3 (the workflow input's default), not the tool's 7, with or without a job order."""
    for job in (None, FIDELITY / "empty.yml"):
        local, reference = run_both(FIDELITY / "workflow_default.cwl", job, tmp_path / (job.stem if job else "none"))
        assert local.output()["o"] == reference.output()["o"] == "3"


def test_a_missing_required_input_is_refused_before_running(tmp_path: Path) -> None:
    """No job order, a required input without default: one line naming it, nothing run (cwltool refuses too)."""
    local, reference = run_both(FIDELITY / "values_beside_file.cwl", None, tmp_path)
    assert reference.code != 0
    assert local.code == InputError.exit_code, local.stderr
    assert local.stderr.count("\n") == 1 and "missing required input 'names'" in local.stderr
    assert not (tmp_path / "work").exists()


def test_the_same_workflow_compiles_as_a_template_without_inputs() -> None:
    """``compile`` without inputs still gives the request's form (task counts unknown)."""
    request = cwl2dirac.compile(FIDELITY / "values_beside_file.cwl", bodies=False)
    assert request.step("tag").tasks is None


def test_coverage_check_refuses_a_plan_that_drops_elements() -> None:
    """The invariant is checked on what the worker gets: a plan forming the tasks of a scatter over values from
    the shared file (the shape that once dropped all elements but the first) is refused with 33, naming the step."""
    from dataclasses import replace

    from cwl2dirac.compiler import compile_workflow
    from cwl2dirac.passes import PASSES
    from cwl2dirac.passes.context import Compilation
    from cwl2dirac.passes.plan import plan_steps

    def old_plan(comp: Compilation) -> Compilation:
        comp = plan_steps(comp)
        plan = comp.plans["tag"]
        conf = next(src for port, src in plan.side if port == "conf")
        broken = replace(plan, drivers=(conf,), side=(), tasks=1)
        return replace(comp, plans={**comp.plans, "tag": broken})

    passes = tuple(old_plan if p is plan_steps else p for p in PASSES)
    with pytest.raises(UnsupportedFeature, match=r"step 'tag': .*refuses it rather than run less"):
        compile_workflow(FIDELITY / "values_beside_file.cwl", FIDELITY / "values_beside_file.yml", bodies=False,
                         passes=passes)


def test_a_template_request_is_refused_before_it_runs(tmp_path: Path) -> None:
    """A request compiled without the job order its required inputs need says so, and run/submit refuse it."""
    request = cwl2dirac.compile(FIDELITY / "values_beside_file.cwl", bodies=False)
    assert "missing required input 'names'" in request.incomplete
    written = tmp_path / "template.yaml"
    request.write(written)
    with pytest.raises(InputError, match=r"compiled without a job order.*compile it with its inputs"):
        cwl2dirac.run(written, outdir=tmp_path / "out", workdir=tmp_path / "work")
    assert not (tmp_path / "work").exists()
    complete = cwl2dirac.compile(FIDELITY / "values_beside_file.cwl", FIDELITY / "values_beside_file.yml",
                                 bodies=False)
    assert complete.incomplete == "" and "incomplete" not in complete.to_data()


def test_a_scatter_over_the_files_of_a_step_with_when_is_refused() -> None:
    """A skipped element of a producer with `when` is null and has no file: a scatter over the producer's files
    would have no task for it (cwltool runs one, given null). Found by the differential generator (seed 4 case 714:
    [] where cwltool gave [null], exit 0)."""
    from cwl2dirac.compiler import compile_workflow

    with pytest.raises(UnsupportedFeature, match=r"step 'use': scatter over the files of step 'make', which has "
                                                 r"'when'"):
        compile_workflow(FIDELITY / "scatter_over_skipped_files.cwl", None, bodies=False)


def test_a_gather_of_a_file_scatter_with_when_is_refused() -> None:
    """A step taking whole the outputs of a step scattered over files with `when` gets a null per skipped element
    in cwltool; the catalog has nothing to place them by (differential seed 5 cases 622-625 gave [] where cwltool
    gave nulls, exit 0; over values the nulls are placed: tests/data/differential/skipped_scatter_elements_...)."""
    from cwl2dirac.compiler import compile_workflow

    with pytest.raises(UnsupportedFeature, match=r"step 'g': its input 'fs' gathers the outputs of 's1', scattered "
                                                 r"with 'when'"):
        compile_workflow(FIDELITY / "gather_of_skipped_file_scatter.cwl", None, bodies=False)
