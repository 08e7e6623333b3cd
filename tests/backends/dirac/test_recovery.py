"""The recovery policy's decisions (cwl2dirac.backends.dirac.recovery), against a stand-in for the Transformation
System and the WMS that answers as they do; the real services are exercised in tests/integration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from cwl2dirac.backends.dirac import recovery
from cwl2dirac.backends.dirac.recovery import Policy, Recovery, recover
from cwl2dirac.cli import main as cli
from cwl2dirac.errors import BackendError


class StandInTS:
    """Tasks, files and their statuses of one transformation, as the TransformationManager keeps them."""

    def __init__(self, tasks: dict[int, int], files: dict[str, tuple[int, str, int]]) -> None:
        self.tasks = {task: "Submitted" for task in tasks}
        self.jobs = tasks  # task -> job
        self.files = dict(files)  # lfn -> (task, status, error count)
        self.calls: list[tuple[str, Any]] = []

    def getTransformationTasks(self, condition: dict[str, Any]) -> dict[str, Any]:
        wanted = condition["ExternalStatus"]
        rows = [{"TaskID": t, "ExternalID": str(self.jobs[t]), "ExternalStatus": s} for t, s in self.tasks.items()
                if s in wanted]
        return {"OK": True, "Value": rows}

    def getTransformationFiles(self, condition: dict[str, Any]) -> dict[str, Any]:
        rows = [{"LFN": lfn, "TaskID": task, "Status": status, "ErrorCount": errors}
                for lfn, (task, status, errors) in self.files.items() if task == condition["TaskID"]]
        return {"OK": True, "Value": rows}

    def setFileStatusForTransformation(self, tid: int, statuses: dict[str, str]) -> dict[str, Any]:
        self.calls.append(("files", dict(statuses)))
        for lfn, status in statuses.items():
            task, _, errors = self.files[lfn]
            self.files[lfn] = (task, status, errors + 1)
        return {"OK": True, "Value": {}}

    def setTaskStatus(self, tid: int, task: int, status: str) -> dict[str, Any]:
        self.calls.append(("task", (task, status)))
        self.tasks[task] = status
        return {"OK": True, "Value": None}

    def _getRPC(self) -> StandInTS:
        return self


class StandInWMS:
    """The WMS's job attributes (JobMonitoring's getJobsSummary) and its kill (WMSClient.killJob)."""

    states: dict[int, dict[str, str]] = {}
    killed: list[int] = []
    attempts: dict[int, list[int]] = {}  # task -> its jobs so far

    def getJobsSummary(self, jobs: list[int]) -> dict[str, Any]:
        return {"OK": True, "Value": {j: s for j, s in self.states.items() if j in jobs}}

    def getJobs(self, condition: dict[str, Any]) -> dict[str, Any]:
        """The jobs of one task, by its job name (``<transformation>_<task>``, 8 digits each)."""
        task = int(condition["JobName"].split("_")[1])
        return {"OK": True, "Value": [str(j) for j in self.attempts.get(task, [])]}

    def killJob(self, job: int) -> dict[str, Any]:
        self.killed.append(job)
        self.states[job] = {**self.states[job], "Status": "Killed"}
        return {"OK": True, "Value": [job]}


class Clients:
    def __init__(self, ts: StandInTS) -> None:
        self.ts = ts

    def transformation(self) -> StandInTS:
        return self.ts


@pytest.fixture
def wms(monkeypatch: pytest.MonkeyPatch) -> type[StandInWMS]:
    import DIRAC.WorkloadManagementSystem.Client.JobMonitoringClient as monitoring
    import DIRAC.WorkloadManagementSystem.Client.WMSClient as wms_client

    monkeypatch.setattr(monitoring, "JobMonitoringClient", StandInWMS)
    monkeypatch.setattr(wms_client, "WMSClient", StandInWMS)
    StandInWMS.states = {}
    StandInWMS.killed = []
    StandInWMS.attempts = {}
    return StandInWMS


def failed(application: str = "cwl2dirac-worker Exited With Status 1") -> dict[str, str]:
    return {"Status": "Failed", "MinorStatus": "Application Finished With Errors", "ApplicationStatus": application}


def test_files_go_back_until_the_last_attempt_then_problematic(wms: type[StandInWMS]) -> None:
    ts = StandInTS({1: 11, 2: 12, 3: 13}, {"/vo/a": (1, "Assigned", 0), "/vo/b": (2, "Assigned", 1),
                                          "/vo/c": (3, "Assigned", 0)})
    wms.states = {11: failed(), 12: failed(), 13: {"Status": "Running"}}
    done = recover(Clients(ts), 7, Policy(max_attempts=2))  # type: ignore[arg-type]
    assert [(r.task, r.reset, r.problematic, r.attempts) for r in done] == [
        (1, ("/vo/a",), (), 1), (2, (), ("/vo/b",), 2),
    ]
    assert ts.files["/vo/a"][1] == "Unused" and ts.files["/vo/b"][1] == "Problematic"
    assert ts.files["/vo/c"] == (3, "Assigned", 0) and ts.tasks[3] == "Submitted"  # a running job's file is left
    assert ts.tasks[1] == ts.tasks[2] == "Failed"
    assert str(done[0]).startswith("task 1 (job 11: Failed; Application Finished With Errors; cwl2dirac-worker")
    assert "reset 1 file(s) to Unused (1st failure)" in str(done[0])
    assert "set 1 file(s) Problematic (2nd failure)" in str(done[1])


def test_a_deterministic_failure_is_problematic_at_once_unless_told(wms: type[StandInWMS]) -> None:
    ts = StandInTS({1: 11}, {"/vo/a": (1, "Assigned", 0)})
    wms.states = {11: failed("cwl2dirac-worker Exited With Status 34")}
    (done,) = recover(Clients(ts), 7, Policy(max_attempts=5), dry_run=True)  # type: ignore[arg-type]
    assert done.problematic == ("/vo/a",) and "a deterministic failure" in str(done)
    assert ts.calls == [] and ts.tasks[1] == "Submitted"  # a dry run changes nothing
    (again,) = recover(Clients(ts), 7, Policy(max_attempts=5, deterministic_final=False))  # type: ignore[arg-type]
    assert again.reset == ("/vo/a",) and ts.files["/vo/a"][1] == "Unused"


def ago(seconds: float) -> str:
    """A WMS time stamp (UTC, no zone) ``seconds`` ago."""
    return (datetime.now(UTC) - timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def test_a_vanished_job_fails_its_task(wms: type[StandInWMS]) -> None:
    ts = StandInTS({1: 11, 2: 12}, {"/vo/a": (1, "Assigned", 0), "/vo/b": (2, "Assigned", 0)})
    wms.states = {12: {"Status": "Running", "LastUpdateTime": ago(5)}}  # job 11: the WMS forgot it
    (done,) = recover(Clients(ts), 7, Policy())  # type: ignore[arg-type]
    assert (done.task, done.reset) == (1, ("/vo/a",)) and "Vanished; the WMS does not know job 11" in str(done)
    assert ts.tasks == {1: "Failed", 2: "Submitted"} and wms.killed == []


def test_a_silent_job_is_killed_then_failed_a_live_one_left(wms: type[StandInWMS]) -> None:
    ts = StandInTS({1: 11, 2: 12, 3: 13}, {"/vo/a": (1, "Assigned", 0), "/vo/b": (2, "Assigned", 0),
                                          "/vo/c": (3, "Assigned", 0)})
    wms.states = {
        11: {"Status": "Running", "HeartBeatTime": ago(900), "LastUpdateTime": ago(700)},  # silent for 700 s
        12: {"Status": "Running", "HeartBeatTime": ago(900), "LastUpdateTime": ago(30)},  # spoke 30 s ago
        13: {"Status": "Stalled", "LastUpdateTime": ago(1)},  # DIRAC's StalledJobAgent said so
    }
    (dry, dry2) = recover(Clients(ts), 7, Policy(stalled_after=600), dry_run=True)  # type: ignore[arg-type]
    assert (dry.task, dry2.task) == (1, 3) and wms.killed == [] and ts.calls == []
    (done, stalled) = recover(Clients(ts), 7, Policy(stalled_after=600))  # type: ignore[arg-type]
    assert wms.killed == [11, 13] and "job 13: Stalled; stalled, says the WMS; killed" in str(stalled)
    assert "job 11: Stalled; no sign of life for 7" in str(done) and "reset 1 file(s) to Unused" in str(done)
    assert ts.files["/vo/a"][1] == ts.files["/vo/c"][1] == "Unused" and ts.files["/vo/b"][1] == "Assigned"
    assert ts.tasks == {1: "Failed", 2: "Submitted", 3: "Failed"}


def test_a_failed_task_without_input_data_is_submitted_again_until_its_last_attempt(wms: type[StandInWMS]) -> None:
    ts = StandInTS({1: 11, 2: 12, 3: 13}, {})  # a simulation: no input files
    wms.states = {11: failed(), 12: failed(), 13: failed("cwl2dirac-worker Exited With Status 34")}
    wms.attempts = {1: [11], 2: [5, 12], 3: [13]}  # task 2: its second job
    done = recover(Clients(ts), 7, Policy(max_attempts=2))  # type: ignore[arg-type]
    assert [(r.task, r.resubmitted, r.attempts) for r in done] == [(1, True, 1), (2, False, 2), (3, False, 1)]
    assert ts.tasks == {1: "Created", 2: "Failed", 3: "Failed"}  # Created: the WorkflowTaskAgent submits it again
    assert str(done[0]).endswith("submitted again (1st failure)") and str(done[1]).endswith("left Failed (2nd failure)")
    assert str(done[2]).endswith("left Failed (a deterministic failure)")


def test_a_task_whose_job_is_done_is_marked_done(wms: type[StandInWMS]) -> None:
    """Its job's failover request did what the worker left to it: the task is Done now, not ten minutes later."""
    ts = StandInTS({1: 11, 2: 12}, {"/vo/a": (1, "Processed", 0), "/vo/b": (2, "Assigned", 0)})
    ts.tasks[1] = "Completed"
    wms.states = {11: {"Status": "Done"}, 12: {"Status": "Completed", "LastUpdateTime": ago(5)}}
    assert recover(Clients(ts), 7, Policy()) == []  # type: ignore[arg-type]  # by hand: not a recovery
    (dry,) = recover(Clients(ts), 7, Policy(), dry_run=True, finish=True)  # type: ignore[arg-type]
    assert dry.finished and ts.tasks[1] == "Completed"
    (done,) = recover(Clients(ts), 7, Policy(), finish=True)  # type: ignore[arg-type]
    assert str(done) == "task 1 (job 11: Done): marked Done" and ts.tasks == {1: "Done", 2: "Submitted"}
    assert ts.files["/vo/a"][1] == "Processed" and ts.files["/vo/b"][1] == "Assigned"  # no file touched


@pytest.mark.parametrize("bad", [0, 9, 2.5, "60", 30 * 86400 + 1])
def test_a_bad_stalled_time_is_one_error(bad: Any) -> None:
    with pytest.raises(BackendError, match="stalled after must be a whole number of seconds"):
        Policy(stalled_after=bad)


@pytest.mark.parametrize("bad", [0, 101, True, 2.5, "3"])
def test_a_bad_policy_is_one_error(bad: Any) -> None:
    with pytest.raises(BackendError, match="max attempts must be a whole number from 1 to 100"):
        Policy(max_attempts=bad)


def test_ordinals() -> None:
    assert [recovery._ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]
    assert str(Recovery(1, 2, 3, "Failed", (), (), 1)) == "task 2 (job 3: Failed): no file to reset"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["recover", "--max-attempts", "0", "p"], 2, "--max-attempts"),
        (["recover", ""], 2, "is not a production id, name or work directory"),
        (["recover", "."], 1, "is not the work directory of a cwl2dirac run"),  # local runs: tests/cli
    ],
)
def test_recover_refuses_bad_operator_input_in_one_line(args: list[str], code: int, message: str) -> None:
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == code, res.output
    assert message in res.stderr and res.stderr.count("\n") == 1, res.stderr
