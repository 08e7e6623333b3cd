"""check_sources: every source, output and scatter name refers to something that exists."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cwl2dirac.errors import ValidationError
from cwl2dirac.loader import load
from cwl2dirac.passes.check_sources import check_sources
from cwl2dirac.passes.context import Compilation


def _check(wf):
    return check_sources(Compilation(workflow=wf, name="x", source="x"))


@pytest.fixture
def chain(data):
    return load(data("chain", "chain_v1_2.cwl"))


def _with_step(wf, step_id, **changes):
    return replace(wf, steps=tuple(replace(s, **changes) if s.id == step_id else s for s in wf.steps))


def test_valid_workflows_pass(run_passes):
    for name in ("simulation.cwl", "fanin.cwl", "conditional.cwl", "subworkflow.cwl", "hints.cwl"):
        run_passes(name, until=check_sources)


def test_dangling_source_names_the_step_and_suggests(data):
    with pytest.raises(ValidationError) as info:
        _check(load(data("bad", "dangling.cwl")))
    assert (
        info.value.message
        == "step 'copy' input 'infile': source 'sya/out' names nothing (did you mean 'say/out'?)"
    )
    assert str(info.value).endswith("dangling.cwl:15:7: " + info.value.message)


def test_undeclared_step_output(chain):
    wf = _with_step(chain, "say", outputs=("out", "oot"))
    with pytest.raises(
        ValidationError, match=r"step 'say': output 'oot' is not an output of its tool \(did you mean 'out'"
    ):
        _check(wf)


def test_scatter_over_unknown_input(chain):
    wf = _with_step(chain, "copy", scatter=("infle",))
    with pytest.raises(ValidationError, match=r"scatter names 'infle'.*did you mean 'infile'"):
        _check(wf)


def test_required_input_not_connected(chain):
    wf = _with_step(chain, "copy", inputs=())
    with pytest.raises(
        ValidationError, match="step 'copy': required input 'infile' of its tool is not connected"
    ):
        _check(wf)


def test_workflow_output_source(chain):
    out = replace(chain.outputs[0], sources=(replace(chain.outputs[0].sources[0], port="result"),))
    with pytest.raises(
        ValidationError, match="workflow output 'result': outputSource 'copy/result' names nothing"
    ):
        _check(replace(chain, outputs=(out,)))
