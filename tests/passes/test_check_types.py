"""check_types: connected ports have compatible types (scatter, when, linkMerge and pickValue aware)."""

from __future__ import annotations

import pytest

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import CwlType
from cwl2dirac.loader import load
from cwl2dirac.passes.check_types import check_types, compatible, picked, source_type
from cwl2dirac.passes.context import Compilation

FILE, INT, FLOAT, STRING, NULL = (CwlType(k) for k in ("File", "int", "float", "string", "null"))


def arr(t):
    return CwlType("array", items=t)


def opt(t):
    return CwlType("union", members=(NULL, t))


def test_file_to_int_is_refused(data):
    wf = load(data("bad", "incompatible.cwl"))
    with pytest.raises(ValidationError) as info:
        check_types(Compilation(workflow=wf, name="x", source="x"))
    assert (
        info.value.message
        == "step 'simulate' input 'run_number' expects int but its source say/out gives File"
    )
    assert str(info.value).endswith("incompatible.cwl:15:7: " + info.value.message)


@pytest.mark.parametrize(
    "name",
    [
        "simulation.cwl",
        "scatter.cwl",
        "fanin.cwl",
        "conditional.cwl",
        "subworkflow.cwl",
        "multi/pipeline.cwl",
    ],
)
def test_valid_workflows_pass(run_passes, name):
    run_passes(name, until=check_types)


def test_source_types_of_scattered_and_conditional_steps(run_passes):
    wf = run_passes("simulation.cwl", until=check_types).workflow
    assert source_type(wf, wf.step("merge").input("files").sources[0]) == arr(FILE)
    wf = run_passes("conditional.cwl", until=check_types).workflow
    assert source_type(wf, wf.step("pick").input("infile").sources[0]) == opt(FILE)


def test_pick_value():
    merged = arr(opt(FILE))
    assert picked(merged, "first_non_null") == FILE
    assert picked(merged, "the_only_non_null") == FILE
    assert picked(merged, "all_non_null") == arr(FILE)


@pytest.mark.parametrize(
    ("src", "dst", "ok"),
    [
        (INT, FLOAT, True),
        (FLOAT, INT, False),
        (FILE, INT, False),
        (NULL, opt(INT), True),
        (NULL, INT, False),
        (opt(FILE), FILE, True),  # the source may also be a File
        (arr(FILE), FILE, False),
        (FILE, arr(FILE), False),
        (arr(INT), arr(FLOAT), True),
        (STRING, CwlType("enum", name="Particle", symbols=("gamma",)), True),
        (CwlType("Any"), FILE, True),
    ],
)
def test_compatible(src, dst, ok):
    assert compatible(src, dst) is ok
