"""The differential oracle: run one workflow with cwltool and with ``cwl2dirac run``, compare the output objects.

Verdicts: ``equal``; ``refused`` (cwl2dirac exits 33 up front, nothing in its outdir); ``invalid`` (cwltool fails
and cwl2dirac fails too); ``diverged`` (anything else: different outputs, cwl2dirac failing where cwltool
succeeded, cwl2dirac exiting 0 where cwltool failed, a refusal after running something).

Outputs are compared after :func:`normalise`: a File by basename, size and the sha1 of its bytes on disk (plus its
secondary files), a Directory by basename and the recursive listing of what is on disk (relative path, size, sha1);
locations and paths are ignored.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

BIN = Path(sys.executable).parent
"""The venv's executables (cwltool, cwl2dirac)."""
TIMEOUT = 300


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    outputs: Any = None


@dataclass
class Verdict:
    kind: str  # equal | refused | diverged | invalid
    reason: str
    cwltool: Run
    cwl2dirac: Run

    def report(self) -> str:
        a = json.dumps(normalise_safe(self.cwltool.outputs), indent=1, sort_keys=True).splitlines()
        b = json.dumps(normalise_safe(self.cwl2dirac.outputs), indent=1, sort_keys=True).splitlines()
        diff = "\n".join(difflib.unified_diff(a, b, "cwltool", "cwl2dirac", lineterm="", n=2))
        return (f"verdict: {self.kind}: {self.reason}\n\n"
                f"cwltool exit {self.cwltool.rc}\n{self.cwltool.stderr[-3000:]}\n\n"
                f"cwl2dirac exit {self.cwl2dirac.rc}\n{self.cwl2dirac.stderr[-3000:]}\n\n"
                f"normalised outputs diff:\n{diff}\n")


def _path(obj: dict[str, Any]) -> Path | None:
    if obj.get("path"):
        return Path(obj["path"])
    loc = obj.get("location", "")
    if loc.startswith("file://"):
        return Path(unquote(urlparse(loc).path))
    return None


def _sha1(path: Path) -> str:
    return "sha1$" + hashlib.sha1(path.read_bytes()).hexdigest()


def _tree(path: Path) -> list[Any]:
    out: list[Any] = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        rel = Path(root).relative_to(path)
        for d in dirs:
            out.append([str(rel / d), "dir"])
        for f in sorted(files):
            p = Path(root) / f
            out.append([str(rel / f), p.stat().st_size, _sha1(p)])
    return out


def normalise(value: Any) -> Any:
    """The output object as compared (see the module's docstring)."""
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if not isinstance(value, dict):
        return value
    cls = value.get("class")
    if cls == "File":
        path = _path(value)
        out: dict[str, Any] = {"class": "File", "basename": value.get("basename")}
        if path is not None and path.is_file():
            out["size"], out["checksum"] = path.stat().st_size, _sha1(path)
        else:
            out["missing"] = True
        if value.get("secondaryFiles"):
            out["secondaryFiles"] = sorted((normalise(s) for s in value["secondaryFiles"]),
                                           key=lambda s: json.dumps(s, sort_keys=True))
        return out
    if cls == "Directory":
        path = _path(value)
        out = {"class": "Directory", "basename": value.get("basename")}
        if path is not None and path.is_dir():
            out["tree"] = _tree(path)
        else:
            out["missing"] = True
        return out
    return {k: normalise(v) for k, v in value.items()}


