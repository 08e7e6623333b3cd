"""check_globs: literal output globs may not leave the task's working directory."""

import subprocess
import sys
from pathlib import Path

import pytest

from cwl2dirac.compiler import compile_workflow
from cwl2dirac.errors import ValidationError
from cwl2dirac.passes.check_globs import escapes_workdir

TOOL = """\
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [touch, x.txt]
inputs: []
outputs:
  out:
    type: File
    outputBinding:
      glob: {glob}
"""


@pytest.mark.parametrize(
    ("pattern", "escapes"),
    [("x.txt", False), ("sub/*.h5", False), ("a/../b", False), ("../x", True), ("a/../../x", True),
     ("/etc/passwd", True), ("..", True)],
)
def test_escapes_workdir(pattern: str, escapes: bool) -> None:
    assert escapes_workdir(pattern) is escapes


def test_escaping_glob_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.cwl"
    path.write_text(TOOL.format(glob="../x.txt"))
    with pytest.raises(ValidationError) as info:
        compile_workflow(path, bodies=False)
    assert "glob '../x.txt' reaches outside" in info.value.message
    assert str(info.value).startswith(f"{path}:9:")


def test_escaping_glob_stops_run_before_any_task(tmp_path: Path) -> None:
    path = tmp_path / "t.cwl"
    path.write_text(TOOL.format(glob="/tmp/x.txt"))
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("cwl2dirac")), "run", str(path), "--outdir", str(tmp_path / "o"),
         "--workdir", str(tmp_path / "w")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "reaches outside" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "w" / "logs").exists()  # no task ran


def test_inside_glob_compiles(tmp_path: Path) -> None:
    path = tmp_path / "t.cwl"
    path.write_text(TOOL.format(glob="x.txt"))
    assert compile_workflow(path, bodies=False).steps[0].name == "t"
