"""Where a task's tool runs: the software environment and the container image that its job template names.

A job template with a ``dirac:Software`` hint first runs ``cta-prod-setup-software``, which writes the path of
the package's ``setupPackage.sh`` into a file of the job's working directory, and sets
``$CWL2DIRAC_SETUP_SCRIPT_FILE`` to that file's name: the worker sources the script and runs the tool with the
environment it gives. A template with a ``dirac:Apptainer`` hint (or a DockerRequirement) sets
``$CWL2DIRAC_APPTAINER_IMAGE``: the tool runs in that image with apptainer (cwltool's ``--singularity`` mode).
The worker itself (staging, registration) stays in the environment it was started in.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cwl2dirac.errors import TaskFailed
from cwl2dirac.request.wire import ENV_APPTAINER_IMAGE, ENV_SETUP_SCRIPT_FILE

APPTAINER_COMMANDS = ("apptainer", "singularity")


@dataclass(frozen=True)
class ToolEnvironment:
    """What the tool of a task runs with, besides cwltool's own environment."""

    variables: Mapping[str, str] = field(default_factory=dict)
    """Variables the software set-up script sets or changes (PATH among them)."""
    image: str | None = None
    """The apptainer image the tool runs in (``docker://…``, a ``.sif`` file or an unpacked directory)."""
    setup_script: Path | None = None

    def docker_requirement(self) -> dict[str, Any] | None:
        """The DockerRequirement that makes cwltool run the tool in :attr:`image` (None without an image)."""
        if self.image is None:
            return None
        if self.image.startswith("docker://"):
            return {"class": "DockerRequirement", "dockerPull": self.image.removeprefix("docker://")}
        return {"class": "DockerRequirement", "dockerImageId": self.image}

    @contextlib.contextmanager
    def applied(self) -> Iterator[list[str]]:
        """``os.environ`` with :attr:`variables` while the block runs (cwltool copies the names it yields into the
        tool's environment), restored afterwards."""
        saved = {k: os.environ.get(k) for k in self.variables}
        os.environ.update(self.variables)
        try:
            yield sorted(self.variables)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def tool_environment(step: str, taskdir: Path) -> ToolEnvironment:
    """The environment the job template asks for (see the module docstring); checked before the tool starts."""
    image = os.environ.get(ENV_APPTAINER_IMAGE) or None
    if image is not None and not any(shutil.which(c) for c in APPTAINER_COMMANDS):
        raise TaskFailed(
            f"step '{step}' runs in the apptainer image {image}, but neither apptainer nor singularity is "
            "installed on this node; run it where apptainer is, or drop the dirac:Apptainer hint"
        )
    pointer_name = os.environ.get(ENV_SETUP_SCRIPT_FILE) or None
    if pointer_name is None:
        return ToolEnvironment(image=image)
    pointer = taskdir / pointer_name
    if not pointer.is_file():
        raise TaskFailed(
            f"step '{step}': the software set-up wrote no {pointer_name} in {taskdir} "
            "(did cta-prod-setup-software run before the worker?)"
        )
    script = Path(pointer.read_text(encoding="utf-8").strip())
    if not script.is_file():
        raise TaskFailed(f"step '{step}': the software set-up script {script} (named in {pointer}) does not exist")
    return ToolEnvironment(variables=sourced_variables(script), image=image, setup_script=script)


def sourced_variables(script: Path) -> dict[str, str]:
    """The variables that sourcing ``script`` in bash sets or changes (its output goes to our stderr)."""
    probe = 'source "$0" >&2 || exit $?; env -0'
    proc = subprocess.run(["bash", "-c", probe, str(script)], capture_output=True, check=False)
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        raise TaskFailed(f"sourcing the software set-up script {script} failed: {reason[0]}")
    after: dict[str, str] = {}
    for entry in proc.stdout.split(b"\0"):
        name, sep, value = entry.decode("utf-8", "surrogateescape").partition("=")
        if sep and name:
            after[name] = value
    ignore = {"_", "SHLVL", "PWD", "OLDPWD"}
    return {k: v for k, v in after.items() if k not in ignore and os.environ.get(k) != v}
