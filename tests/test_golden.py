"""Golden production requests for the CTAO chains: the compiler's whole output, byte for byte.

Absolute paths (this checkout, ../shared) are replaced by placeholders so the goldens hold on any machine.
Regenerate after an intended change with ``CWL2DIRAC_UPDATE_GOLDENS=1 pytest tests/test_golden.py`` and review the
diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import REPO

from cwl2dirac.backends.dirac.validator import check_links
from cwl2dirac.compiler import compile_workflow
from cwl2dirac.request import ProductionRequest, decode_config

ROOT = REPO
SHARED = (ROOT.parent / "shared").resolve()
GOLDEN = Path(__file__).resolve().parent / "golden"
CHAINS = ["process_merge", "simulate", "simulate_process_merge", "full_chain"]


def _normalise(text: str) -> str:
    return text.replace(SHARED.as_uri(), "file://<shared>").replace(str(SHARED), "<shared>").replace(
        ROOT.as_uri(), "file://<root>"
    ).replace(str(ROOT), "<root>")


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("chain", CHAINS)
def test_ctao_chain_matches_golden(chain: str) -> None:
    request = compile_workflow(f"cwl/workflows/{chain}.cwl", f"examples/{chain}.yml")
    text = _normalise(request.to_yaml())
    golden = GOLDEN / f"{chain}.yaml"
    if os.environ.get("CWL2DIRAC_UPDATE_GOLDENS"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{golden} differs: review, then regenerate"


@pytest.mark.parametrize("chain", CHAINS)
def test_golden_is_a_valid_production(chain: str) -> None:
    """The committed golden itself passes DIRAC's link checks and carries its configuration in each body."""
    request = ProductionRequest.read(GOLDEN / f"{chain}.yaml")
    check_links(request)
    names = {s.name for s in request.steps}
    for step in request.steps:
        assert set(step.parents) <= names and set(step.after) <= names
        token = step.body.split("--config ", 1)[1].split()[0]
        assert decode_config(token) == step.config
