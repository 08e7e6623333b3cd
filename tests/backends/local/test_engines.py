"""The same workflow run both ways gives the same output object.

Every workflow of ``tests/data/engines`` and every example that can run on this machine is run with
``cwl2dirac run`` (Transformation System semantics) and with ``cwl2dirac run --engine cwltool`` (the reference),
and the two output objects must be equal once ``location``/``path`` are taken away: same files (basename,
checksum, size), same values, same array order, nulls and nesting. The examples that need software that only
exists on the grid (``cta-prod-simulate``) must fail with both engines.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import REPO
from support.engines import CWL2DIRAC, ENV, assert_same_outputs, files_in, run_both
from support.outputs import DERIVED_KEYS, PLACE_KEYS, normalise

DATA = REPO / "tests" / "data" / "engines"
EXAMPLES = REPO / "examples"


WORKFLOWS = [
    ("chain.cwl", "chain.yml"),
    ("scatter_gather.cwl", "scatter_gather.yml"),
    ("scatter_gather.cwl", "scatter_empty.yml"),
    ("split.cwl", "split.yml"),
    ("scatter_when.cwl", "scatter_when.yml"),
    ("crossproduct.cwl", "crossproduct.yml"),
    ("sub_side.cwl", "sub_side.yml"),
    ("simulation.cwl", "simulation.yml"),
    ("subworkflow.cwl", "subworkflow.yml"),
    ("fanin.cwl", "fanin.yml"),
    ("when.cwl", "when_true.yml"),
    ("when.cwl", "when_false.yml"),
    ("merge_flattened.cwl", "merge_flattened.yml"),
    ("values.cwl", "values.yml"),
    ("side_input.cwl", "side_input.yml"),
    ("defaults.cwl", "defaults.yml"),
    ("passthrough.cwl", "passthrough.yml"),
    ("output_default.cwl", "output_default.yml"),
    ("output_default.cwl", "output_default_given.yml"),
]


@pytest.mark.parametrize(("pipeline", "job"), WORKFLOWS, ids=[f"{Path(c).stem}-{Path(j).stem}" for c, j in WORKFLOWS])
def test_workflow_same_outputs(pipeline: str, job: str, tmp_path: Path) -> None:
    out = assert_same_outputs(DATA / pipeline, DATA / job, tmp_path)
    assert out, "the workflow has outputs"
    check = CHECKS.get((pipeline, job))
    if check is not None:
        check(out)


def _when_false(out: dict[str, Any]) -> None:
    # the comparison is only meaningful if the skipped steps really give null (not a missing key)
    assert out["shouted"] is None and out["whispered"] is not None
    assert out["raw_lines"] == [None, 1] and out["all_lines"] == [1] and out["lines"] == 1


def _when_true(out: dict[str, Any]) -> None:
    assert out["whispered"] is None and out["shouted"] is not None and out["raw_lines"] == [1, None]


def _simulation(out: dict[str, Any]) -> None:
    assert [f["basename"] for f in out["simulated"]] == [f"run_{i}.txt" for i in range(1, 12)]


def _values(out: dict[str, Any]) -> None:
    assert out["lines"] == 4 and out["label"] == "kiwix4"


def _scatter_when(out: dict[str, Any]) -> None:
    assert out["big"][1] is None and None not in (out["big"][0], out["big"][2])


def _scatter_empty(out: dict[str, Any]) -> None:
    assert out["sorted"] == [] and out["counts"] == [] and out["merged"]["size"] == 0


def _output_default(out: dict[str, Any]) -> None:
    # workflow outputs fed by workflow inputs left to their defaults (and picked against a skipped step)
    assert out["label"] == "quiet please" and out["size_out"] == 7 and out["said"]["size"] == len("quiet please\n")


def _output_default_given(out: dict[str, Any]) -> None:
    assert out["label"] == "given" and out["size_out"] == 7 and out["said"]["size"] == len("LOUD\n")


CHECKS: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    ("output_default.cwl", "output_default.yml"): _output_default,
    ("output_default.cwl", "output_default_given.yml"): _output_default_given,
    ("when.cwl", "when_false.yml"): _when_false,
    ("when.cwl", "when_true.yml"): _when_true,
    ("simulation.cwl", "simulation.yml"): _simulation,
    ("values.cwl", "values.yml"): _values,
    ("scatter_when.cwl", "scatter_when.yml"): _scatter_when,
    ("scatter_gather.cwl", "scatter_empty.yml"): _scatter_empty,
}


def test_merging_tasks_with_a_query_input_is_refused(tmp_path: Path) -> None:
    """One step input merging step outputs with a workflow input file: cwltool runs it, cwl2dirac refuses it
    (exit 33) naming the step, the input and why."""
    local, reference = run_both(DATA / "merge_mixed.cwl", DATA / "merge_flattened.yml", tmp_path)
    assert reference.code == 0, reference.stderr[-4000:]
    assert local.code == 33, local.stderr[-4000:]
    assert "step 'merge' input 'files'" in local.stderr and "mixes sources" in local.stderr, local.stderr


# What ctapipe writes differently on every run: provenance identifiers and times (HDF5 root attributes), and
# in its logs the time of each line and the absolute paths of the task's directories.
VOLATILE_H5_ATTRS = frozenset(
    {
        "CTA ACTIVITY ID",
        "CTA ACTIVITY START TIME",
        "CTA ACTIVITY STOP TIME",
        "CTA PRODUCT CREATION TIME",
        "CTA PRODUCT ID",
    }
)
_LOG_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ")
_ABS_PATH = re.compile(r"/[^\s'\"]*/([^/\s'\"]+)")


def ctapipe_content(path: Path) -> str:
    """A digest of what a ctapipe output holds, without what changes from run to run: for HDF5 every node's
    data and every attribute but the provenance identifiers and times; for a log its lines without their time
    and with every absolute path reduced to its basename."""
    h = hashlib.sha1()
    if path.suffix == ".h5":
        import numpy as np
        import tables

        with tables.open_file(str(path)) as f:
            for node in f.walk_nodes("/"):
                h.update(node._v_pathname.encode())
                for key in sorted(node._v_attrs._f_list("user")):
                    if node._v_pathname == "/" and key in VOLATILE_H5_ATTRS:
                        continue
                    h.update(f"{key}={node._v_attrs[key]!r}".encode())
                if isinstance(node, tables.Leaf):
                    h.update(np.ascontiguousarray(node.read()).tobytes())
    else:
        for line in path.read_text(encoding="utf-8").splitlines():
            h.update(_ABS_PATH.sub(r"\1", _LOG_TIME.sub("", line)).encode() + b"\n")
    return h.hexdigest()


def by_content(value: Any) -> Any:
    """``value`` with each file's checksum replaced by :func:`ctapipe_content`, and the size of a log (whose
    paths differ in length) dropped."""
    if isinstance(value, dict):
        if value.get("class") == "File":
            path = Path(value["path"])
            obj = {k: v for k, v in value.items() if k not in PLACE_KEYS | DERIVED_KEYS | {"checksum"}}
            obj["content"] = ctapipe_content(path)
            if path.suffix != ".h5":
                del obj["size"]
            return obj
        return {k: by_content(v) for k, v in value.items()}
    if isinstance(value, list):
        return [by_content(v) for v in value]
    return value


@pytest.mark.slow
def test_example_process_merge(tmp_path: Path) -> None:
    """ctapipe on the two LST test files: process each, merge (the CTAO example that runs here).

    ctapipe's files are not byte-identical from one run to the next (even cwltool against itself): the
    provenance identifiers and times differ. The files are compared by their content without those."""
    local, reference = run_both(REPO / "cwl/workflows/process_merge.cwl", EXAMPLES / "process_merge.yml", tmp_path)
    expected, got = reference.output(), local.output()
    assert normalise(got).keys() == normalise(expected).keys()
    assert by_content(got) == by_content(expected)
    files = files_in(expected)
    assert len(files) == 6 and {f["basename"] for f in files} >= {
        "lst_with_photons.dl1.h5",
        "lst_muons_with_true_photons.dl1.h5",
        "lst_with_photons_merged.dl1.h5",
    }


GRID_ONLY = [
    ("simulate.cwl", "simulate.yml"),
    ("simulate_process_merge.cwl", "simulate_process_merge.yml"),
    ("full_chain.cwl", "full_chain.yml"),
]


@pytest.mark.parametrize(("pipeline", "job"), GRID_ONLY, ids=[Path(c).stem for c, _ in GRID_ONLY])
def test_example_needing_grid_software_fails_both_ways(pipeline: str, job: str, tmp_path: Path) -> None:
    """The simulation wrapper exists only on the grid: both engines fail, cwl2dirac naming the command."""
    local, reference = run_both(REPO / "cwl/workflows" / pipeline, EXAMPLES / job, tmp_path)
    assert local.code not in (0, 33), local.stderr[-4000:]
    assert reference.code != 0, reference.stderr[-4000:]
    assert "cta-prod-simulate" in local.stderr, local.stderr[-4000:]
    assert local.stdout.strip() == "" and reference.stdout.strip() == ""


def test_example_train_apply_without_its_data_fails_both_ways(tmp_path: Path) -> None:
    """train_apply needs merged DL2 files of a real production, not in the repository: both engines fail, and
    cwl2dirac says which input file is missing, before running anything."""
    local, reference = run_both(REPO / "cwl/workflows/train_apply.cwl", EXAMPLES / "train_apply.yml", tmp_path)
    assert reference.code != 0, reference.stderr[-4000:]
    assert local.code == 1, local.stderr[-4000:]
    assert "input 'gamma_train'" in local.stderr and "does not exist" in local.stderr, local.stderr
    assert local.stdout.strip() == ""


def test_a_process_of_a_packed_document_runs_like_cwltool(tmp_path: Path) -> None:
    """``cwl2dirac run packed.cwl#main job.yml``, as cwltool takes it (the file part must exist)."""
    packed = REPO / "tests" / "data" / "packed" / "packed.cwl"
    out = assert_same_outputs(Path(f"{packed}#main"), REPO / "tests" / "data" / "chain" / "inputs.yml", tmp_path)
    assert out["result"]["basename"] == "copy.txt"


def test_run_names_a_missing_document_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(CWL2DIRAC), "run", str(tmp_path / "nothere.cwl#main")], capture_output=True, text=True, timeout=60,
        env=ENV, check=False,
    )
    assert proc.returncode == 2
    assert f"'{tmp_path / 'nothere.cwl'}' does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr
