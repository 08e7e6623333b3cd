"""Input files at scale (issue 19): a request that lists more than ``LISTED_FILES_WARNING`` files says so and names
the dataset form, which the request carries without its files."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from cwl2dirac.compiler import compile_workflow
from cwl2dirac.passes.emit import LISTED_FILES_WARNING

WF = """cwlVersion: v1.2
class: Workflow
requirements: {ScatterFeatureRequirement: {}}
inputs: {files: 'File[]'}
outputs: {}
steps:
  s:
    run: {class: CommandLineTool, baseCommand: cat, inputs: {f: {type: File, inputBinding: {position: 1}}}, outputs: {}}
    scatter: f
    in: {f: files}
    out: []
"""


def _job(tmp_path: Path, n: int) -> Path:
    job = tmp_path / f"job{n}.yml"
    job.write_text(yaml.safe_dump({"files": [{"class": "File", "location": f"lfn:/cwl2dirac/data/f{i}.txt"}
                                             for i in range(n)]}))
    return job


@pytest.mark.parametrize("n", [LISTED_FILES_WARNING, LISTED_FILES_WARNING + 1])
def test_a_long_list_of_input_files_draws_one_warning(tmp_path: Path, n: int, caplog: pytest.LogCaptureFixture) -> None:
    wf = tmp_path / "wf.cwl"
    wf.write_text(WF)
    with caplog.at_level(logging.WARNING, logger="cwl2dirac"):
        request = compile_workflow(wf, _job(tmp_path, n))
    assert len(request.inputs[0].files) == n  # listed all the same: a warning, not a refusal
    warnings = [r.getMessage() for r in caplog.records if "lists" in r.getMessage()]
    if n <= LISTED_FILES_WARNING:
        assert warnings == []
    else:
        assert len(warnings) == 1
        assert f"wf.cwl:4:10: warning: input 'files' lists {n} files" in warnings[0]
        assert "'files: {dataset: NAME}' in the job order" in warnings[0]


def test_a_dataset_input_lists_no_file(tmp_path: Path) -> None:
    wf = tmp_path / "wf.cwl"
    wf.write_text(WF)
    job = tmp_path / "job.yml"
    job.write_text("files: {dataset: CTAO_gamma_1M}\n")
    request = compile_workflow(wf, job, datasets=lambda name: {"particle": "gamma", "data_level": 0})
    (ds,) = request.inputs
    assert ds.dataset == "CTAO_gamma_1M" and ds.files == []
    assert len(request.to_json()) < 20_000
