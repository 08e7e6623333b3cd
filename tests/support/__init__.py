"""Helpers shared by the tests (``tests/`` is on ``sys.path``): hand-built requests and small real tools."""

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
"""The ``tests`` folder."""
REPO = TESTS.parent
"""The repository."""
DATA = TESTS / "data"
"""The test fixtures (CWL documents, job orders, bad inputs)."""
