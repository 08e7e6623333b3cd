"""Regressions for the CWL v1.2 conformance failures of issue 16, each on a small CWL of ``tests/data/conformance``:
run with ``cwl2dirac run`` and with ``cwltool`` (the reference); the output objects must be equal, or both must
fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import REPO
from support.outputs import normalise

import cwl2dirac as cwl2dirac_api

DATA = REPO / "tests" / "data" / "conformance"
BIN = Path(sys.executable).parent
TIMEOUT = 300


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=TIMEOUT, check=False)


def cwl2dirac(tmp: Path, tool: Path, job: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [str(BIN / "cwl2dirac"), "run", "--workdir", str(tmp / "work"), "--outdir", str(tmp / "out"), "--quiet",
            "-j", "1", str(tool)]
    return _run(argv + ([str(job)] if job else []), tmp)


def cwltool(tmp: Path, tool: Path, job: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [str(BIN / "cwltool"), "--no-container", "--quiet", "--outdir", str(tmp / "ref"), str(tool)]
    return _run(argv + ([str(job)] if job else []), tmp)


def same_as_cwltool(tmp: Path, tool: Path, job: Path | None = None) -> dict[str, Any]:
    got, ref = cwl2dirac(tmp, tool, job), cwltool(tmp, tool, job)
    assert ref.returncode == 0, ref.stderr[-3000:]
    assert got.returncode == 0, got.stderr[-3000:]
    expected = normalise(json.loads(ref.stdout))
    assert normalise(json.loads(got.stdout)) == expected
    return expected


def write_job(tmp: Path, job: dict[str, Any]) -> Path:
    path = tmp / "job.json"
    path.write_text(json.dumps(job))
    return path


def test_a_link_to_a_file_outside_the_work_directory_is_not_collected(tmp_path: Path) -> None:
    """Conformance 235 (``illegal_symlink``, a should_fail test): exit 0 with the outside file registered before."""
    target = tmp_path / "outside.txt"
    got = cwl2dirac(tmp_path, DATA / "symlink_outside.cwl", write_job(tmp_path, {"target": str(target)}))
    assert got.returncode != 0
    assert "symbolic link to a file outside the output directory" in got.stderr
    assert not list((tmp_path / "out").glob("*"))


def test_a_link_inside_the_work_directory_is_collected(tmp_path: Path) -> None:
    """Conformance 236 (``legal_symlink``)."""
    out = same_as_cwltool(tmp_path, DATA / "symlink_inside.cwl")
    assert out["out"]["size"] == len("inside\n")


def test_merged_file_sources_scattered_with_values_keep_their_own_value(tmp_path: Path) -> None:
    """Conformance 308 (``cond-with-defaults-1``): two single-File inputs merged and scattered (dotproduct) with an
    array of names; both tasks took the last name (``named2``), as both files have the index 0 of their source."""
    out = same_as_cwltool(tmp_path, DATA / "merged_scatter_with_values.cwl", DATA / "merged_scatter_with_values.yml")
    assert [f["basename"] for f in out["out"]] == ["named1", "named2"]


def test_a_tool_default_file_relative_to_the_document(tmp_path: Path) -> None:
    """Conformance 56 and 186: a tool's default File (``location`` relative to the document) was looked for in the
    task's directory; the local backend gives the worker the document's folder."""
    out = same_as_cwltool(tmp_path, DATA / "tool_default_file.cwl")
    assert out["out"]["size"] == len("the default\n")


@pytest.mark.parametrize(("job", "shape"), [("array", "array 2"), ("array1", "array 1"), ("single", "single")])
def test_a_file_or_files_input_given_an_array(tmp_path: Path, job: str, shape: str) -> None:
    """Conformance 157: a ``File | File[]`` input given an array was taken for one File ("3 files for a single
    File")."""
    same_as_cwltool(tmp_path, DATA / "file_or_files.cwl", DATA / f"file_or_files_{job}.yml")
    assert next((tmp_path / "out").glob("shape*.txt")).read_text() == f"{shape}\n"


def test_a_percent_escaped_relative_location_in_the_job_order(tmp_path: Path) -> None:
    """Conformance 355 (``colon_in_paths``): ``location: with%3Acolon.txt`` names ``with:colon.txt``."""
    out = same_as_cwltool(tmp_path, DATA / "cat.cwl", DATA / "percent_location.yml")
    assert out["out"]["size"] == len("colon\n")


def test_float_defaults_on_the_command_line_in_decimals(tmp_path: Path) -> None:
    """Conformance 372, 373: ``1.23e5`` (a string to YAML 1.1) failed the job order; ``0.00001`` was written
    ``1e-05``."""
    same_as_cwltool(tmp_path, DATA / "float_defaults.cwl", DATA / "empty.json")
    assert (tmp_path / "out" / "floats.txt").read_text() == "0.00001 123000 2.5\n"


def test_an_initial_work_dir_file_of_the_document_is_collected(tmp_path: Path) -> None:
    """Conformance 333, 334 (``iwd-fileobjs``): a File of the tool's InitialWorkDir listing, by location."""
    out = same_as_cwltool(tmp_path, DATA / "iwd_file_object.cwl", DATA / "empty.json")
    assert out["out"]["size"] == len("the default\n")


def test_job_order_requirements_override_the_tools_own(tmp_path: Path) -> None:
    """Conformance 230-232 (``cwl_requirements_*``): the job order's ``cwl:requirements`` were ignored (exit 0,
    the tool's own environment)."""
    same_as_cwltool(tmp_path, DATA / "env_tool.cwl", DATA / "env_job.yml")
    assert (tmp_path / "out" / "env.txt").read_text() == "from the job order\n"


def test_job_order_requirements_of_a_workflow_are_refused(tmp_path: Path) -> None:
    got = cwl2dirac(tmp_path, DATA / "env_workflow.cwl", DATA / "env_job.yml")
    assert got.returncode == 33, got.stderr
    assert "cwl:requirements in the job order of a workflow" in got.stderr


def test_an_in_place_update_that_another_reader_sees_is_refused(tmp_path: Path) -> None:
    """Conformance 237, 238 (``modify_*_content``): the other reader got the catalog's copy, the old content."""
    got = cwl2dirac(tmp_path, DATA / "inplace_update.cwl", DATA / "empty.json")
    assert got.returncode == 33, got.stderr
    assert "step 'update': InplaceUpdateRequirement updates its input 'f' (make/out) in place" in got.stderr
    assert "workflow output 'before'" in got.stderr


def test_a_scatter_over_arrays_of_several_sources_merged_nested_is_one_task_per_source(tmp_path: Path) -> None:
    """Conformance 28 (``wf_wc_scatter_multiple_nested``): one task per file was formed, each given one File for
    a File[], then it was refused; each task now takes one source's files whole, by its query."""
    request = cwl2dirac_api.compile(DATA / "scatter_merge_nested.cwl", DATA / "scatter_merge_nested.yml", bodies=False)
    cat = request.step("cat")
    assert cat.tasks == 2 and cat.input_query is None
    binding = next(b for b in cat.config.inputs if b.port == "fs")
    assert binding.kind == "side" and binding.array and len(binding.task_queries or []) == 2
    same_as_cwltool(tmp_path, DATA / "scatter_merge_nested.cwl", DATA / "scatter_merge_nested.yml")


def test_merged_nested_sources_made_by_steps_and_empty_are_taken_in_source_order(tmp_path: Path) -> None:
    """The same with a scattered step's files (the step waits for it: ``after``), a workflow input's files out of
    name order, and an empty array."""
    request = cwl2dirac_api.compile(DATA / "scatter_merge_nested_steps.cwl", DATA / "scatter_merge_nested_steps.yml",
                                    bodies=False)
    assert request.step("cat").tasks == 3 and request.step("cat").after == ["make"]
    out = same_as_cwltool(tmp_path, DATA / "scatter_merge_nested_steps.cwl", DATA / "scatter_merge_nested_steps.yml")
    assert out["counts"] == [2, 2, 0]


def test_merged_nested_sources_beside_another_scattered_input_are_refused(tmp_path: Path) -> None:
    got = cwl2dirac(tmp_path, DATA / "scatter_merge_nested_with_values.cwl", DATA / "scatter_merge_nested.yml")
    assert got.returncode == 33, got.stderr
    assert "step 'cat': scatter over 'fs' nests arrays of several sources" in got.stderr
    assert got.stderr.count("\n") == 1


def test_a_scatter_over_merged_sources_keeps_the_merged_order(tmp_path: Path) -> None:
    """Conformance 143 (``scatter_multi_input_embedded_subworkflow``): the elements of a scatter over several
    sources all had their own source's index, so the outputs (and the next scatter's tasks) came in the order the
    tasks ended; the first element's task ends last here."""
    request = cwl2dirac_api.compile(DATA / "merged_scatter_order.cwl", DATA / "merged_scatter_order.yml",
                                    bodies=False)
    assert request.step("copy").config.index_offsets == {"_inputs/slow": 0, "_inputs/fast": 1}
    template = cwl2dirac_api.compile(DATA / "merged_scatter_order.cwl", bodies=False)  # counts unknown
    assert template.step("copy").config.index_offsets == {"_inputs/slow": 0, "_inputs/fast": 2**20}
    got = subprocess.run(
        [str(BIN / "cwl2dirac"), "run", "--workdir", str(tmp_path / "work"), "--outdir", str(tmp_path / "out"),
         "--quiet", "-j", "2", str(DATA / "merged_scatter_order.cwl"), str(DATA / "merged_scatter_order.yml")],
        capture_output=True, text=True, cwd=tmp_path, timeout=TIMEOUT, check=False)
    assert got.returncode == 0, got.stderr[-3000:]
    ref = cwltool(tmp_path, DATA / "merged_scatter_order.cwl", DATA / "merged_scatter_order.yml")
    assert normalise(json.loads(got.stdout)) == normalise(json.loads(ref.stdout))
    assert json.loads(got.stdout)["names"] == ["copy_f1.txt", "copy_f3.txt", "copy_f2.txt"]


def test_load_contents_of_a_workflow_input_and_of_a_step_input(tmp_path: Path) -> None:
    """Conformance 213, 214, 216: ``loadContents`` on a workflow input (or its inputBinding) and on a step input
    gave ``self.contents`` nothing to read."""
    out = same_as_cwltool(tmp_path, DATA / "load_contents.cwl", DATA / "load_contents.yml")
    assert out == {"from_input": 43, "from_step": 43}
