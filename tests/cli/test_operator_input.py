"""The operator's commands (``status``, ``recover``, ``controller``, and ``run``'s policy options) answer a bad
value in one line naming it, with a non-zero exit code, before any backend is asked (no DIRAC server here: an
option checked after connecting would fail on the connection instead); ``recover`` on a local run applies the
recovery policy to its failed tasks, and the next ``run`` retries exactly those it reset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cwl2dirac.cli import main as cli

ENGINES = Path(__file__).resolve().parents[1] / "data" / "engines"

FAILING = """cwlVersion: v1.2
class: Workflow
inputs: {infile: File}
outputs: {out: {type: File, outputSource: bad/out}}
steps:
  bad:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, "echo broken >&2; echo x >> $COUNTER; exit 3"]
      inputs: {infile: File}
      outputs: {out: {type: File, outputBinding: {glob: x}}}
      requirements: {EnvVarRequirement: {envDef: {COUNTER: "%s"}}}
    in: {infile: infile}
    out: [out]
"""


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty runs base, the working directory in ``tmp_path`` (holding a file and a directory that is no run),
    and a DIRAC configuration that does not exist: nothing could be asked of a server."""
    monkeypatch.setenv("CWL2DIRAC_WORKDIR_BASE", str(tmp_path / "runs"))
    monkeypatch.setenv("DIRACSYSCONFIG", str(tmp_path / "no-dirac.cfg"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile.txt").write_text("not a run\n")
    (tmp_path / "adir").mkdir()
    (tmp_path / "adir" / "notes.txt").write_text("nor this\n")
    return tmp_path


BAD = [
    # (arguments, exit code, what the line names)
    (["status", ""], 2, "'' is not a production id, name or work directory"),
    (["status", "   "], 2, "3 blank character(s) are not a production id, name or work directory"),
    (["recover", " "], 2, "1 blank character(s) are not a production id, name or work directory"),
    (["status", "a\tb"], 2, "is not a production id, name or work directory"),
    (["status", "a b"], 2, "production name 'a b' is refused"),
    (["status", "x;drop"], 2, "production name 'x;drop' is refused"),
    (["status", "é"], 2, "production name 'é' is refused"),
    (["status", "n" * 129], 2, "is refused: a production name is letters"),
    (["status", "0"], 2, "'0': a production id is a whole number from 1"),
    (["status", "--", "-3"], 2, "'-3' is not a production id (a whole number from 1)"),
    (["status", "--", "+3"], 2, "'+3' is not a production id (a whole number from 1)"),
    (["status", "--", "-2.5"], 2, "'-2.5' is not a production id (a whole number from 1)"),
    (["status", ".5"], 2, "'.5' is not a production id (a whole number from 1)"),
    (["status", "-3"], 2, "No such option '-3'"),
    (["status", "no/such/dir"], 2, "'no/such/dir': no such work directory"),
    (["status", "afile.txt"], 1, "afile.txt is a file, not the work directory of a local run"),
    (["status", "adir"], 1, "adir is not the work directory of a cwl2dirac run (no request.json)"),
    (["status", "demo", "--watch", "0"], 2, "--watch': 0 is not a number of seconds"),
    (["status", "demo", "--watch", "-1"], 2, "--watch': -1 is not a number of seconds"),
    (["status", "demo", "--watch", "abc"], 2, "--watch': 'abc' is not a valid float"),
    (["status", "demo", "--watch", "nan"], 2, "--watch': nan is not a number of seconds"),
    (["status", "demo", "--watch", "inf"], 2, "--watch': inf is not a number of seconds"),
    (["status", "demo", "--backend", "grid"], 2, "'grid' is not one of 'local', 'dirac'"),
    (["status", "nosuch", "--backend", "local"], 1, "no local run 'nosuch'"),
    (["recover", ""], 2, "'' is not a production id, name or work directory"),
    (["recover", "a b"], 2, "production name 'a b' is refused"),
    (["recover", "0"], 2, "'0': a production id is a whole number from 1"),
    (["recover", "--", "-7"], 2, "'-7' is not a production id"),
    (["recover", "afile.txt"], 1, "afile.txt is a file, not the work directory of a local run"),
    (["recover", "adir"], 1, "is not the work directory of a cwl2dirac run (no request.json)"),
    (["recover", "demo", "--max-attempts", "0"], 2, "--max-attempts': 0 is not in the range 1<=x<=100"),
    (["recover", "demo", "--max-attempts", "101"], 2, "--max-attempts': 101 is not in the range 1<=x<=100"),
    (["recover", "demo", "--max-attempts", "-2"], 2, "--max-attempts': -2 is not in the range 1<=x<=100"),
    (["recover", "demo", "--max-attempts", "x"], 2, "--max-attempts': 'x' is not a valid integer"),
    (["recover", "demo", "--max-attempts", "2.5"], 2, "--max-attempts': '2.5' is not a valid integer"),
    (["recover", "demo", "--stalled-after", "9"], 2, "--stalled-after': 9 is not in the range 10<=x<=2592000"),
    (["recover", "demo", "--stalled-after", "1h"], 2, "--stalled-after': '1h' is not a valid integer"),
    (["recover", "nosuch", "--backend", "local"], 1, "no local run 'nosuch'"),
    (["controller", "42"], 2, "'42': give the production's name"),
    (["controller", "ok", "a b"], 2, "production name 'a b' is refused"),
    (["controller", ""], 2, "'' is not a production id, name or work directory"),
    (["controller", "--watch", "0"], 2, "--watch': 0 is not a number of seconds"),
    (["controller", "--watch", "-1"], 2, "--watch': -1 is not a number of seconds"),
    (["controller", "--watch", "abc"], 2, "--watch': 'abc' is not a valid float"),
    (["run", "--retries", "1", "--max-attempts", "2", "x.cwl"], 2, "--retries N is --max-attempts N+1: give one"),
    (["run", "--max-attempts", "0", "x.cwl"], 2, "--max-attempts': 0 is not in the range 1<=x<=100"),
    (["run", "--max-attempts", "x", "x.cwl"], 2, "--max-attempts': 'x' is not a valid integer"),
    (["run", "--retries", "100", "x.cwl"], 2, "--retries': 100 is not in the range 0<=x<=99"),
    (["run", "--backend", "dirac", "--max-attempts", "2", "x.cwl"], 2, "apply to --backend local"),
    (["run", "--backend", "dirac", "--retry-deterministic", "x.cwl"], 2, "apply to --backend local"),
]


@pytest.mark.parametrize(("args", "code", "message"), BAD, ids=[" ".join(a)[:60] for a, _, _ in BAD])
def test_a_bad_value_is_one_line(args: list[str], code: int, message: str, place: Path) -> None:
    if args[0] == "run":
        (place / "x.cwl").write_text((ENGINES / "chain.cwl").read_text())
    listed = sorted(place.rglob("*"))
    res = CliRunner().invoke(cli, args, prog_name="cwl2dirac")
    assert res.exit_code == code, res.output
    assert res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
    assert "Traceback" not in res.output and res.stdout == ""
    if code == 2:
        command = args[0]
        assert res.stderr.startswith(f"cwl2dirac {command}: ") and res.stderr.endswith(
            f"(see cwl2dirac {command} --help)\n")
    assert sorted(place.rglob("*")) == listed  # nothing written (no catalog made in a directory that is no run)


def cli_run(place: Path, *options: str, code: int = 1) -> Any:
    workflow = place / "failing.cwl"
    workflow.write_text(FAILING % (place / "counter.txt"))
    res = CliRunner().invoke(cli, ["run", "--name", "failing", "-j", "1", "--outdir", str(place / "out"), *options,
                                   str(workflow), str(ENGINES / "chain.yml")])
    assert res.exit_code == code, res.output
    return res


def tries(place: Path) -> int:
    counter = place / "counter.txt"
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def test_run_reports_each_retry_and_the_final_failure_in_one_line(place: Path) -> None:
    res = cli_run(place, "--max-attempts", "2")
    assert tries(place) == 2
    lines = res.stderr.splitlines()
    (retry,) = [line for line in lines if "retried" in line]
    assert "step bad task 1: 1st failure (exit 1: the tool exited with status 3" in retry
    assert "retried (attempt 2 of 2; log: " in retry
    (final,) = [line for line in lines if "failed for good" in line]
    assert final.startswith("cwl2dirac: bad task 1 failed for good after 2 attempt(s): the tool exited with status 3")
    assert "fix and re-run the same command to resume (work dir " in final


def test_recover_on_a_local_run_by_name_then_the_next_run(place: Path) -> None:
    cli_run(place, "--quiet", "--retries", "0")
    assert tries(place) == 1
    preview = CliRunner().invoke(cli, ["recover", "failing", "--dry-run"])
    assert preview.exit_code == 0, preview.output
    (line,) = preview.stdout.splitlines()
    assert line.startswith("would: step bad task 1 (1 attempt(s); exit 1: the tool exited with status 3")
    assert line.endswith(": reset for another attempt (2nd of 3)")
    status = json.loads(CliRunner().invoke(cli, ["status", "failing", "--json"]).stdout)
    assert status["steps"][0]["state"] == "failed" and status["failed"][0]["attempts"] == 1  # the dry run did nothing

    done = CliRunner().invoke(cli, ["recover", "failing", "--max-attempts", "2"])
    assert done.exit_code == 0 and done.stdout.endswith(": reset for another attempt (2nd of 2)\n"), done.output
    status = json.loads(CliRunner().invoke(cli, ["status", "failing", "--json"]).stdout)
    assert status["failed"] == [] and status["steps"][0]["tasks"] == {"waiting": 1}  # to be retried: waiting
    assert status["steps"][0]["state"] == "waiting"

    cli_run(place, "--quiet", "--retries", "0")
    assert tries(place) == 2  # the reset task, once more (recover's bound: 2)
    left = CliRunner().invoke(cli, ["recover", "failing", "--max-attempts", "2"])
    assert left.stdout.rstrip().endswith(": left failed: attempts exhausted (2 attempt(s), at most 2)"), left.output
    res = cli_run(place, "--quiet")
    assert tries(place) == 2  # left failed by recover: not retried
    assert "(left failed by cwl2dirac recover: a new run does not retry it)" in res.stderr
    assert "cwl2dirac recover " in res.stderr and res.stderr.count("\n") == 1
    status = json.loads(CliRunner().invoke(cli, ["status", "failing", "--json"]).stdout)
    assert status["failed"][0]["attempts"] == 2  # every attempt, over the invocations

    (workdir,) = (place / "runs").iterdir()
    again = CliRunner().invoke(cli, ["recover", str(workdir), "--max-attempts", "3"])  # by its work directory
    assert again.exit_code == 0 and again.stdout.rstrip().endswith("(3rd of 3)"), again.output
    forced = CliRunner().invoke(cli, ["recover", str(workdir), "--force"])
    assert forced.exit_code == 2 and "--force applies to DIRAC productions" in forced.stderr


def test_recover_with_nothing_failed_says_so(place: Path) -> None:
    res = CliRunner().invoke(cli, ["run", "--name", "demo", "--quiet", "--outdir", str(place / "out"),
                                   str(ENGINES / "chain.cwl"), str(ENGINES / "chain.yml")])
    assert res.exit_code == 0, res.output
    rec = CliRunner().invoke(cli, ["recover", "demo"])
    assert rec.exit_code == 0 and rec.stdout == "" and rec.stderr.startswith("nothing to recover in local run ")


@pytest.mark.parametrize(
    ("options", "expect"),
    [
        ({"MaxAttempts": "2", "DeterministicFinal": "false"}, {"max_attempts": 2, "deterministic_final": False}),
        ({"MaxAttempts": " 7 ", "DeterministicFinal": "True"}, {"max_attempts": 7, "deterministic_final": True}),
        ({"MaxAttempts": "0"}, "MaxAttempts = '0' is not a whole number from 1 to 100"),
        ({"MaxAttempts": "101"}, "MaxAttempts = '101' is not a whole number from 1 to 100"),
        ({"MaxAttempts": "three"}, "MaxAttempts = 'three' is not a whole number from 1 to 100"),
        ({"MaxAttempts": "2.5"}, "MaxAttempts = '2.5' is not a whole number from 1 to 100"),
        ({"MaxAttempts": "-1"}, "MaxAttempts = '-1' is not a whole number from 1 to 100"),
        ({"DeterministicFinal": "maybe"}, "DeterministicFinal = 'maybe' is not True or False"),
    ],
)
def test_the_agent_reads_its_policy_options_or_logs_one_error(options: dict[str, str], expect: Any) -> None:
    """A bad policy option of the controller agent: one error logged (not at every cycle), the default policy."""
    pytest.importorskip("DIRAC")
    from cwl2dirac.backends.policy import Policy
    from cwl2diracDIRAC.ProductionSystem.Agent import ProductionControllerAgent as module

    logged: list[tuple[str, str]] = []

    class Log:
        def error(self, *parts: Any) -> None:
            logged.append(("error", " ".join(map(str, parts))))

        def notice(self, *parts: Any) -> None:
            logged.append(("notice", " ".join(map(str, parts))))

    agent = object.__new__(module.ProductionControllerAgent)
    agent.log = Log()
    agent.bad_policy = None
    config = dict(options)
    agent.am_getOption = lambda name, default: config.get(name, default)  # type: ignore[method-assign]
    policies = [agent.recovery_policy() for _ in range(3)]
    if isinstance(expect, dict):
        assert policies == [Policy(**expect)] * 3 and logged == []
        return
    assert policies == [Policy()] * 3
    assert len(logged) == 1 and logged[0][0] == "error" and expect in logged[0][1], logged
    assert "\n" not in logged[0][1]
    config.clear()  # fixed: one notice, then quiet
    assert agent.recovery_policy() == Policy() and agent.recovery_policy() == Policy()
    assert [kind for kind, _ in logged] == ["error", "notice"]
