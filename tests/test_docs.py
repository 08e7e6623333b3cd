"""The committed JSON schemas in docs/ are the ones the code generates."""

import json
from pathlib import Path

from cwl2dirac.loader.hints import HINT_CLASSES, json_schema
from cwl2dirac.request import request_json_schema

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_hints_schema_is_current() -> None:
    assert json.loads((DOCS / "dirac-hints.schema.json").read_text()) == json_schema()


def test_request_schema_is_current() -> None:
    assert json.loads((DOCS / "production-request.schema.json").read_text()) == request_json_schema()


def test_every_hint_class_is_documented() -> None:
    text = (DOCS / "hints.md").read_text()
    for name, model in HINT_CLASSES.items():
        assert f"dirac:{name}" in text
        for field in model.model_fields:
            assert f"`{field}`" in text, f"dirac:{name}.{field} is not documented"
