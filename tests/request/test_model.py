"""The emitted production request: determinism, round trip, JSON schema, DIRAC's link check, CLI outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from cwl2dirac.backends.dirac.validator import check_links, check_query_pair
from cwl2dirac.compiler import compile_workflow
from cwl2dirac.request import ProductionRequest, request_json_schema

CLI = str(Path(sys.executable).with_name("cwl2dirac"))
PIPELINES = [
    ("simulation.cwl", "simulation.yml"),
    ("fanin.cwl", "fanin.yml"),
    ("hints.cwl", "hints.yml"),
    ("subworkflow.cwl", "subworkflow.yml"),
    ("scatter.cwl", "scatter.yml"),
    ("conditional.cwl", "conditional.yml"),
    ("multi/pipeline.cwl", "multi/inputs.yml"),
    ("packed/packed.cwl#main", "chain/inputs.yml"),
    ("chain/chain_v1_0.cwl", "chain/inputs.yml"),
]
IDS = [p for p, _ in PIPELINES]


@pytest.fixture(scope="module")
def requests_(data):
    """Each pipeline compiled (with job bodies), once per module."""
    return {p: compile_workflow(data(p), data(i)) for p, i in PIPELINES}


@pytest.mark.parametrize(("pipeline", "inputs"), PIPELINES, ids=IDS)
def test_compiling_twice_gives_identical_bytes(data, requests_, pipeline, inputs):
    first = requests_[pipeline]
    again = compile_workflow(data(pipeline), data(inputs))
    assert again.to_yaml() == first.to_yaml()
    assert again.to_json() == first.to_json()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_round_trip(tmp_path, requests_, suffix):
    for pipeline, request in requests_.items():
        path = tmp_path / f"{Path(pipeline.split('#')[0]).stem}{suffix}"
        request.write(path)
        assert ProductionRequest.read(path) == request, pipeline


def test_json_schema_validates_the_emitted_json(requests_):
    schema = request_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for request in requests_.values():
        jsonschema.validate(json.loads(request.to_json()), schema)


def test_every_link_passes_dirac_validation(requests_):
    for request in requests_.values():
        check_links(request)
        for step in request.steps:
            for parent in step.parents:
                parent_query = request.step(parent).output_query
                assert check_query_pair(step.input_query, parent_query, request.metadata_fields) is None


def test_simulation_request(requests_):
    request = requests_["simulation.cwl"]
    assert request.name == "simulation" and request.cwl_version == "v1.2"
    sim, process, merge = (request.step(n) for n in ("simulate", "process", "merge"))
    assert (sim.type, sim.tasks, sim.parents, sim.input_query) == ("MCSimulation", 5, [], None)
    assert sim.config.task_values == {"run_number": [1, 2, 3, 4, 5]}
    assert (process.type, process.tasks, process.parents, process.expected_files) == (
        "DataReprocessing",
        None,
        ["simulate"],
        5,
    )
    assert (merge.type, merge.group_size, merge.flush, merge.parents) == ("Merging", 5, True, ["process"])
    assert request.outputs[0].sources == ["merge/out"]
    assert request.job_order == {"n_runs": 5}


def test_fan_in_request(requests_):
    request = requests_["fanin.cwl"]
    join = request.step("join")
    assert join.parents == ["gamma", "proton"]
    assert join.input_query["cwl2dirac_step"] == {"in": ["gamma", "proton"]}


def test_input_datasets(requests_, data):
    (dataset,) = requests_["scatter.cwl"].inputs
    assert dataset.name == "infiles" and dataset.array
    assert [f.metadata["cwl2dirac_index"] for f in dataset.files] == [0, 1, 2]
    assert [f.location for f in dataset.files] == [
        Path(data("files", f"f{i}.txt")).as_uri() for i in (1, 2, 3)
    ]


def test_without_inputs_or_bodies(data):
    request = compile_workflow(data("simulation.cwl"), bodies=False)
    assert request.job_order == {}
    assert all(step.body == "" for step in request.steps)
    assert request.step("merge").group_size == 10000 and request.step("merge").flush


def test_cli_compile_json_and_graph_svg(in_tmp, data):
    result = subprocess.run(
        [CLI, "compile", data("simulation.cwl"), data("simulation.yml"), "-o", "x.json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    request = ProductionRequest.read(in_tmp / "x.json")
    assert [s.name for s in request.steps] == ["simulate", "process", "merge"]
    assert request == ProductionRequest.model_validate_json((in_tmp / "x.json").read_text())
    result = subprocess.run(
        [CLI, "graph", data("fanin.cwl"), data("fanin.yml"), "-o", "x.svg"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    svg = (in_tmp / "x.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for step in ("gamma", "proton", "join", "count"):
        assert f">{step}</text>" in svg
