"""The worker's share of the path rule: every name it registers and every LFN it computes is checked (the DIRAC
catalog gets only what passes), and its failures are deterministic (exit 34, not retried)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.local import ECHO, step, value

from cwl2dirac.errors import DeterministicFailure, PathEscape, TaskFailed
from cwl2dirac.request.wire import EXIT_DETERMINISTIC, EXIT_FAILURE, EXIT_UNSUPPORTED
from cwl2dirac.worker.main import exit_code
from cwl2dirac.worker.task import register_outputs


class Recorder:
    """A catalog that records what it is given."""

    def __init__(self) -> None:
        self.puts: list[str] = []

    def put(self, path: Path, lfn: str, metadata: dict[str, Any]) -> None:
        self.puts.append(lfn)

    def directory_fields(self) -> frozenset[str]:
        return frozenset()

    def use_step(self, config: Any) -> None:
        pass


def _config(output_path: str = "/test/s") -> Any:
    s = step("s", ECHO, [value("msg", "x")], {"out": False}, tasks=1)
    return s.config.model_copy(update={"output_path": output_path})


@pytest.mark.parametrize("basename", ["../../evil.txt", "a/b.txt", "..", "x\ny"])
def test_an_output_name_that_escapes_is_refused_before_anything_is_put(tmp_path: Path, basename: str) -> None:
    f = tmp_path / "out.txt"
    f.write_text("x")
    catalog = Recorder()
    outputs = {"out": {"class": "File", "location": f.as_uri(), "basename": basename}}
    with pytest.raises(PathEscape):
        register_outputs(_config(), 1, [], outputs, catalog, tmp_path)  # type: ignore[arg-type]
    assert catalog.puts == []


def test_an_output_path_that_escapes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PathEscape, match=r"'\.\.' part"):
        register_outputs(_config("/test/../../x"), 1, [], {}, Recorder(), tmp_path)  # type: ignore[arg-type]


def test_good_outputs_get_lfns_below_the_steps_base(tmp_path: Path) -> None:
    f = tmp_path / "out.txt"
    f.write_text("x")
    catalog = Recorder()
    register_outputs(_config(), 7, [], {"out": {"class": "File", "location": f.as_uri()}}, catalog, tmp_path)  # type: ignore[arg-type]
    assert catalog.puts == ["/test/s/00000007/out.txt"]


def test_exit_codes() -> None:
    assert exit_code(DeterministicFailure("when")) == EXIT_DETERMINISTIC
    assert exit_code(PathEscape("..")) == EXIT_DETERMINISTIC
    assert exit_code(TaskFailed("the tool exited with status 2")) == EXIT_FAILURE
    from cwl2dirac.errors import BackendError, UnsupportedFeature

    assert exit_code(BackendError("no replica")) == EXIT_FAILURE
    assert exit_code(UnsupportedFeature("x")) == EXIT_UNSUPPORTED


class _Mapper:
    """cwltool's path mapper, as far as the link check uses it: where an input was staged (in a container)."""

    def __init__(self, staged: str) -> None:
        self.staged = staged

    def reversemap(self, target: str) -> tuple[str, str] | None:
        return ("file:///host/in.txt", "/host/in.txt") if target == self.staged else None


def test_an_output_link_is_refused_unless_it_points_inside_or_to_a_staged_input(tmp_path: Path) -> None:
    from cwl2dirac.worker.task import _escaping_link

    out = tmp_path / "out"
    (out / "d").mkdir(parents=True)
    (out / "real.txt").write_text("x")
    (out / "inside.txt").symlink_to("real.txt")
    (out / "outside.txt").symlink_to("/etc/hostname")
    (out / "staged.txt").symlink_to("/var/lib/cwl/stg1/in.txt")
    (out / "d" / "deep.txt").symlink_to("/etc/hostname")
    roots = [str(out)]
    assert _escaping_link(out / "inside.txt", roots, str(out), str(out), None) is None
    assert _escaping_link(out / "outside.txt", roots, str(out), str(out), None) == str(out / "outside.txt")
    assert _escaping_link(out / "d", roots, str(out), str(out), None) == str(out / "d" / "deep.txt")
    assert _escaping_link(out / "staged.txt", roots, "/var/spool/cwl", str(out), None) is not None
    mapper = _Mapper("/var/lib/cwl/stg1/in.txt")
    assert _escaping_link(out / "staged.txt", roots, "/var/spool/cwl", str(out), mapper) is None
    (out / "container_out.txt").symlink_to("/var/spool/cwl/real.txt")
    assert _escaping_link(out / "container_out.txt", roots, "/var/spool/cwl", str(out), None) is None
