"""cwltool's container options on ``cwl2dirac run``: the worker's environment and what cwltool is told."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cwl2dirac.cli import main as cli
from cwl2dirac.cli.run import _container_argv
from cwl2dirac.request.wire import (
    ENV_CONTAINER,
    ENV_CONTAINER_RUNTIME,
    ENV_DEFAULT_CONTAINER,
    container_environment,
)
from cwl2dirac.worker.task import _container_runtime, _use_container

TOOL = """cwlVersion: v1.2
class: CommandLineTool
{section}:
  DockerRequirement: {{dockerPull: "debian:12"}}
inputs:
  msg: {{type: string, default: hi, inputBinding: {{position: 1}}}}
baseCommand: echo
stdout: out.txt
outputs:
  out: {{type: stdout}}
"""


def test_container_environment() -> None:
    assert container_environment() == {}
    assert container_environment("none") == {ENV_CONTAINER: "never"}
    assert container_environment("podman") == {ENV_CONTAINER: "always", ENV_CONTAINER_RUNTIME: "podman"}
    assert container_environment("user-space:/opt/udocker") == {
        ENV_CONTAINER: "always", ENV_CONTAINER_RUNTIME: "user-space:/opt/udocker"
    }
    assert container_environment(None, "debian:12") == {ENV_CONTAINER: "always", ENV_DEFAULT_CONTAINER: "debian:12"}
    with pytest.raises(ValueError, match="unknown container runtime 'dokker'"):
        container_environment("dokker")
    with pytest.raises(ValueError, match="needs a container runtime"):
        container_environment("none", "debian:12")


class _Proc:
    def __init__(self, requirement: bool) -> None:
        self.requirements = [{"class": "DockerRequirement"}] if requirement else []


@pytest.mark.parametrize(
    ("env", "requirement", "expected"),
    [({}, True, True), ({}, False, False), ({ENV_CONTAINER: "never"}, True, False),
     ({ENV_CONTAINER: "always"}, False, True)],
)
def test_use_container(monkeypatch, env, requirement, expected) -> None:
    monkeypatch.delenv(ENV_CONTAINER, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert _use_container(_Proc(requirement)) is expected


@pytest.mark.parametrize(
    ("runtime", "attribute", "value"),
    [("singularity", "singularity", True), ("podman", "podman", True), ("udocker", "user_space_docker_cmd", "udocker"),
     ("user-space:/x/ud", "user_space_docker_cmd", "/x/ud")],
)
def test_runtime_reaches_cwltool(monkeypatch, runtime, attribute, value) -> None:
    from cwltool.context import RuntimeContext

    monkeypatch.setenv(ENV_CONTAINER_RUNTIME, runtime)
    monkeypatch.setenv(ENV_DEFAULT_CONTAINER, "debian:12")
    rc = RuntimeContext()
    _container_runtime(rc)
    assert getattr(rc, attribute) == value and rc.default_container == "debian:12"


def test_cwltool_argv() -> None:
    assert _container_argv("none", None) == ["--no-container"]
    assert _container_argv("singularity", "img") == ["--singularity", "--default-container", "img"]
    assert _container_argv("user-space:/x/ud", None) == ["--user-space-docker-cmd", "/x/ud"]
    assert _container_argv("docker", None) == [] and _container_argv(None, None) == []


def _run(tmp_path: Path, section: str, *options: str) -> tuple[int, str, str]:
    tool = tmp_path / f"{section}.cwl"
    tool.write_text(TOOL.format(section=section))
    work = tmp_path / f"work-{section}-{'-'.join(o.strip('-') for o in options)}"
    res = CliRunner().invoke(
        cli, ["run", *options, "--quiet", "--workdir", str(work), "--outdir", str(tmp_path / "o"), str(tool)]
    )
    logs = "".join(p.read_text() for p in sorted(work.glob("logs/*/*.log")))
    return res.exit_code, res.stdout, logs


@pytest.mark.skipif(shutil.which("podman") is not None, reason="podman is installed here")
def test_run_options_reach_the_tasks(tmp_path: Path) -> None:
    # A Docker image named as a hint: runs here by default and with --no-container, as with cwltool --no-container
    code, out, _ = _run(tmp_path, "hints", "--no-container")
    assert code == 0 and json.loads(out)["out"]["basename"] == "out.txt"
    # --podman: the task asks cwltool for podman, which this machine does not have
    code, _, logs = _run(tmp_path, "hints", "--podman", "--retries", "0")
    assert code == 1 and "podman executable is not available" in logs
    # --no-container with a DockerRequirement under requirements: refused as cwltool refuses it (33)
    code, _, logs = _run(tmp_path, "requirements", "--no-container", "--retries", "0")
    assert code == 33 and "DockerRequirement under 'requirements'" in logs