def normalise_safe(value: Any) -> Any:
    try:
        return normalise(value)
    except OSError as exc:
        return f"<cannot normalise: {exc}>"


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    try:
        proc = subprocess.run(cmd, cwd=str(cwd), capture_output=True, text=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired as exc:
        out, err = (x.decode(errors="replace") if isinstance(x, bytes) else (x or "") for x in (exc.stdout, exc.stderr))
        return Run(-9, out, f"timeout after {TIMEOUT} s\n{err}")
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    if proc.returncode == 0:
        try:
            run.outputs = json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            run.rc = -1
            run.stderr += f"\n(stdout is not JSON: {exc})"
    return run


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_cwltool(folder: Path, wf: Path, job: Path | None) -> Run:
    cmd = [str(BIN / "cwltool"), "--quiet", "--no-container", "--outdir", str(folder / "A"), str(wf)]
    if job is not None:
        cmd.append(str(job))
    return _run(cmd, folder, _env())


def run_cwl2dirac(folder: Path, wf: Path, job: Path | None, extra: tuple[str, ...] = ()) -> Run:
    cmd = [str(BIN / "cwl2dirac"), "run", "--quiet", "--no-container", "-j", "2", "--outdir", str(folder / "B"),
           "--workdir", str(folder / "W"), *extra, str(wf)]
    if job is not None:
        cmd.append(str(job))
    return _run(cmd, folder, _env())


def compare(folder: Path, wf: Path, job: Path | None) -> Verdict:
    """Run ``wf`` (with ``job``, or without a job order when None) with both engines, in ``folder``."""
    a = run_cwltool(folder, wf, job)
    b = run_cwl2dirac(folder, wf, job)
    return judge(folder, a, b)


CWLTOOL_BUGS = (
    # cwltool 3.3 failing on a default of a record type (schema-salad avro names made twice)
    re.compile(r"is already in use"),
    # cwltool 3.3 moving the outputs into --outdir: a File output and a Directory output holding a file of the same
    # name (out.txt, outdir/out.txt) in one step: "Unhandled error ... No such file or directory: '<outdir>/...'"
    re.compile(r"Unhandled error.*\n.*No such file or directory: '[^']*/A/"),
    # cwltool 3.3 relocating the outputs: a File listed twice, once without its secondaryFiles (two outputs globbing
    # one file), loses them in its path mapper ("Unhandled error ... '<tmp>/out.txt.idx'", a KeyError); the worker
    # works around it for one tool (worker/task.py, SecondariesMappedPathMapper), cwltool fails the whole workflow
    re.compile(r"Unhandled error.*\n\s*'file://[^']*\.idx'"),
)
"""cwltool failures that are cwltool's bugs, not the workflow's fault: such a case is counted ``invalid``."""


def judge(folder: Path, a: Run, b: Run) -> Verdict:
    if b.rc == 33:
        out = folder / "B"
        if out.exists() and any(out.iterdir()):
            return Verdict("diverged", "refused with 33 after writing outputs", a, b)
        return Verdict("refused", _last_line(b.stderr), a, b)
    if a.rc != 0:
        bug = next((p.pattern for p in CWLTOOL_BUGS if p.search(a.stderr)), None)
        if bug:
            return Verdict("invalid", f"cwltool bug ({bug}): {_last_line(a.stderr)}", a, b)
        if b.rc == 0:
            return Verdict("diverged", f"cwltool failed ({_last_line(a.stderr)}) but cwl2dirac exited 0", a, b)
        return Verdict("invalid", _last_line(a.stderr), a, b)
    if b.rc != 0:
        return Verdict("diverged", f"cwl2dirac failed (exit {b.rc}): {_last_line(b.stderr)}", a, b)
    na, nb = normalise_safe(a.outputs), normalise_safe(b.outputs)
    if na != nb:
        return Verdict("diverged", "different outputs: " + _first_difference(na, nb), a, b)
    return Verdict("equal", "", a, b)


def _last_line(text: str) -> str:
    lines = [x.strip() for x in text.strip().splitlines() if x.strip() and "total wall time" not in x]
    return lines[-1][:300] if lines else ""


def _first_difference(a: Any, b: Any, where: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}/{k}: only in {'cwltool' if k in a else 'cwl2dirac'}"
            if a[k] != b[k]:
                return _first_difference(a[k], b[k], f"{where}/{k}")
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items (cwltool) vs {len(b)} (cwl2dirac)"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{where}[{i}]")
    return f"{where}: {json.dumps(a)[:120]} (cwltool) vs {json.dumps(b)[:120]} (cwl2dirac)"


def save_repro(verdict: Verdict, folder: Path, dest: Path) -> Path:
    """Copy the case (workflow, job order, input files) into ``dest`` with the two engines' results."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("A", "B", "W"))
    (dest / "verdict.txt").write_text(verdict.report())
    return dest
