"""``cwl2dirac import prodsteps``: CTADIRAC's ProdSteps as a CWL workflow of the CTAO library (without CTADIRAC;
tests/importers/test_ctadirac.py runs CTADIRAC's own code on the results)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from support import DATA

from cwl2dirac.cli import main as cli
from cwl2dirac.compiler import compile_workflow
from cwl2dirac.errors import UnsupportedFeature, ValidationError
from cwl2dirac.importers.prodsteps import import_prodsteps
from cwl2dirac.request import ProductionRequest

PRODSTEPS = DATA / "prodsteps"
CONFIGS = PRODSTEPS / "config"
DATASET_QUERY = {"MCCampaign": "PROD6Test", "site": "Paranal", "particle": "proton", "array_layout": "Alpha",
                 "thetaP": 40.0, "phiP": 0.0, "data_level": 0, "outputType": "Data", "configuration_id": 16}


def imported(tmp_path: Path, name: str) -> tuple[list[Path], dict]:
    result = import_prodsteps(PRODSTEPS / name, tmp_path / "pipeline.cwl", config_dir=CONFIGS)
    paths = result.write(tmp_path / "pipeline.cwl")
    return paths, yaml.safe_load(paths[0].read_text())


def compiled(paths: list[Path], **options) -> ProductionRequest:
    return compile_workflow(paths[0], paths[1] if len(paths) > 1 else None, name="imported", **options)


def data_metadata(step) -> dict:
    port = next(o for o in step.outputs if o.metadata.get("outputType") in ("Data", "Model"))
    return {k: v for k, v in port.metadata.items() if not k.startswith("cwl2dirac_")}


def test_chain_becomes_the_transformations_ctadirac_builds(tmp_path: Path) -> None:
    paths, wf = imported(tmp_path, "chain.yml")
    assert [p.name for p in paths] == ["pipeline.cwl", "pipeline.yml"]
    assert list(wf["steps"]) == ["mcsimulation_1_runs", "mcsimulation_1", "ctapipeprocessing_2", "merge_first",
                                 "merging_4"]
    assert wf["hints"]["dirac:Job"] == {"output_path": "/ctao/tests/MC", "lfn_layout": "ctadirac"}
    assert wf["hints"]["dirac:Metadata"] == {"fields": {"MCCampaign": "PROD6Test", "configuration_id": 16}}
    process = wf["steps"]["ctapipeprocessing_2"]
    assert process["run"].endswith("cwl/tools/ctapipe_process_dl0_dl2.cwl") and process["scatter"] == "input"
    assert process["in"]["config"] == "config_v3_dl0_to_dl2_yml"
    assert process["in"]["configs"] == {"source": ["config_v3_prod6_subarray_south_alpha_yml"],
                                        "linkMerge": "merge_flattened"}
    assert process["in"]["max_events"] == {"default": 100}
    last = wf["steps"]["merging_4"]
    assert last["in"]["dl1_images"] == {"default": False} and last["in"]["true_images"] == {"default": False}
    assert last["in"]["input_files"] == {"source": ["merge_first/merged_file"], "linkMerge": "merge_nested"}
    job = yaml.safe_load(paths[1].read_text())
    assert job["mcsimulation_1_n_runs"] == 1
    assert Path(tmp_path, job["config_v3_dl0_to_dl2_yml"]["path"]).resolve() == CONFIGS / "v3/dl0_to_dl2.yml"

    request = compiled(paths)
    steps = {s.name: s for s in request.steps}
    assert list(steps) == ["mcsimulation_1", "ctapipeprocessing_2", "merge_first", "merging_4"]  # runs: folded
    assert [(s.type, s.group_size, s.parents) for s in steps.values()] == [
        ("MCSimulation", 1, []), ("DataReprocessing", 5, ["mcsimulation_1"]), ("Merging", 25, ["ctapipeprocessing_2"]),
        ("Merging", 10000, ["merge_first"]),
    ]
    sim = steps["mcsimulation_1"]
    assert sim.config.task_values == {"run_number": [101]}  # CTADIRAC's start_run_number 100: the first run is 101
    assert data_metadata(sim) == {
        "MCCampaign": "PROD6Test", "array_layout": "Alpha", "configuration_id": 16, "data_level": -1, "nsb": 1,
        "outputType": "Data", "particle": "proton", "phiP": 0, "sct": "False", "site": "Paranal",
        "tel_sim_prog": "sim_telarray", "tel_sim_prog_version": "2024-06-27", "thetaP": 40.0,
    }
    assert data_metadata(steps["merging_4"])["merged"] == 2
    assert data_metadata(steps["merging_4"])["analysis_prog"] == "ctapipe-merge"
    assert "-g gcc48_default" in steps["merge_first"].body  # CTADIRAC's software set-up of ctapipe jobs
    assert all(s.config.lfn_layout == "ctadirac" and s.config.output_path == "/ctao/tests/MC" for s in steps.values())


def test_the_workflow_is_valid_cwl(tmp_path: Path) -> None:
    import cwltool.main

    paths, _ = imported(tmp_path, "chain.yml")
    assert cwltool.main.main(["--validate", str(paths[0])]) == 0


def test_dataset_input(tmp_path: Path) -> None:
    paths, wf = imported(tmp_path, "dataset.yml")
    assert wf["hints"]["dirac:InputData"] == {
        "inputs": {"ctapipeprocessing_1_input": {"nsb": 1}},
        "datasets": {"ctapipeprocessing_1_input": "Prod6_Paranal_Alpha_proton_South_40deg_DL0"},
    }
    request = compiled(paths)
    process = request.step("ctapipeprocessing_1")
    assert process.input_query == {"cwl2dirac_dataset": "Prod6_Paranal_Alpha_proton_South_40deg_DL0", "nsb": 1}
    assert {d.name: d.dataset for d in request.inputs}["ctapipeprocessing_1_input"] == (
        "Prod6_Paranal_Alpha_proton_South_40deg_DL0"
    )
    # resolved when compiling for a submission: the dataset's meta-query, inherited by the outputs as in CTADIRAC
    request = compiled(paths, datasets=lambda name: dict(DATASET_QUERY))
    process = request.step("ctapipeprocessing_1")
    assert process.input_query == {**DATASET_QUERY, "nsb": 1}
    md = data_metadata(process)
    assert (md["site"], md["particle"], md["phiP"], md["thetaP"], md["data_level"]) == ("Paranal", "proton", 0.0,
                                                                                        40.0, 2)


def test_models_and_classifier_inputs(tmp_path: Path) -> None:
    paths, wf = imported(tmp_path, "training.yml")
    apply = wf["steps"]["ctapipeapplymodels_1"]
    assert apply["in"]["energy_model"] == "ctapipeapplymodels_1_energy_model"
    model_query = wf["hints"]["dirac:InputData"]["inputs"]["ctapipeapplymodels_1_energy_model"]
    assert model_query["outputType"] == "Model" and model_query["analysis_prog"] == "ctapipe-train-energy-regressor"
    assert "particle" not in model_query and "split" not in model_query
    request = compiled(paths)
    train = request.step("ctapipetrainclassifier_2")
    assert (train.type, train.group_size) == ("Training", 2)
    assert train.input_query["particle"] == {"in": ["gamma-diffuse", "proton"]}
    assert train.input_query["split"] == "train_cl"
    assert "particle" not in data_metadata(train)


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("key.yml", ValidationError, "step 3 (Merging): unknown job_config key 'grup_size' (did you mean 'group_size'"),
        ("type.yml", ValidationError, "unknown job_config.type 'CtapipeProcesing' (did you mean 'CtapipeProcessing'?)"),
        ("query.yml", ValidationError, "input_meta_query key 'partcle' is not a CTAO field (did you mean 'particle'?)"),
        ("parent.yml", ValidationError, "step 2: parentID 3 names no earlier step"),
        ("evndisp.yml", UnsupportedFeature, "step 2: CTADIRAC's job type EvnDispProcessing has no tool in the CTAO"),
        ("magic.yml", UnsupportedFeature, "step 1: MCSimulation's magic: True has no equivalent"),
    ],
)
def test_errors_name_the_entry(tmp_path: Path, name: str, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        import_prodsteps(PRODSTEPS / "bad" / name, tmp_path / "p.cwl", config_dir=CONFIGS)
    assert message in info.value.message
    location = info.value.location
    assert location is not None and re.search(rf"bad/{re.escape(name)}:\d+:\d+$", location.render())


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "out" / "pipeline.cwl"
    res = CliRunner().invoke(
        cli, ["import", "prodsteps", str(PRODSTEPS / "chain.yml"), "-o", str(out), "--config-dir", str(CONFIGS)]
    )
    assert res.exit_code == 0, res.output
    assert out.is_file() and out.with_suffix(".yml").is_file()
    assert "(4 ProdSteps entries)" in res.stderr
    res = CliRunner().invoke(cli, ["import", "prodsteps", str(PRODSTEPS / "bad" / "evndisp.yml"), "-o", str(out)])
    assert res.exit_code == 33 and "EvnDispProcessing" in res.stderr
