"""Reading a YAML file that a user wrote (a CWL document, a job order) so that whatever is wrong with it is one
located line: not text (binary, compressed, not UTF-8, a byte-order mark in the middle), empty, malformed YAML, a
key given twice, nesting too deep, a YAML alias that contains itself or expands without end.

The fast path is unchanged: the bytes are decoded once and parsed by libyaml (PyYAML's C parser); the checks add one
pass over the parsed values.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from cwl2dirac.errors import Cwl2DiracError, Location

_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_NESTING = 100
"""Levels of nesting a document may have (CWL documents have about ten; schema-salad's compiled parser crashes on
a few hundred)."""
MAX_EXPANDED = 2_000_000
"""Values a document may expand to through YAML aliases (a "billion laughs" document expands without end)."""

_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed"),
    (b"BZh", "bzip2-compressed"),
    (b"\xfd7zXZ\x00", "xz-compressed"),
    (b"(\xb5/\xfd", "zstd-compressed"),
    (b"PK\x03\x04", "zip"),
    (b"\x89HDF", "HDF5"),
    (b"\x7fELF", "executable (ELF)"),
    (b"%PDF", "PDF"),
)


class DuplicateKey(yaml.MarkedYAMLError):
    """A mapping gives the same key twice (YAML would keep only the last value)."""


_YAML12: tuple[tuple[str, str, str], ...] = (  # tag, pattern, first characters: ruamel's YAML 1.2 resolver
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$", "-+0123456789"),
    ("float", r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", "-+0123456789."),
)


class UniqueKeyLoader(_BASE_LOADER):
    """PyYAML's (C) safe loader, refusing a key given twice in one mapping, and reading plain scalars as YAML 1.2
    does (as cwltool and schema-salad, with ruamel, read them): ``yes``, ``no``, ``on``, ``off`` are strings, not
    booleans; ``1:20`` is a string, not the sexagesimal 80; ``2024-01-01`` is a string, not a date; ``017`` is 17,
    ``0o17`` is 15, ``1e5`` is a number."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag.rsplit(":", 1)[-1] not in (
            "bool", "int", "float", "timestamp")]
        for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = (key_node.tag, key_node.value)
            first = seen.setdefault(key, key_node)
            if first is not key_node:
                raise DuplicateKey(
                    None, None,
                    f"the key '{key_node.value}' is given twice in this mapping (first on line "
                    f"{first.start_mark.line + 1}); YAML would keep only the last one: rename or remove one",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep)


