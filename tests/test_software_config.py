"""Files of the software release on the worker (``location: software-config:<path>``, issue 17): what CTADIRAC's
``-c v3/x.yml`` names. They are values of the step, never uploaded nor registered; the worker finds them in the
release's configuration directory (``$CWL2DIRAC_CONFIG_DIR``, else ``$CTAPIPE_DIR/config``), a local run in
``--config-dir``. A run with them computes what cwltool computes with the same file given by path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from support import DATA
from support.outputs import normalise

import cwl2dirac
from cwl2dirac.cli import main
from cwl2dirac.compiler import compile_workflow
from cwl2dirac.errors import InputError, PathEscape, UnsupportedFeature

HERE = DATA / "software_config"
WF = HERE / "scatter_with_config.cwl"
CONFIGS = HERE / "release" / "config"


def _cwltool(tmp: Path) -> dict[str, object]:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "cwltool"), "--no-container", "--quiet", "--outdir", str(tmp / "ref"),
         str(WF), str(HERE / "local.yml")],
        capture_output=True, text=True, check=True, cwd=tmp,
    )
    return json.loads(proc.stdout)


def _values(request: cwl2dirac.ProductionRequest, port: str) -> list[object]:
    return [b.value for s in request.steps for b in s.config.inputs if b.port == port]


def test_the_release_file_is_a_value_of_the_step_not_a_catalog_input() -> None:
    request = compile_workflow(WF, HERE / "release.yml")
    assert [ds.name for ds in request.inputs] == []  # nothing to upload or register
    assert _values(request, "config") == [{"class": "File", "location": "software-config:v3/process.yml"}]
    assert [b.kind for s in request.steps for b in s.config.inputs if b.port == "config"] == ["value"]
    # the same workflow with the file by path: an input dataset, registered with the production
    local = compile_workflow(WF, HERE / "local.yml")
    assert [ds.name for ds in local.inputs] == ["config"]


def test_a_local_run_with_config_dir_computes_what_cwltool_computes(tmp_path: Path) -> None:
    result = cwl2dirac.run(WF, HERE / "release.yml", backend=cwl2dirac.LocalBackend(
        workdir=tmp_path / "work", jobs=2, config_dir=CONFIGS), outdir=tmp_path / "out")
    assert normalise(result.outputs) == normalise(_cwltool(tmp_path))
    texts = [Path(f["location"].removeprefix("file://")).read_text() for f in result.outputs["results"]]
    assert texts[1] == "b\n" + (CONFIGS / "v3" / "process.yml").read_text()


def test_ctapipe_dir_gives_the_directory_when_no_option_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTAPIPE_DIR", str(HERE / "release"))
    result = cwl2dirac.run(WF, HERE / "release.yml", workdir=tmp_path / "work", outdir=tmp_path / "out")
    assert normalise(result.outputs) == normalise(_cwltool(tmp_path))


def test_a_local_run_without_the_directory_asks_for_it_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CTAPIPE_DIR", raising=False)
    monkeypatch.delenv("CWL2DIRAC_CONFIG_DIR", raising=False)
    result = CliRunner().invoke(main, ["run", "--workdir", str(tmp_path / "w"), "--outdir", str(tmp_path / "o"),
                                       str(WF), str(HERE / "release.yml")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "step 'use' input 'config' is software-config:v3/process.yml" in lines[0]
    assert "--config-dir DIR" in lines[0]
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())  # nothing ran


def test_a_file_missing_from_the_directory_is_named_before_anything_runs(tmp_path: Path) -> None:
    empty = tmp_path / "configs"
    empty.mkdir()
    with pytest.raises(InputError, match=r"software-config:v3/process.yml is not in the configuration directory"):
        cwl2dirac.run(WF, HERE / "release.yml", backend=cwl2dirac.LocalBackend(workdir=tmp_path / "w",
                                                                               config_dir=empty))
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize(
    ("config", "error", "match"),
    [
        ({"class": "File", "location": "software-config:../etc/passwd"}, PathEscape, "climbs out"),
        ({"class": "File", "location": "software-config:/etc/passwd"}, PathEscape, "is absolute"),
        ({"class": "File", "location": "software-config:"}, InputError, "names no file"),
        ({"class": "File", "location": "software-config:v3/process.yml",
          "secondaryFiles": [{"class": "File", "location": "software-config:v3/p.idx"}]},
         InputError, "one File of the software release"),
    ],
)
def test_bad_release_locations_are_refused_at_their_line(
    tmp_path: Path, config: dict[str, str], error: type[Exception], match: str
) -> None:
    job = tmp_path / "job.yml"
    job.write_text(yaml.safe_dump({"names": ["a"], "config": config}))
    with pytest.raises(error, match=match) as caught:
        compile_workflow(WF, job)
    assert f"{job.name}:" in str(caught.value)


def test_release_files_mixed_with_other_files_are_refused(tmp_path: Path) -> None:
    wf = tmp_path / "wf.cwl"
    text = WF.read_text().replace("config: File\n", "config: File[]\n", 1)
    wf.write_text(text.replace("config: {type: File,", "config: {type: 'File[]',"))
    shutil.copy(HERE / "release" / "config" / "v3" / "process.yml", tmp_path / "mine.yml")
    job = tmp_path / "job.yml"
    job.write_text(yaml.safe_dump({"names": ["a"], "config": [
        {"class": "File", "location": "software-config:v3/process.yml"}, {"class": "File", "path": "mine.yml"}]}))
    with pytest.raises(UnsupportedFeature, match="input 'config' mixes files of the software release"):
        compile_workflow(wf, job)
