#!/usr/bin/env python
"""The bad-input corpus (``tests/data/bad/<case>/``) through cwl2dirac and through ``cwltool --validate``, side by
side.

Run from the repository root::

    .venv/bin/python benchmarks/bad_inputs.py [--jobs 2] [--json results.json] [CASE...]

For every case, cwl2dirac runs the case's own command line (in-process, through the CLI entry point, as
``tests/cli/test_bad_inputs.py`` does) and cwltool runs ``cwltool --validate DOCUMENT [JOB ORDER]`` on the case's
CWL document and job order (cases about cwl2dirac's own command line or a compiled request have none: not asked).

For each tool it records whether the input is rejected (non-zero exit), whether the tool crashed (printed a Python
traceback, died of a signal, exited with a code other than 0/1, or ran out of time) and how its message is located
against the location the corpus expects (cwl2dirac's): ``same`` file:line:col, the same ``line`` (another column),
an ``other`` line of the file, or ``none``. "Located as expected" counts cwl2dirac's messages at the expected
file:line:col, and those of the cases without one (the command line, a missing file).

It prints one table row per class and the totals, and, with ``--json``, every case's outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support.corpus import Case, cases, materialise  # noqa: E402

CWLTOOL = str(Path(sys.executable).with_name("cwltool"))
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOCATION = re.compile(r"(?:^|[\s'\"(])(?:\.\./)*([\w./+-]+):(\d+):(\d+):")


@dataclass
class Outcome:
    rejected: bool
    crashed: bool
    location: str  # same | line | other | none | n/a
    lines: int
    seconds: float
    first: str


def _precision(text: str, expected: str | None) -> str:
    found = [(Path(f).name, int(line), int(col)) for f, line, col in _LOCATION.findall(text)]
    if not found:
        return "none"
    if expected is None or expected.count(":") < 2:
        return "other"
    name, line, col = expected.rsplit(":", 2)
    same_file = [(ln, c) for f, ln, c in found if f == Path(name).name]
    if (int(line), int(col)) in same_file:
        return "same"
    if any(ln == int(line) for ln, _ in same_file):
        return "line"
    return "other"


def run_cwl2dirac(case: Case, work: Path) -> Outcome:
    from click.testing import CliRunner

    from cwl2dirac.cli import main
    from cwl2dirac.cli._common import State

    State.debug = False
    cwd = os.getcwd()
    os.chdir(work)
    t0 = time.monotonic()
    try:
        result = CliRunner().invoke(main, case.args, prog_name="cwl2dirac")
    finally:
        os.chdir(cwd)
    text = result.stderr
    crashed = "Traceback" in text or "internal error" in text or not (
        result.exception is None or isinstance(result.exception, SystemExit)
    )
    lines = [line for line in text.splitlines() if line.strip()]
    return Outcome(
        rejected=result.exit_code != 0, crashed=crashed, location=_precision(text, case.expect.get("location")),
        lines=len(lines), seconds=time.monotonic() - t0, first=(lines[0] if lines else "")[:200],
    )


def run_cwltool(case: Case, work: Path, timeout: float) -> Outcome | None:
    documents = case.documents
    suffixes = (".cwl", ".json", ".yaml", ".yml")
    if case.expect["class"] == "command line" or not documents or not documents[0].split("#")[0].endswith(suffixes):
        return None
    first_file = work / documents[0].split("#", 1)[0]
    if first_file.is_file() and b"cwl2dirac.dev/production-request" in first_file.read_bytes()[:4096]:
        return None  # a compiled request, not a CWL document
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            [CWLTOOL, "--validate", *documents], cwd=work, capture_output=True, text=True, errors="replace",
            timeout=timeout, check=False,
        )
        code, text = proc.returncode, _ANSI.sub("", proc.stdout + proc.stderr)
    except subprocess.TimeoutExpired:
        code, text = -1, "timeout"
    seconds = time.monotonic() - t0
    crashed = code not in (0, 1) or "Traceback" in text or text == "timeout" or "RecursionError" in text
    messages = [
        line for line in text.splitlines()
        if line.strip() and not line.startswith(("INFO", "WARNING")) and "Resolved '" not in line
    ]
    first = next((m for m in messages if "ERROR" not in m or len(m) > 40), messages[0] if messages else "")
    return Outcome(
        rejected=code != 0, crashed=crashed, location=_precision(text, case.expect.get("location")),
        lines=len(messages), seconds=seconds, first=first.strip()[:200],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("cases", nargs="*", help="only these cases (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="cwltool processes at once")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before cwltool counts as crashed")
    parser.add_argument("--json", type=Path, help="write every case's outcome here")
    args = parser.parse_args()
    selected = [c for c in cases() if not args.cases or c.name in args.cases]
    with tempfile.TemporaryDirectory(prefix="cwl2dirac-bad-") as tmp:
        os.environ["CWL2DIRAC_WORKDIR_BASE"] = str(Path(tmp) / "runs")
        works = {c.name: materialise(c, Path(tmp) / "ours" / c.name) for c in selected}
        theirs = {c.name: materialise(c, Path(tmp) / "theirs" / c.name) for c in selected}
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            futures = {c.name: pool.submit(run_cwltool, c, theirs[c.name], args.timeout) for c in selected}
            ours = {c.name: run_cwl2dirac(c, works[c.name]) for c in selected}
            cwltool = {name: f.result() for name, f in futures.items()}
    by_class: dict[str, list[Case]] = defaultdict(list)
    for c in selected:
        by_class[c.expect["class"]].append(c)

    def row(label: str, group: list[Case]) -> str:
        o = [ours[c.name] for c in group]
        t = [cwltool[c.name] for c in group if cwltool[c.name] is not None]
        located = sum(
            (x.location == "same") if c.expect.get("location") else True for c, x in zip(group, o, strict=True)
        )
        loc_t = Counter(x.location for x in t if x is not None and x.rejected)
        return (
            f"| {label} | {len(group)} | {sum(x.rejected for x in o)} | {sum(x.lines == 1 for x in o)} | "
            f"{located} | {sum(x.crashed for x in o)} | {len(t)} | {sum(x.rejected for x in t if x)} | "
            f"{loc_t['same']} / {loc_t['line']} / {loc_t['other']} / {loc_t['none']} | "
            f"{sum(x.crashed for x in t if x)} |"
        )

    print("| class | cases | cwl2dirac rejects | one line | located as expected | cwl2dirac crashes | "
          "cwltool can be asked | cwltool --validate rejects | its location: same / same line / other line / "
          "none | cwltool crashes (traceback, signal, timeout) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for cls in sorted(by_class):
        print(row(cls, by_class[cls]))
    print(row("**all**", selected))
    both = [c for c in selected if cwltool[c.name] is not None and cwltool[c.name].rejected]  # type: ignore[union-attr]
    missed = [c.name for c in both if not ours[c.name].rejected]
    print(f"\ncwltool rejects {len(both)}; cwl2dirac rejects all of them but {len(missed)}: {', '.join(missed) or '-'}")
    only_ours = [c.name for c in selected if ours[c.name].rejected and cwltool[c.name] is not None
                 and not cwltool[c.name].rejected]  # type: ignore[union-attr]
    print(f"cwl2dirac alone rejects {len(only_ours)} of the cases cwltool was given")
    crashes = [c.name for c in selected if cwltool[c.name] is not None and cwltool[c.name].crashed]  # type: ignore[union-attr]
    print(f"cwltool crashes on: {', '.join(crashes) or '-'}")
    seconds_t = [x.seconds for x in cwltool.values() if x is not None]
    print(f"time per case: cwl2dirac {sum(x.seconds for x in ours.values()) / len(ours):.2f} s (in-process), "
          f"cwltool {sum(seconds_t) / max(1, len(seconds_t)):.2f} s (a process each)")
    if args.json:
        args.json.write_text(json.dumps(
            {c.name: {"class": c.expect["class"], "cwl2dirac": asdict(ours[c.name]),
                      "cwltool": asdict(cwltool[c.name]) if cwltool[c.name] else None} for c in selected},
            indent=1, sort_keys=True,
        ) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
