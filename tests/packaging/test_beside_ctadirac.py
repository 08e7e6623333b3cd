"""One environment with CTADIRAC 3.1.0 (which pins DIRAC 9.1.9): the built wheel installs beside it, keeps its
DIRAC and reports no conflict, and every command works there, CTADIRAC's ``cta-prod-submit`` dry run on the export
included. A fresh venv each run (DIRAC's dependencies come from uv's cache after the first): the slowest test of
the suite, one test, run once per run.

CTADIRAC itself is installed with uv and DIRAC's gfal2-python requirement overridden away: gfal2-python does not
build against Debian's libgfal2 (and cwl2dirac never imports it), so ``pip install CTADIRAC==3.1.0`` cannot
succeed on this machine. Into that environment, ``pip`` would install cwl2dirac and, to fill DIRAC 9.1.9's own
missing requirement, gfal2-python, nothing else: its resolution is checked (``pip install --dry-run --report``),
then the wheel is installed with ``uv pip install`` (the same override).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from support.ctadirac import CTADIRAC, cta_prod_submit_dry_run
from support.installs import GFAL2_AWAY, ROOT, build_wheel, clean_env, run, uv, venv

CONFIGS = ROOT / "tests/data/prodsteps/config"  # what the ProdSteps' -c options name
VERSION = "import importlib.metadata as m; print(m.version('DIRAC'), m.version('CTADIRAC'))"


def test_the_wheel_beside_ctadirac(tmp_path: Path) -> None:
    bindir = venv(tmp_path / "venv", seed=True)  # seeded: pip is there, as in a user's venv
    python = bindir / "python"
    overrides = tmp_path / "overrides.txt"
    overrides.write_text(GFAL2_AWAY)
    run([uv(), "pip", "install", "--quiet", "--python", python, "--override", overrides, CTADIRAC])
    assert run([python, "-c", VERSION]).stdout.split() == ["9.1.9", "3.1.0"]
    wheel = build_wheel(tmp_path / "dist")

    # pip: what it would do (DIRAC and CTADIRAC kept; no conflict reported)
    report = tmp_path / "pip-report.json"
    proc = run([bindir / "pip", "install", "--dry-run", "--quiet", "--report", report, wheel])
    installs = {item["metadata"]["name"].lower(): item["metadata"]["version"]
                for item in json.loads(report.read_text())["install"]}
    assert "dirac" not in installs and "ctadirac" not in installs, installs
    assert set(installs) <= {"cwl2dirac", "gfal2-python"}, installs  # gfal2-python: DIRAC 9.1.9's own requirement
    assert "conflict" not in proc.stderr.lower() and "incompatible" not in proc.stderr.lower(), proc.stderr

    # uv pip: installs it, DIRAC 9.1.9 kept
    proc = run([uv(), "pip", "install", "--python", python, "--override", overrides, wheel])
    assert "dirac==" not in proc.stderr.lower().replace("cwl2dirac==", ""), proc.stderr
    assert run([python, "-c", VERSION]).stdout.split() == ["9.1.9", "3.1.0"]
    check = run([bindir / "pip", "check"], expect=1).stdout.strip().splitlines()
    assert all("gfal2-python" in line for line in check), check  # only DIRAC's own overridden requirement

    cli = bindir / "cwl2dirac"
    work = tmp_path / "work"
    work.mkdir()
    example = [ROOT / "cwl/workflows/process_merge.cwl", ROOT / "examples/process_merge.yml"]
    assert "valid, 2 step(s)" in run([cli, "validate", *example], cwd=work).stdout
    run([cli, "compile", *example, "-o", work / "process_merge.yaml"], cwd=work)
    dry = json.loads(run([cli, "submit", "--dry-run", *example], cwd=work, env=clean_env()).stdout)
    assert dry and "9.1.9" in run([python, "-c", VERSION]).stdout

    imported = work / "imported" / "chain.cwl"
    run([cli, "import", "prodsteps", ROOT / "tests/data/prodsteps/chain.yml", "-o", imported,
         "--config-dir", CONFIGS], cwd=work)
    run([cli, "validate", imported, imported.with_suffix(".yml")], cwd=work)

    # the ProdSteps export, read by CTADIRAC's own cta-prod-submit (its dry-run mode, DIRAC's servers recorded)
    hints = work / "metadata.yml"
    hints.write_text(yaml.safe_dump({"*": {"dirac:Metadata": {"fields": {
        "MCCampaign": "PROD6", "configuration_id": 1, "site": "LaPalma", "phiP": 180, "thetaP": 20.0,
        "array_layout": "Alpha"}}}}))
    export = work / "simulate_process_merge.prodsteps.yml"
    workflow = [ROOT / "cwl/workflows/simulate_process_merge.cwl", ROOT / "examples/simulate_process_merge.yml"]
    run([cli, "compile", *workflow,
         "--hints", hints, "--format", "prodsteps", "-o", export], cwd=work)
    result = cta_prod_submit_dry_run(python, [export])[str(export)]
    assert result["ok"], result["error"]
    entries = yaml.safe_load(export.read_text())["ProdSteps"]
    assert len(result["steps"]) == len(entries) >= 3, result["steps"]
