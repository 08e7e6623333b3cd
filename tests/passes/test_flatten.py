"""flatten: sub-workflows become steps named outer/inner that inherit requirements; element-wise scatter."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cwl2dirac.errors import UnsupportedFeature
from cwl2dirac.ir import PortRef
from cwl2dirac.loader import load
from cwl2dirac.passes.context import Compilation
from cwl2dirac.passes.flatten import flatten, flatten_workflow


@pytest.fixture(scope="module")
def flat(run_passes):
    return run_passes("subworkflow.cwl", "subworkflow.yml", until=flatten).workflow


def test_steps_are_named_outer_inner(flat):
    assert sorted(s.id for s in flat.steps) == ["each/copy", "each/say", "once/copy", "once/say", "total"]
    assert all(s.tool.cls == "CommandLineTool" for s in flat.steps)


def test_sources_are_rewired(flat):
    assert flat.step("once/say").input("message").sources == (PortRef(None, "message"),)
    assert flat.step("once/copy").input("infile").sources == (PortRef("once/say", "out"),)
    assert flat.step("total").input("files").sources == (PortRef("each/copy", "out"),)
    outputs = {o.id: o.sources for o in flat.outputs}
    assert outputs == {"single": (PortRef("once/copy", "out"),), "all": (PortRef("total", "out"),)}


def test_requirements_and_hints_are_inherited(flat):
    for step_id in ("once/say", "once/copy", "each/say"):
        step = flat.step(step_id)
        env = step.find("EnvVarRequirement")  # from the sub-workflow
        assert env is not None and env.fields["envDef"] == [{"envName": "LEVEL", "envValue": "inner"}]
    assert flat.step("once/copy").find("ToolTimeLimit") is not None  # a hint of the outer step
    assert flat.step("each/copy").find("ToolTimeLimit") is None
    assert flat.step("total").find("EnvVarRequirement") is None


def test_scattered_sub_workflow_scatters_each_inner_step(flat):
    assert flat.step("each/say").scatter == ("message",)
    assert flat.step("each/say").input("message").sources == (PortRef(None, "messages"),)
    assert flat.step("each/copy").scatter == ("infile",)  # consumes a per-element output
    assert flat.step("once/say").scatter == ()


def test_nothing_to_flatten_is_identity(data):
    comp = Compilation(workflow=load(data("chain", "chain_v1_2.cwl")), name="x", source="x")
    assert flatten(comp) is comp


def test_when_on_a_sub_workflow_step_is_refused(data):
    wf = load(data("subworkflow.cwl"))
    steps = tuple(replace(s, when="$(true)") if s.id == "once" else s for s in wf.steps)
    with pytest.raises(UnsupportedFeature, match="step 'once': 'when' on a sub-workflow step"):
        flatten_workflow(replace(wf, steps=steps))


def test_a_gathered_output_of_a_step_run_once_is_refused(data):
    """A step of a scattered sub-workflow that takes no element runs once here, once per element in cwltool: when
    the sub-workflow gives its output (gathered into one element per element of the scatter), it is refused."""
    wf = load(data("fidelity", "scatter_gathers_a_step_run_once.cwl"))
    with pytest.raises(UnsupportedFeature, match="step 'each/stamp': it takes no element of the scatter"):
        flatten_workflow(wf)
    # without that output, the other one: an input passed through that is not the scattered one
    inner = wf.step("each").tool.workflow
    assert inner is not None
    only_tag = replace(inner, outputs=tuple(o for o in inner.outputs if o.id == "tag"))
    steps = tuple(replace(s, tool=replace(s.tool, workflow=only_tag)) for s in wf.steps)
    with pytest.raises(UnsupportedFeature, match="sub-workflow output 'tag' passes input 'label' through"):
        flatten_workflow(replace(wf, steps=steps))
