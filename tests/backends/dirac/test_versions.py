"""DIRAC server versions: those refused up front, and what a ProductionDB older than 9.1.13 cannot store."""

from __future__ import annotations

import pytest
from support import REPO

from cwl2dirac.backends.dirac.backend import DiracBackend
from cwl2dirac.backends.dirac.versions import (
    parse_version,
    stores_unescaped,
    unescaped_sql_problems,
    version_problem,
)
from cwl2dirac.compiler import compile_workflow
from cwl2dirac.request import ProductionRequest


@pytest.mark.parametrize(
    ("text", "expected"),
    [("v9.1.22", (9, 1, 22)), ("9.1.9", (9, 1, 9)), ("v8.0", (8, 0, 0)), ("", None), (None, None), ("dev", None)],
)
def test_parse_version(text: object, expected: tuple[int, int, int] | None) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("version", [(9, 1, 13), (9, 1, 15), (9, 1, 17)])
def test_the_versions_of_dirac_issue_8773_are_refused(version: tuple[int, int, int]) -> None:
    problem = version_problem(version)
    assert problem is not None and "8773" in problem and ".".join(map(str, version)) in problem


@pytest.mark.parametrize("version", [(9, 1, 9), (9, 1, 12), (9, 1, 18), (9, 1, 22), None])
def test_other_versions_are_accepted(version: tuple[int, int, int] | None) -> None:
    assert version_problem(version) is None


def test_only_versions_before_9_1_13_store_unescaped() -> None:
    assert stores_unescaped((9, 1, 9)) and stores_unescaped((9, 1, 12))
    assert not stores_unescaped((9, 1, 13)) and not stores_unescaped((9, 1, 22)) and not stores_unescaped(None)


@pytest.fixture(scope="module")
def full_chain(tmp_path_factory: pytest.TempPathFactory) -> ProductionRequest:
    import os

    here = os.getcwd()
    os.chdir(REPO)
    try:
        return compile_workflow("cwl/workflows/full_chain.cwl", "examples/full_chain.yml")
    finally:
        os.chdir(here)


def test_the_ctao_full_chain_is_stored_intact_by_an_old_production_db(full_chain: ProductionRequest) -> None:
    """What cwl2dirac itself writes (names, descriptions, queries, the job templates) holds nothing that DIRAC
    9.1.9's unescaped SQL would damage: the long description no longer quotes the step's name."""
    steps = DiracBackend().to_production_steps(full_chain)
    assert len(steps) == 13
    assert unescaped_sql_problems(steps, full_chain.name) == []
    assert all("'" not in s.LongDescription and full_chain.name in s.LongDescription for s in steps)


def test_a_quote_in_a_query_value_or_a_non_ascii_body_is_named(full_chain: ProductionRequest) -> None:
    spec = full_chain.steps[0]
    quoted = spec.model_copy(update={"output_query": {**spec.output_query, "campaign": "Prod6 'test'"}})
    second = full_chain.steps[1]
    accented = second.model_copy(update={"body": second.body.replace("</Workflow>", "é</Workflow>")})
    request = full_chain.model_copy(update={"steps": [quoted, accented, *full_chain.steps[2:]]})
    problems = unescaped_sql_problems(DiracBackend().to_production_steps(request), "a'name")
    assert problems[0] == "the production name \"a'name\" holds a ' (quote)"
    assert f"step '{quoted.dirac_name}': its output query holds a ' (quote)" in problems
    assert f"step '{accented.dirac_name}': its job template (body) holds the character 'é' (U+00E9)" in problems
