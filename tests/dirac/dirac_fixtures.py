"""Small hand-built production requests for the DIRAC backend tests (no compiler needed).

A uniquely named module (not ``conftest``) so that tests can import its helpers unambiguously.
"""

from __future__ import annotations

from typing import Any

import pytest

from cwl2dirac.load import hints
from cwl2dirac.request import (
    FIELD_OUTPUT,
    FIELD_PRODUCTION,
    FIELD_STEP,
    InputBinding,
    OutputBinding,
    ProductionRequest,
    StepConfig,
    StepSpec,
)

PROD = "demo"
TOOL: dict[str, Any] = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "baseCommand": ["echo"],
    "inputs": [],
    "outputs": [],
}
FIELDS: dict[str, Any] = {
    FIELD_PRODUCTION: "VARCHAR(128)",
    FIELD_STEP: "VARCHAR(128)",
    FIELD_OUTPUT: "VARCHAR(128)",
    "particle": "VARCHAR(128)",
    "data_level": "INT",
}


def out_query(step: str, port: str, **extra: Any) -> dict[str, Any]:
    return {FIELD_PRODUCTION: PROD, FIELD_STEP: step, FIELD_OUTPUT: port, **extra}


def make_config(step: str, *, files_from: list[str] | None = None) -> StepConfig:
    inputs = [InputBinding(port="infile", kind="files", sources=files_from)] if files_from else []
    return StepConfig(
        production=PROD,
        step=step,
        tool=TOOL,
        inputs=inputs,
        outputs=[OutputBinding(port="out", type="File", metadata=out_query(step, "out"))],
        output_path=f"/vo/{PROD}/{step}",
    )


def make_step(
    name: str,
    type_: str,
    *,
    parents: list[str] | None = None,
    input_query: dict[str, Any] | None = None,
    output_query: dict[str, Any] | None = None,
    group_size: int = 1,
    tasks: int | None = None,
    job: hints.Job | None = None,
    software: hints.Software | None = None,
) -> StepSpec:
    from cwl2dirac.backends.dirac.job import build_body

    dirac_name = name.replace("/", "_")
    config = make_config(name, files_from=[f"{p}/out" for p in parents or []])
    body = build_body(
        config,
        name=dirac_name,
        step_type=type_,
        job=job,
        software=software,
        apptainer=None,
        cpu_time=3600,
        processors=None,
        memory_mb=None,
    )
    return StepSpec(
        name=name,
        dirac_name=dirac_name,
        type=type_,
        group_size=group_size,
        parents=parents or [],
        input_query=input_query,
        output_query=output_query or out_query(name, "out"),
        tasks=tasks,
        cpu_time=3600,
        config=config,
        body=body,
    )


def make_request(steps: list[StepSpec], fields: dict[str, Any] | None = None) -> ProductionRequest:
    return ProductionRequest(
        name=PROD,
        source="demo.cwl",
        cwl_version="v1.2",
        metadata_fields=FIELDS if fields is None else fields,
        steps=steps,
    )


@pytest.fixture(scope="session")
def request_obj() -> ProductionRequest:
    """gamma/sim, proton/sim -> gamma/process -> gamma/merge; both sims -> train (two parents)."""
    steps = [
        make_step(
            "gamma/sim",
            "MCSimulation",
            tasks=10,
            output_query=out_query("gamma/sim", "out", particle="gamma", data_level=0),
            job=hints.Job(platform="EL9", sites=["LCG.B.org", "LCG.A.org"], priority=5, tags=["production"]),
            software=hints.Software(package="simpipe", version="v0.16", category="simulations"),
        ),
        make_step(
            "proton/sim",
            "MCSimulation",
            tasks=4,
            output_query=out_query("proton/sim", "out", particle="proton", data_level=0),
        ),
        make_step(
            "gamma/process",
            "DataReprocessing",
            parents=["gamma/sim"],
            input_query=out_query("gamma/sim", "out"),
            group_size=5,
        ),
        make_step(
            "gamma/merge",
            "Merging",
            parents=["gamma/process"],
            input_query={**out_query("gamma/process", "out"), FIELD_STEP: {"=": "gamma/process"}},
            group_size=2,
        ),
        make_step(
            "train",
            "Training",
            parents=["gamma/sim", "proton/sim"],
            input_query={
                FIELD_PRODUCTION: PROD,
                FIELD_STEP: {"in": ["gamma/sim", "proton/sim"]},
                FIELD_OUTPUT: "out",
            },
            group_size=2,
        ),
    ]
    return make_request(steps)
