"""Running one workflow with ``cwl2dirac run`` and with ``cwl2dirac run --engine cwltool`` (the reference), side by
side, and comparing their output objects (files by basename, size and checksum)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.outputs import normalise

CWL2DIRAC = Path(sys.executable).parent / "cwl2dirac"
TIMEOUT = 900
"""A guard against a run that hangs, not a speed check: ctapipe on the two LST files, both engines at once beside
the integration tests, took 296 s for its first step on the 2-core machine (killed at the 300 s this was)."""

ENV = dict(os.environ)
"""The runs' environment (``tests/backends/local/conftest.py`` shares their bytecode)."""


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def output(self) -> Any:
        assert self.code == 0, f"exit code {self.code}\n{self.stderr[-4000:]}"
        return json.loads(self.stdout)


def _start(engine: str, pipeline: Path, job: Path | None, tmp: Path) -> subprocess.Popen[str]:
    argv = [str(CWL2DIRAC), "run", "--outdir", str(tmp / f"out-{engine}")]
    if engine == "local":
        argv += ["--workdir", str(tmp / "work"), "-j", "2"]
    else:
        argv += ["--engine", "cwltool"]
    argv += [str(pipeline)] + ([str(job)] if job is not None else [])
    tmp.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp, env=ENV)


def run_both(pipeline: Path, job: Path | None, tmp: Path) -> tuple[Run, Run]:
    """``cwl2dirac run`` and ``cwl2dirac run --engine cwltool`` (``job`` None: no job order), side by side, each in
    its own directories."""
    procs = {engine: _start(engine, pipeline, job, tmp) for engine in ("local", "cwltool")}
    runs = {}
    for engine, proc in procs.items():
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        runs[engine] = Run(proc.returncode, out, err)
    return runs["local"], runs["cwltool"]


def assert_same_outputs(pipeline: Path, job: Path | None, tmp: Path) -> dict[str, Any]:
    local, reference = run_both(pipeline, job, tmp)
    expected = normalise(reference.output())
    got = normalise(local.output())
    name = job.name if job is not None else "(no job order)"
    assert got == expected, (
        f"cwl2dirac and cwltool differ on {pipeline.name} {name}\n"
        f"cwl2dirac:\n{json.dumps(got, indent=1, sort_keys=True)}\n"
        f"cwltool:\n{json.dumps(expected, indent=1, sort_keys=True)}"
    )
    # the files are really there, with the content announced
    for obj in files_in(local.output()):
        assert Path(obj["path"]).is_file() and Path(obj["path"]).stat().st_size == obj["size"]
    return expected


def files_in(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("class") == "File":
            return [value]
        return [f for v in value.values() for f in files_in(v)]
    if isinstance(value, list):
        return [f for v in value for f in files_in(v)]
    return []
