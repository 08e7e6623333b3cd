"""Plain scalars read as cwltool reads them (schema-salad's ruamel, YAML 1.2, no timestamps), not as PyYAML's YAML 1.1:
``default: yes`` is the string 'yes' for cwltool; cwl2dirac took it for true and refused it for a string input
(issue 16, found with the `when: yes` of a workflow)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from schema_salad.utils import yaml_no_ts

from cwl2dirac.errors import LoadError
from cwl2dirac.loader import load
from cwl2dirac.loader.job_order import load_job_order
from cwl2dirac.loader.text import load_yaml

SCALARS = [
    "yes", "no", "on", "off", "y", "n", "Yes", "NO", "true", "True", "FALSE", "1:20", "1:20.5", "2024-01-01",
    "2024-01-01T10:00:00Z", "017", "0o17", "0x1F", "0b101", "1_000", "1e5", "1.5", "-1.5e3", ".5", ".inf", "-.inf",
    ".nan", "~", "null", "", "0", "-0", "+12", "12.", "09", "08.5", "abc",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_a_plain_scalar_is_what_cwltool_reads(scalar: str) -> None:
    mine = load_yaml(f"k: {scalar}\n", "file:///x.yml", LoadError)["k"]
    theirs = yaml_no_ts().load(f"k: {scalar}\n")["k"]
    kind = next(t for t in (bool, int, float, str, type(None)) if isinstance(theirs, t))
    assert type(mine) is kind, (mine, theirs)
    assert mine == theirs or (kind is float and math.isnan(mine) and math.isnan(theirs))


def test_yes_is_a_string_in_a_document_and_a_job_order(tmp_path: Path) -> None:
    tool = tmp_path / "tool.cwl"
    tool.write_text("cwlVersion: v1.2\nclass: CommandLineTool\nbaseCommand: echo\n"
                    "inputs:\n  m: {type: string, default: yes, inputBinding: {position: 1}}\n"
                    "outputs: []\n")
    (port,) = load(str(tool)).inputs
    assert port.default == "yes"
    order = tmp_path / "inputs.yml"
    order.write_text("m: off\n")
    assert load_job_order(str(order), load(str(tool))) == {"m": "off"}
