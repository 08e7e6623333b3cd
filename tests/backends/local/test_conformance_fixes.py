"""Regressions for CWL conformance classes fixed in ``cwl2dirac run`` (own tiny tools, real cwltool)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from cwl2dirac.cli import main as cli


def run(tmp_path: Path, doc: dict[str, Any], job: dict[str, Any], *, expect: int = 0) -> dict[str, Any]:
    tool = tmp_path / "tool.cwl"
    tool.write_text(yaml.safe_dump({"cwlVersion": "v1.2", **doc}))
    order = tmp_path / "job.yml"
    order.write_text(yaml.safe_dump(job))
    res = CliRunner().invoke(
        cli,
        ["run", "--workdir", str(tmp_path / "work"), "--outdir", str(tmp_path / "out"), "--quiet", "-j", "1",
         str(tool), str(order)],
    )
    assert res.exit_code == expect, res.output
    return json.loads(res.stdout) if expect == 0 else {}


@pytest.fixture
def indir(tmp_path: Path) -> Path:
    d = tmp_path / "indir"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("a\n")
    (d / "sub" / "b.txt").write_text("bb\n")
    return d


LIST_DIR = {
    "class": "CommandLineTool",
    "requirements": [{"class": "ShellCommandRequirement"}],
    "inputs": {"d": "Directory"},
    "outputs": {"out": {"type": "File", "outputBinding": {"glob": "out.txt"}}},
    "arguments": ["cd", "$(inputs.d.path)", {"shellQuote": False, "valueFrom": "&&"}, "find", ".",
                  {"shellQuote": False, "valueFrom": "|"}, "sort"],
    "stdout": "out.txt",
}


def test_directory_input_of_a_tool(tmp_path: Path, indir: Path) -> None:
    out = run(tmp_path, LIST_DIR, {"d": {"class": "Directory", "location": str(indir)}})
    assert Path(out["out"]["path"]).read_text().split() == [".", "./a.txt", "./sub", "./sub/b.txt"]


def test_directory_input_of_a_workflow_step(tmp_path: Path, indir: Path) -> None:
    wf = {
        "class": "Workflow",
        "inputs": {"d": "Directory"},
        "outputs": {"out": {"type": "File", "outputSource": "ls/out"}},
        "steps": {"ls": {"run": LIST_DIR, "in": {"d": "d"}, "out": ["out"]}},
    }
    out = run(tmp_path, wf, {"d": {"class": "Directory", "location": str(indir)}})
    assert Path(out["out"]["path"]).read_text().split() == [".", "./a.txt", "./sub", "./sub/b.txt"]


def test_directory_output(tmp_path: Path) -> None:
    tool = {
        "class": "CommandLineTool",
        "baseCommand": ["sh", "-c", "mkdir -p res/sub && echo hi > res/h.txt && echo x > res/sub/x.txt"],
        "inputs": {},
        "outputs": {"res": {"type": "Directory", "outputBinding": {"glob": "res"}}},
    }
    out = run(tmp_path, tool, {})
    res = out["res"]
    assert res["class"] == "Directory" and res["basename"] == "res"
    assert [e["basename"] for e in res["listing"]] == ["h.txt", "sub"]
    assert res["listing"][0]["checksum"].startswith("sha1$") and res["listing"][0]["size"] == 3
    assert (Path(res["path"]) / "sub" / "x.txt").read_text() == "x\n"


CAT = {
    "class": "CommandLineTool",
    "baseCommand": ["cat"],
    "inputs": {"f": {"type": "File", "inputBinding": {"position": 1}}},
    "outputs": {"out": "stdout"},
    "stdout": "out.txt",
}


def test_file_literal_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CWL2DIRAC_WORKDIR_BASE", str(tmp_path / "runs"))
    out = run(tmp_path, CAT, {"f": {"class": "File", "contents": "literal text", "basename": "lit.txt"}})
    assert Path(out["out"]["path"]).read_text() == "literal text"


def test_directory_literal_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, indir: Path) -> None:
    monkeypatch.setenv("CWL2DIRAC_WORKDIR_BASE", str(tmp_path / "runs"))
    literal = {
        "class": "Directory",
        "basename": "lit",
        "listing": [
            {"class": "File", "basename": "x.txt", "contents": "x"},
            {"class": "File", "location": str(indir / "a.txt")},
        ],
    }
    out = run(tmp_path, LIST_DIR, {"d": literal})
    assert Path(out["out"]["path"]).read_text().split() == [".", "./a.txt", "./x.txt"]


NULL_TOOL = {
    "class": "ExpressionTool",
    "requirements": [{"class": "InlineJavascriptRequirement"}],
    "inputs": {},
    "outputs": {"out": "Any"},
    "expression": "$({'out': null})",
}


def test_null_step_output_takes_the_step_input_default(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("default file")
    wf = {
        "class": "Workflow",
        "inputs": {},
        "outputs": {"out": {"type": "File", "outputSource": "cat/out"}},
        "steps": {
            "null": {"run": NULL_TOOL, "in": {}, "out": ["out"]},
            "cat": {
                "run": CAT,
                "in": {"f": {"source": "null/out", "default": {"class": "File", "location": "d.txt"}}},
                "out": ["out"],
            },
        },
    }
    out = run(tmp_path, wf, {})
    assert Path(out["out"]["path"]).read_text() == "default file"


def test_union_file_or_string_input_with_a_string_default(tmp_path: Path) -> None:
    echo = {
        "class": "ExpressionTool",
        "requirements": [{"class": "InlineJavascriptRequirement"}],
        "inputs": {"i": ["File", "null", "string"]},
        "outputs": {"o": "string"},
        "expression": "$({'o': typeof inputs.i === 'string' ? inputs.i : 'file'})",
    }
    wf = {
        "class": "Workflow",
        "requirements": [{"class": "InlineJavascriptRequirement"}],
        "inputs": {"bar": {"type": ["File", "null", "string"], "default": "the default"}},
        "outputs": {"o": {"type": "string", "outputSource": "s/o"}},
        "steps": {"s": {"run": echo, "in": {"i": "bar"}, "out": ["o"]}},
    }
    assert run(tmp_path, wf, {}) == {"o": "the default"}


def test_file_format_travels_through_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("data\n")
    rev = {
        "class": "CommandLineTool",
        "$namespaces": {"ex": "http://example.org/fmt#"},
        "baseCommand": ["cat"],
        "inputs": {"i": {"type": "File", "format": "ex:text", "inputBinding": {}}},
        "outputs": {"o": {"type": "File", "format": "$(inputs.i.format)", "outputBinding": {"glob": "o.txt"}}},
        "stdout": "o.txt",
    }
    (tmp_path / "rev.cwl").write_text(yaml.safe_dump({"cwlVersion": "v1.2", **rev}))
    wf = {
        "class": "Workflow",
        "$namespaces": {"ex": "http://example.org/fmt#"},
        "inputs": {"i": {"type": "File", "format": "ex:text"}},
        "outputs": {"o": {"type": "File", "outputSource": "b/o"}},
        "steps": {
            "a": {"run": "rev.cwl", "in": {"i": "i"}, "out": ["o"]},
            "b": {"run": "rev.cwl", "in": {"i": "a/o"}, "out": ["o"]},
        },
    }
    out = run(tmp_path, wf, {"i": {"class": "File", "location": "in.txt", "format": "ex:text"}})
    assert out["o"]["format"] == "http://example.org/fmt#text"


def test_directory_literal_keeps_its_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CWL2DIRAC_WORKDIR_BASE", str(tmp_path / "runs"))
    tool = {
        "class": "CommandLineTool",
        "inputs": {"d": "Directory"},
        "outputs": {"out": "stdout"},
        "baseCommand": ["cat"],
        "stdin": "$(inputs.d.listing[0].path)",
    }
    literal = {"class": "Directory", "basename": "lit",
               "listing": [{"class": "File", "basename": "x.txt", "contents": "from the listing"}]}
    out = run(tmp_path, tool, {"d": literal})
    assert Path(out["out"]["path"]).read_text() == "from the listing"


def test_tool_document_with_its_own_id(tmp_path: Path) -> None:
    out = run(tmp_path, {**CAT, "id": "my_cat"}, {"f": {"class": "File", "location": str(tmp_path / "job.yml")}})
    assert out["out"]["basename"] == "out.txt"
