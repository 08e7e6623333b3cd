"""Drawing a fixed set of generated cases and running them through the oracle (used by the test and the script)."""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

from differential.generator import Case, cases, dump
from differential.oracle import Verdict, compare, save_repro


def draw_cases(n: int, seed_value: int) -> list[Case]:
    """``n`` cases drawn by hypothesis from ``seed_value`` (the same list for the same arguments)."""
    got: list[Case] = []
    seen: set[str] = set()

    class Enough(Exception):
        pass

    @seed(seed_value)
    @settings(max_examples=20 * n + 100, database=None, phases=[Phase.generate], deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(cases())
    def collect(case: Case) -> None:
        key = dump([case.workflow, case.job, case.files])
        if key not in seen:
            seen.add(key)
            got.append(case)
        if len(got) >= n:
            raise Enough

    with contextlib.suppress(Enough):
        collect()
    return got[:n]


@dataclass
class Outcome:
    index: int
    case: Case
    verdict: Verdict
    folder: Path
    triage: str = ""


def signature(outcome: Outcome) -> str:
    """A coarse class of a divergence: its reason without names, numbers and paths, plus the triage."""
    reason = outcome.verdict.reason
    reason = re.sub(r"/[^\s:]*", "<path>", reason)
    reason = re.sub(r"\b(s\d+[ab]?|i\d+|p\d+|o_\w+)\b", "<name>", reason)
    reason = re.sub(r"\d+", "N", reason)
    reason = re.sub(r'"[^"]*"', '"…"', reason)
    return f"{outcome.triage or 'untriaged'} | {reason[:160]}"


def triage(outcome: Outcome, workdir: Path) -> str:
    """Which known divergence class a diverged case belongs to, by re-running it changed:
    ``defaults-without-job-order`` when the same workflow with every default written into a full job order agrees."""
    case = outcome.case
    if case.job is None or case.job == {}:
        wf = case.workflow
        job = {name: decl["default"] for name, decl in wf["inputs"].items() if "default" in decl}
        folder = Path(tempfile.mkdtemp(prefix="triage_", dir=workdir))
        wf_path, _ = case.write(folder)
        job_path = folder / "job.yml"
        job_path.write_text(dump(job) if job else "{}\n")
        again = compare(folder, wf_path, job_path)
        if again.kind == "equal":
            return "defaults-without-job-order" if case.job is None else "defaults-with-empty-job-order"
    feats = set(case.features)
    hints = [name for name, needs in HINTS if needs <= feats]
    return "maybe:" + "+".join(hints) if hints else ""


HINTS = [
    ("scatter-values-beside-file", {"scatter:values", "scatter:beside-file"}),
    ("scatter-same-source-unscattered", {"scatter:same-source-unscattered"}),
    ("step-input-loadContents", {"loadContents:step"}),
    ("scatter-over-arrays", {"scatter:arrays"}),
]
"""Known divergence classes (tests/differential/test_regressions.py) a diverged case may belong to, by feature."""


def run_cases(items: list[Case], workdir: Path, jobs: int = 1, do_triage: bool = True,
              progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run every case in a folder of its own below ``workdir``, ``jobs`` at a time."""

    def one(pair: tuple[int, Case]) -> Outcome:
        index, case = pair
        folder = workdir / f"case{index:05d}"
        wf, job = case.write(folder)
        outcome = Outcome(index, case, compare(folder, wf, job), folder)
        (folder / "verdict.txt").write_text(outcome.verdict.report())
        if outcome.verdict.kind == "diverged" and do_triage:
            outcome.triage = triage(outcome, workdir)
        if progress:
            progress(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, enumerate(items)))


def write_repro(outcome: Outcome, dest_root: Path) -> Path:
    dest = save_repro(outcome.verdict, outcome.folder, dest_root / f"case{outcome.index:05d}")
    (dest / "triage.txt").write_text(signature(outcome) + "\n")
    return dest


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    counts = {k: 0 for k in ("equal", "refused", "diverged", "invalid")}
    for o in outcomes:
        counts[o.verdict.kind] += 1
    return {"generated": len(outcomes), **counts}


def describe(outcomes: list[Outcome]) -> str:
    lines = [json.dumps(summary(outcomes))]
    for o in outcomes:
        if o.verdict.kind == "diverged":
            lines.append(f"case{o.index:05d}: {signature(o)}  [{o.folder}]")
    return "\n".join(lines)
