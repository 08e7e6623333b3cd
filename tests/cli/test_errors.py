"""Bad documents and bad inputs: one line ``file:line:col: message``, the right exit code, no traceback,
through the CLI (``cwl2dirac validate`` in a subprocess) and the Python API (the right error class)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import DATA

from cwl2dirac.compiler import compile_workflow
from cwl2dirac.errors import InputError, LoadError, UnsupportedFeature, ValidationError

CLI = str(Path(sys.executable).with_name("cwl2dirac"))

# (workflow, inputs, error class, line, column, message (or its start), exit code)
CASES = [
    (
        "bad/malformed.cwl",
        None,
        LoadError,
        9,
        16,
        "malformed YAML: mapping values are not allowed in this context",
        1,
    ),
    ("bad/unknown_field.cwl", None, LoadError, 12, 5, "invalid field `scater` (did you mean `scatter`?)", 1),
    ("bad/wrong_type.cwl", None, LoadError, 12, 5, "Value is a int, but valid values for this field are", 1),
    ("bad/missing_run.cwl", None, LoadError, 8, 5, "contains undefined reference to", 1),
    (
        "bad/dangling.cwl",
        None,
        ValidationError,
        15,
        7,
        "step 'copy' input 'infile': source 'sya/out' names nothing (did you mean 'say/out'?)",
        1,
    ),
    (
        "bad/incompatible.cwl",
        None,
        ValidationError,
        15,
        7,
        "step 'simulate' input 'run_number' expects int but its source say/out gives File",
        1,
    ),
    ("bad/cycle.cwl", None, ValidationError, 7, 3, "the workflow has a cycle: a -> b -> a", 1),
    (
        "bad/hint_class.cwl",
        None,
        ValidationError,
        15,
        7,
        "unknown hint class 'dirac:Jbo' (did you mean 'Job'?)",
        1,
    ),
    (
        "bad/hint_field.cwl",
        None,
        ValidationError,
        16,
        9,
        "unknown field 'platfrom' in dirac:Job (did you mean 'platform'?)",
        1,
    ),
    (
        "bad/hint_value.cwl",
        None,
        ValidationError,
        17,
        9,
        "dirac:Job.priority: input should be a valid integer",
        1,
    ),
    (
        "bad/metadata_value.cwl",
        None,
        ValidationError,
        18,
        11,
        "metadata field 'data_level' is declared int but gets 'DL1'",
        1,
    ),
    (
        "bad/two_parents.cwl",
        None,
        UnsupportedFeature,
        23,
        3,
        "step 'pair': scatter over several file inputs (first, second)",
        33,
    ),
    (
        "fidelity/refused_nested_output_consumed.cwl",
        "fidelity/nested_crossproduct_values.yml",
        UnsupportedFeature,
        25,
        10,
        "step 'count': input 'files' takes 'pair/file', gathered from the nested scatters of step 'pair'",
        33,
    ),
    (
        "scatter.cwl",
        "bad/scatter_missing.yml",
        InputError,
        1,
        1,
        "missing required input 'particles' (string[])",
        1,
    ),
    ("scatter.cwl", "bad/scatter_nofile.yml", InputError, 3, 5, "input 'infiles': file ", 1),
    (
        "simulation.cwl",
        "bad/simulation_mistyped.yml",
        InputError,
        2,
        1,
        "input 'n_runs' expects int but got 'five'",
        1,
    ),
    (
        "simulation.cwl",
        "bad/simulation_unknown.yml",
        InputError,
        2,
        1,
        "unknown input 'n_rusn' (did you mean 'n_runs'?)",
        1,
    ),
    (
        "multi/pipeline.cwl",
        "bad/multi_enum.yml",
        InputError,
        1,
        1,
        "input 'particle' must be one of gamma, proton, electron, not 'muon'",
        1,
    ),
    (
        "multi/pipeline.cwl",
        "bad/multi_record.yml",
        InputError,
        2,
        12,
        "input 'pointing.zenith' expects float",
        1,
    ),
]
IDS = [f"{wf}+{inputs}" if inputs else wf for wf, inputs, *_ in CASES]


def _where(case) -> str:
    workflow, inputs, cls, line, col, _msg, _code = case
    return f"{inputs if cls is InputError else workflow}:{line}:{col}: "


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_prints_one_located_line(case):
    workflow, inputs, _cls, _line, _col, message, code = case
    args = [CLI, "validate", workflow] + ([inputs] if inputs else [])
    result = subprocess.run(args, cwd=DATA, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(_where(case) + message)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_raises_the_error_class(case, monkeypatch):
    workflow, inputs, cls, _line, _col, message, code = case
    monkeypatch.chdir(DATA)
    with pytest.raises(cls) as info:
        compile_workflow(workflow, inputs, bodies=False)
    assert type(info.value) is cls
    assert info.value.exit_code == code
    assert str(info.value).startswith(_where(case) + message)
    assert "\n" not in str(info.value)
