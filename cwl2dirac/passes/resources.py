"""ResourceRequirement, ToolTimeLimit and ``dirac:Job.cpu_time`` → processors, memory and CPU time of a step."""

from __future__ import annotations

from dataclasses import dataclass

from cwl2dirac.ir import Step, Workflow
from cwl2dirac.loader.hints import Job
from cwl2dirac.passes.hint_lookup import effective_hint

DEFAULT_CPU_TIME = 86400
"""Seconds of CPU time asked for when the CWL says nothing (DIRAC's usual default)."""


@dataclass(frozen=True, slots=True)
class Resources:
    processors: int | None
    memory_mb: int | None
    cpu_time: int


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def step_resources(step: Step, wf: Workflow) -> Resources:
    req = step.find("ResourceRequirement") or wf.find("ResourceRequirement")
    processors = memory = None
    if req is not None:
        cores = _number(req.fields.get("coresMin")) or _number(req.fields.get("coresMax"))
        processors = int(-(-cores // 1)) if cores else None
        ram = _number(req.fields.get("ramMin")) or _number(req.fields.get("ramMax"))
        memory = int(ram) if ram else None
    cpu_time = None
    job = effective_hint(step, wf, "dirac:Job", Job)
    if job is not None and job.cpu_time is not None:
        cpu_time = job.cpu_time
    limit = step.find("ToolTimeLimit") or wf.find("ToolTimeLimit")
    if cpu_time is None and limit is not None:
        seconds = _number(limit.fields.get("timelimit"))
        if seconds:
            cpu_time = int(seconds) * (processors or 1)
    return Resources(processors, memory, cpu_time or DEFAULT_CPU_TIME)
