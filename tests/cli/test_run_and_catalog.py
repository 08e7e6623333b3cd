"""``cwl2dirac run`` on a request file, the cwltool engine, and ``cwl2dirac catalog``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from support.local import ECHO, chain_request

from cwl2dirac.backends.local.backend import default_workdir
from cwl2dirac.cli import main as cli
from cwl2dirac.cli.catalog import parse_query


def test_parse_query() -> None:
    assert parse_query(
        ["data_level=1", "particle in gamma,proton", "thetaP>=20.5", "site != x", "run not in 1,2"]
    ) == {
        "data_level": {"=": 1},
        "particle": {"in": ["gamma", "proton"]},
        "thetaP": {">=": 20.5},
        "site": {"!=": "x"},
        "run": {"nin": [1, 2]},
    }


def test_default_workdir_is_stable_and_request_specific(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CWL2DIRAC_WORKDIR_BASE", str(tmp_path))
    a = default_workdir('{"a": 1}', "my wf")
    assert a == default_workdir('{"a": 1}', "my wf") and a.parent == tmp_path and a.name.startswith("my_wf-")
    assert a != default_workdir('{"a": 2}', "my wf")


def test_run_request_file_and_query_catalog(tmp_path: Path, counter: Path) -> None:
    req = tmp_path / "request.json"
    req.write_text(chain_request(counter, n=2).to_json())
    work = tmp_path / "work"
    runner = CliRunner()
    res = runner.invoke(
        cli, ["run", str(req), "--workdir", str(work), "--outdir", str(tmp_path / "o"), "--quiet"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["counts"] == [17, 33]
    assert (tmp_path / "o" / "all.txt").read_text().split() == ["17", "33"]
    res = runner.invoke(cli, ["catalog", "query", str(work), "cwl2dirac_step=wc", "cwl2dirac_output in n"])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("/test/wc/") and "n.json" in line for line in lines)
    res = runner.invoke(cli, ["catalog", "tasks", str(work), "--status", "done"])
    assert len(res.stdout.splitlines()) == 5


def test_engine_cwltool_runs_a_tool(tmp_path: Path) -> None:
    import yaml

    tool = tmp_path / "echo.cwl"
    tool.write_text(yaml.safe_dump(ECHO))
    job = tmp_path / "job.yml"
    job.write_text("msg: hello\n")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "cwl2dirac",
            "run",
            "--engine",
            "cwltool",
            "--outdir",
            str(tmp_path / "o"),
            "--quiet",
            str(tool),
            str(job),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["out"]["basename"] == "echo.txt"
    assert (tmp_path / "o" / "echo.txt").read_text() == "hello\n"
