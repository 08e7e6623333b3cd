"""assign_metadata: catalog metadata of outputs, output queries, input queries, field types."""

from __future__ import annotations

import pytest

from cwl2dirac.backends.dirac.validator import check_query_pair
from cwl2dirac.errors import ValidationError
from cwl2dirac.passes.metadata import assign_metadata
from cwl2dirac.request import FIELD_OUTPUT, FIELD_PRODUCTION, FIELD_STEP


def own(prod, step, port="out"):
    return {FIELD_PRODUCTION: prod, FIELD_STEP: step, FIELD_OUTPUT: port}


def test_chain_queries(run_passes):
    plans = run_passes("simulation.cwl", "simulation.yml", until=assign_metadata).plans
    assert plans["simulate"].input_query is None
    assert plans["simulate"].output_query == own("simulation", "simulate")
    assert plans["process"].input_query == own("simulation", "simulate")
    assert plans["merge"].input_query == own("simulation", "process")
    assert plans["merge"].output_metadata == {"out": own("simulation", "merge")}


def test_fan_in_selects_both_parents_with_in(run_passes):
    comp = run_passes("fanin.cwl", "fanin.yml", until=assign_metadata)
    for child in ("join", "count"):
        query = comp.plans[child].input_query
        assert query == {
            FIELD_PRODUCTION: "fanin",
            FIELD_STEP: {"in": ["gamma", "proton"]},
            FIELD_OUTPUT: "out",
        }
        for parent in ("gamma", "proton"):
            assert check_query_pair(query, comp.plans[parent].output_query, comp.fields) is None


def test_metadata_hints_reach_output_and_input_queries(run_passes):
    comp = run_passes("hints.cwl", "hints.yml", until=assign_metadata)
    simulate, merge = comp.plans["simulate"], comp.plans["merge"]
    user = {"particle": "gamma", "zenith": 20, "data_level": 0, "outputType": "Data"}
    assert simulate.output_metadata == {"out": {**own("hints", "simulate"), **user}}
    assert simulate.output_query == {**own("hints", "simulate"), **user}
    assert merge.input_query == simulate.output_query
    assert merge.output_query == {
        **own("hints", "merge"),
        "particle": "gamma",
        "data_level": 1,  # its own hint overrides the inherited 0
        "camera": "LST",
        "zenith": 20,  # inherited from its input query
        "outputType": "Data",  # inherited from its input query
    }
    assert check_query_pair(merge.input_query, simulate.output_query, comp.fields) is None
    assert comp.fields["zenith"] == "FLOAT"  # declared by dirac:MetadataFields
    assert comp.fields["camera"] == "VARCHAR(128)"
    assert comp.fields["data_level"] == "INT"  # a CTAO field
    assert comp.fields["outputType"] == "VARCHAR(128)"
    assert comp.fields[FIELD_STEP] == "VARCHAR(128)"


def test_output_path_from_job_hint(run_passes):
    plans = run_passes("hints.cwl", "hints.yml", until=assign_metadata).plans
    assert plans["merge"].output_path == "/ctao/MC/test/hints/merge"
    plans = run_passes("subworkflow.cwl", until=assign_metadata).plans
    assert plans["once/say"].output_path == "/cwl2dirac/subworkflow/once.say"


def test_workflow_input_files_get_a_query(run_passes):
    comp = run_passes("scatter.cwl", "scatter.yml", until=assign_metadata)
    assert comp.input_queries == {"infiles": own("scatter", "_inputs", "infiles")}
    assert comp.plans["copy"].input_query == own("scatter", "_inputs", "infiles")


@pytest.mark.parametrize(("name", "line"), [("metadata_value.cwl", 18), ("metadata_port_value.cwl", 19)])
def test_metadata_value_must_fit_its_type(run_passes, name, line):
    with pytest.raises(ValidationError) as info:
        run_passes(f"bad/{name}", until=assign_metadata)
    assert info.value.message == "metadata field 'data_level' is declared int but gets 'DL1'"
    assert str(info.value).endswith(f"{name}:{line}:11: {info.value.message}")
