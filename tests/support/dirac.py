"""Small hand-built production requests for the DIRAC backend tests (no compiler needed).

A uniquely named module (not ``conftest``) so that tests can import its helpers unambiguously.
"""

from __future__ import annotations

from typing import Any

import pytest

from cwl2dirac.loader import hints
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


class RecordingService:
    """Stands in for DIRAC's services behind DIRAC's own client classes (their ``_getRPC``): answers each call
    as a server would for a fresh installation, and records it. ``fail``: a call name answered with S_ERROR."""

    def __init__(self, *, known_fields: dict[str, dict[str, str]] | None = None, fail: str | None = None,
                 left_new: int = 0, version: str = "v9.1.22") -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.version = version
        """The DIRAC version the services answer ``ping`` with."""
        self.known_fields = known_fields or {"DirectoryMetaFields": {}, "FileMetaFields": {}}
        self.fail = fail
        self.production_id = 41
        self.transformations: dict[str, int] = {}
        self.status: dict[int, str] = {}
        self.left_new = left_new
        """How many of the last transformations ``startProduction`` leaves New (as DIRAC does when its own call to
        start one fails: it still answers OK)."""

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any) -> dict[str, Any]:
            self.calls.append((name, args))
            if name == self.fail:
                return {"OK": False, "Message": f"{name}: rejected by the recording service"}
            return {"OK": True, "Value": self._answer(name, args)}

        return call

    def _answer(self, name: str, args: tuple[Any, ...]) -> Any:
        if name == "ping":
            return {"version": self.version, "name": "RecordingService"}
        if name == "addProductionStep":
            return len([c for c in self.calls if c[0] == name])
        if name == "addProduction":
            return self.production_id
        if name == "getTransformation":
            tid = args[0] if isinstance(args[0], int) else self.transformations.setdefault(
                args[0], 100 + len(self.transformations))
            return {"TransformationID": tid, "Type": "MCSimulation", "Status": self.status.get(tid, "New")}
        if name == "getMetadataFields":
            return self.known_fields
        if name == "getCounters":
            return []
        if name == "startProduction":
            steps = [a[0]["name"] for n, a in self.calls if n == "addProductionStep"]
            made = [self.transformations.setdefault(f"{self.production_id:08d}_{step}", 100 + len(self.transformations))
                    for step in steps]
            for n, tid in enumerate(made):
                self.status[tid] = "New" if n >= len(made) - self.left_new else "Active"
            return None
        if name == "getProductionTransformations":
            prefix = f"{self.production_id:08d}_"
            return [{"TransformationID": tid} for t, tid in self.transformations.items() if t.startswith(prefix)]
        if name == "getTransformations":
            ids = args[0].get("TransformationID", [])
            return [{"TransformationID": tid, "Status": self.status.get(tid, "Active")} for tid in ids]
        if name == "setTransformationParameter" and args[1] == "Status":
            self.status[args[0]] = args[2]
        return None

    def getProduction(self, name: Any) -> dict[str, Any]:
        self.calls.append(("getProduction", (name,)))
        return {"OK": False, "Message": f"Production {name} did not exist"}

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def recording_clients(service: RecordingService, sites: set[str] | None = None) -> Any:
    """A :class:`~cwl2dirac.backends.dirac.backend.DiracClients` whose clients are DIRAC's own classes talking to
    ``service`` (no configuration, no server)."""
    from cwl2dirac.backends.dirac._clients import DiracClients

    class RecordingClients(DiracClients):
        def initialize(self) -> None:
            service.calls.append(("initialize", ()))

        def _client(self, cls: type) -> Any:
            class Recorded(cls):  # type: ignore[misc, valid-type]
                def _getRPC(self, *args: Any, **kwargs: Any) -> RecordingService:
                    return service

            return Recorded()

        def production(self) -> Any:
            from DIRAC.ProductionSystem.Client.ProductionClient import ProductionClient

            return self._client(ProductionClient)

        def transformation(self) -> Any:
            from DIRAC.TransformationSystem.Client.TransformationClient import TransformationClient

            return self._client(TransformationClient)

        def file_catalog(self) -> Any:
            from DIRAC.Resources.Catalog.FileCatalogClient import FileCatalogClient

            return self._client(FileCatalogClient)

        def storage_elements(self) -> set[str] | None:
            return {"LOCAL-DISK"}

        def input_se(self, request: Any) -> str:
            return "LOCAL-DISK"

        def vo(self) -> str:
            return "vo"

        def sites(self) -> set[str]:
            return sites if sites is not None else {"LCG.A.org", "LCG.B.org"}

        def platforms(self) -> set[str] | None:
            return {"EL9"}

    return RecordingClients()
