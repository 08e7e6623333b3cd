"""The real submission sequence of the DIRAC backend, in-process: DIRAC's own clients over a recording transport."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.dirac import RecordingService, recording_clients

from cwl2dirac.backends.dirac.backend import DiracBackend
from cwl2dirac.errors import BackendError
from cwl2dirac.request import ProductionRequest
from cwl2dirac.request.wire import WORKER_FIELDS


def test_submit_sequence(request_obj: ProductionRequest) -> None:
    service = RecordingService(known_fields={"DirectoryMetaFields": {"particle": "VARCHAR(128)"},
                                             "FileMetaFields": {}})
    backend = DiracBackend(clients=recording_clients(service))
    production = backend.submit(request_obj)

    names = service.names()
    assert names[:3] == ["initialize", "ping", "getMetadataFields"]  # the server's DIRAC version first
    # fields the catalog does not know are declared at file level (the worker's own ones too); the one it knows,
    # at directory level, is left alone
    declared = [args for name, args in service.calls if name == "addMetadataField"]
    assert ("particle", "VARCHAR(128)", "-f") not in declared
    assert {a[0] for a in declared} == (set(request_obj.metadata_fields) | set(WORKER_FIELDS)) - {"particle"}
    assert all(a[2] == "-f" for a in declared)
    # every step added, parents first, then the production, then its start
    steps = [args[0] for name, args in service.calls if name == "addProductionStep"]
    assert [s["name"] for s in steps] == [
        "Step1_gamma_sim", "Step2_proton_sim", "Step3_gamma_process", "Step4_gamma_merge", "Step5_train",
    ]
    i_add, i_start = names.index("addProduction"), names.index("startProduction")
    assert names.index("addMetadataField") < names.index("addProductionStep") < i_add < i_start
    name, description = service.calls[i_add][1]
    assert name == "demo"
    offline = DiracBackend().describe(request_obj)["production_description"]
    assert {k: v["parentStep"] for k, v in json.loads(description).items()} == {
        k: v["parentStep"] for k, v in offline.items()
    }
    # simulations extended by their task counts, on the transformations DIRAC named
    extended = [args for name, args in service.calls if name == "extendTransformation"]
    gamma, proton = service.transformations["00000041_Step1_gamma_sim"], service.transformations[
        "00000041_Step2_proton_sim"]
    assert sorted(extended) == sorted([(gamma, 10), (proton, 4)])
    assert production.backend == "dirac" and production.id == "41" and production.name == "demo"
    assert production.transformations["gamma/sim"] == gamma and len(production.transformations) == 5
    assert production.extended == {"gamma/sim": 10, "proton/sim": 4}
    # every transformation carries its cwl2dirac facts for the controller
    params = {(args[0], args[1]) for name, args in service.calls if name == "setTransformationParameter"}
    assert {(tid, "Cwl2DiracStep") for tid in production.transformations.values()} <= params
    # a step without parents is marked "inputs pending" before it carries its facts: the controller, which looks at
    # it from then on, must not complete it before its inputs are registered (then "registered")
    order = [args[:3] for name, args in service.calls if name == "setTransformationParameter"]
    for tid in (gamma, proton):
        mine = [(key, value) for t, key, value in order if t == tid and key.startswith("Cwl2Dirac")]
        assert [key for key, _ in mine[:2]] == ["Cwl2DiracInputs", "Cwl2DiracStep"], mine
        assert mine[0][1] == "pending" and mine[-1] == ("Cwl2DiracInputs", "registered"), mine


def test_a_field_of_another_type_stops_before_any_step(request_obj: ProductionRequest) -> None:
    known = {"DirectoryMetaFields": {}, "FileMetaFields": {"data_level": "VARCHAR(128)"}}
    service = RecordingService(known_fields=known)
    needs = r"catalog field 'data_level' has type VARCHAR.128. .file level., the request needs INT"
    with pytest.raises(BackendError, match=needs):
        DiracBackend(clients=recording_clients(service)).submit(request_obj)
    assert "addProductionStep" not in service.names()


def test_an_unknown_site_stops_before_anything_is_sent(request_obj: ProductionRequest) -> None:
    service = RecordingService()
    with pytest.raises(BackendError, match=r"site 'LCG\.A\.org' is not defined in DIRAC"):
        DiracBackend(clients=recording_clients(service, sites={"LCG.B.org"})).submit(request_obj)
    assert "addProductionStep" not in service.names() and "addMetadataField" not in service.names()


def test_a_refused_start_names_the_call(request_obj: ProductionRequest) -> None:
    service = RecordingService(fail="startProduction")
    with pytest.raises(BackendError, match=r"startProduction 'demo': startProduction: rejected"):
        DiracBackend(clients=recording_clients(service)).submit(request_obj)
    assert "extendTransformation" not in service.names()


class RollingBackService(RecordingService):
    """As DIRAC's ProductionDB when its own call to the Transformation System fails while it links the
    transformations of a production being started: it deletes them and the production, and answers the error of
    that call (a transport error). The steps stay."""

    def __init__(self, rollbacks: int) -> None:
        super().__init__()
        self.rollbacks = rollbacks
        self.exists = False

    def __getattr__(self, name: str) -> Any:
        if name == "startProduction" and self.rollbacks:
            def rolled_back(*args: Any) -> dict[str, Any]:
                self.calls.append((name, args))
                self.rollbacks -= 1
                self.exists = False
                return {"OK": False, "Message": "Can't connect to dips://localhost:9131/Transformation/"
                        "TransformationManager: NoCertificate('peer did not return certificate')"}
            return rolled_back
        if name == "addProduction":
            def added(*args: Any) -> dict[str, Any]:
                self.calls.append((name, args))
                self.exists = True
                self.production_id += 1
                return {"OK": True, "Value": self.production_id}
            return added
        return super().__getattr__(name)

    def getProduction(self, name: Any) -> dict[str, Any]:
        if not self.exists or not self.calls or self.calls[-1][0] != "startProduction":
            return super().getProduction(name)
        self.calls.append(("getProduction", (name,)))
        return {"OK": True, "Value": {"ProductionID": self.production_id, "Status": "New"}}


@pytest.mark.parametrize("rollbacks", [1, 2])
def test_a_start_that_dirac_rolled_back_is_made_again_from_the_same_steps(
    request_obj: ProductionRequest, rollbacks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    service = RollingBackService(rollbacks)
    production = DiracBackend(clients=recording_clients(service)).submit(request_obj)
    names = service.names()
    assert names.count("addProductionStep") == 5  # the steps once: DIRAC keeps them
    assert names.count("addProduction") == rollbacks + 1 and names.count("startProduction") == rollbacks + 1
    descriptions = {args[1] for name, args in service.calls if name == "addProduction"}
    assert len(descriptions) == 1  # the same steps each time
    assert production.id == str(41 + rollbacks + 1)
    assert all(name.startswith(f"{41 + rollbacks + 1:08d}_") for name in service.transformations)


def test_a_start_rolled_back_every_time_is_one_error(
    request_obj: ProductionRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    service = RollingBackService(rollbacks=10)
    with pytest.raises(BackendError, match=r"startProduction 'demo': Can't connect .*TransformationManager.* \(3 atte"):
        DiracBackend(clients=recording_clients(service)).submit(request_obj)
    assert service.names().count("startProduction") == 3 and "extendTransformation" not in service.names()


def test_transformations_a_start_left_new_are_started(
    request_obj: ProductionRequest, caplog: pytest.LogCaptureFixture
) -> None:
    """DIRAC's startProduction answers OK when its own call to start a transformation failed: the ones left New
    are started by the submission (Active, Automatic), the others left alone."""
    service = RecordingService(left_new=2)
    production = DiracBackend(clients=recording_clients(service)).submit(request_obj)
    assert set(service.status.values()) == {"Active"} and len(service.status) == 5
    started = [args for name, args in service.calls if name == "setTransformationParameter"
               and args[1] in ("Status", "AgentType")]
    last_two = sorted(production.transformations.values())[-2:]
    assert sorted(started) == sorted([(t, "Status", "Active") for t in last_two]
                                     + [(t, "AgentType", "Automatic") for t in last_two])
    assert sum("left New by DIRAC's startProduction" in r.getMessage() for r in caplog.records) == 2


def test_a_started_production_missing_transformations_is_one_error(request_obj: ProductionRequest) -> None:
    class Short(RecordingService):
        def _answer(self, name: str, args: tuple[Any, ...]) -> Any:
            got = super()._answer(name, args)
            return got[:3] if name == "getProductionTransformations" else got

    with pytest.raises(BackendError, match=r"production 41 \('demo'\) has 3 transformation\(s\) for 5 step\(s\)"):
        DiracBackend(clients=recording_clients(Short())).submit(request_obj)


@pytest.mark.parametrize("version", ["v9.1.13", "v9.1.17"])
def test_a_server_of_dirac_issue_8773_is_refused_before_anything_is_sent(
    request_obj: ProductionRequest, version: str
) -> None:
    service = RecordingService(version=version)
    with pytest.raises(BackendError, match=r"version 9\.1\.1[37], which stores production steps without decoding"):
        DiracBackend(clients=recording_clients(service)).submit(request_obj)
    assert service.names() == ["initialize", "ping"]


def test_an_old_server_gets_what_its_unescaped_sql_keeps(request_obj: ProductionRequest) -> None:
    """DIRAC 9.1.9 (CTADIRAC 3.1.0's): cwl2dirac's own fields pass; a query value with a quote is refused, naming
    the step and the field, before anything is sent."""
    service = RecordingService(version="v9.1.9")
    DiracBackend(clients=recording_clients(service)).submit(request_obj)
    assert "startProduction" in service.names()
    sim = request_obj.step("gamma/sim")
    quoted = sim.model_copy(update={"output_query": {**sim.output_query, "campaign": "it's"}})
    bad = request_obj.model_copy(update={"steps": [quoted, *request_obj.steps[1:]]})
    service = RecordingService(version="v9.1.9")
    with pytest.raises(BackendError, match=r"step 'gamma_sim': its output query holds a ' \(quote\).*9\.1\.9, older "
                                           r"than 9\.1\.13"):
        DiracBackend(clients=recording_clients(service)).submit(bad)
    assert service.names() == ["initialize", "ping"]
