"""The DIRAC sidecar: DIRAC's calls made in a forked process give the same request as in-process calls.

The sidecar forks, so every case runs in a fresh interpreter (a subprocess), never in the test process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support import REPO

from cwl2dirac.compiler import compile_workflow

ROOT = REPO
CLI = str(Path(sys.executable).with_name("cwl2dirac"))
FULL_CHAIN = ROOT / "cwl" / "workflows" / "full_chain.cwl"
FULL_CHAIN_INPUTS = ROOT / "examples" / "full_chain.yml"

# The sidecar starts only with two usable CPUs or more (it would slow a single CPU down); CI has two.


def _python(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT,
    )


def test_request_compiled_with_the_sidecar_is_identical_and_dirac_stays_out_of_the_parent() -> None:
    code = """
        import sys
        from cwl2dirac.backends.dirac import sidecar
        assert sidecar.start() and sidecar.running()
        from cwl2dirac.compiler import compile_workflow
        request = compile_workflow(sys.argv[1], sys.argv[2])
        # every DIRAC call (job templates, ProdValidator) happened in the sidecar
        assert "DIRAC" not in sys.modules, sorted(m for m in sys.modules if m.startswith("DIRAC"))[:5]
        sys.stdout.write(request.to_yaml())
        sidecar.stop()
    """
    proc = _python(code, str(FULL_CHAIN), str(FULL_CHAIN_INPUTS))
    assert proc.returncode == 0, proc.stderr
    expected = compile_workflow(FULL_CHAIN, FULL_CHAIN_INPUTS).to_yaml()
    assert proc.stdout == expected


def test_an_error_raised_in_the_sidecar_is_raised_in_the_caller() -> None:
    code = """
        from cwl2dirac.backends.dirac import _boundary, sidecar
        from cwl2dirac.errors import BackendError
        assert sidecar.start()
        try:
            sidecar.call(_boundary.ok, {"OK": False, "Message": "no  such\\n site"}, "Job.setDestination")
        except BackendError as exc:
            print(type(exc).__name__, exc)
            # the sidecar's traceback travels as a note (shown with --debug), not in the one-line message
            assert "raised in the DIRAC sidecar" in exc.__notes__[0] and "in ok" in exc.__notes__[0]
        # the sidecar serves the next call after an error
        print(sidecar.call(_boundary.ok, {"OK": True, "Value": 42}, "x"))
    """
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["BackendError Job.setDestination: no such site", "42"]


def test_a_sidecar_that_died_gives_a_clear_error_then_work_goes_on_in_process() -> None:
    code = """
        import os, signal
        from cwl2dirac.backends.dirac import _boundary, sidecar
        from cwl2dirac.errors import BackendError
        assert sidecar.start()
        os.kill(sidecar._process.pid, signal.SIGKILL)
        sidecar._process.join()
        try:
            sidecar.call(_boundary.ok, {"OK": True, "Value": 1}, "x")
        except BackendError as exc:
            print(exc)
        print(sidecar.running(), sidecar.call(_boundary.ok, {"OK": True, "Value": 2}, "x"))
    """
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("the DIRAC helper process ended unexpectedly")
    assert lines[1] == "False 2"


def test_the_cli_compiles_with_the_sidecar_to_the_same_bytes(tmp_path: Path) -> None:
    expected = compile_workflow(FULL_CHAIN, FULL_CHAIN_INPUTS).to_yaml()
    out = tmp_path / "production.yaml"
    proc = subprocess.run(
        [CLI, "compile", str(FULL_CHAIN), str(FULL_CHAIN_INPUTS), "-o", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8") == expected
    # on stdout: nothing from DIRAC (its logger, in the sidecar) mixes into the request
    proc = subprocess.run(
        [CLI, "compile", str(FULL_CHAIN), str(FULL_CHAIN_INPUTS)], capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected
    assert proc.stderr == ""


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_the_sidecar_ends_with_the_cli_even_on_an_early_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.cwl"
    bad.write_text("cwlVersion: v1.2\nclass: Workflow\ninputs: []\noutputs: []\nsteps:\n"
                   "  a: {run: missing.cwl, in: {}, out: []}\n", encoding="utf-8")
    # the CLI is started in its own session so that its sidecar can be found (and is not our child)
    proc = subprocess.Popen([CLI, "validate", str(bad)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.strip().endswith("contains undefined reference to `file://" + str(tmp_path / "missing.cwl") + "`")
    assert "Traceback" not in err
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _session_alive(proc.pid):
        time.sleep(0.05)
    assert not _session_alive(proc.pid), "a process of the CLI's session outlived it"


def _session_alive(sid: int) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) == sid and _state(entry) != "Z":
                return True
        except (ProcessLookupError, PermissionError, FileNotFoundError):
            continue
    return False


def _state(entry: Path) -> str:
    try:
        return entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"


def _as_at_a_terminal() -> None:
    """In the child before exec: SIGINT neither ignored nor blocked, as a shell leaves it for a foreground command
    (else inherited: a process started with SIGINT ignored keeps it ignored, as a background job should)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_ctrl_c_stops_the_cli_and_its_sidecar(tmp_path: Path) -> None:
    """SIGINT to the process group while the sidecar imports DIRAC: one line, exit 130, nothing left over."""
    command = [CLI, "compile", str(FULL_CHAIN), str(FULL_CHAIN_INPUTS), "-o", str(tmp_path / "p.yaml")]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_as_at_a_terminal)
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # until the CLI has forked its sidecar (it is then inside the compile command)
    with contextlib.suppress(ProcessLookupError):  # ended already: said below
        os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # pragma: no cover - compiled before the signal came (a very fast machine)
        pytest.fail("the compile ended before SIGINT; make the pipeline bigger")
    assert proc.returncode == 130, err
    assert err.strip() == "interrupted"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _session_alive(proc.pid):
        time.sleep(0.05)
    assert not _session_alive(proc.pid)


def test_an_answer_that_cannot_be_rebuilt_is_a_clear_error_and_the_sidecar_goes_on() -> None:
    code = """
        from cwl2dirac.backends.dirac import _boundary, sidecar
        from cwl2dirac.errors import BackendError

        class Odd(Exception):  # pickled as Odd(*args) with args == ("a",): cannot be rebuilt
            def __init__(self, a, b):
                super().__init__(a)

        def boom():
            raise Odd("a", "b")

        assert sidecar.start()
        try:
            sidecar.call(boom)
        except BackendError as exc:
            print(exc)
        print(sidecar.call(_boundary.ok, {"OK": True, "Value": 3}, "x"))
    """
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("the DIRAC helper process sent an answer that cannot be read"), lines
    assert lines[1] == "3"
