"""CTAO-style workflows written for DIRACGrid's dirac-cwl (tests/data/dirac_cwl) run unchanged: ``cwl2dirac run
--no-container`` gives the output object ``cwltool --no-container`` gives, and says how it read their hints."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support import DATA

from cwl2dirac.cli import main as cli

SUITE = DATA / "dirac_cwl" / "workflows"
WORKFLOWS = ["process_merge", "simulate"]


def _normalised(value: Any) -> Any:
    """An output object without what names the run's own directories (and the fields cwltool leaves out)."""
    if isinstance(value, dict):
        is_file = value.get("class") in ("File", "Directory")
        skip = ("location", "path", "dirname", "nameroot", "nameext") if is_file else ()
        return {k: _normalised(v) for k, v in value.items() if k not in skip}
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    return value


def _cwltool(workflow: Path, job: Path, outdir: Path) -> dict[str, Any]:
    cwltool = Path(sys.executable).with_name("cwltool")
    proc = subprocess.run(
        [str(cwltool), "--no-container", "--quiet", "--outdir", str(outdir), str(workflow), str(job)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("name", WORKFLOWS)
def test_runs_as_with_cwltool(name: str, tmp_path: Path) -> None:
    workflow, job = SUITE / f"{name}.cwl", SUITE / f"{name}.yml"
    expected = _cwltool(workflow, job, tmp_path / "cwltool")
    res = CliRunner().invoke(cli, ["run", "--no-container", "--workdir", str(tmp_path / "work"), "--outdir",
                                   str(tmp_path / "out"), str(workflow), str(job)])
    assert res.exit_code == 0, res.output
    assert _normalised(json.loads(res.stdout)) == _normalised(expected)


def test_hints_are_read_as_cwl2dirac_hints(tmp_path: Path) -> None:
    """One info line per dirac-cwl hint mapped, a warning for what has no equivalent (the scattered
    ExpressionTool's file names are worked out when compiling: the scatter over files and names becomes tasks)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("cwl2dirac.hints")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        import cwl2dirac

        request = cwl2dirac.compile(SUITE / "process_merge.cwl", SUITE / "process_merge.yml")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [r.getMessage() for r in records]
    assert any("info: dirac-cwl's dirac:Scheduling → dirac:Job.platform x86_64; dirac:Job.priority 5; "
               "dirac:Job.sites CTAO.DESY-ZN.de, CTAO.PIC.es" in line for line in lines)
    assert any("dirac:Job.output_path /ctao/tests/merged (from output_paths)" in line for line in lines)
    assert any("warning: dirac-cwl's dirac:ExecutionHooks.output_sandbox has no equivalent" in line for line in lines)
    process, merge = request.step("process"), request.step("merge")
    assert process.group_size == 2 and process.flush
    assert process.config.indexed_values == {
        "dl1_filename": {"0": "gamma_1.dl1.h5", "1": "gamma_2.dl1.h5", "2": "proton_1.dl1.h5"},
        "log_filename": {"0": "gamma_1.dl1.h5.log", "1": "gamma_2.dl1.h5.log", "2": "proton_1.dl1.h5.log"},
    }
    assert "CTAO.DESY-ZN.de;CTAO.PIC.es" in process.body
    assert merge.config.output_path.startswith("/ctao/tests/merged/") and merge.config.output_se == "DESY-ZN-Disk"
    assert merge.output_query["MCCampaign"] == "PROD6" and merge.output_query["site"] == "Paranal"