def _construct_int(loader: Any, node: Any) -> int:
    """An integer as YAML 1.2 reads it (ruamel's): ``0o``, ``0x``, ``0b`` prefixes, ``_`` ignored, a leading ``0``
    decimal."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if text.startswith(prefix):
            return sign * int(text[2:], base)
    return sign * int(text)


for _tag, _pattern, _first in _YAML12:
    UniqueKeyLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern, re.X), list(_first))
UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, len(data[start:offset].decode("utf-8", errors="replace")) + 1


def decode(data: bytes, uri: str, error: type[Cwl2DiracError], what: str = "document") -> str:
    """``data`` as text, or ``error`` at the first thing that makes it not UTF-8 text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise error(f"this is a {kind} file, not a YAML {what}: give the text file itself", Location(uri, (), 1, 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        raise error(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded (a binary file, or text in another "
            "encoding: save it as UTF-8)", Location(uri, (), line, col),
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line, col = _position(data, len(text[:nul].encode()))
        raise error(f"a binary file, not a YAML {what}: it holds NUL bytes", Location(uri, (), line, col))
    bom = text.find("\ufeff", 1)
    if bom >= 0:
        line, col = _position(data, len(text[:bom].encode()))
        raise error(
            "a byte-order mark (U+FEFF) in the middle of the text (files pasted together?): remove it",
            Location(uri, (), line, col),
        )
    return text.removeprefix("\ufeff")


def read_text(path: str, uri: str, error: type[Cwl2DiracError], what: str = "document") -> str:
    """The text of the file at ``path`` (``uri``, for locations), or ``error`` saying why it cannot be read."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"file not found: {path}") from None
    except IsADirectoryError:
        raise error(f"{path} is a directory, not a {what} file") from None
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}") from None
    return decode(data, uri, error, what)


def load_yaml(text: str, uri: str, error: type[Cwl2DiracError]) -> Any:
    """Parse ``text`` (refusing duplicate keys); a YAML error is ``error`` at its line and column."""
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "malformed YAML"
        if isinstance(exc, DuplicateKey):
            raise error(str(problem), Location(uri, (), line, col)) from None
        raise error(f"malformed YAML: {problem}", Location(uri, (), line, col)) from None
    except yaml.YAMLError as exc:  # a reader error (a character YAML does not allow) has no problem mark
        where = getattr(exc, "position", None)
        line, col = (None, None)
        if where is not None:
            line = text.count("\n", 0, where) + 1
            col = where - (text.rfind("\n", 0, where) + 1) + 1
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise error(f"malformed YAML: {reason}", Location(uri, (), line, col)) from None
    except RecursionError:
        raise error(f"the document nests more than {MAX_NESTING} levels deep", Location(uri, (), 1, 1)) from None


class _Checker:
    """One pass over parsed YAML values: nesting depth, aliases that contain themselves, expansion through
    aliases, and the ``$import``/``$include`` references (collected, with their key paths)."""

    def __init__(self, aliases: bool) -> None:
        self.aliases = aliases
        self.active: set[int] = set()
        self.known: dict[int, tuple[int, int]] = {}
        self.imports: list[tuple[tuple[str | int, ...], str, str]] = []

    def walk(self, node: Any, path: tuple[str | int, ...]) -> tuple[int, int]:
        """(values below ``node``, aliases expanded; its height); raises _Found with a reason and a path."""
        if len(path) > MAX_NESTING:
            raise _Found(f"the document nests more than {MAX_NESTING} levels deep", path)
        key = id(node)
        if self.aliases:
            known = self.known.get(key)
            if known is not None:
                if len(path) + known[1] > MAX_NESTING:
                    raise _Found(f"the document nests more than {MAX_NESTING} levels deep (through an alias)", path)
                return known
            if key in self.active:
                raise _Found("a YAML alias refers to a node that contains it (a recursive document)", path)
            self.active.add(key)
        total, height = 1, 1
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, value in items:
            if isinstance(value, dict | list):
                size, below = self.walk(value, (*path, k))
                total += size
                height = max(height, below + 1)
            else:
                total += 1
                if k in ("$import", "$include") and isinstance(value, str) and isinstance(node, dict):
                    self.imports.append(((*path, k), str(k), value))
        if self.aliases:
            self.active.discard(key)
            self.known[key] = (total, height)
            if total > MAX_EXPANDED:
                raise _Found(f"the document expands to more than {MAX_EXPANDED} values through YAML aliases", path)
        return total, height


def _mark(text: str, path: tuple[str | int, ...]) -> tuple[int, int]:
    """Line and column (1-based) of the node at ``path``, from libyaml's node tree."""
    node = yaml.compose(text, Loader=_BASE_LOADER)
    best = (1, 1)
    for key in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
        else:
            node = None
        if node is None:
            break
        best = (node.start_mark.line + 1, node.start_mark.column + 1)
    return best


class _Found(Exception):
    def __init__(self, reason: str, path: tuple[str | int, ...]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


def check_structure(
    data: Any, text: str, uri: str, error: type[Cwl2DiracError]
) -> list[tuple[tuple[str | int, ...], str, str]]:
    """Refuse a document that nests too deeply or whose aliases recurse or explode; returns its ``$import`` and
    ``$include`` references as (key path, key, target)."""
    if not isinstance(data, dict | list):
        return []
    checker = _Checker(aliases="*" in text)
    try:
        checker.walk(data, ())
    except _Found as found:
        if "nests" in found.reason:  # a line-preserving re-read would nest as deep: ask libyaml for the position
            line, col = _mark(text, found.path)
            raise error(found.reason, Location(uri, (), line, col)) from None
        raise error(found.reason, Location(uri, found.path)) from None
    except RecursionError:
        raise error(f"the document nests more than {MAX_NESTING} levels deep", Location(uri, (), 1, 1)) from None
    return checker.imports
