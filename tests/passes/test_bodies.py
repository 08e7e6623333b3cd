"""build_bodies: DIRAC job templates, with the worker command, the step configuration and the dirac: hints."""

from __future__ import annotations

import re

import pytest

from cwl2dirac.compiler import compile_workflow
from cwl2dirac.request import decode_config


@pytest.fixture(scope="module")
def hints_request(data):
    return compile_workflow(data("hints.cwl"), data("hints.yml"))


def _jdl(body, name):
    match = re.search(rf'<Parameter name="{name}"[^>]*><value><!\[CDATA\[(.*?)\]\]>', body)
    return match.group(1) if match else None


def test_body_runs_the_worker_with_the_step_config(hints_request):
    for step in hints_request.steps:
        assert step.body.startswith("<Workflow>")
        token = re.search(r"--config (\S+) --task @\{JOB_ID\}", step.body)
        assert token is not None
        assert decode_config(token.group(1)) == step.config
        assert _jdl(step.body, "JobType") == step.type


def test_job_and_software_hints(hints_request):
    simulate, merge = hints_request.step("simulate"), hints_request.step("merge")
    assert _jdl(simulate.body, "Platform") == "EL9"  # workflow-level dirac:Job
    assert "simpipe" in simulate.body and "v0.16.0" in simulate.body  # dirac:Software
    assert _jdl(merge.body, "Priority") == "7"
    assert _jdl(merge.body, "Site") == "LCG.CNAF.it"
    assert _jdl(merge.body, "CPUTime") == "3600"
    assert "simpipe" not in merge.body
    assert _jdl(simulate.body, "JobName") == "hints.simulate"


def test_no_bodies_without_build(run_passes):
    comp = run_passes("hints.cwl", "hints.yml")
    assert comp.bodies == {}
