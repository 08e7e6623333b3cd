"""Meta-queries in the form DIRAC's TransformationDB keeps (it drops falsy values, stringifies floats), and the
retry rule for DIRAC calls."""

from __future__ import annotations

import pytest

from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.backends.dirac.queries import stored_form
from cwl2dirac.backends.dirac.validator import check_query_pair


def test_falsy_values_floats_and_lists_become_explicit() -> None:
    query = {"data_level": 0, "site": "", "thetaP": 20.0, "phiP": 0.0, "particle": ["gamma", "proton"],
             "merged": False, "runs": [0], "ok": {"in": [0, 1]}, "eq": {"=": 0}, "n": 5, "name": "x"}
    assert stored_form(query) == {
        "data_level": {"=": 0}, "site": {"=": ""}, "thetaP": {"=": 20.0}, "phiP": {"=": 0.0},
        "particle": {"in": ["gamma", "proton"]}, "merged": {"=": 0}, "runs": {"in": [0]}, "ok": {"in": [0, 1]},
        "eq": {"=": 0}, "n": 5, "name": "x",
    }
    assert stored_form(None) is None


def test_the_stored_form_passes_dirac_s_validator_against_the_plain_form() -> None:
    """A child stored in the explicit form still links to a parent whose query is plain, both ways."""
    fields = {"data_level": "INT", "thetaP": "FLOAT", "particle": "VARCHAR(128)"}
    plain = {"data_level": 0, "thetaP": 20.0, "particle": "gamma"}
    assert check_query_pair(stored_form(plain), plain, fields) is None
    assert check_query_pair(plain, stored_form(plain), fields) is None
    assert check_query_pair(stored_form(plain), stored_form({**plain, "data_level": 1}), fields) is not None


@pytest.mark.parametrize(
    ("message", "retry"),
    [
        ("Cannot connect to dips://localhost:9135/Transformation/TransformationManager", True),
        ("Connection timed out", True),
        ("[Errno 111] Connection refused", True),
        ("Transformation does not exist", False),
        ("Production demo did not exist", False),
        ("Permission denied", False),
    ],
)
def test_only_transport_failures_are_retried(message: str, retry: bool) -> None:
    calls = []

    def call() -> dict[str, object]:
        calls.append(1)
        return {"OK": False, "Message": message}

    result = _boundary.retried(call, pauses=(0, 0))
    assert result["Message"] == message
    assert len(calls) == (3 if retry else 1)
