"""CTADIRAC's own code on cwl2dirac's ProdSteps, and cwl2dirac's import of CTADIRAC's: CTADIRAC 3.1 from PyPI, in
its own environment (tests/support/ctadirac.py), runs ``cta-prod-submit NAME CONFIG dry-run`` with DIRAC's
servers replaced by recorders (tests/support/ctadirac_harness.py).

- every ProdSteps file CTADIRAC ships (and this project's own) imports into a workflow whose compiled request has,
  step for step, the transformation CTADIRAC's ``cta-prod-submit`` builds: type, group size, parent, input query
  and the metadata of the data files (cwl2dirac's own ``cwl2dirac_*`` keys aside);
- the export of that request is read by ``cta-prod-submit`` without change and gives the very same steps;
- importing the export gives the same request.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from support import DATA
from support.ctadirac import cta_prod_submit_dry_run, ctadirac_python, shipped_configs

import cwl2dirac
from cwl2dirac.compiler import compile_workflow
from cwl2dirac.errors import Cwl2DiracError, UnsupportedFeature, ValidationError
from cwl2dirac.export.prodsteps import to_prodsteps_yaml
from cwl2dirac.importers.prodsteps import import_prodsteps
from cwl2dirac.request import ProductionRequest
from cwl2dirac.request.software import request_software_files

OWN = sorted((DATA / "prodsteps").glob("*.yml"))
DATASET_QUERY = {"MCCampaign": "PROD5b", "site": "LaPalma", "particle": "gamma-diffuse",
                 "array_layout": "Advanced-Baseline", "thetaP": 20.0, "phiP": 0.0, "data_level": 0,
                 "outputType": "Data", "configuration_id": 8, "sct": "False", "tel_sim_prog": "sim_telarray"}
"""What every dataset stands for in these tests (the same for CTADIRAC and for cwl2dirac's compile)."""
REFUSED = {"sim_test.yml": UnsupportedFeature}
"""CTADIRAC configurations cwl2dirac refuses: a simulation of five divergent pointings and two moon conditions in
one job, which the library's simulation tool does not do."""
INVALID = {"processing_config_from_meta_query.yml"}
"""Configurations CTADIRAC 3.1 itself refuses (a CtapipeProcessing without its mandatory data_level)."""


@pytest.fixture(scope="module")
def ctadirac() -> Path:
    try:
        return ctadirac_python()
    except (RuntimeError, OSError) as exc:  # never a skip: these tests are what proves the export
        pytest.fail(f"cannot make CTADIRAC's environment: {exc}")


@pytest.fixture(scope="module")
def configs(ctadirac: Path) -> list[Path]:
    shipped = shipped_configs(ctadirac)
    assert len(shipped) >= 50, shipped
    return [*shipped, *OWN]


def _datasets(configs: list[Path]) -> dict[str, dict[str, Any]]:
    import yaml

    names = {s["input_meta_query"].get("dataset") for c in configs for s in yaml.safe_load(c.read_text())["ProdSteps"]}
    return {n: dict(DATASET_QUERY) for n in names if n}


def _import(config: Path, out: Path) -> ProductionRequest:
    paths = import_prodsteps(config, out).write(out)  # -c configurations: the release's, on the worker
    return compile_workflow(paths[0], paths[1] if len(paths) > 1 else None, name="imported",
                            datasets=lambda name: dict(DATASET_QUERY))


def _strip(query: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (query or {}).items() if not k.startswith("cwl2dirac_")}


def _data_metadata(step: Any) -> dict[str, Any]:
    ports = ("simtel_file", "dl1_file", "dl2_file", "merged_file", "model")
    return _strip(next(o.metadata for o in step.outputs if o.port in ports))


def _compare(request: ProductionRequest, theirs: list[dict[str, Any]]) -> list[str]:
    """How cwl2dirac's steps differ from those cta-prod-submit gave DIRAC (empty: none)."""
    ours = {int(re.match(r"ProdSteps ID (\d+):", s.description).group(1)): s for s in request.steps}  # type: ignore[union-attr]
    numbers = sorted(ours)
    position = {ours[n].name: i for i, n in enumerate(numbers, start=1)}
    problems = []
    assert len(numbers) == len(theirs)
    for number, step_theirs in zip(numbers, theirs, strict=True):
        step = ours[number]
        query = _strip(step.input_query)
        if step.type == "Training" and isinstance(query.get("particle"), dict):
            query.pop("particle")  # documented: one query for signal and background there, particle in [...] here
        got = {
            "type": step.type, "group": step.group_size, "parents": [position[p] for p in step.parents],
            "input": query, "output": _data_metadata(step),
        }
        want = {
            "type": step_theirs["stepType"], "group": step_theirs["groupsize"],
            "parents": [int(p.split("_")[0].removeprefix("Step")) for p in step_theirs["parentStep"]],
            "input": step_theirs["inputquery"], "output": step_theirs["outputquery"],
        }
        for key in got:
            if got[key] != want[key]:
                problems.append(f"ID {number} {key}: cwl2dirac {got[key]} != CTADIRAC {want[key]}")
    return problems


def test_import_builds_the_chain_cta_prod_submit_builds(ctadirac: Path, configs: list[Path], tmp_path: Path) -> None:
    theirs = cta_prod_submit_dry_run(ctadirac, configs, _datasets(configs))
    compared = shipped_ok = 0
    for n, config in enumerate(configs):
        result = theirs[str(config)]
        if config.name in INVALID:
            assert not result["ok"]
            with pytest.raises(ValidationError, match="mandatory"):
                _import(config, tmp_path / f"{n}" / "pipeline.cwl")
            continue
        assert result["ok"], f"{config}: CTADIRAC: {result['error']}"
        if config.name in REFUSED:
            with pytest.raises(REFUSED[config.name]):
                _import(config, tmp_path / f"{n}" / "pipeline.cwl")
            continue
        request = _import(config, tmp_path / f"{n}" / "pipeline.cwl")
        assert _compare(request, result["steps"]) == [], config
        assert _release_configs(request) == _named_configs(config), config
        compared += 1
        shipped_ok += config not in OWN
    assert compared >= 53
    shipped = len(configs) - len(OWN)
    assert shipped_ok >= 0.9 * shipped, f"{shipped_ok} of {shipped} of CTADIRAC's configurations compile"


def _named_configs(config: Path) -> set[str]:
    """The ``-c`` configurations that the ProdSteps file's options name."""
    import shlex

    import yaml

    names = set()
    for step in yaml.safe_load(config.read_text())["ProdSteps"]:
        tokens = shlex.split(str(step["job_config"].get("options") or ""))
        names |= {value for flag, value in itertools.pairwise(tokens) if flag in ("-c", "--config")}
    return names


def _release_configs(request: ProductionRequest) -> set[str]:
    """The release files (``software-config:``) the compiled steps take as values; nothing to upload."""
    assert all(not ds.name.startswith("config_") for ds in request.inputs)
    return {path for _, _, path in request_software_files(request.steps)}


def test_export_is_read_by_cta_prod_submit_and_import_gives_the_same_request(
    ctadirac: Path, configs: list[Path], tmp_path: Path
) -> None:
    originals = cta_prod_submit_dry_run(ctadirac, configs, _datasets(configs))
    exported: dict[Path, Path] = {}
    requests: dict[Path, ProductionRequest] = {}
    for n, config in enumerate(configs):
        try:
            request = _import(config, tmp_path / "a" / f"{n}" / "pipeline.cwl")
        except Cwl2DiracError:
            continue  # refused (see the test above)
        target = tmp_path / "exported" / f"{n}" / config.name
        target.parent.mkdir(parents=True)
        target.write_text(to_prodsteps_yaml(request))
        exported[config] = target
        requests[config] = request
    results = cta_prod_submit_dry_run(ctadirac, exported.values(), _datasets(list(exported.values())))
    for config, target in exported.items():
        result = results[str(target)]
        assert result["ok"], f"{target}: CTADIRAC: {result['error']}"

        def shape(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{k: v for k, v in s.items() if k not in ("name", "parentStep")}
                    | {"parents": [p.split("_")[0] for p in s["parentStep"]]} for s in steps]

        assert shape(result["steps"]) == shape(originals[str(config)]["steps"]), config
        # import after export: the same request (the files are written at the same place, so paths agree)
        again = _import(target, tmp_path / "a" / f"{configs.index(config)}" / "pipeline.cwl")
        first = requests[config].to_data()
        second = again.to_data()
        first.pop("source"), second.pop("source")
        assert first == second, config


def test_a_cwl_workflow_of_the_library_exports_for_cta_prod_submit(ctadirac: Path, tmp_path: Path) -> None:
    metadata = {"MCCampaign": "PROD6", "configuration_id": 1, "site": "LaPalma", "phiP": 180, "thetaP": 20.0,
                "array_layout": "Alpha"}
    root = Path(__file__).resolve().parents[2]
    request = cwl2dirac.compile(
        root / "cwl/workflows/simulate_process_merge.cwl", root / "examples/simulate_process_merge.yml",
        hints={"*": {"dirac:Metadata": {"fields": metadata}}},
    )
    target = tmp_path / "simulate_process_merge.yml"
    target.write_text(to_prodsteps_yaml(request))
    result = cta_prod_submit_dry_run(ctadirac, [target])[str(target)]
    assert result["ok"], result["error"]
    assert [(s["stepType"], s["groupsize"], len(s["parentStep"])) for s in result["steps"]] == [
        (s.type, s.group_size, len(s.parents)) for s in request.steps
    ]
    with pytest.raises(UnsupportedFeature, match="'train_classifier' has 2 parents"):
        to_prodsteps_yaml(cwl2dirac.compile(root / "cwl/workflows/full_chain.cwl", root / "examples/full_chain.yml"))
