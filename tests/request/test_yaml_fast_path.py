"""The fast YAML writer of the production request gives the bytes of the reference writer.

Reference: ``yaml.dump`` through PyYAML's representer and serializer with the request's string style (literal block
for multi-line strings). The fast path builds the serializer's events straight from the plain data; these tests
compare both on compiled requests and on data made to be awkward (strings the resolver would read as something else,
unicode, shared objects, odd numbers).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DATA, REPO

from cwl2dirac.compiler import compile_workflow
from cwl2dirac.errors import InputError
from cwl2dirac.request import ProductionRequest
from cwl2dirac.request._yaml import _reference_yaml
from cwl2dirac.request._yaml import yaml_text as _yaml_text

ROOT = REPO
WORKFLOWS = sorted((ROOT / "cwl" / "workflows").glob("*.cwl"))


class _ReferenceDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """The dumper ProductionRequest.to_yaml used before the fast path: SafeDumper, multi-line strings as ``|``."""


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_ReferenceDumper.add_representer(str, _str_presenter)


def _expected_yaml(data: Any) -> str:
    return yaml.dump(
        data, Dumper=_ReferenceDumper, sort_keys=True, default_flow_style=False, allow_unicode=True, width=110
    )


TRICKY = [
    "true", "false", "True", "yes", "No", "on", "null", "Null", "~", "123", "-7", "0x1F", "0o17", "1_000", "1e3",
    "1.5", ".inf", "-.Inf", ".nan", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "12:30:00", "=", "<<", ":", "- x",
    "-", "?", "? x", "#", "x #not a comment", "a: b", "a:b", "[1, 2]", "{a: 1}", "&anchor", "*alias", "!tag", "%TAG",
    "@at", "`tick", "|", ">", "'single'", '"double"', "", " ", " lead", "trail ", "  both  ", "\ttab lead",
    "tab\tinside", "é", "λx. x", "日本語", "emoji 🎉", "zero\u200bwidth", "line\u2028separator", "nel\x85char",
    "bell\x07", "multi\nline", "trailing newline\n", "two trailing\n\n", "\nleading newline", " lead\nspace",
    "crlf\r\nline", "only\rcarriage", "tabs\n\tin block\n", "long " + "word " * 40,
    "x" * 300, "long line in a block\n" + "y " * 80 + "\nend",
]


def _tricky_data() -> dict[str, Any]:
    """Plain data with every awkward string as a key and as a value, numbers and shared objects."""
    shared_list = ["a", "b"]
    shared_dict = {"k": shared_list, "t": "true"}
    inner = {"deep": [1, 2.5]}
    shared_dict["inner"] = inner
    empty: list[Any] = []
    return {
        "strings": list(TRICKY),
        "as_keys": {s: i for i, s in enumerate(TRICKY)},
        "numbers": [0, -1, 10**20, 1.0, -0.0, 0.0, 1e17, 1.5e-7, 3.14159, math.inf, -math.inf, math.nan],
        "bools": [True, False, None, 1, 0, 1.0],
        "empties": [{}, [], "", {"e": {}}, [[]]],
        "shared_1": shared_dict,
        "shared_2": [shared_dict, inner, shared_list, shared_list],
        "shared_3": {"again": shared_dict, "empty_a": empty, "empty_b": empty, "inner": inner},
    }


def test_tricky_plain_data_gives_the_reference_yaml() -> None:
    data = _tricky_data()
    expected = _expected_yaml(data)
    assert "&id001" in expected and "*id003" in expected  # the data does exercise anchors and aliases
    assert _yaml_text(data) == expected
    assert _reference_yaml(data) == expected


@pytest.mark.parametrize("value", [*TRICKY, 0, 1, -0.0, 1e17, math.nan, True, None, [], {}])
def test_each_value_alone_as_the_document(value: Any) -> None:
    assert _yaml_text(value) == _expected_yaml(value)
    assert _yaml_text({"v": value, value if isinstance(value, str) else "k": [value]}) == _expected_yaml(
        {"v": value, value if isinstance(value, str) else "k": [value]}
    )


@pytest.mark.parametrize(
    "data",
    [{1: "int key", 2: "b"}, {"a": (1, 2)}, {"a": {1: "x"}}, [1, {"k": b"bytes"}]],
    ids=["int-keys", "tuple", "nested-int-keys", "bytes"],
)
def test_data_outside_the_fast_path_falls_back_to_the_reference(data: Any) -> None:
    try:
        expected = _expected_yaml(data)
    except Exception as exc:  # the fast writer must fail the same way
        with pytest.raises(type(exc)):
            _yaml_text(data)
    else:
        assert _yaml_text(data) == expected


def _compiled() -> list[tuple[str, ProductionRequest]]:
    requests = []
    for workflow in WORKFLOWS:
        example = ROOT / "examples" / f"{workflow.stem}.yml"
        try:
            request = compile_workflow(str(workflow), str(example) if example.exists() else None)
        except InputError:  # the example names data files that are not in the checkout
            request = compile_workflow(str(workflow))
        requests.append((workflow.stem, request))
    requests.append(("scatter", compile_workflow(str(DATA / "scatter.cwl"), str(DATA / "scatter.yml"))))
    requests.append(("conditional", compile_workflow(str(DATA / "conditional.cwl"), str(DATA / "conditional.yml"))))
    return requests


@pytest.fixture(scope="module")
def compiled() -> list[tuple[str, ProductionRequest]]:
    return _compiled()


def _tricky_request(base: ProductionRequest) -> ProductionRequest:
    """``base`` with awkward strings in the free-form places of the schema (job order, descriptions, values)."""
    data = base.model_dump(mode="json")
    data["description"] = "multi\nline description\n"
    data["job_order"] = {**data["job_order"], **{f"tricky_{i}": s for i, s in enumerate(TRICKY)}}
    data["job_order"]["numbers"] = [0, -1, 1.5, -0.0, 1e17, 1.5e-7]  # (inf: model_dump(mode="json") makes it null)
    data["job_order"]["nested"] = {"true": "null", "list": list(TRICKY[:10]), "empty": {}}
    step = next(s for s in data["steps"] if s["config"]["inputs"] and s["config"]["outputs"])
    step["description"] = " lead: colon # hash"
    step["config"]["inputs"][0]["value"] = {"x": TRICKY, "y": "~"}
    step["config"]["inputs"][0]["default"] = "123"
    step["config"]["outputs"][0]["metadata"]["tricky"] = "a: b"
    return ProductionRequest.model_validate(data)


def _check(request: ProductionRequest, tmp_path: Path, name: str) -> None:
    data = request.to_data()
    assert request.to_yaml() == _expected_yaml(data), name
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"{name}{suffix}"
        request.write(path)
        assert ProductionRequest.read(path) == request, (name, suffix)


def test_compiled_requests_give_the_reference_bytes_and_read_back(
    compiled: list[tuple[str, ProductionRequest]], tmp_path: Path
) -> None:
    assert len(compiled) >= 5
    for name, request in compiled:
        _check(request, tmp_path, name)


def test_request_with_tricky_strings_gives_the_reference_bytes_and_reads_back(
    compiled: list[tuple[str, ProductionRequest]], tmp_path: Path
) -> None:
    for name, request in compiled[:2]:
        _check(_tricky_request(request), tmp_path, f"tricky_{name}")


def test_steps_running_the_same_tool_share_one_anchored_document(
    compiled: list[tuple[str, ProductionRequest]],
) -> None:
    for name, request in compiled:
        data = request.to_data()
        tools: dict[str, int] = {}
        for step in data["steps"]:
            tools.setdefault(json.dumps(step["config"]["tool"], sort_keys=True), id(step["config"]["tool"]))
            assert id(step["config"]["tool"]) == tools[json.dumps(step["config"]["tool"], sort_keys=True)], name
        text = request.to_yaml()
        shared = len(data["steps"]) - len(tools)
        assert (shared == 0) == ("*id001" not in text), name
