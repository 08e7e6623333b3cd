"""CWL ``secondaryFiles`` in a local run: registered with their primary, linked to it in the catalog, staged
beside it for the consumer, and listed in the output object as cwltool lists them.

The workflows of ``tests/data/secondary`` run with both engines (as in ``test_engines.py``); their tools read the
secondary file through the primary's path (``$0.idx``), so a secondary file that is not staged next to its
primary fails the run.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from support import DATA as TEST_DATA
from test_engines import normalise, run_both

from cwl2dirac.backends.local.catalog import LocalCatalog
from cwl2dirac.compiler import compile_workflow
from cwl2dirac.request import FIELD_OUTPUT, FIELD_SECONDARY, FIELD_STEP, MetaQuery, secondary_link
from cwl2dirac.worker.catalog import CatalogFile
from cwl2dirac.worker.task import build_job_order, run_tool

DATA = TEST_DATA / "secondary"


def _same(tmp: Path, pipeline: str, job: str) -> dict[str, Any]:
    local, reference = run_both(DATA / pipeline, DATA / job, tmp)
    got, expected = local.output(), reference.output()
    assert normalise(got) == normalise(expected)
    return got


def _secondaries(obj: dict[str, Any]) -> list[str]:
    return [s["basename"] for s in obj["secondaryFiles"]]


def test_scattered_outputs_carry_their_secondary_files_to_consumers(tmp_path: Path) -> None:
    """index (scattered) writes x.txt + x.txt.idx; use (scattered) and gather (one task) require the .idx."""
    out = _same(tmp_path, "chain.cwl", "chain.yml")
    assert [f["basename"] for f in out["indexed"]] == ["alpha.txt", "beta.txt", "gamma.txt"]
    assert [_secondaries(f) for f in out["indexed"]] == [["alpha.txt.idx"], ["beta.txt.idx"], ["gamma.txt.idx"]]
    # an output whose optional pattern matched nothing lists no secondary file, but has the list (as cwltool)
    assert [f["secondaryFiles"] for f in out["copies"]] == [[], [], []]
    for f in out["indexed"]:
        sf = f["secondaryFiles"][0]
        assert Path(sf["path"]).read_text() == f"{Path(f['path']).read_text().count(chr(10))}\n"
    assert [Path(f["path"]).read_text() for f in out["used"]] == [
        "2 lines in alpha.txt\n", "3 lines in beta.txt\n", "1 lines in gamma.txt\n"
    ]
    assert Path(out["summary"]["path"]).read_text() == "alpha.txt: 2\nbeta.txt: 3\ngamma.txt: 1\n"

    # the catalog: secondaries are linked to their primary and never selected as a step's input
    cat = LocalCatalog.open(tmp_path / "work")
    assert len(cat.tasks("use")) == 3 and len(cat.tasks("gather")) == 1
    assert all(len(t.inputs) == 3 for t in cat.tasks("gather"))
    primaries = cat.find({FIELD_STEP: "index", FIELD_OUTPUT: "out"})
    assert [p.lfn.rsplit("/", 1)[-1] for p in primaries] == ["alpha.txt", "beta.txt", "gamma.txt"]
    for p in primaries:
        (sf,) = cat.find({FIELD_SECONDARY: secondary_link(p.lfn)})
        assert sf.lfn == p.lfn + ".idx"  # beside its primary
        assert FIELD_STEP not in sf.metadata and FIELD_OUTPUT not in sf.metadata


class _Downloads:
    """A catalog whose files land each in a directory of its own, as downloads on a worker node may: a secondary
    file is beside its primary only if the worker hands it to cwltool, which stages them together."""

    def __init__(self, catalog: LocalCatalog) -> None:
        self.catalog = catalog

    def find(self, query: MetaQuery) -> list[CatalogFile]:
        return self.catalog.find(query)

    def task_inputs(self, step: str, task: int) -> list[CatalogFile]:
        return self.catalog.task_inputs(step, task)

    def get(self, lfn: str, dest: Path) -> Path:
        target = dest / secondary_link(lfn)[:12] / lfn.rsplit("/", 1)[-1]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.catalog.get(lfn, dest), target)
        return target

    def put(self, path: Path, lfn: str, metadata: Mapping[str, Any]) -> None:
        raise AssertionError("not used here")

    def commit_task(self, step: str, task: int, inputs: Sequence[str]) -> None:
        raise AssertionError("not used here")


def test_worker_stages_secondary_files_found_in_the_catalog(tmp_path: Path) -> None:
    """The consumer's job order gets the secondary files the catalog links to its input, wherever the catalog
    puts them, and the tool finds the .idx next to its input."""
    _same(tmp_path, "chain.cwl", "chain.yml")
    request = compile_workflow(DATA / "chain.cwl", DATA / "chain.yml", bodies=False)
    catalog = _Downloads(LocalCatalog.open(tmp_path / "work"))
    for step, port in (("use", "f"), ("gather", "files")):
        config = request.step(step).config
        inputs = catalog.task_inputs(step, 1)
        order = build_job_order(config, 1, inputs, catalog, tmp_path / step / "inputs")
        value = order[port] if isinstance(order[port], list) else [order[port]]
        assert [_secondaries(f) for f in value] == [[f["basename"] + ".idx"] for f in value]
        primary = Path(value[0]["location"].removeprefix("file://"))
        secondary = Path(value[0]["secondaryFiles"][0]["location"].removeprefix("file://"))
        assert primary.parent != secondary.parent  # not beside each other here
        out = run_tool(config, order, tmp_path / step)
        text = Path(out["out"]["location"].removeprefix("file://")).read_text()
        if step == "use":
            assert text == f"{primary.read_text().count(chr(10))} lines in {value[0]['basename']}\n"
        else:
            assert text == "alpha.txt: 2\nbeta.txt: 3\ngamma.txt: 1\n"


def test_job_order_secondary_files_found_by_pattern_or_given(tmp_path: Path) -> None:
    """``ref`` gets ref.txt.idx from the workflow input's pattern; the samples give theirs explicitly (one under
    another name, staged as its basename)."""
    out = _same(tmp_path, "inputs.cwl", "inputs.yml")
    assert _secondaries(out["ref_out"]) == ["ref.txt.idx"]
    assert Path(out["used"]["path"]).read_text() == "3 lines in ref.txt\n"
    assert Path(out["summary"]["path"]).read_text() == "s1.txt: 1\ns2.txt: 42\n"
    cat = LocalCatalog.open(tmp_path / "work")
    registered = {
        p.lfn.rsplit("/", 1)[-1]: [s.lfn.rsplit("/", 1)[-1] for s in cat.find({FIELD_SECONDARY: secondary_link(p.lfn)})]
        for p in cat.find({FIELD_STEP: "_inputs"})
    }
    assert registered == {"ref.txt": ["ref.txt.idx"], "s1.txt": ["s1.txt.idx"], "s2.txt": ["s2.txt.idx"]}


def test_missing_required_secondary_file_of_an_input_fails_before_running(tmp_path: Path) -> None:
    local, reference = run_both(DATA / "inputs.cwl", DATA / "missing.yml", tmp_path)
    assert reference.code != 0 and "Missing required secondary file" in " ".join(reference.stderr.split())
    assert local.code == 1, local.stderr
    assert "input 'ref': missing required secondary file" in local.stderr and "alpha.dat.idx" in local.stderr
    assert not (tmp_path / "work").exists()  # refused when compiling: nothing ran


def test_request_lists_input_secondary_files_and_never_queries_the_link() -> None:
    request = compile_workflow(DATA / "inputs.cwl", DATA / "inputs.yml", bodies=False)
    assert request.metadata_fields[FIELD_SECONDARY] == "VARCHAR(128)"
    datasets = {d.name: d for d in request.inputs}
    (ref,) = datasets["ref"].files
    assert [Path(s.location).name for s in ref.secondary_files] == ["ref.txt.idx"]
    s1, s2 = datasets["samples"].files
    assert [(s.basename, s.metadata) for s in s2.secondary_files] == [("s2.txt.idx", {"cwl2dirac_item": 1})]
    assert s1.secondary_files[0].basename is None  # the same as its location's name
    assert request.job_order["ref"]["secondaryFiles"][0]["basename"] == "ref.txt.idx"
    for step in request.steps:
        assert FIELD_SECONDARY not in (step.input_query or {}) and FIELD_SECONDARY not in step.output_query
    # a request without secondary files does not mention them
    plain = compile_workflow(DATA / "chain.cwl", DATA / "chain.yml", bodies=False)
    assert "secondary_files" not in plain.to_json()
