"""The built wheel in fresh environments (tests/packaging): build it, make a venv with uv, run commands there.

Installs take the project's locked versions as constraints (``uv export``), so that uv's cache serves them; the
wheel itself is installed as a user would, from the file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GFAL2_AWAY = "gfal2-python; sys_platform == 'never'\n"
"""DIRAC's gfal2-python requirement overridden away, as pyproject's [tool.uv] override-dependencies does."""


def uv() -> str:
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    assert found is not None, "uv is not installed (scripts/setup.sh installs it)"
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what points at the project's own environment or library."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "CWL2DIRAC_LIBRARY", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT", "CTAPIPE_DIR")}
    return {**env, **extra}


def run(cmd: Sequence[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        expect: int = 0, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """``cmd``; its exit code must be ``expect`` (the assertion shows the command and its output)."""
    t0 = time.monotonic()
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env or clean_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)
    took = time.monotonic() - t0
    assert proc.returncode == expect, (
        f"{' '.join(map(str, cmd))} exited {proc.returncode} after {took:.0f} s:\n"
        f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    )
    return proc


def build_wheel(out: Path) -> Path:
    """``uv build --wheel`` of this checkout into ``out``; the wheel's path."""
    run([uv(), "build", "--wheel", "--quiet", "-o", out], cwd=ROOT)
    (wheel,) = out.glob("cwl2dirac-*.whl")
    return wheel


def locked_constraints(out: Path) -> Path:
    """The lock's versions of cwl2dirac's dependencies (no extras, no groups) as a constraints file."""
    path = out / "constraints.txt"
    run([uv(), "export", "--frozen", "--no-default-groups", "--no-emit-project", "--no-hashes", "--quiet",
         "-o", path], cwd=ROOT)
    return path


def venv(path: Path, *, seed: bool = False) -> Path:
    """A fresh venv at ``path`` (this test run's Python), made by uv; its ``bin`` directory."""
    run([uv(), "venv", "--quiet", *(["--seed"] if seed else []), "--python", sys.executable, path])
    return path / "bin"
