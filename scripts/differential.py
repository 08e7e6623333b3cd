#!/usr/bin/env python
"""Differential testing of cwl2dirac against cwltool, run long (issue 16).

    .venv/bin/python scripts/differential.py --examples 2000 --seed 1 --jobs 2 --repro differential-repro

Generates ``--examples`` small random CWL v1.2 workflows with their inputs (tests/differential/generator.py, drawn
by hypothesis from ``--seed``), runs each with ``cwltool --no-container`` and ``cwl2dirac run --no-container``
(the CLI), compares the output objects (tests/differential/oracle.py) and prints how many were generated, equal,
refused with 33, diverged and invalid (cwltool itself failed, and so did cwl2dirac). Each divergence's minimal
reproduction (wf.cwl, job.yml, input files, verdict.txt with both engines' messages and the outputs' diff,
triage.txt with its class) is written to ``--repro``/caseNNNNN. Exit status 1 when something diverged.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from differential.harness import Outcome, describe, draw_cases, run_cases, signature, summary, write_repro  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=100, help="how many workflows to generate")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at the same time")
    parser.add_argument("--repro", type=Path, default=Path("differential-repro"), help="where divergences go")
    parser.add_argument("--workdir", type=Path, default=None, help="keep every case here (default: a temp dir)")
    parser.add_argument("--no-triage", action="store_true", help="do not re-run divergences to classify them")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON line at the end")
    args = parser.parse_args(argv)

    start = time.monotonic()
    items = draw_cases(args.examples, args.seed)
    print(f"generated {len(items)} workflows (seed {args.seed}) in {time.monotonic() - start:.1f} s", flush=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cwl2dirac-differential-"))
    workdir.mkdir(parents=True, exist_ok=True)
    args.repro.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    done: list[Outcome] = []

    def progress(outcome: Outcome) -> None:
        with lock:
            done.append(outcome)
            if outcome.verdict.kind == "diverged":
                dest = write_repro(outcome, args.repro)
                print(f"  DIVERGED case{outcome.index:05d}: {signature(outcome)} -> {dest}", flush=True)
            if len(done) % 10 == 0:
                print(f"[{time.monotonic() - start:7.0f} s] {json.dumps(summary(done))}", flush=True)

    outcomes = run_cases(items, workdir, jobs=args.jobs, do_triage=not args.no_triage, progress=progress)
    print(describe(outcomes))
    classes = collections.Counter(signature(o) for o in outcomes if o.verdict.kind == "diverged")
    if classes:
        print("divergence classes:")
        for sig, n in classes.most_common():
            print(f"  {n:5d}  {sig}")
    refusals = collections.Counter(o.verdict.reason[:160] for o in outcomes if o.verdict.kind == "refused")
    invalid = collections.Counter(o.verdict.reason[:160] for o in outcomes if o.verdict.kind == "invalid")
    for title, counter in (("refused with 33", refusals), ("cwltool-invalid", invalid)):
        if counter:
            print(f"{title}:")
            for reason, n in counter.most_common(12):
                print(f"  {n:5d}  {reason}")
    features = collections.Counter(f for o in outcomes for f in set(o.case.features))
    print("features covered (cases): " + ", ".join(f"{f} {n}" for f, n in sorted(features.items())))
    total = summary(outcomes)
    print(f"generated {total['generated']}, equal {total['equal']}, refused 33 {total['refused']}, "
          f"diverged {total['diverged']}, cwltool-invalid {total['invalid']} "
          f"({time.monotonic() - start:.0f} s; repros in {args.repro})")
    if args.json:
        print(json.dumps(total))
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if total["diverged"] else 0


if __name__ == "__main__":
    sys.exit(main())
