"""The one LFN/path rule (``cwl2dirac.request.lfn``), as both backends' code calls it: every escape is refused with
the rule in the message; what a production really uses is accepted unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cwl2dirac.errors import PathEscape, ValidationError
from cwl2dirac.request.lfn import (
    MAX_NAME,
    check_inside,
    check_lfn,
    check_lfn_base,
    check_name,
    check_relative,
    escapes,
)

ESCAPING_LFNS = [
    ("/../../etc/passwd", "'..' part"),
    ("/ctao/MC/../../../x", "'..' part"),
    ("/ctao/./x", "'.' part"),
    ("ctao/MC/x", "is relative"),
    ("", "is empty"),
    ("//ctao/x", "empty part"),
    ("/ctao/x/", "empty part"),
    ("/ctao/x\x00y", "control character"),
    ("/ctao/x\ny", "control character"),
    ("/ctao/" + "n" * (MAX_NAME + 1), f"at most {MAX_NAME}"),
    ("/" + "d/" * 600 + "f", "at most 1024"),
]


@pytest.mark.parametrize(("lfn", "reason"), ESCAPING_LFNS)
def test_escaping_lfns_are_refused(lfn: str, reason: str) -> None:
    with pytest.raises(PathEscape, match="LFN") as info:
        check_lfn(lfn)
    assert reason in info.value.message
    assert isinstance(info.value, ValidationError) and not info.value.retryable
    assert "\n" not in str(info.value)


def test_an_lfn_must_be_below_its_base() -> None:
    base = "/ctao/MC/PROD6/prod/step"
    assert check_lfn(f"{base}/00000001/out.h5", base) == f"{base}/00000001/out.h5"
    for lfn in ("/ctao/MC/PROD6/prod/stepX/1/out.h5", "/ctao/MC/PROD6/prod/out.h5", base):
        with pytest.raises(PathEscape, match="is not below its base"):
            check_lfn(lfn, base)
    with pytest.raises(PathEscape, match=r"'\.\.' part"):
        check_lfn(f"{base}/../other/x", base)  # below the base as text, not once resolved


@pytest.mark.parametrize(
    ("base", "reason"),
    [("/../../x", "'..' part"), ("relative/x", "is relative"), ("/a;b", "contains ';'"), ("/a b", "contains ' '"),
     ("/a/./b", "'.' part"), ("", "is empty"), ("/a\nb", "control character"), (7, "must be a string")],
)
def test_bad_lfn_bases(base: object, reason: str) -> None:
    with pytest.raises(PathEscape) as info:
        check_lfn_base(base, "dirac:Job.output_path")
    assert reason in info.value.message and "e.g. '/ctao/MC/PROD6'" in info.value.message


def test_good_lfn_bases_are_kept_without_their_trailing_slash() -> None:
    assert check_lfn_base("/vo.cta.in/MC/PROD6/") == "/vo.cta.in/MC/PROD6"
    assert check_lfn_base("/ctao/MC/v1.2+dev_3") == "/ctao/MC/v1.2+dev_3"
    assert check_lfn_base("/") == ""


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "../x", "x\x00", "a\nb"])
def test_bad_file_names(name: str) -> None:
    with pytest.raises(PathEscape, match="a file name is one name"):
        check_name(name, "staged name")


def test_file_names_may_hold_anything_else() -> None:
    for name in ("out.h5", "with space.txt", "...", "..x", "données.fits", "a;b"):
        assert check_name(name) == name


@pytest.mark.parametrize(
    ("pattern", "escaping"),
    [("out.txt", False), ("sub/*.h5", False), ("sub/../x", False), ("./x", False), ("../x", True), ("..", True),
     ("/etc/passwd", True), ("a/../../x", True)],
)
def test_relative_paths_and_globs(pattern: str, escaping: bool) -> None:
    assert escapes(pattern) is escaping
    if escaping:
        with pytest.raises(PathEscape, match="glob"):
            check_relative(pattern, "glob")
    else:
        assert check_relative(pattern, "glob") == pattern


def test_inside_follows_symbolic_links(tmp_path: Path) -> None:
    root = tmp_path / "task"
    (root / "out").mkdir(parents=True)
    (root / "out" / "ok.txt").write_text("x")
    outside = tmp_path / "secret.txt"
    outside.write_text("s")
    os.symlink(outside, root / "out" / "link.txt")
    assert check_inside(root / "out" / "ok.txt", root) == root / "out" / "ok.txt"
    assert check_inside(outside, [root, outside]) == outside  # an input file passed through
    for path in (root / "out" / "link.txt", root / "out" / ".." / ".." / "secret.txt"):
        with pytest.raises(PathEscape, match="is outside"):
            check_inside(path, root, "output")
