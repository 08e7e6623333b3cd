"""CTADIRAC ProdSteps YAML export: what it writes and what it refuses (tests/importers/test_ctadirac.py runs
CTADIRAC's own cta-prod-submit on it)."""

from __future__ import annotations

import pytest
import yaml
from support import REPO

import cwl2dirac
from cwl2dirac.errors import UnsupportedFeature, ValidationError
from cwl2dirac.export.prodsteps import to_prodsteps_data, to_prodsteps_yaml
from cwl2dirac.request import ProductionRequest

METADATA = {"MCCampaign": "PROD6", "configuration_id": 1, "site": "LaPalma", "phiP": 180, "thetaP": 20.0,
            "array_layout": "Alpha"}


@pytest.fixture(scope="module")
def chain() -> ProductionRequest:
    return cwl2dirac.compile(
        REPO / "cwl/workflows/simulate_process_merge.cwl", REPO / "examples/simulate_process_merge.yml",
        hints={"*": {"dirac:Metadata": {"fields": METADATA}}, "merge": {"dirac:Job": {"cpu_time": 999}}},
        bodies=False,
    )


def test_steps_and_common(chain: ProductionRequest) -> None:
    with pytest.raises(UnsupportedFeature, match="step 'merge': cpu_time of a step with a parent"):
        to_prodsteps_data(chain)
    request = cwl2dirac.compile(
        REPO / "cwl/workflows/simulate_process_merge.cwl", REPO / "examples/simulate_process_merge.yml",
        hints={"*": {"dirac:Metadata": {"fields": METADATA}}}, bodies=False,
    )
    text = to_prodsteps_yaml(request)
    assert text == to_prodsteps_yaml(request)  # deterministic
    assert "parentID:\n" in text  # None as CTADIRAC writes it
    data = yaml.safe_load(text)
    assert data == to_prodsteps_data(request)
    sim, process, merge = data["ProdSteps"]
    assert [s["ID"] for s in data["ProdSteps"]] == [1, 2, 3]
    assert sim["job_config"] == {
        "type": "MCSimulation", "version": "2024-06-27", "array_layout": "Alpha", "site": "LaPalma",
        "particle": "gamma-diffuse", "pointing_dir": "North", "zenith_angle": 20.0, "n_shower": 20000, "magic": None,
        "sct": None, "moon": "dark", "start_run_number": 0,
    }
    assert process["input_meta_query"] == {"parentID": 1, "dataset": None}
    assert process["job_config"] == {"type": "CtapipeProcessing", "version": "v0.28.0", "output_extension": "DL2.h5",
                                     "data_level": 2, "group_size": 1}
    assert merge["input_meta_query"]["parentID"] == 2
    assert merge["job_config"]["type"] == "Merging" and merge["job_config"]["output_extension"] == "merged.DL2.h5"
    assert data["Common"] == {"MCCampaign": "PROD6", "configuration_id": 1,
                              "base_path": "/cwl2dirac/simulate_process_merge"}


def test_what_prodsteps_cannot_say_is_refused() -> None:
    full = cwl2dirac.compile(REPO / "cwl/workflows/full_chain.cwl", REPO / "examples/full_chain.yml", bodies=False)
    with pytest.raises(UnsupportedFeature, match="'train_classifier' has 2 parents") as info:
        to_prodsteps_data(full)
    assert info.value.exit_code == 33
    echo = cwl2dirac.compile(REPO / "tests/data/scatter.cwl", REPO / "tests/data/scatter.yml", bodies=False)
    with pytest.raises(UnsupportedFeature, match="which no CTADIRAC job type runs"):
        to_prodsteps_data(echo)


def test_what_ctadirac_needs_is_checked() -> None:
    request = cwl2dirac.compile(
        REPO / "cwl/workflows/process_merge.cwl", REPO / "examples/process_merge.yml", bodies=False
    )
    with pytest.raises(ValidationError, match=r"step 'process': CTADIRAC's CtapipeProcessing needs array_layout, "
                                              r"site, phiP, thetaP in the metadata of its input files"):
        to_prodsteps_data(request)


def test_a_nested_scatter_is_refused(chain: ProductionRequest) -> None:
    """A simulation step whose tasks would be nested combinations (its config carries a task layout)."""
    sim = chain.steps[0]
    nested = sim.model_copy(update={"config": sim.config.model_copy(update={"task_layout": [[1], [2]]})})
    request = chain.model_copy(update={"steps": [nested, *chain.steps[1:]]})
    with pytest.raises(UnsupportedFeature, match=f"step '{sim.name}': a nested scatter") as info:
        to_prodsteps_data(request)
    assert info.value.exit_code == 33
