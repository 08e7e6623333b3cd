"""DIRAC's rules for the names and values a production sends it, in one place, so that a request DIRAC would refuse
is refused when it is compiled (and by the local run, which uses the same catalog rules).

The rules are DIRAC 9's own (read in its source):

- **metadata field names**: ``FileCatalog.addMetadataField`` takes an SQL identifier (``MySQL._checkIdentifier``:
  ``^[a-zA-Z_][a-zA-Z0-9_]*$``), creates the MySQL table ``FC_FileMeta_<name>`` (MySQL names have at most 64
  characters, so the name at most :data:`MAX_FIELD_NAME`), and refuses the file catalog's own keys
  (``MetaQuery.FILE_STANDARD_METAKEYS``: ``Size``, ``GUID``, ``Path``...);
- **metadata values**: ``VARCHAR(128)`` at most 128 characters (control characters are refused too: DIRAC's
  meta-query strings cannot express them), ``INT`` a MySQL ``INT`` (32 bits, not a boolean), ``FLOAT`` a finite
  number;
- **production names**: ``Productions.ProductionName VARCHAR(255)``, but also the ``cwl2dirac_production`` value of
  every file (``VARCHAR(128)``) and a directory of every LFN, so letters, digits, ``_ . -``, at most 128, not all
  digits (``ProductionDB._getProductionID`` takes a number for an id);
- **transformation names**: ``%08d_Step<n>_<step>`` (``ProdTransManager``) in ``TransformationName VARCHAR(255)``;
- **transformation type, plugin, agent type**: ``CHAR(32)`` columns of ``ProductionSteps``.

Each check raises :class:`~cwl2dirac.errors.NameRuleError` with the rule in the message.
"""

from __future__ import annotations

import math
import re
from typing import Any

from cwl2dirac.errors import Location, NameRuleError

FIELD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
"""DIRAC's ``SQL_IDENTIFIER_RE`` (``DIRAC.Core.Utilities.MySQL``), which ``addMetadataField`` checks names with."""
MAX_FIELD_NAME = 64 - len("FC_FileMeta_")
"""A file metadata field is the MySQL table ``FC_FileMeta_<name>``; MySQL table names have at most 64 characters."""
RESERVED_FIELDS = frozenset({
    "SE", "CreationDate", "ModificationDate", "LastAccessDate", "User", "Group", "Path", "Name", "FileName",
    "CheckSum", "GUID", "UID", "GID", "Size", "Status",
})
"""``DIRAC.DataManagementSystem.Client.MetaQuery.FILE_STANDARD_METAKEYS``: refused by ``addMetadataField``."""
VARCHAR_LENGTH = 128
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
"""A MySQL ``INT`` column."""
MAX_PRODUCTION_NAME = 128
PRODUCTION_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
MAX_TRANSFORMATION_NAME = 255
"""``Transformations.TransformationName VARCHAR(255)``, which holds ``%08d_Step<n>_<step name>``."""
MAX_CHAR32 = 32
"""``ProductionSteps.Type``, ``Plugin``, ``AgentType``: ``CHAR(32)``."""

