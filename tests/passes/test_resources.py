"""step_resources: ResourceRequirement, ToolTimeLimit and dirac:Job.cpu_time."""

from __future__ import annotations

from dataclasses import replace

from cwl2dirac.ir import Requirement
from cwl2dirac.loader import load
from cwl2dirac.passes.resources import DEFAULT_CPU_TIME, step_resources


def test_inherited_resources_and_time_limit(run_passes):
    wf = run_passes("subworkflow.cwl").workflow
    once = step_resources(wf.step("once/say"), wf)
    assert (once.processors, once.memory_mb, once.cpu_time) == (2, 2048, 600 * 2)
    each = step_resources(wf.step("each/say"), wf)
    assert (each.processors, each.memory_mb, each.cpu_time) == (2, 2048, DEFAULT_CPU_TIME)


def test_job_cpu_time_wins(run_passes):
    wf = run_passes("hints.cwl").workflow
    assert step_resources(wf.step("merge"), wf).cpu_time == 3600
    assert step_resources(wf.step("simulate"), wf).cpu_time == DEFAULT_CPU_TIME


def test_fractional_cores_round_up(data):
    wf = load(data("chain", "chain_v1_2.cwl"))
    step = replace(
        wf.step("say"), requirements=(Requirement("ResourceRequirement", {"coresMin": 1.5, "ramMax": 512}),)
    )
    res = step_resources(step, wf)
    assert (res.processors, res.memory_mb) == (2, 512)
    assert step_resources(wf.step("copy"), wf) == type(res)(None, None, DEFAULT_CPU_TIME)
