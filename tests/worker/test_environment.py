"""The worker acts on what a job template sets: the software set-up script, the apptainer image."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.local import step

from cwl2dirac.errors import TaskFailed
from cwl2dirac.request import InputBinding
from cwl2dirac.request.wire import ENV_APPTAINER_IMAGE, ENV_SETUP_SCRIPT_FILE
from cwl2dirac.worker.environment import sourced_variables, tool_environment
from cwl2dirac.worker.task import run_tool

# A tool whose command exists only once the software is set up, and which reports a variable the set-up sets.
SIMTOOL = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "baseCommand": ["simtool"],
    "inputs": {"msg": {"type": "string", "inputBinding": {"position": 1}}},
    "outputs": {"out": {"type": "stdout"}},
    "stdout": "sim.txt",
}


def _software(tmp_path: Path) -> Path:
    """A software installation with its setupPackage.sh, as CVMFS would hold it."""
    root = tmp_path / "cvmfs" / "simpipe" / "v1"
    (root / "bin").mkdir(parents=True)
    tool = root / "bin" / "simtool"
    tool.write_text('#!/bin/sh\necho "$SIMPIPE_VERSION: $1"\n')
    tool.chmod(0o755)
    script = root / "setupPackage.sh"
    script.write_text(f'echo "setting up simpipe"\nexport SIMPIPE_VERSION=v1\nexport PATH="{root}/bin:$PATH"\n')
    return script


def _job_dir(tmp_path: Path, script: Path) -> Path:
    """A job's working directory after cta-prod-setup-software: the file naming the set-up script."""
    job = tmp_path / "job"
    job.mkdir()
    (job / "setup_script_path.txt").write_text(f"{script}\n")
    return job


def test_tool_runs_in_the_software_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job = _job_dir(tmp_path, _software(tmp_path))
    monkeypatch.setenv(ENV_SETUP_SCRIPT_FILE, "setup_script_path.txt")
    path_before = os.environ["PATH"]
    config = step("sim", SIMTOOL, [InputBinding(port="msg", kind="value", value="hello")], {"out": False}).config
    out = run_tool(config, {"msg": "hello"}, job)
    assert Path(out["out"]["location"].removeprefix("file://")).read_text() == "v1: hello\n"
    assert os.environ["PATH"] == path_before and "SIMPIPE_VERSION" not in os.environ  # the worker's own env


def test_without_the_set_up_the_command_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_SETUP_SCRIPT_FILE, raising=False)
    config = step("sim", SIMTOOL, [InputBinding(port="msg", kind="value", value="x")], {"out": False}).config
    with pytest.raises(TaskFailed, match="command 'simtool' of step 'sim' is not installed here"):
        run_tool(config, {"msg": "x"}, tmp_path)


def test_missing_pointer_file_and_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_SETUP_SCRIPT_FILE, "setup_script_path.txt")
    with pytest.raises(TaskFailed, match=r"wrote no setup_script_path.txt .*cta-prod-setup-software"):
        tool_environment("sim", tmp_path)
    (tmp_path / "setup_script_path.txt").write_text("/nowhere/setupPackage.sh\n")
    with pytest.raises(TaskFailed, match=r"/nowhere/setupPackage\.sh .* does not exist"):
        tool_environment("sim", tmp_path)


def test_a_failing_set_up_script_is_reported(tmp_path: Path) -> None:
    script = tmp_path / "setupPackage.sh"
    script.write_text('echo "no licence for this node" >&2\nreturn 4\n')
    with pytest.raises(TaskFailed, match="no licence for this node"):
        sourced_variables(script)


def test_an_apptainer_image_needs_apptainer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A node without apptainer (none on PATH): the task says so, naming the image."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv(ENV_APPTAINER_IMAGE, "docker://ghcr.io/cta-observatory/ctapipe:0.28")
    with pytest.raises(TaskFailed, match=r"apptainer image docker://ghcr\.io/cta-observatory/ctapipe:0\.28"):
        tool_environment("sim", tmp_path)


def test_apptainer_image_becomes_the_docker_requirement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "apptainer").write_text("#!/bin/sh\nexit 0\n")
    (fake_bin / "apptainer").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}:{os.environ['PATH']}")
    monkeypatch.setenv(ENV_APPTAINER_IMAGE, "docker://ctapipe:0.28")
    assert tool_environment("s", tmp_path).docker_requirement() == {
        "class": "DockerRequirement", "dockerPull": "ctapipe:0.28"
    }
    monkeypatch.setenv(ENV_APPTAINER_IMAGE, "/cvmfs/images/ctapipe.sif")
    assert tool_environment("s", tmp_path).docker_requirement() == {
        "class": "DockerRequirement", "dockerImageId": "/cvmfs/images/ctapipe.sif"
    }


CAT = {
    "cwlVersion": "v1.2",
    "class": "CommandLineTool",
    "baseCommand": ["cat"],
    "inputs": {"config": {"type": "File", "inputBinding": {"position": 1}}},
    "outputs": {"out": {"type": "stdout"}},
    "stdout": "config.txt",
}


def _release(tmp_path: Path) -> Path:
    """A ctapipe release with its configurations and a set-up script that exports ``$CTAPIPE_DIR``."""
    root = tmp_path / "cvmfs" / "ctapipe" / "v0.19"
    (root / "config" / "v3").mkdir(parents=True)
    (root / "config" / "v3" / "dl0_to_dl2.yml").write_text("DataWriter: {overwrite: true}\n")
    script = root / "setupPackage.sh"
    script.write_text(f'export CTAPIPE_DIR="{root}"\n')
    return script


def test_a_release_configuration_is_found_after_the_set_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job = _job_dir(tmp_path, _release(tmp_path))
    monkeypatch.setenv(ENV_SETUP_SCRIPT_FILE, "setup_script_path.txt")
    monkeypatch.delenv("CTAPIPE_DIR", raising=False)
    monkeypatch.delenv("CWL2DIRAC_CONFIG_DIR", raising=False)
    value = {"class": "File", "location": "software-config:v3/dl0_to_dl2.yml"}
    config = step("process", CAT, [InputBinding(port="config", kind="value", value=value)], {"out": False}).config
    out = run_tool(config, {"config": value}, job)
    assert Path(out["out"]["location"].removeprefix("file://")).read_text() == "DataWriter: {overwrite: true}\n"
    missing = {"class": "File", "location": "software-config:v3/nowhere.yml"}
    with pytest.raises(TaskFailed, match=r"input 'config': software-config:v3/nowhere.yml is not in .*/config"):
        run_tool(config, {"config": missing}, job)


def test_without_a_release_the_configuration_cannot_be_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_SETUP_SCRIPT_FILE, raising=False)
    monkeypatch.delenv("CTAPIPE_DIR", raising=False)
    monkeypatch.delenv("CWL2DIRAC_CONFIG_DIR", raising=False)
    value = {"class": "File", "location": "software-config:v3/dl0_to_dl2.yml"}
    config = step("process", CAT, [InputBinding(port="config", kind="value", value=value)], {"out": False}).config
    with pytest.raises(TaskFailed, match=r"the software set-up gave no \$CTAPIPE_DIR"):
        run_tool(config, {"config": value}, tmp_path)
