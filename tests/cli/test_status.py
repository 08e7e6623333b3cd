"""``cwl2dirac status`` and ``graph --status`` on local runs: found by name or work directory, a progress bar per
step, the failed tasks with their log, ``--json`` (version 1), ``--watch``'s exit codes, the coloured picture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cwl2dirac.cli import main as cli
from cwl2dirac.export.graph import STATE_COLOURS

ENGINES = Path(__file__).resolve().parents[1] / "data" / "engines"

FAILING = f"""cwlVersion: v1.2
class: Workflow
inputs: {{infile: File}}
outputs: {{out: {{type: File, outputSource: bad/out}}}}
steps:
  ok:
    run: {ENGINES}/tools/sort.cwl
    in: {{infile: infile}}
    out: [out]
  bad:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, "echo broken >&2; exit 3"]
      inputs: {{infile: File}}
      outputs: {{out: {{type: File, outputBinding: {{glob: x}}}}}}
    in: {{infile: ok/out}}
    out: [out]
"""


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path / "runs"
    monkeypatch.setenv("CWL2DIRAC_WORKDIR_BASE", str(base))
    return base


def run(tmp_path: Path, name: str, workflow: Path, expect: int = 0) -> None:
    res = CliRunner().invoke(cli, ["run", "--name", name, "--quiet", "--retries", "0", "--outdir",
                                   str(tmp_path / f"out-{name}"), str(workflow), str(ENGINES / "chain.yml")])
    assert res.exit_code == expect, res.output


def test_a_complete_run_by_name_and_by_work_directory(tmp_path: Path, runs: Path) -> None:
    run(tmp_path, "demo", ENGINES / "chain.cwl")
    by_name = CliRunner().invoke(cli, ["status", "demo"])
    assert by_name.exit_code == 0, by_name.output
    lines = by_name.stdout.splitlines()
    assert lines[0].startswith("production demo (local ") and lines[0].endswith("): complete")
    assert [line.split()[0] for line in lines[1:]] == ["sort", "upper", "count"]
    assert all("complete [" + "#" * 24 + "] 100%" in line for line in lines[1:])
    (workdir,) = runs.iterdir()
    by_dir = CliRunner().invoke(cli, ["status", str(workdir)])
    assert by_dir.stdout == by_name.stdout


def test_json_shape_version_1(tmp_path: Path, runs: Path) -> None:
    run(tmp_path, "demo", ENGINES / "chain.cwl")
    res = CliRunner().invoke(cli, ["status", "demo", "--json"])
    data = json.loads(res.stdout)
    assert data["version"] == 1 and data["complete"] is True and data["failed"] == []
    assert data["production"]["backend"] == "local" and data["production"]["name"] == "demo"
    assert [(s["name"], s["state"], s["progress"], s["tasks"]) for s in data["steps"]] == [
        (step, "complete", 1.0, {"done": 1}) for step in ("sort", "upper", "count")
    ]


def test_a_failed_run_names_its_task_error_and_log(tmp_path: Path, runs: Path) -> None:
    workflow = tmp_path / "failing.cwl"
    workflow.write_text(FAILING)
    run(tmp_path, "failing", workflow, expect=1)
    res = CliRunner().invoke(cli, ["status", "failing"])
    assert res.exit_code == 0  # the status was shown; --watch reports how it ended
    lines = res.stdout.splitlines()
    assert lines[0].endswith("): failed")
    assert "ok   complete" in lines[1] and "bad  failed   [" + "." * 24 + "]   0%" in lines[2]
    (failed,) = [line for line in lines if line.strip().startswith("failed:")]
    assert "bad task 1" in failed and "exited with status 3" in failed
    log = Path(failed.rsplit("(log: ", 1)[1].rstrip(")"))
    assert log.is_file() and "broken" in log.read_text()
    watched = CliRunner().invoke(cli, ["status", "failing", "--watch", "1"])
    assert watched.exit_code == 1 and watched.stdout == res.stdout
    data = json.loads(CliRunner().invoke(cli, ["status", "failing", "--json"]).stdout)
    assert data["complete"] is False and data["failed"][0]["log"] == str(log)
    assert [s["state"] for s in data["steps"]] == ["complete", "failed"]


def test_watch_ends_with_a_complete_run(tmp_path: Path, runs: Path) -> None:
    run(tmp_path, "demo", ENGINES / "chain.cwl")
    res = CliRunner().invoke(cli, ["status", "demo", "--watch", "1"])
    assert res.exit_code == 0 and res.stdout.count("production demo") == 1


def test_graph_of_the_status_colours_each_step(tmp_path: Path, runs: Path) -> None:
    workflow = tmp_path / "failing.cwl"
    workflow.write_text(FAILING)
    run(tmp_path, "failing", workflow, expect=1)
    out = tmp_path / "status.dot"
    res = CliRunner().invoke(cli, ["graph", "--status", "failing", "-o", str(out)])
    assert res.exit_code == 0, res.output
    nodes = {line.split('"')[1]: line for line in out.read_text().splitlines() if "label=" in line}
    assert f'fillcolor="{STATE_COLOURS["complete"]}"' in nodes["ok"] and "COMPLETE: 1/1 task(s) done" in nodes["ok"]
    assert f'fillcolor="{STATE_COLOURS["failed"]}"' in nodes["bad"] and "0/1 task(s) done, 1 failed" in nodes["bad"]
    svg = tmp_path / "status.svg"
    assert CliRunner().invoke(cli, ["graph", "--status", "failing", "-o", str(svg)]).exit_code == 0
    assert STATE_COLOURS["failed"] in svg.read_text()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["status", "nosuch", "--backend", "local"], 1, "no local run 'nosuch'"),
        (["status", ""], 2, "'' is not a production id, name or work directory"),
        (["status", "a\nb"], 2, "is not a production id, name or work directory"),
        (["status", "demo", "--watch", "0"], 2, "--watch"),
        (["graph", "-o", "x.svg"], 2, "give PIPELINE (or --status PRODUCTION)"),
        (["graph", str(ENGINES / "chain.cwl"), "--status", "demo", "-o", "x.svg"], 2, "not both"),
    ],
)
def test_bad_operator_input_is_one_line(args: list[str], code: int, message: str, runs: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == code, res.output
    assert message in res.stderr and res.stderr.count("\n") == 1, res.stderr


def test_two_runs_of_one_name_are_not_guessed(tmp_path: Path, runs: Path) -> None:
    run(tmp_path, "twice", ENGINES / "chain.cwl")
    other = tmp_path / "greek.yml"
    other.write_text(f"infile: {{class: File, location: {ENGINES / 'greek.txt'}}}\n")
    res = CliRunner().invoke(cli, ["run", "--name", "twice", "--quiet", "--outdir", str(tmp_path / "o2"),
                                   str(ENGINES / "chain.cwl"), str(other)])
    assert res.exit_code == 0, res.output
    found = CliRunner().invoke(cli, ["status", "twice"])
    assert found.exit_code == 1 and "several local runs are named 'twice'" in found.stderr
