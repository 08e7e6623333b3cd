"""DIRAC's name and value rules (``cwl2dirac.request.names``), checked against DIRAC's own code where it has it."""

from __future__ import annotations

import math

import pytest

from cwl2dirac.errors import NameRuleError
from cwl2dirac.request.names import (
    MAX_FIELD_NAME,
    RESERVED_FIELDS,
    check_char32,
    check_field_name,
    check_production_name,
    check_transformation_name,
    check_value,
)

HOSTILE_NAMES = ["bad name", "it's", 'a"b', "x; DROP TABLE FC_Files; --", "a\nb", "1st", "data-level", "a.b",
                 "x" * 300, "données", "", "a" * (MAX_FIELD_NAME + 1)]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_field_names_are_refused_with_the_rule(name: str) -> None:
    with pytest.raises(NameRuleError, match="addMetadataField takes an identifier"):
        check_field_name(name)


def test_the_rule_is_diracs_own() -> None:
    import importlib.util
    import re
    from pathlib import Path

    from DIRAC.DataManagementSystem.Client.MetaQuery import FILE_STANDARD_METAKEYS

    # DIRAC's MySQL module needs the MySQL client library to import: read its pattern from its source
    spec = importlib.util.find_spec("DIRAC.Core.Utilities.MySQL")
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text(encoding="utf-8")
    found = re.search(r'SQL_IDENTIFIER_RE = re\.compile\(r"([^"]+)"\)', source)
    assert found is not None
    SQL_IDENTIFIER_RE = re.compile(found.group(1))

    assert set(FILE_STANDARD_METAKEYS) == RESERVED_FIELDS
    for name in [*HOSTILE_NAMES, "data_level", "_x", "MCCampaign", "cwl2dirac_secondary_of", "a" * MAX_FIELD_NAME]:
        dirac_ok = bool(SQL_IDENTIFIER_RE.match(name)) and len(f"FC_FileMeta_{name}") <= 64
        try:
            check_field_name(name)
            ours = True
        except NameRuleError:
            ours = False
        assert ours == dirac_ok, name


def test_reserved_field_names() -> None:
    with pytest.raises(NameRuleError, match="file catalog's own keys"):
        check_field_name("Size")


@pytest.mark.parametrize(
    ("value", "kind", "reason"),
    [("x" * 129, "VARCHAR(128)", "longer than the 128"), ("x" * 5_000_000, "VARCHAR(128)", "5000000 characters"),
     ("a\nb", "VARCHAR(128)", "control character"), (True, "INT", "boolean"), (2**31, "INT", "does not fit"),
     ("1", "INT", "is int but gets"), (math.inf, "FLOAT", "not a finite"), ("x", "FLOAT", "is float but gets")],
)
def test_bad_values(value: object, kind: str, reason: str) -> None:
    with pytest.raises(NameRuleError) as info:
        check_value("field", value, kind)
    assert reason in info.value.message
    assert len(str(info.value)) < 300


def test_good_values_are_returned_unchanged() -> None:
    assert check_value("f", "x'); DROP TABLE FC_Files; --", "VARCHAR(128)") == "x'); DROP TABLE FC_Files; --"
    assert check_value("f", -(2**31), "INT") == -(2**31)
    assert check_value("f", 3, "FLOAT") == 3


@pytest.mark.parametrize("name", ["1234", "a b", "a/../b", ".hidden", "-x", "p" * 129, "it's", ""])
def test_bad_production_names(name: str) -> None:
    with pytest.raises(NameRuleError, match="not a number"):
        check_production_name(name)


def test_transformation_names_fit_dirac() -> None:
    assert check_transformation_name("gamma.process", 12) == "gamma.process"
    with pytest.raises(NameRuleError, match="too long"):
        check_transformation_name("s" * 250, 3)
    with pytest.raises(NameRuleError, match="letters, digits"):
        check_transformation_name("a b", 1)
    with pytest.raises(NameRuleError, match="CHAR"):
        check_char32("By Size", "plugin")
