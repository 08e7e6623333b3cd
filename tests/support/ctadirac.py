"""CTADIRAC 3.1 from PyPI in its own environment, for the tests that run CTADIRAC's code on cwl2dirac's ProdSteps.

CTADIRAC pins DIRAC 9.1.9 (cwl2dirac's environment has 9.1.22), so it never enters the project's lock: the tests
make ``~/.cache/cwl2dirac/ctadirac-venv`` (or ``$CWL2DIRAC_CTADIRAC_VENV``) with ``uv venv`` and ``uv pip install
CTADIRAC==3.1.0``, DIRAC's gfal2-python requirement overridden away as cwl2dirac's pyproject does. On a fresh
machine that takes a minute or two (a download of DIRAC and its requirements); then the environment is reused.
If it cannot be built, the tests that need it fail (they never skip).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

CTADIRAC = "CTADIRAC==3.1.0"
HARNESS = Path(__file__).with_name("ctadirac_harness.py")
MARK = "CTADIRAC-HARNESS "


def venv_dir() -> Path:
    env = os.environ.get("CWL2DIRAC_CTADIRAC_VENV")
    if env:
        return Path(env)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "cwl2dirac" / "ctadirac-venv"


def ctadirac_python() -> Path:
    """The Python of the CTADIRAC environment, made if needed (one builder at a time across test processes).
    Raises ``RuntimeError`` (with uv's message) when it cannot be made."""
    venv = venv_dir()
    python = venv / "bin" / "python"
    ready = venv / f".cwl2dirac-ready-{CTADIRAC}"
    if ready.is_file():
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{venv}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.is_file():
            return python
        uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
        if uv is None:
            raise RuntimeError("uv is not installed (scripts/setup.sh installs it): cannot make CTADIRAC's environment")
        shutil.rmtree(venv, ignore_errors=True)
        with tempfile.TemporaryDirectory() as tmp:
            overrides = Path(tmp) / "overrides.txt"
            overrides.write_text("gfal2-python; sys_platform == 'never'\n")
            for command in (
                [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                [uv, "pip", "install", "--quiet", "--python", str(python), "--override", str(overrides), CTADIRAC],
            ):
                proc = subprocess.run(command, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    raise RuntimeError(f"{' '.join(command)} failed: {proc.stderr.strip()[-2000:]}")
        ready.write_text(CTADIRAC)
    return python


def shipped_configs(python: Path) -> list[Path]:
    """The ProdSteps files CTADIRAC ships (``CTADIRAC/ProductionSystem/config``), in its environment."""
    out = subprocess.run(
        [str(python), "-c", "import CTADIRAC.ProductionSystem.config as c, os; print(os.path.dirname(c.__file__))"],
        capture_output=True, text=True, check=True,
    )
    return sorted(Path(out.stdout.strip()).rglob("*.yml"))


def cta_prod_submit_dry_run(
    python: Path, configs: Iterable[Path], datasets: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """CTADIRAC's ``cta-prod-submit NAME CONFIG dry-run`` on each config (:mod:`ctadirac_harness`): config path →
    ``{"ok", "error", "steps": [what DIRAC's ProductionClient.addProductionStep was given]}``."""
    configs = [str(c) for c in configs]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(dict(datasets or {}), fh)
    try:
        proc = subprocess.run(
            [str(python), str(HARNESS), "--datasets", fh.name, *configs], capture_output=True, text=True,
            check=False, env={**os.environ, "DIRAC_ROOT_PATH": str(python.parent.parent)},
        )
    finally:
        os.unlink(fh.name)
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            result = json.loads(line[len(MARK):])
            results[result["config"]] = result
    if len(results) != len(configs):
        raise RuntimeError(f"the CTADIRAC harness answered for {len(results)} of {len(configs)} files: "
                           f"{proc.stderr.strip()[-3000:]}")
    return results
