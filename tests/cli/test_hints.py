"""``--hint`` and ``--hints`` on ``validate``, ``compile``, ``graph``, ``submit`` and ``run``: the override the API's
``hints=`` gives; text that cannot be a hint is one line and exit code 2; the namespace error's remedies work."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from support import DATA

import cwl2dirac
from cwl2dirac.backends.dirac.submission import namespace_problem
from cwl2dirac.cli import main as cli
from cwl2dirac.request import ProductionRequest

ROOT = DATA.parents[1]
PROCESS_MERGE = [str(ROOT / "cwl/workflows/process_merge.cwl"), str(ROOT / "examples/process_merge.yml")]
FULL_CHAIN = [str(ROOT / "cwl/workflows/full_chain.cwl"), str(ROOT / "examples/full_chain.yml")]
ENGINES = ROOT / "tests/data/engines"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def compiled(tmp_path: Path, *args: str) -> ProductionRequest:
    out = tmp_path / "request.json"
    res = invoke("compile", *args, "-o", str(out))
    assert res.exit_code == 0, res.output
    return ProductionRequest.model_validate_json(out.read_text())


def step(request: ProductionRequest, name: str) -> Any:
    return next(s for s in request.steps if s.name == name)


def test_compile_hint_is_the_api_override(tmp_path: Path) -> None:
    given = {"merge": {"dirac:Transformation": {"group_size": 7}}, "*": {"dirac:Job": {"output_path": "/cwl2dirac/x"}}}
    by_cli = compiled(
        tmp_path, *PROCESS_MERGE, "--hint", "merge:dirac:Transformation.group_size=7",
        "--hint", "*:dirac:Job.output_path=/cwl2dirac/x",
    )
    by_api = cwl2dirac.compile(*PROCESS_MERGE, hints=given)
    assert by_cli.to_json() == by_api.to_json()
    assert step(by_cli, "merge").group_size == 7
    assert step(by_cli, "process").group_size != 7  # only the step named
    assert all(s.config.output_path.startswith("/cwl2dirac/x/") for s in by_cli.steps)


def test_hints_file_then_hint_wins(tmp_path: Path) -> None:
    hints = tmp_path / "hints.yml"
    hints.write_text(yaml.safe_dump({"merge": {"dirac:Transformation": {"group_size": 3, "max_retries": 5}}}))
    request = compiled(tmp_path, *PROCESS_MERGE, "--hints", str(hints), "--hint", "merge:Transformation.group_size=4")
    merge = step(request, "merge")
    assert (merge.group_size, merge.max_retries) == (4, 5)


def test_validate_graph_and_dry_run_take_hints(tmp_path: Path) -> None:
    res = invoke("validate", *PROCESS_MERGE, "--hint", "merge:dirac:Transformation.group_size=9")
    assert res.exit_code == 0 and "merge: Merging, group size 9" in res.output, res.output
    dot = tmp_path / "g.dot"
    res = invoke("graph", *PROCESS_MERGE, "-o", str(dot), "--hint", "merge:dirac:Transformation.group_size=9")
    assert res.exit_code == 0, res.output
    plain = tmp_path / "plain.dot"
    assert invoke("graph", *PROCESS_MERGE, "-o", str(plain)).exit_code == 0
    assert dot.read_text() != plain.read_text()
    with_hint = invoke("submit", "--dry-run", *PROCESS_MERGE, "--hint", "merge:dirac:Job.priority=8")
    without = invoke("submit", "--dry-run", *PROCESS_MERGE)
    assert with_hint.exit_code == 0 and without.exit_code == 0, with_hint.output
    assert json.loads(with_hint.stdout) != json.loads(without.stdout)
    api = cwl2dirac.describe(*PROCESS_MERGE, hints={"merge": {"dirac:Job": {"priority": 8}}})
    assert json.loads(with_hint.stdout) == api


def test_run_takes_hints(tmp_path: Path) -> None:
    work = tmp_path / "work"
    res = invoke(
        "run", "--quiet", "--outdir", str(tmp_path / "out"), "--workdir", str(work),
        "--hint", "sort:dirac:Transformation.max_retries=5", "--hint", "*:dirac:Job.output_path=/cwl2dirac/here",
        str(ENGINES / "chain.cwl"), str(ENGINES / "chain.yml"),
    )
    assert res.exit_code == 0, res.output
    request = ProductionRequest.model_validate_json((work / "request.json").read_text())
    assert step(request, "sort").max_retries == 5
    assert step(request, "upper").max_retries != 5
    assert all(s.config.output_path.startswith("/cwl2dirac/here/") for s in request.steps)
    res = invoke("run", "--engine", "cwltool", "--hint", "sort:dirac:Job.priority=1", str(ENGINES / "chain.cwl"),
                 str(ENGINES / "chain.yml"))
    assert res.exit_code == 2 and "not to cwltool" in res.output


@pytest.mark.parametrize("command", ["validate", "compile", "graph", "submit", "run"])
@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("merge", "is not a hint: write STEP:dirac:CLASS.FIELD=VALUE"),
        ("merge:dirac:Job.priority", "is not a hint"),
        ("dirac:Job.priority=3", "give the step first"),
        ("merge:dirac:Jobs.priority=3", "unknown hint class 'dirac:Jobs' (did you mean 'Job'?)"),
        ("merge:dirac:Job.priorty=3", "unknown field 'priorty' in dirac:Job (did you mean 'priority'?)"),
        ("merge:dirac:Job.priority=11", "dirac:Job.priority: input should be less than or equal to 10"),
        ("merge:dirac:Job.sites=[a", "is not a YAML value"),
    ],
)
def test_bad_hint_text_is_one_line_and_exit_2(tmp_path: Path, command: str, text: str, says: str) -> None:
    extra = ["-o", str(tmp_path / "g.svg")] if command == "graph" else []
    res = invoke(command, *PROCESS_MERGE, *extra, "--hint", text)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "--hint" in lines[0], res.output


def test_bad_hints_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for content, says in [
        ("[1, 2]", "a hints file is a mapping"),
        ("merge: {dirac:Job: {priorty: 3}}", "unknown field 'priorty'"),
        ("merge: {dirac:Job: 3}", "a hints file is a mapping"),
        ("merge: [", "not YAML"),
    ]:
        hints = tmp_path / "hints.yml"
        hints.write_text(content)
        res = invoke("compile", *PROCESS_MERGE, "--hints", str(hints))
        assert res.exit_code == 2, res.output
        assert len(res.output.strip().splitlines()) == 1 and says in res.output, res.output


def test_a_step_the_workflow_does_not_have() -> None:
    res = invoke("validate", *PROCESS_MERGE, "--hint", "merg:dirac:Job.priority=3")
    assert res.exit_code == 1
    assert res.output.strip() == (
        "hints given for step 'merg', which the workflow does not have (did you mean 'merge'?) "
        "(steps: merge, process; '*' for the whole workflow)"
    )


def remedies(message: str) -> list[str]:
    return re.findall(r"--hint '([^']+)'", message)


def test_the_namespace_error_names_remedies_that_work(tmp_path: Path) -> None:
    """The CTAO example sets the workflow's dirac:Job.output_path (/ctao/MC/PROD6): on a VO 'cwl2dirac' the error
    names a --hint for the workflow and one for the step; each, given as it is written, puts the step (and, for
    the workflow's, every step) inside the namespace."""
    request = compiled(tmp_path, *FULL_CHAIN)
    problem = namespace_problem(request, "cwl2dirac")
    assert problem is not None and "outside the VO's namespace /cwl2dirac/" in problem
    workflow_hint, step_hint = remedies(problem)
    assert workflow_hint == "*:dirac:Job.output_path=/cwl2dirac"
    fixed = compiled(tmp_path, *FULL_CHAIN, "--hint", workflow_hint)
    assert namespace_problem(fixed, "cwl2dirac") is None
    named = problem.split("'")[1]
    assert step_hint == f"{named}:dirac:Job.output_path=/cwl2dirac"
    one = compiled(tmp_path, *FULL_CHAIN, "--hint", step_hint)
    assert step(one, named).config.output_path.startswith("/cwl2dirac/")
    assert namespace_problem(one, "cwl2dirac") != problem  # the next step is named now
    # --lfn-base places the steps without dirac:Job.output_path: a workflow with none of them
    wrong = cwl2dirac.compile(*PROCESS_MERGE, lfn_base="/ctao/x")
    problem = namespace_problem(wrong, "cwl2dirac")
    assert problem is not None and "give --lfn-base /cwl2dirac (the default) or none" in problem
    assert namespace_problem(cwl2dirac.compile(*PROCESS_MERGE, lfn_base="/cwl2dirac"), "cwl2dirac") is None
    assert namespace_problem(cwl2dirac.compile(*PROCESS_MERGE), "cwl2dirac") is None
