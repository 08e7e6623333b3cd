"""The loader: CWL v1.0-v1.2, multi-file documents, $import/$include, packed documents, named types."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cwl2dirac.errors import LoadError
from cwl2dirac.ir import CwlType
from cwl2dirac.loader import DocumentCache, load
from cwl2dirac.loader.documents import to_uri


def _plain(value: Any, uri: str) -> Any:
    """The IR as plain data, without source positions and tool documents, with the file URI blanked."""
    if dataclasses.is_dataclass(value):
        return {
            f.name: _plain(getattr(value, f.name), uri)
            for f in dataclasses.fields(value)
            if f.name not in ("location", "document", "cwl_version")
        }
    if isinstance(value, tuple | list):
        return [_plain(v, uri) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v, uri) for k, v in value.items()}
    if isinstance(value, str):
        return value.replace(uri, "<doc>")
    return value


@pytest.mark.parametrize("version", ["v1.0", "v1.1"])
def test_versions_give_the_same_ir(data, version):
    ref_uri = to_uri(data("chain", "chain_v1_2.cwl"))
    uri = to_uri(data("chain", f"chain_{version.replace('.', '_')}.cwl"))
    reference, other = load(ref_uri), load(uri)
    assert reference.cwl_version == "v1.2"
    assert other.cwl_version == version
    assert {s.tool.cwl_version for s in other.steps} == {version}
    assert _plain(other, uri) == _plain(reference, ref_uri)


def test_chain_ir(data):
    wf = load(data("chain", "chain_v1_2.cwl"))
    assert [s.id for s in wf.steps] == ["say", "copy"]
    copy = wf.step("copy")
    assert copy.tool.cls == "CommandLineTool"
    assert copy.tool.base_command == ("cat",)
    assert copy.input("infile").sources[0].step == "say"
    assert str(copy.input("infile").sources[0]) == "say/out"
    assert wf.outputs[0].type == CwlType("File")  # 'stdout' is a File
    assert wf.label == "echo then cat"


def test_inline_tools_are_named_deterministically(data):
    uri = to_uri(data("chain", "chain_v1_0.cwl"))
    wf = load(uri)
    tool = wf.step("say").tool
    assert tool.id == f"{uri}#say/run"
    assert tool.location is not None and tool.location.uri == uri
    assert tool.location.path == ("steps", "say", "run")
    document = dict(tool.document)
    assert "_:" not in str(document.get("id", ""))
    assert document["cwlVersion"] == "v1.0"  # the worker's cwltool needs it


def test_bare_tool_becomes_a_one_step_workflow(data):
    wf = load(data("tools", "echo.cwl"))
    assert [s.id for s in wf.steps] == ["echo"]
    assert [p.id for p in wf.inputs] == ["message"]
    assert [str(s) for s in wf.outputs[0].sources] == ["echo/out"]


def test_tools_in_another_folder_are_read_once(data):
    cache = DocumentCache()
    wf = load(data("multi", "pipeline.cwl"), cache)
    # pipeline.cwl, tools/describe.cwl and ../tools/cat.cwl (run by three steps)
    assert cache.reads == 3
    cat = wf.step("copy_a").tool
    assert cat is wf.step("copy_b").tool is wf.step("copy_c").tool
    assert cat.id == to_uri(data("tools", "cat.cwl"))
    load(data("multi", "pipeline.cwl"), cache)
    assert cache.reads == 3


def test_import_of_named_types_and_include(data):
    wf = load(data("multi", "pipeline.cwl"))
    particle = wf.input("particle").type
    assert particle.kind == "enum" and particle.name == "Particle"
    assert particle.symbols == ("gamma", "proton", "electron")
    pointing = wf.input("pointing").type
    assert pointing.kind == "record" and pointing.name == "Pointing"
    assert pointing.fields == (("zenith", CwlType("float")), ("azimuth", CwlType("float")))
    tool = wf.step("describe").tool
    assert tool.input("particle").type == particle  # the same type through the tool's own $import
    assert tool.doc is not None and tool.doc.strip() == "Describes one particle type and pointing."


@pytest.mark.parametrize("suffix", ["", "#main"])
def test_packed_document(data, suffix):
    wf = load(data("packed", "packed.cwl") + suffix)
    assert [s.id for s in wf.steps] == ["say", "copy"]
    assert wf.step("say").tool.id.endswith("packed.cwl#echo")
    assert [str(s) for s in wf.outputs[0].sources] == ["copy/out"]
    assert dict(wf.step("copy").tool.document)["cwlVersion"] == "v1.2"


def test_packed_document_other_process_and_unknown_id(data):
    wf = load(data("packed", "packed.cwl") + "#echo")
    assert [s.tool.base_command for s in wf.steps] == [("echo",)]
    with pytest.raises(LoadError, match=r"no process 'nope' in this document \(it holds: cat, echo, main\)"):
        load(data("packed", "packed.cwl") + "#nope")


def test_packed_main_errors_point_into_the_graph(tmp_path, data):
    text = Path(data("packed", "packed.cwl")).read_text().replace("message: message", "message: mesage")
    (tmp_path / "p.cwl").write_text(text)
    from cwl2dirac.compiler import compile_workflow
    from cwl2dirac.errors import ValidationError

    with pytest.raises(ValidationError) as info:
        compile_workflow(tmp_path / "p.cwl", bodies=False)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "mesage" in t)
    assert str(info.value).split(":")[1] == str(line)


def test_unsupported_version(tmp_path):
    (tmp_path / "old.cwl").write_text(
        "cwlVersion: draft-3\nclass: Workflow\ninputs: []\noutputs: []\nsteps: []\n"
    )
    with pytest.raises(LoadError, match="unsupported cwlVersion 'draft-3'"):
        load(tmp_path / "old.cwl")


def test_missing_file():
    with pytest.raises(LoadError, match="file not found"):
        load("/nonexistent/workflow.cwl")


def test_scatter_methods_are_kept(data):
    wf = load(data("scatter_nested.cwl"))
    sweep = wf.step("sweep")
    assert sweep.scatter == ("first", "second")
    assert sweep.scatter_method == "nested_crossproduct"
    assert load(data("scatter.cwl")).step("sweep").scatter_method == "flat_crossproduct"
    assert load(data("scatter.cwl")).step("copy").scatter == ("infile",)


def test_when_link_merge_pick_value_default_value_from(data):
    wf = load(data("conditional.cwl"))
    assert wf.step("shout").when == "$(inputs.loud)"
    assert wf.step("shout").input("message").value_from == "$(self.toUpperCase())"
    pick = wf.step("pick").input("infile")
    assert pick.pick_value == "first_non_null" and len(pick.sources) == 2
    assert wf.step("list_a").input("files").link_merge == "merge_flattened"
    tagged = wf.step("tagged").input("message")
    assert tagged.has_default and tagged.default == "tag" and not tagged.sources
    assert wf.input("loud").has_default and wf.input("loud").default is False
    nested = next(o for o in wf.outputs if o.id == "nested")
    assert nested.link_merge == "merge_nested"
    assert str(nested.type) == "File[]"  # merge_nested of two File sources (cwltool refused File[][])
