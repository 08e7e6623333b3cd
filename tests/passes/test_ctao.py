"""CTAO's vocabulary natively (types, aliases, near misses), input-query refinements, inheritance, CTADIRAC's LFN
layout, and folding through scatter."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support import DATA

import cwl2dirac
from cwl2dirac.cli import main as cli
from cwl2dirac.errors import UnsupportedFeature, ValidationError
from cwl2dirac.request import ctao

CTAO = DATA / "ctao"


def test_vocabulary() -> None:
    assert ctao.TYPES["thetaP"] == "FLOAT" and ctao.TYPES["data_level"] == "INT"
    assert ctao.TYPES["site"] == "VARCHAR(128)"
    assert ctao.FIELDS["nsb"].level == "file" and ctao.FIELDS["MCCampaign"].level == "directory"
    assert {"tel_sim_prog_version", "analysis_prog", "airshower_sim_prog"} <= set(ctao.FIELDS)
    assert ctao.alias("moon", "half") == ("nsb", 5) and ctao.alias("pointing_dir", "South") == ("phiP", 0)
    assert ctao.near_miss("partilce") == "particle" and ctao.near_miss("mccampaign") == "MCCampaign"
    assert ctao.near_miss("my_own_field") is None and ctao.near_miss("partilce", ["partilce"]) is None
    assert ctao.ctadirac_directory(
        "/ctao/MC", {"MCCampaign": "PROD6", "site": "LaPalma", "particle": "proton", "analysis_prog": "ctapipe-merge",
                     "outputType": "Data", "thetaP": 20.0}, "1234", 1042
    ) == "/ctao/MC/PROD6/LaPalma/proton/ctapipe-merge/1234/Data/001xxx"


def test_ctao_fields_need_no_declaration_and_misspellings_are_errors() -> None:
    request = cwl2dirac.compile(CTAO / "metadata.cwl", CTAO / "metadata.yml", bodies=False)
    assert request.metadata_fields["nsb"] == "INT" and request.metadata_fields["site"] == "VARCHAR(128)"
    assert request.metadata_fields["runNumber"] == "INT"  # the CTADIRAC layout sets it on every output
    with pytest.raises(ValidationError, match=r"metadata field 'partilce' is not a CTAO field \(did you mean "
                                              r"'particle'\?\); declare it with dirac:MetadataFields"):
        cwl2dirac.compile(CTAO / "misspelt.cwl", bodies=False)


def test_aliases_refinements_and_inheritance() -> None:
    request = cwl2dirac.compile(CTAO / "metadata.cwl", CTAO / "metadata.yml", bodies=False)
    count, total = request.step("count"), request.step("total")
    # the job order gives the files: they are selected by this production's fields too (a shared catalog holds
    # other productions' files of the same CTAO metadata)
    own = {"cwl2dirac_production": "metadata", "cwl2dirac_step": "_inputs", "cwl2dirac_output": "files"}
    assert count.input_query == {"site": "Paranal", "particle": "proton", "nsb": 1, "data_level": 0, **own}
    assert total.input_query["nsb"] == 1  # dirac:Transformation.input_query {moon: dark}
    md = total.outputs[0].metadata
    assert md["site"] == "Paranal" and md["nsb"] == 1 and md["data_level"] == 1  # inherited: the listed keys only
    assert "particle" not in md and "analysis_prog_version" not in md


def test_refinement_must_narrow_what_the_parents_describe(tmp_path: Path) -> None:
    text = (CTAO / "metadata.cwl").read_text().replace("input_query: {moon: dark}", "input_query: {split: test}")
    (tmp_path / "wf.cwl").write_text(text.replace("../tools/", str(DATA / "tools") + "/"))
    (tmp_path / "wf.yml").write_text((CTAO / "metadata.yml").read_text().replace("../files", str(DATA / "files")))
    with pytest.raises(ValidationError, match=r"step 'total': dirac:Transformation.input_query.split: step 'count' "
                                              r"does not describe its outputs with 'split'"):
        cwl2dirac.compile(tmp_path / "wf.cwl", tmp_path / "wf.yml", bodies=False)


def test_ctadirac_layout(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["run", "--quiet", "--workdir", str(tmp_path / "w"), "--outdir", str(tmp_path / "o"),
                                   str(CTAO / "metadata.cwl"), str(CTAO / "metadata.yml")])
    assert res.exit_code == 0, res.output
    from cwl2dirac.backends.local.catalog import LocalCatalog

    lfns = sorted(f.lfn for f in LocalCatalog.open(tmp_path / "w").find({"cwl2dirac_step": {"in": ["count", "total"]}}))
    assert lfns == [
        "/ctao/tests/PROD6/Paranal/cat/2/000xxx/total.txt",
        "/ctao/tests/PROD6/Paranal/proton/wc/1/Data/000xxx/f1.n",
        "/ctao/tests/PROD6/Paranal/proton/wc/1/Data/000xxx/f2.n",
    ]


def test_folding_through_scatter_and_chains() -> None:
    suite = DATA / "dirac_cwl" / "workflows"
    request = cwl2dirac.compile(suite / "simulate.cwl", suite / "simulate.yml", bodies=False)
    assert [s.name for s in request.steps] == ["simulate", "gather"]  # runs, names: folded
    simulate = request.step("simulate")
    assert simulate.type == "MCSimulation" and simulate.tasks == 3
    assert simulate.config.task_values == {
        "run": [1, 2, 3], "name": ["GAMMA_run1.simtel.zst", "GAMMA_run2.simtel.zst", "GAMMA_run3.simtel.zst"],
    }


def test_a_value_from_another_transformation_is_still_refused() -> None:
    with pytest.raises(UnsupportedFeature, match=r"step 'use': scatter over 'v', values computed by step 'sizes'"):
        cwl2dirac.compile(CTAO / "fold_from_step.cwl", bodies=False)
