"""CTADIRAC ProdSteps YAML export."""

from __future__ import annotations

import yaml
from support.dirac import make_request, make_step, out_query

from cwl2dirac.export.prodsteps import to_prodsteps_data, to_prodsteps_yaml
from cwl2dirac.request import ProductionRequest


def test_round_trip(request_obj: ProductionRequest) -> None:
    text = to_prodsteps_yaml(request_obj)
    assert text == to_prodsteps_yaml(request_obj)
    data = yaml.safe_load(text)
    assert data == to_prodsteps_data(request_obj)
    steps = data["ProdSteps"]
    assert [s["ID"] for s in steps] == [1, 2, 3, 4, 5]
    assert [s["name"] for s in steps] == ["gamma_sim", "proton_sim", "gamma_process", "gamma_merge", "train"]
    by_name = {s["name"]: s for s in steps}

    sim = by_name["gamma_sim"]
    assert sim["input_meta_query"] == {"parentID": None, "dataset": None}
    assert sim["job_config"] == {"type": "MCSimulation", "group_size": 1, "cpu_time": 3600}
    assert sim["cwl2dirac"]["tasks"] == 10
    assert sim["cwl2dirac"]["output_meta_query"] == request_obj.step("gamma/sim").output_query

    proc = by_name["gamma_process"]
    assert proc["input_meta_query"]["parentID"] == 1
    assert {k: v for k, v in proc["input_meta_query"].items() if k not in ("parentID", "dataset")} == (
        request_obj.step("gamma/process").input_query
    )
    assert proc["job_config"]["group_size"] == 5
    assert by_name["gamma_merge"]["input_meta_query"]["parentID"] == 3

    train = by_name["train"]
    assert train["input_meta_query"]["parentID"] == [1, 2]
    assert train["cwl2dirac"]["parents"] == ["gamma/sim", "proton/sim"]

    # CTADIRAC's rule: a parent's ID is smaller than its child's
    for step in steps:
        parents = step["input_meta_query"]["parentID"]
        for parent in parents if isinstance(parents, list) else [parents] if parents else []:
            assert parent < step["ID"]

    assert data["Common"] == {"base_path": "/vo/demo"}
    assert "parentID:\n" in text  # CTADIRAC writes None as an empty value


def test_common_campaign_fields() -> None:
    q = out_query("sim", "out", MCCampaign="PROD6", configuration_id=16)
    sim = make_step("sim", "MCSimulation", tasks=1, output_query=q)
    proc = make_step(
        "proc",
        "DataReprocessing",
        parents=["sim"],
        input_query=out_query("sim", "out"),
        output_query=out_query("proc", "out", MCCampaign="PROD6", configuration_id=16),
    )
    data = to_prodsteps_data(make_request([proc, sim]))
    assert data["Common"]["MCCampaign"] == "PROD6" and data["Common"]["configuration_id"] == 16
    assert [s["name"] for s in data["ProdSteps"]] == ["sim", "proc"]
