"""Link checks with DIRAC's ProdValidator semantics (checkformatQuery + compareValues, catalog types from the
request)."""

from __future__ import annotations

import pytest
from support.dirac import FIELDS, make_request, make_step, out_query

from cwl2dirac.backends.dirac.validator import check_links, check_query_pair
from cwl2dirac.errors import ValidationError
from cwl2dirac.request import ProductionRequest

PARENT = {"particle": "gamma", "data_level": {"=": 0}, "site": {"in": ["LaPalma", "Paranal"]}}
TYPES = {
    "particle": "VARCHAR(128)",
    "data_level": "int",
    "site": "varchar(128)",
    "thetaP": "FLOAT",
    "when": "DATETIME",
}


@pytest.mark.parametrize(
    "child",
    [
        {"particle": "gamma"},
        {"particle": {"=": "gamma"}},
        {"particle": {"in": ["gamma", "proton"]}},  # parent's values are a subset of the child's
        {"site": "LaPalma"},  # child's values are a subset of the parent's
        {"site": {"in": ["Paranal", "LaPalma"]}, "data_level": 0},
    ],
)
def test_accepted(child: dict) -> None:
    assert check_query_pair(child, PARENT, TYPES) is None


@pytest.mark.parametrize(
    ("child", "parent", "message"),
    [
        ({"particle": "proton"}, PARENT, "not a subset"),
        ({"site": {"in": ["LaPalma", "Tenerife"]}}, {"site": {"in": ["LaPalma", "Paranal"]}}, "not a subset"),
        ({"data_level": "0"}, PARENT, "not a subset"),  # DIRAC compares values as they are: "0" != 0
        ({"thetaP": 20.0}, PARENT, "'thetaP' is not in the parent's output query"),
        ({"nsb": 1}, PARENT, "'nsb' is not defined in the catalog"),
        ({"when": "2024"}, {"when": "2024"}, "type datetime, not supported"),
        ({"data_level": {">": 0}}, PARENT, "Operation > is not supported"),
        (
            {"particle": "gamma"},
            {"particle": "gamma", "thetaP": {"<=": 20}},
            "parent output query: Operation <=",
        ),
        ({}, PARENT, "no input meta-query"),
        ({"particle": "gamma"}, None, "no output meta-query"),
        ({"particle": {"in": [["a"]]}}, {"particle": {"in": [["a"]]}}, "cannot be compared"),
    ],
)
def test_refused(child: dict, parent: dict | None, message: str) -> None:
    problem = check_query_pair(child, parent, TYPES)
    assert problem is not None and message in problem


def test_queries_are_not_mutated() -> None:
    child = {"particle": "gamma", "data_level": {"=": 0}}
    parent = {"particle": "gamma", "data_level": 0}
    check_query_pair(child, parent, TYPES)
    assert child == {"particle": "gamma", "data_level": {"=": 0}}
    assert parent == {"particle": "gamma", "data_level": 0}


def test_request_links_accepted(request_obj: ProductionRequest) -> None:
    check_links(request_obj)


def test_request_link_refused_names_both_steps() -> None:
    sim = make_step("sim", "MCSimulation", tasks=1)
    proc = make_step("proc", "DataReprocessing", parents=["sim"], input_query=out_query("other", "out"))
    with pytest.raises(ValidationError) as info:
        check_links(make_request([sim, proc]))
    message = str(info.value)
    assert "\n" not in message
    assert "'sim'" in message and "'proc'" in message and "cwl2dirac_step" in message
    assert "{'other'}" in message and "{'sim'}" in message


def test_request_undeclared_field() -> None:
    sim = make_step("sim", "MCSimulation", tasks=1)
    proc = make_step("proc", "DataReprocessing", parents=["sim"], input_query=out_query("sim", "out"))
    fields = {k: v for k, v in FIELDS.items() if k != "cwl2dirac_output"}
    with pytest.raises(ValidationError, match="'cwl2dirac_output' is not defined in the catalog"):
        check_links(make_request([sim, proc], fields))


def test_request_unknown_parent() -> None:
    proc = make_step("proc", "DataReprocessing", parents=["ghost"], input_query=out_query("ghost", "out"))
    with pytest.raises(ValidationError, match="parent step 'ghost' is not in the request"):
        check_links(make_request([proc]))
