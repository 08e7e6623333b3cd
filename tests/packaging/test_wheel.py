"""The built wheel is complete: installed with ``uv pip install`` in a fresh venv (no checkout on its path), it
imports a ProdSteps file without ``--library`` (the CTAO library ships as package data) and validates, compiles and
dry-runs the CTAO example. Runs in the normal suite: about a minute with uv's cache warm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.installs import GFAL2_AWAY, ROOT, build_wheel, clean_env, locked_constraints, run, uv, venv

import cwl2dirac

CONFIGS = ROOT / "tests/data/prodsteps/config"  # what its -c options name
EXAMPLE = [str(ROOT / "cwl/workflows/process_merge.cwl"), str(ROOT / "examples/process_merge.yml")]


def test_the_wheel_alone_in_a_fresh_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = build_wheel(tmp_path / "dist")
    bindir = venv(tmp_path / "venv")
    overrides = tmp_path / "overrides.txt"
    overrides.write_text(GFAL2_AWAY)
    run([uv(), "pip", "install", "--quiet", "--python", bindir / "python", "--override", overrides,
         "-c", locked_constraints(tmp_path), wheel])
    cli = bindir / "cwl2dirac"
    work = tmp_path / "work"  # not the checkout: nothing of it is found from here
    work.mkdir()

    # the library is the installed one
    where = run([bindir / "python", "-c", "from cwl2dirac.importers.prodsteps import default_library as d; "
                 "print(d())"], cwd=work).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "venv"), where
    assert Path(where, "tools", "ctapipe_process.cwl").is_file()

    # import prodsteps without --library, and the imported workflow compiles
    out = work / "imported" / "chain.cwl"
    proc = run([cli, "import", "prodsteps", ROOT / "tests/data/prodsteps/chain.yml", "-o", out,
                "--config-dir", CONFIGS], cwd=work)
    assert "wrote" in proc.stderr and "no CTAO library" not in proc.stderr
    assert "_library/tools/" in out.read_text()
    run([cli, "validate", out, out.with_suffix(".yml")], cwd=work)

    # the CTAO example: validate, compile, submit --dry-run (what the project's own environment sends)
    proc = run([cli, "validate", *EXAMPLE], cwd=work)
    assert "valid, 2 step(s)" in proc.stdout
    compiled = work / "process_merge.json"
    run([cli, "compile", *EXAMPLE, "-o", compiled], cwd=work)
    assert json.loads(compiled.read_text())["steps"]
    proc = run([cli, "submit", "--dry-run", *EXAMPLE], cwd=work, env=clean_env())
    installed = json.loads(proc.stdout)
    monkeypatch.chdir(work)  # the request names its source relative to where it is compiled
    here = json.loads(json.dumps(cwl2dirac.describe(*EXAMPLE)))
    assert [s["name"] for s in installed["steps"]] == [s["name"] for s in here["steps"]] == [
        "Step1_process", "Step2_merge"]
    assert installed == here, "the installed wheel's dry run differs from the development environment's"
