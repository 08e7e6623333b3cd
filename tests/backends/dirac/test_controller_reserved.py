"""The controller takes back tasks left Reserved (a WorkflowTaskAgent that lost its connection while submitting them),
and only those: a task the agent reserved a moment ago — in a production created long ago — is being submitted, and
taking it back would give it a second job (found by benchmarks/load.py: DIRAC's client counts "older" from a task's
creation). Read through DIRAC's own TransformationClient from a stand-in that selects as TransformationDB does."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from support.dirac import RecordingService, recording_clients

from cwl2dirac.backends.dirac.controller import RESERVED_GRACE, _unstick_reserved


def ago(seconds: float) -> datetime.datetime:
    """Naive UTC, as DIRAC's database gives; from the time the rows are made, not the module's import (in a long
    test run, that can be longer ago than the grace)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(seconds=seconds)


class StandInTasks(RecordingService):
    """Transformation 5's tasks: all created two hours ago; task 1 reserved 30 s ago (being submitted), tasks 2 and 3
    reserved before the grace (their agent lost its connection), task 3's job made before that."""

    def __init__(self) -> None:
        super().__init__()
        self.rows = {
            1: {"TaskID": 1, "ExternalStatus": "Reserved", "CreationTime": ago(7200), "LastUpdateTime": ago(30)},
            2: {"TaskID": 2, "ExternalStatus": "Reserved", "CreationTime": ago(7200),
                "LastUpdateTime": ago(RESERVED_GRACE + 60)},
            3: {"TaskID": 3, "ExternalStatus": "Reserved", "CreationTime": ago(7200),
                "LastUpdateTime": ago(RESERVED_GRACE + 60)},
        }

    def getTransformationTasks(self, cond: dict[str, Any], older: Any, newer: Any, stamp: str, *args: Any) -> Any:
        self.calls.append(("getTransformationTasks", (cond, older, stamp)))
        limit = datetime.datetime.fromisoformat(str(older)) if older else None
        rows = [dict(r, TransformationID=5, ExternalID="0") for r in self.rows.values()
                if r["ExternalStatus"] == cond["ExternalStatus"] and (limit is None or r[stamp] < limit)]
        return {"OK": True, "Value": rows}

    def setTaskStatusAndWmsID(self, tid: int, task: int, status: str, job: str) -> dict[str, Any]:
        self.calls.append(("setTaskStatusAndWmsID", (tid, task, status, job)))
        self.rows[task]["ExternalStatus"] = status
        return {"OK": True, "Value": None}

    def setTaskStatus(self, tid: int, task: int, status: str) -> dict[str, Any]:
        self.calls.append(("setTaskStatus", (tid, task, status)))
        self.rows[task]["ExternalStatus"] = status
        return {"OK": True, "Value": None}


class StandInMonitoring:
    """The WMS knows one job of these tasks: task 3's (its job name ``<transformation>_<task>``)."""

    def getJobs(self, cond: dict[str, Any]) -> dict[str, Any]:
        return {"OK": True, "Value": ["77"] if "00000005_00000003" in cond["JobName"] else []}

    def getJobSummary(self, job: int) -> dict[str, Any]:
        return {"OK": True, "Value": {"JobName": "00000005_00000003", "Status": "Waiting"}}


@pytest.fixture(autouse=True)
def monitoring(monkeypatch: pytest.MonkeyPatch) -> None:
    import DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient as module

    monkeypatch.setattr(module, "JobMonitoringClient", StandInMonitoring)


def test_only_tasks_reserved_longer_than_the_grace_are_taken_back() -> None:
    service = StandInTasks()
    done = _unstick_reserved(recording_clients(service), 5, dry_run=False)
    assert done == ["put the Reserved task 2 (no job) back to Created in", "recorded job 77 of the Reserved task 3 of"]
    assert service.rows[1]["ExternalStatus"] == "Reserved"  # being submitted: left to the agent
    assert (service.rows[2]["ExternalStatus"], service.rows[3]["ExternalStatus"]) == ("Created", "Submitted")


def test_a_dry_run_changes_nothing() -> None:
    service = StandInTasks()
    assert len(_unstick_reserved(recording_clients(service), 5, dry_run=True)) == 2
    assert {r["ExternalStatus"] for r in service.rows.values()} == {"Reserved"}
