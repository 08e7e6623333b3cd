"""DIRAC ProductionSteps, the offline description of a submission, and submission without a server."""

from __future__ import annotations

import io
import json

import pytest
from support.dirac import make_request, make_step, out_query

from cwl2dirac.backends.dirac.backend import DiracBackend, body_parameters
from cwl2dirac.backends.dirac.queries import stored_form
from cwl2dirac.errors import BackendError, ValidationError
from cwl2dirac.request import ProductionRequest, parents_first


def test_production_steps(request_obj: ProductionRequest) -> None:
    from DIRAC.ProductionSystem.Client.ProductionStep import ProductionStep

    steps = DiracBackend().to_production_steps(request_obj)
    assert all(isinstance(s, ProductionStep) for s in steps)
    by_name = {s.Name: s for s in steps}
    assert list(by_name) == ["gamma_sim", "proton_sim", "gamma_process", "gamma_merge", "train"]

    sim, proc, merge, train = (
        by_name["gamma_sim"],
        by_name["gamma_process"],
        by_name["gamma_merge"],
        by_name["train"],
    )
    assert sim.Type == "MCSimulation" and sim.ParentStep is None and sim.Inputquery is None
    # queries as DIRAC's TransformationDB keeps them: falsy values and floats as {"=": v}, lists as {"in": [...]}
    assert sim.Outputquery == stored_form(request_obj.step("gamma/sim").output_query)
    assert sim.Outputquery["data_level"] == {"=": 0} and request_obj.step("gamma/sim").output_query["data_level"] == 0
    assert sim.Body == request_obj.step("gamma/sim").body
    assert proc.ParentStep is sim
    assert proc.Inputquery == stored_form(request_obj.step("gamma/process").input_query)
    assert (proc.Type, proc.GroupSize, proc.Plugin, proc.AgentType) == (
        "DataReprocessing",
        5,
        "Standard",
        "Automatic",
    )
    assert merge.ParentStep is proc
    assert train.ParentStep == [sim, by_name["proton_sim"]]
    assert "gamma/process" in proc.LongDescription and "cwl2dirac request " in proc.LongDescription

    # DIRAC's own serialisation of a step works on them
    as_dict = train.getAsDict()
    assert as_dict["OK"], as_dict
    assert as_dict["Value"]["parentStep"] == ["gamma_sim", "proton_sim"]
    assert json.loads(as_dict["Value"]["body"]) == request_obj.step("train").body


def test_parents_come_first() -> None:
    child = make_step("child", "DataReprocessing", parents=["root"], input_query=out_query("root", "out"))
    root = make_step("root", "MCSimulation", tasks=3)
    request = make_request([child, root])
    assert [s.name for s in parents_first(request)] == ["root", "child"]
    names = DiracBackend().describe(request)["production_description"]
    assert names == {
        "Step1_root": {"stepID": None, "parentStep": []},
        "Step2_child": {"stepID": None, "parentStep": ["Step1_root"]},
    }


def test_describe(request_obj: ProductionRequest) -> None:
    desc = DiracBackend().describe(request_obj)
    assert desc["production"] == "demo"
    assert [s["name"] for s in desc["steps"]] == [
        "Step1_gamma_sim",
        "Step2_proton_sim",
        "Step3_gamma_process",
        "Step4_gamma_merge",
        "Step5_train",
    ]
    sent = {s["name"]: s for s in desc["steps"]}
    train = sent["Step5_train"]
    assert train["parentStep"] == ["Step1_gamma_sim", "Step2_proton_sim"]
    assert train["stepType"] == "Training" and train["groupsize"] == 2
    assert json.loads(train["inputquery"]) == request_obj.step("train").input_query
    assert json.loads(train["outputquery"]) == request_obj.step("train").output_query
    assert json.loads(sent["Step1_gamma_sim"]["inputquery"]) is None
    assert desc["production_description"]["Step4_gamma_merge"] == {
        "stepID": None,
        "parentStep": ["Step3_gamma_process"],
    }
    assert desc["step_names"]["gamma/merge"] == "Step4_gamma_merge"
    assert desc["metadata_fields"]["data_level"] == "INT"
    assert desc["extend_transformations"] == {"Step1_gamma_sim": 10, "Step2_proton_sim": 4}
    # the body is what the transformation gets (ProdTransManager json.loads it back)
    assert json.loads(sent["Step3_gamma_process"]["body"]) == request_obj.step("gamma/process").body


def test_dry_run_is_json_and_deterministic(request_obj: ProductionRequest) -> None:
    first, second = io.StringIO(), io.StringIO()
    DiracBackend().dry_run(request_obj, first)
    DiracBackend().dry_run(request_obj, second)
    assert first.getvalue() == second.getvalue()
    assert json.loads(first.getvalue())["production"] == "demo"


def test_describe_refuses_a_bad_link() -> None:
    sim = make_step("sim", "MCSimulation", tasks=1)
    proc = make_step("proc", "DataReprocessing", parents=["sim"], input_query=out_query("sim", "other_port"))
    with pytest.raises(ValidationError, match="cwl2dirac_output"):
        DiracBackend().describe(make_request([sim, proc]))


def test_body_parameters(request_obj: ProductionRequest) -> None:
    params = body_parameters(request_obj.step("gamma/sim").body)
    assert params["Site"] == "LCG.A.org;LCG.B.org"
    assert params["Platform"] == "EL9"


def test_submit_without_configuration(request_obj: ProductionRequest, tmp_path, monkeypatch) -> None:
    """No DIRAC server is configured here: submission stops with a clear BackendError, before any call."""
    monkeypatch.chdir(tmp_path)
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # submit() drops them; restore them afterwards
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(BackendError, match="no DIRAC configuration"):
        DiracBackend().submit(request_obj)