FIELD_RULE = (
    f"DIRAC's addMetadataField takes an identifier: a letter or '_', then letters, digits or '_', at most "
    f"{MAX_FIELD_NAME} characters"
)
PRODUCTION_RULE = (
    f"a production name is letters, digits, '_', '.' and '-' (not first), at most {MAX_PRODUCTION_NAME} "
    "characters, not a number (DIRAC would take it for a production id)"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _show(value: Any, limit: int = 50) -> str:
    shown = repr(value)
    if len(shown) <= limit:
        return shown
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{shown[: limit - 4]}...{shown[-1]}{size}"


def check_field_name(name: object, what: str = "metadata field", location: Location | None = None) -> str:
    """``name`` if DIRAC's ``addMetadataField`` accepts it, else :class:`NameRuleError`."""
    if not isinstance(name, str) or not FIELD_NAME.match(name) or len(name) > MAX_FIELD_NAME:
        raise NameRuleError(f"{what} name {_show(name)} is refused: {FIELD_RULE}", location)
    if name in RESERVED_FIELDS:
        raise NameRuleError(
            f"{what} name {name!r} is one of the file catalog's own keys ({', '.join(sorted(RESERVED_FIELDS))}), "
            "which addMetadataField refuses; choose another name", location,
        )
    return name


def check_value(field: str, value: Any, kind: str, location: Location | None = None) -> Any:
    """``value`` if it fits a DIRAC metadata field of type ``kind`` (``VARCHAR(128)``, ``INT``, ``FLOAT``), else
    :class:`NameRuleError`."""
    kind = kind.upper()
    if isinstance(value, bool):
        raise NameRuleError(
            f"metadata field '{field}': {value!r} is a boolean, which the catalog does not store; write 0 or 1",
            location,
        )
    if kind == "INT":
        if not isinstance(value, int):
            raise NameRuleError(f"metadata field '{field}' is int but gets {_show(value)}", location)
        if not INT_MIN <= value <= INT_MAX:
            raise NameRuleError(
                f"metadata field '{field}': {value} does not fit DIRAC's INT (from {INT_MIN} to {INT_MAX})", location
            )
    elif kind == "FLOAT":
        if not isinstance(value, int | float):
            raise NameRuleError(f"metadata field '{field}' is float but gets {_show(value)}", location)
        if not math.isfinite(value):
            raise NameRuleError(f"metadata field '{field}': {value!r} is not a finite number", location)
    elif kind.startswith("VARCHAR"):
        text = value if isinstance(value, str) else str(value)
        if len(text) > VARCHAR_LENGTH:
            raise NameRuleError(
                f"metadata field '{field}': value {_show(text)} is longer than the {VARCHAR_LENGTH} characters of "
                f"DIRAC's VARCHAR({VARCHAR_LENGTH})", location,
            )
        if _CONTROL.search(text):
            raise NameRuleError(
                f"metadata field '{field}': value {_show(text)} contains a control character (a newline, a tab...), "
                "which DIRAC's meta-queries cannot express", location,
            )
    else:
        raise NameRuleError(f"metadata field '{field}': unknown type {kind!r} (INT, FLOAT or VARCHAR(128))", location)
    return value


def check_production_name(name: object, location: Location | None = None) -> str:
    """``name`` if it is an acceptable production name, else :class:`NameRuleError`."""
    if (
        not isinstance(name, str)
        or not PRODUCTION_NAME.match(name)
        or len(name) > MAX_PRODUCTION_NAME
        or name.isdigit()
    ):
        raise NameRuleError(f"production name {_show(name)} is refused: {PRODUCTION_RULE}", location)
    return name


def check_transformation_name(name: str, position: int, location: Location | None = None) -> str:
    """``name`` (a step's DIRAC name, the ``position``-th step) if the transformation name DIRAC makes of it,
    ``%08d_Step<position>_<name>``, fits its 255 characters; else :class:`NameRuleError`."""
    full = f"{0:08d}_Step{position}_{name}"
    if not re.match(r"^[A-Za-z0-9_.-]+$", name):
        raise NameRuleError(
            f"step name {_show(name)}: a DIRAC step name is letters, digits, '_', '.' and '-'", location
        )
    if len(full) > MAX_TRANSFORMATION_NAME:
        raise NameRuleError(
            f"step name {_show(name)} is too long: DIRAC names its transformation '%08d_Step{position}_<name>', at "
            f"most {MAX_TRANSFORMATION_NAME} characters (so at most {MAX_TRANSFORMATION_NAME - len(full) + len(name)}"
            " for the step)", location,
        )
    return name


def check_char32(value: str, what: str, location: Location | None = None) -> str:
    """``value`` (a transformation type, plugin or agent type) if it fits DIRAC's ``CHAR(32)`` column and is one
    word, else :class:`NameRuleError`."""
    if not re.match(r"^[A-Za-z0-9_]+$", value) or len(value) > MAX_CHAR32:
        raise NameRuleError(
            f"{what} {_show(value)}: DIRAC stores it in a CHAR({MAX_CHAR32}) column; use one word of letters, "
            f"digits and '_', at most {MAX_CHAR32} characters", location,
        )
    return value


__all__ = [
    "FIELD_NAME",
    "FIELD_RULE",
    "INT_MAX",
    "INT_MIN",
    "MAX_FIELD_NAME",
    "MAX_PRODUCTION_NAME",
    "MAX_TRANSFORMATION_NAME",
    "PRODUCTION_RULE",
    "RESERVED_FIELDS",
    "VARCHAR_LENGTH",
    "check_char32",
    "check_field_name",
    "check_production_name",
    "check_transformation_name",
    "check_value",
]
