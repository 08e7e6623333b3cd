"""The recovery policy drives the local runner's retries and ``recover`` on a local run: attempts bounded by
``max_attempts`` and counted over the run's life, deterministic failures final unless asked, a new invocation
retrying what failed, ``recover`` resetting exactly the tasks the next run retries (and nothing in a dry run)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from support.local import ECHO, FAIL, request, step, value

from cwl2dirac.backends.local.catalog import FAILED, WAITING, LocalCatalog
from cwl2dirac.backends.local.progress import Progress, ordinal, retry_line
from cwl2dirac.backends.local.recovery import recover_run
from cwl2dirac.backends.local.runner import RunReport, local_policy, run_request, workdir_lock
from cwl2dirac.backends.policy import Policy
from cwl2dirac.errors import BackendError
from cwl2dirac.request import ProductionRequest
from cwl2dirac.request.wire import EXIT_DETERMINISTIC

JS = [{"class": "InlineJavascriptRequirement"}]


def run(req: ProductionRequest, work: Path, mode: Any = "quiet", **kw: Any) -> RunReport:
    return run_request(req, work, progress=Progress(mode), jobs=1, **kw)


def failing(counter: Path, max_retries: int = 2) -> ProductionRequest:
    return request([step("bad", FAIL, [value("counter", str(counter))], {"out": False}, tasks=1,
                         max_retries=max_retries)])


def tries(counter: Path) -> int:
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def rows(work: Path) -> dict[tuple[str, int], Any]:
    return {(t.step, t.task): t for t in LocalCatalog(work).tasks()}


@pytest.mark.parametrize(
    ("retries", "policy", "expect"),
    [
        (None, None, None),
        (0, None, Policy(max_attempts=1)),
        (4, None, Policy(max_attempts=5)),
        (None, Policy(max_attempts=2, deterministic_final=False), Policy(max_attempts=2, deterministic_final=False)),
    ],
)
def test_retries_is_a_policy(retries: int | None, policy: Policy | None, expect: Policy | None) -> None:
    assert local_policy(retries, policy) == expect


@pytest.mark.parametrize(("retries", "policy"), [(1, Policy()), (100, None), (-1, None), (True, None)])
def test_a_bad_retry_setting_is_one_error(retries: Any, policy: Policy | None) -> None:
    with pytest.raises(BackendError, match="retries"):
        local_policy(retries, policy)


def test_the_policy_bounds_the_attempts_and_each_retry_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    counter = tmp_path / "attempts.txt"
    report = run(failing(counter, max_retries=5), tmp_path / "work", "plain", policy=Policy(max_attempts=2))
    assert tries(counter) == 2 and report.failed[0].attempts == 2  # the policy, not the step's max_retries
    retried = [line for line in capsys.readouterr().err.splitlines() if "retried" in line]
    assert len(retried) == 1, retried
    assert retried[0].split("] ", 1)[1].startswith(
        "step bad task 1: 1st failure (exit 1: the tool exited with status 3 (cwltool: permanentFail)), retried "
        "(attempt 2 of 2; log: ")
    assert retried[0].endswith("bad/00000001.1.log)")


def test_retry_line_and_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]
    assert retry_line("s", 3, 1, 3, 1, "why", "l") == (
        "step s task 3: 1st failure (exit 1: why), retried (attempt 2 of 3; log: l)")


def test_deterministic_failures_are_retried_only_when_the_policy_says_so(tmp_path: Path) -> None:
    when = request([step("when", ECHO, [value("msg", "abc")], {"out": False}, tasks=1, requirements=JS, when="$(3)")])
    final = run(when, tmp_path / "w1", policy=Policy(max_attempts=3))
    assert final.failed[0].attempts == 1 and final.failed[0].exit_code == EXIT_DETERMINISTIC
    again = run(when, tmp_path / "w2", policy=Policy(max_attempts=3, deterministic_final=False))
    assert again.failed[0].attempts == 3 and again.failed[0].exit_code == EXIT_DETERMINISTIC


def test_a_new_invocation_retries_with_the_attempts_counted_on(tmp_path: Path) -> None:
    counter, work = tmp_path / "attempts.txt", tmp_path / "work"
    req = failing(counter)
    assert run(req, work, retries=1).failed[0].attempts == 2
    (t,) = rows(work).values()
    assert (t.status, t.attempts, t.code) == (FAILED, 2, 1)
    report = run(req, work, policy=Policy(max_attempts=2))  # the user asked again: two more attempts
    assert tries(counter) == 4 and report.failed[0].attempts == 4
    assert sorted(p.name for p in (work / "logs" / "bad").iterdir()) == [f"00000001.{n}.log" for n in (1, 2, 3, 4)]


def test_recover_resets_exactly_what_the_next_run_retries(tmp_path: Path) -> None:
    """A failed task with attempts left is reset (the next run tries it up to recover's bound), a deterministic
    failure is left failed (and the next run leaves it so); a dry run changes nothing."""
    counter, work = tmp_path / "attempts.txt", tmp_path / "work"
    bad = step("bad", FAIL, [value("counter", str(counter))], {"out": False}, tasks=1)
    when = step("when", ECHO, [value("msg", "abc")], {"out": False}, tasks=1, requirements=JS, when="$(3)")
    req = request([bad, when])
    first = run(req, work, retries=0)
    assert sorted((f.step, f.attempts) for f in first.failed) == [("bad", 1), ("when", 1)]
    before = rows(work)

    preview = recover_run(work, Policy(max_attempts=3), dry_run=True)
    assert [str(r).split(": ", 1)[0] for r in preview] == ["step bad task 1 (1 attempt(s); exit 1", "step when task 1 "
                                                           "(1 attempt(s); exit 34"]
    assert str(preview[0]).endswith(": reset for another attempt (2nd of 3)")
    assert str(preview[1]).endswith(": left failed: a deterministic failure")
    assert rows(work) == before  # a dry run changes nothing

    done = recover_run(work, Policy(max_attempts=3))
    assert [str(r) for r in done] == [str(r) for r in preview]
    after = rows(work)
    assert (after["bad", 1].status, after["bad", 1].allowed, after["bad", 1].final) == (WAITING, 3, False)
    assert (after["when", 1].status, after["when", 1].final) == (FAILED, True)

    second = run(req, work, retries=0)  # recover's bound (3 attempts) holds for the task it reset
    assert tries(counter) == 3
    by_step = {f.step: f for f in second.failed}
    assert by_step["bad"].attempts == 3 and not by_step["bad"].final
    assert by_step["when"].attempts == 1 and by_step["when"].final  # left failed: not tried again

    exhausted = recover_run(work, Policy(max_attempts=3))
    assert [r.reset for r in exhausted] == [False, False]
    assert str(exhausted[0]).endswith("left failed: attempts exhausted (3 attempt(s), at most 3)")
    third = run(req, work)
    assert tries(counter) == 3 and {f.final for f in third.failed} == {True}  # nothing run

    more = recover_run(work, Policy(max_attempts=4, deterministic_final=False))  # the operator allows more
    assert [str(r).rsplit(": ", 1)[1] for r in more] == ["reset for another attempt (4th of 4)",
                                                        "reset for another attempt (2nd of 4)"]
    fourth = run(req, work)
    assert tries(counter) == 4
    assert sorted((f.step, f.attempts, f.final) for f in fourth.failed) == [("bad", 4, False), ("when", 2, False)]


def test_recover_of_a_run_without_failures_or_in_use(tmp_path: Path) -> None:
    work = tmp_path / "work"
    ok = request([step("ok", ECHO, [value("msg", "x")], {"out": False}, tasks=1)])
    assert run(ok, work).complete
    assert recover_run(work, Policy()) == []
    with workdir_lock(work), pytest.raises(BackendError, match="in use by another cwl2dirac run"):
        recover_run(work, Policy())
    assert recover_run(work, Policy(), dry_run=True) == []  # a preview needs no lock


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("x"), "is a file, not the work directory of a local run"),
        (lambda p: p.mkdir(), "is not the work directory of a cwl2dirac run (no request.json)"),
        (lambda p: None, "does not exist"),
    ],
)
def test_recover_refuses_what_is_not_a_run_and_creates_nothing(tmp_path: Path, make: Any, message: str) -> None:
    path = tmp_path / "x"
    make(path)
    listed = sorted(tmp_path.rglob("*"))
    with pytest.raises(BackendError, match=message.replace("(", r"\(").replace(")", r"\)")):
        recover_run(path, Policy())
    assert sorted(tmp_path.rglob("*")) == listed


def test_a_work_directory_made_before_the_policy_columns_is_upgraded(tmp_path: Path) -> None:
    work = tmp_path / "old"
    work.mkdir()
    db = sqlite3.connect(work / "catalog.sqlite")
    db.execute("CREATE TABLE tasks (step TEXT NOT NULL, task INTEGER NOT NULL, status TEXT NOT NULL, attempts "
               "INTEGER NOT NULL DEFAULT 0, inputs TEXT NOT NULL DEFAULT '[]', log TEXT, message TEXT, "
               "PRIMARY KEY (step, task))")
    db.execute("INSERT INTO tasks (step, task, status, attempts) VALUES ('s', 1, 'failed', 2)")
    db.commit()
    db.close()
    (t,) = LocalCatalog(work).tasks()
    assert (t.status, t.attempts, t.code, t.allowed, t.final) == (FAILED, 2, None, None, False)
    (t,) = LocalCatalog(work).tasks()  # a second open finds the columns there
    assert t.final is False
