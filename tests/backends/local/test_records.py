"""CWL records holding Files in a local run: a record value travels as one JSON carrier whose File leaves are
references (LFNs) to catalog files attached to it; the consumer gets the record back with its Files staged (and
their secondary files), and the output object lists them as cwltool does.

The workflows of ``tests/data/records`` run with both engines (as in ``test_engines.py``); their tools read the
Files of the record (and a secondary file through its primary's path), so a File left out fails the run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support import DATA as TEST_DATA
from test_engines import normalise, run_both

from cwl2dirac.backends.local.catalog import LocalCatalog
from cwl2dirac.request import FIELD_OUTPUT, FIELD_SECONDARY, FIELD_STEP, FILE_REF, secondary_link

DATA = TEST_DATA / "records"


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [value[FILE_REF]] if FILE_REF in value else [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def test_records_holding_files_from_the_job_order_and_between_steps(tmp_path: Path) -> None:
    local, reference = run_both(DATA / "chain.cwl", DATA / "chain.yml", tmp_path)
    assert reference.code == 0, reference.stderr[-4000:]
    assert local.code == 0, local.stderr[-4000:]
    got = local.output()
    assert normalise(got) == normalise(reference.output())

    # the job-order record reached the tool whole: its name, its File with the secondary file, its File array
    report = got["report"]
    assert report["name"] == "s1"
    assert Path(report["text"]["path"]).read_text() == "s1: reads.dat has 3 lines\n1\n2\n"
    assert [s["basename"] for s in report["data"]["secondaryFiles"]] == ["copy.dat.idx"]
    assert Path(report["data"]["path"]).read_text() == "a\nb\nc\n"
    # the step output record reached the next step: its string, its File, the secondary file of its other File
    assert Path(got["used"]["path"]).read_text() == "s1\ns1: reads.dat has 3 lines\n1\n2\n3\n"
    assert [f["basename"] for f in got["sample_out"]["refs"]] == ["ref1.dat", "ref2.dat"]

    cat = LocalCatalog.open(tmp_path / "work")
    assert len(cat.tasks("describe")) == 1 and len(cat.tasks("use")) == 1
    # each record is one carrier selected by its consumer's query; its Files are attached to it, never selected
    for step, port, names in [
        ("_inputs", "sample", ["reads.dat", "ref1.dat", "ref2.dat"]),
        ("describe", "report", ["copy.dat", "s1.txt"]),
    ]:
        (carrier,) = cat.find({FIELD_STEP: step, FIELD_OUTPUT: port})
        attached = cat.find({FIELD_SECONDARY: secondary_link(carrier.lfn)})
        assert sorted(f.lfn.rsplit("/", 1)[-1] for f in attached) == names
        assert all(FIELD_STEP not in f.metadata and FIELD_OUTPUT not in f.metadata for f in attached)
        value = json.loads(cat.storage_path(carrier.lfn).read_text())
        assert sorted(_refs(value)) == sorted(f.lfn for f in attached)
        # the secondary file of the record's File is linked to that File
        data = next(f for f in attached if f.lfn.endswith("/" + names[0]))
        (idx,) = cat.find({FIELD_SECONDARY: secondary_link(data.lfn)})
        assert idx.lfn == data.lfn + ".idx"


def test_scatter_over_records_holding_files_is_refused(tmp_path: Path) -> None:
    """DIRAC forms tasks from catalog entries; an array of records holding Files is one entry: refused (exit 33)
    naming the step and the feature, not run with a wrong value."""
    local, _ = run_both(DATA / "scatter.cwl", DATA / "scatter.yml", tmp_path)
    assert local.code == 33, local.stderr[-4000:]
    assert "step 'describe'" in local.stderr and "scatter over 'rec', records holding Files" in local.stderr
