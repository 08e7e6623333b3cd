"""Where a production stands (cwl2dirac.backends.dirac.status.ProductionView), read through DIRAC's own clients from
a stand-in for the Transformation System and the WMS that answers as they do; the real services are exercised in
tests/integration (status, --watch, graph --status)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support import REPO
from support.dirac import RecordingService, recording_clients

from cwl2dirac.backends.dirac.status import ProductionView
from cwl2dirac.backends.dirac.submission import REQUEST_PARAMETER, STEP_PARAMETER, encode_request
from cwl2dirac.errors import BackendError

ENGINES = REPO / "tests" / "data" / "engines"


class StandInProduction(RecordingService):
    """Production 7 and its transformations 12 (step "merge", a child) and 11 (step "sim"), as the Production and
    Transformation Systems keep them."""

    TRANSFORMATIONS = {11: ("00000007_Step1_sim", "Completed", "sim"), 12: ("00000007_Step2_merge", "Active", "merge")}

    def __init__(self) -> None:
        super().__init__()
        self.tasks = [
            {"TransformationID": 11, "TaskID": 1, "ExternalID": "101", "ExternalStatus": "Done"},
            {"TransformationID": 11, "TaskID": 2, "ExternalID": "102", "ExternalStatus": "Done"},
            {"TransformationID": 12, "TaskID": 1, "ExternalID": "201", "ExternalStatus": "Submitted"},
            {"TransformationID": 12, "TaskID": 2, "ExternalID": "202", "ExternalStatus": "Submitted"},
            {"TransformationID": 12, "TaskID": 3, "ExternalID": "203", "ExternalStatus": "Submitted"},
            {"TransformationID": 12, "TaskID": 4, "ExternalID": "0", "ExternalStatus": "Created"},
        ]
        self.files = [  # lfn, transformation, task, status, error count
            ("/a", 12, 1, "Processed", 0), ("/b", 12, 2, "Assigned", 1), ("/c", 12, 3, "Problematic", 2),
            ("/d", 12, 4, "Assigned", 0), ("/e", 12, 0, "Unused", 0), ("/f", 12, 0, "Deleted-Unused", 0),
        ]

    def getProductionTransformations(self, name: Any, *args: Any) -> dict[str, Any]:
        self.calls.append(("getProductionTransformations", (name,)))
        if name not in (7, "prod"):
            return {"OK": False, "Message": f"Production {name} does not exist"}
        return {"OK": True, "Value": [{"TransformationID": 12}, {"TransformationID": 11}]}

    def getProduction(self, name: Any) -> dict[str, Any]:
        self.calls.append(("getProduction", (name,)))
        return {"OK": False, "Message": f"Production {name} does not exist"}

    def getTransformations(self, cond: dict[str, Any], *args: Any) -> dict[str, Any]:
        self.calls.append(("getTransformations", (cond, *args)))
        extra, columns = args[5], args[7]
        assert extra and "Body" not in columns  # the job templates are not read
        rows = []
        for tid in cond["TransformationID"]:
            name, status, step = self.TRANSFORMATIONS[tid]
            facts = {"production": "prod", "step": step, "parents": {"sim": 11} if step == "merge" else {}}
            rows.append({"TransformationID": tid, "TransformationName": name, "Status": status,
                         STEP_PARAMETER: json.dumps(facts)})
        return {"OK": True, "Value": rows}

    def getCounters(self, table: str, attrs: list[str], cond: dict[str, Any], *args: Any) -> dict[str, Any]:
        self.calls.append(("getCounters", (table, attrs, cond)))
        counts: dict[tuple[int, str], int] = {}
        for _, tid, _, status, _ in self.files:
            if tid in cond["TransformationID"]:
                counts[(tid, status)] = counts.get((tid, status), 0) + 1
        return {"OK": True, "Value": [({"TransformationID": t, "Status": s}, n) for (t, s), n in counts.items()]}

    def getTransformationTasks(self, cond: dict[str, Any], *args: Any) -> dict[str, Any]:
        self.calls.append(("getTransformationTasks", (cond,)))
        return {"OK": True, "Value": [t for t in self.tasks if t["TransformationID"] in cond["TransformationID"]]}

    def getTransformationFiles(self, cond: dict[str, Any], *args: Any) -> dict[str, Any]:
        self.calls.append(("getTransformationFiles", (cond,)))
        rows = [{"LFN": lfn, "TransformationID": tid, "TaskID": task, "Status": status, "ErrorCount": errors}
                for lfn, tid, task, status, errors in self.files
                if tid == cond["TransformationID"] and task in cond["TaskID"]]
        from DIRAC.Core.Utilities.JEncode import encode

        return {"OK": True, "Value": encode({"OK": True, "Value": rows})}  # as TransformationManager answers it


class StandInWMS:
    """JobMonitoring's getJobsStates: the WMS knows a job's end before the Transformation System does."""

    asked: list[list[int]] = []
    STATES = {
        201: {"Status": "Done", "MinorStatus": "Execution Complete", "ApplicationStatus": "Unknown"},
        202: {"Status": "Failed", "MinorStatus": "Application Finished With Errors", "ApplicationStatus": "exit 1"},
        203: {"Status": "Failed", "MinorStatus": "Application Finished With Errors", "ApplicationStatus": "exit 1"},
    }

    def getJobsStates(self, jobs: list[int]) -> dict[str, Any]:
        self.asked.append(list(jobs))
        return {"OK": True, "Value": {j: s for j, s in self.STATES.items() if j in jobs}}


@pytest.fixture
def wms(monkeypatch: pytest.MonkeyPatch) -> type[StandInWMS]:
    import DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient as monitoring

    monkeypatch.setattr(monitoring, "JobMonitoringClient", StandInWMS)
    StandInWMS.asked = []
    return StandInWMS


def test_the_snapshot_reads_every_transformation_in_five_calls(wms: type[StandInWMS]) -> None:
    service = StandInProduction()
    sim, merge = ProductionView(recording_clients(service), "prod").snapshot()
    assert (sim.id, sim.step, sim.status, merge.id, merge.step, merge.status) == (
        11, "sim", "Completed", 12, "merge", "Active")  # by id without the request: the parent first here
    assert merge.files == {"Processed": 1, "Assigned": 2, "Problematic": 1, "Unused": 1}  # "Deleted-…" not counted
    assert sim.files == {}
    # the WMS's word for tasks with a live job; the TS's for the others (Done, or no job yet)
    assert sim.tasks == {1: "Done", 2: "Done"}
    assert merge.tasks == {1: "Done", 2: "Retrying", 3: "Failed", 4: "Created"}
    assert merge.attempts == {3: 2} and merge.reasons[3] == "Application Finished With Errors; exit 1"
    assert merge.jobs == {1: 201, 2: 202, 3: 203}
    assert wms.asked == [[201, 202, 203]]  # one call for the live jobs of all transformations, not the Done ones
    names = [n for n, _ in service.calls]
    assert sorted(names) == sorted(["getProductionTransformations", "getTransformations", "getCounters",
                                    "getTransformationTasks", "getTransformationFiles"]), names


def test_an_unknown_production_is_one_error(wms: type[StandInWMS]) -> None:
    with pytest.raises(BackendError, match=r"no production 'nope' on DIRAC \(Production nope does not exist\)"):
        ProductionView(recording_clients(StandInProduction()), "nope").snapshot()


class StartedChain(StandInProduction):
    """A production with a transformation for each step of its request (the chain's sort, upper, count), each
    carrying the request as the submission leaves it."""

    def __init__(self, steps: list[str]) -> None:
        super().__init__()
        from cwl2dirac.compiler import compile_workflow

        self.request = compile_workflow(ENGINES / "chain.cwl", ENGINES / "chain.yml", bodies=False)
        self.TRANSFORMATIONS = {20 + i: (f"00000007_Step{i}_{s}", "Active", s) for i, s in enumerate(steps)}
        self.deleted: set[int] = set()

    def getProductionTransformations(self, name: Any, *args: Any) -> dict[str, Any]:
        self.calls.append(("getProductionTransformations", (name,)))
        return {"OK": True, "Value": [{"TransformationID": t} for t in self.TRANSFORMATIONS if t not in self.deleted]}

    def getTransformations(self, cond: dict[str, Any], *args: Any) -> dict[str, Any]:
        self.calls.append(("getTransformations", (cond, *args)))
        extra = args[5]
        rows = []
        for tid in cond["TransformationID"]:
            if tid in self.deleted:
                continue
            name, status, step = self.TRANSFORMATIONS[tid]
            row = {"TransformationID": tid, "TransformationName": name, "Status": status}
            if extra:
                row[STEP_PARAMETER] = json.dumps({"production": "prod", "step": step})
                row[REQUEST_PARAMETER] = encode_request(self.request)
            rows.append(row)
        return {"OK": True, "Value": rows}


def test_a_started_production_is_read_in_two_rounds_after_the_first(wms: type[StandInWMS]) -> None:
    service = StartedChain(["sort", "upper", "count"])
    view = ProductionView(recording_clients(service), "prod")
    first = view.snapshot()
    service.calls.clear()
    service.TRANSFORMATIONS[20] = ("00000007_Step0_sort", "Completed", "sort")
    again = view.snapshot()
    assert [t.step for t in again] == [t.step for t in first] == ["sort", "upper", "count"]
    assert again[0].status == "Completed" and again[0].facts == {"production": "prod", "step": "sort"}
    names = [n for n, _ in service.calls]
    assert "getProductionTransformations" not in names  # the ids are known
    (asked,) = [args for n, args in service.calls if n == "getTransformations"]
    assert asked[6] is False  # nor are the parameters (the request) read again
    assert view.request().name == service.request.name


def test_a_production_short_of_steps_is_read_whole_each_time(wms: type[StandInWMS]) -> None:
    service = StartedChain(["sort", "upper"])  # the submission was stopped before the third transformation
    view = ProductionView(recording_clients(service), "prod")
    view.snapshot()
    service.calls.clear()
    view.snapshot()
    assert "getProductionTransformations" in [n for n, _ in service.calls]  # a later submit may add the third


def test_a_remembered_production_that_was_deleted_is_read_afresh(wms: type[StandInWMS]) -> None:
    service = StartedChain(["sort", "upper", "count"])
    view = ProductionView(recording_clients(service), "prod")
    view.snapshot()
    service.deleted = {22}  # its transformations went with it (and its name may be another's now)
    assert [t.step for t in view.snapshot()] == ["sort", "upper"]  # what DIRAC has, not what was remembered
