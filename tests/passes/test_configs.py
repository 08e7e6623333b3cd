"""build_configs: the worker configuration of every step (inputs, outputs, self-contained tool document)."""

from __future__ import annotations

import json

import pytest

from cwl2dirac.passes.configs import build_configs, relativize


def _inputs(config):
    return {b.port: b for b in config.inputs}


@pytest.fixture(scope="module")
def simulation(run_passes):
    return run_passes("simulation.cwl", "simulation.yml", until=build_configs).configs


def test_simulation_config(simulation):
    sim = simulation["simulate"]
    assert sim.task_values == {"run_number": [1, 2, 3, 4, 5]}
    assert sim.scatter == ["run_number"]
    run_number = _inputs(sim)["run_number"]
    assert run_number.kind == "value"  # each task takes its element of task_values
    assert {r["class"] for r in sim.requirements} == {"InlineJavascriptRequirement"}
    assert sim.output_path == "/cwl2dirac/simulation/simulate"
    assert [(o.port, o.type, o.carrier) for o in sim.outputs] == [("out", "File", False)]


def test_file_inputs(simulation):
    infile = _inputs(simulation["process"])["infile"]
    assert (infile.kind, infile.sources, infile.array) == ("files", ["simulate/out"], False)
    files = _inputs(simulation["merge"])["files"]
    assert (files.kind, files.sources, files.array) == ("files", ["process/out"], True)


def test_tool_documents_are_location_independent(run_passes):
    for name, inputs in [
        ("simulation.cwl", "simulation.yml"),
        ("multi/pipeline.cwl", "multi/inputs.yml"),
        ("chain/chain_v1_0.cwl", "chain/inputs.yml"),
        ("packed/packed.cwl", "chain/inputs.yml"),
    ]:
        configs = run_passes(name, inputs, until=build_configs).configs
        text = json.dumps([c.model_dump(mode="json") for c in configs.values()])
        assert "file://" not in text and "_:" not in text
        for config in configs.values():
            assert config.tool["cwlVersion"] in ("v1.0", "v1.2")


def test_run_references_become_relative(run_passes):
    configs = run_passes("multi/pipeline.cwl", "multi/inputs.yml", until=build_configs).configs
    assert configs["copy_a"].tool["id"] == "../tools/cat.cwl"
    assert configs["describe"].tool["id"] == "tools/describe.cwl"
    pointing = _inputs(configs["describe"])["pointing"]
    assert pointing.value == {"zenith": 20.0, "azimuth": 180.0}


def test_inherited_requirements_enter_the_tool_document(run_passes):
    configs = run_passes("subworkflow.cwl", "subworkflow.yml", until=build_configs).configs
    classes = [r["class"] for r in configs["once/say"].tool["requirements"]]
    assert "EnvVarRequirement" in classes and "ResourceRequirement" in classes
    assert configs["each/say"].task_values == {"message": ["a", "b", "c", "d"]}


def test_when_defaults_and_pick_value(run_passes):
    configs = run_passes("conditional.cwl", "conditional.yml", until=build_configs).configs
    assert configs["shout"].when == "$(inputs.loud)"
    assert _inputs(configs["shout"])["loud"].value is False  # the workflow input's default
    tagged = _inputs(configs["tagged"])["message"]
    assert (tagged.kind, tagged.has_default, tagged.default) == ("value", True, "tag")
    suffixed = _inputs(configs["suffixed"])["message"]
    assert (suffixed.value, suffixed.value_from) == ("from-default", '$(self + "-suffix")')
    pick = _inputs(configs["pick"])["infile"]
    assert (pick.kind, pick.pick_value, pick.array) == ("files", "first_non_null", True)
    files = _inputs(configs["list_a"])["files"]
    assert (files.link_merge, files.pick_value, files.sources) == (
        "merge_flattened",
        "all_non_null",
        ["shout/out", "whisper/out"],
    )


def test_relativize():
    value = {"id": "file:///a/b/tool.cwl#x", "run": ["file:///a/c/t.cwl", "http://x/y"], "n": 1}
    assert relativize(value, "/a/b") == {"id": "tool.cwl#x", "run": ["../c/t.cwl", "http://x/y"], "n": 1}
