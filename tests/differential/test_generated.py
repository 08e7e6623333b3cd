"""Differential testing against cwltool (issue 16): a fixed set of generated workflows, each run with
``cwltool --no-container`` and ``cwl2dirac run --no-container``; the output objects must be equal, or cwl2dirac
must refuse with 33 up front (or, when cwltool itself fails, fail too). ``scripts/differential.py`` runs thousands.

The cases are drawn by hypothesis from a fixed seed (the same list on every run and every xdist worker), one test
per case so that pytest-xdist shares them out; a divergence's reproduction is written to the test's tmp_path.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from differential.generator import Case
from differential.harness import draw_cases
from differential.oracle import compare, save_repro

SEED = 20261207
EXAMPLES = 12
"""About 6-12 s a case on a quiet machine (two engines), two cases at a time under ``pytest -n 2``."""


@functools.cache
def fixed_cases() -> list[Case]:
    return draw_cases(EXAMPLES, SEED)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(EXAMPLES))
def test_generated_workflow_agrees_with_cwltool(index: int, tmp_path: Path) -> None:
    case = fixed_cases()[index]
    folder = tmp_path / "case"
    wf, job = case.write(folder)
    verdict = compare(folder, wf, job)
    repro = save_repro(verdict, folder, tmp_path / "repro")
    assert verdict.kind in ("equal", "refused", "invalid"), f"repro: {repro}\n{verdict.report()}"


def test_the_fixed_cases_are_the_same_every_time() -> None:
    again = draw_cases(EXAMPLES, SEED)
    assert [c.workflow for c in again] == [c.workflow for c in fixed_cases()]
    assert len({str(c.workflow) + str(c.job) for c in again}) == EXAMPLES
