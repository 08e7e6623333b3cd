"""What a folded ExpressionTool sees of a job-order File (as cwltool fills it in)."""

from __future__ import annotations

from pathlib import Path

from cwl2dirac.passes.fold import _file_fields


def test_a_local_file_gets_its_names_and_place(tmp_path: Path) -> None:
    f = tmp_path / "run1.sim"
    f.write_text("x")
    got = _file_fields({"class": "File", "location": f.as_uri()})
    assert (got["basename"], got["nameroot"], got["nameext"]) == ("run1.sim", "run1", ".sim")
    assert got["path"] == str(f) and got["dirname"] == str(tmp_path) and got["size"] == 1


def test_an_lfn_gets_its_names_but_no_local_path() -> None:
    """An ``lfn:`` file lives in the grid's catalog: its name is known when compiling, its path is not."""
    for location in ("lfn:/pi/100/run1.sim", "lfn://pi/100/run1.sim"):
        got = _file_fields({"class": "File", "location": location})
        assert (got["basename"], got["nameroot"], got["nameext"]) == ("run1.sim", "run1", ".sim")
        assert "path" not in got and "dirname" not in got
