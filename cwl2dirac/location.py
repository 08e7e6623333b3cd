"""Where something stands in a document (:class:`Location`: a file URI + key path), shown as ``file:line:col``.

The fast load path parses YAML without line information; when an error must be shown, the file is read again with
ruamel (which keeps line and column of every node) and the key path is walked. CWL's two spellings of lists of
named things (a map keyed by id, or a list of maps with ``id``) are both understood.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlparse


@dataclass(frozen=True, slots=True)
class Location:
    """Where something stands in a document: a file URI plus a path of keys into its YAML tree.

    Line and column are resolved lazily (only when an error is shown), by re-reading the file with a
    line-preserving YAML parser; see :func:`resolve`.
    """

    uri: str
    path: tuple[str | int, ...] = ()
    line: int | None = None
    col: int | None = None

    def child(self, *keys: str | int) -> Location:
        return Location(self.uri, self.path + keys)

    def render(self) -> str:
        """``file:line:col`` (the file relative to the working directory when below it)."""
        return render_location(self)


def uri_to_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("", "file") else uri


def display_path(uri: str) -> str:
    """A path as a user would type it: relative to the working directory when below it."""
    path = uri_to_path(uri.split("#", 1)[0])
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


@lru_cache(maxsize=64)
def _tree(path: str) -> Any:
    from ruamel.yaml import YAML

    try:
        with open(path, encoding="utf-8") as fh:
            return YAML(typ="rt").load(fh)
    except Exception:
        return None


def _step_into(node: Any, key: str | int) -> Any:
    if isinstance(node, dict):
        if key in node:
            return node[key]
        return None
    if isinstance(node, list):
        if isinstance(key, int):
            return node[key] if 0 <= key < len(node) else None
        for item in node:
            if isinstance(item, dict) and str(item.get("id", "")).split("#")[-1].split("/")[-1] == key:
                return item
            if isinstance(item, dict) and item.get("class") == key:
                return item
    return None


def _position(parent: Any, key: str | int, node: Any) -> tuple[int, int] | None:
    lc = getattr(parent, "lc", None)
    if lc is not None:
        try:
            if isinstance(parent, dict) and key in parent:
                line, col = lc.key(key)
                return line + 1, col + 1
            if isinstance(parent, list) and node is not None:
                idx = parent.index(node)
                line, col = lc.item(idx)
                return line + 1, col + 1
        except Exception:
            pass
    lc = getattr(node, "lc", None)
    if lc is not None:
        return lc.line + 1, lc.col + 1
    return None


def resolve(location: Location) -> tuple[int, int] | None:
    """Line and column (1-based) of the deepest node of ``location.path`` that exists."""
    if location.line is not None:
        return location.line, location.col or 1
    path_of_file = uri_to_path(location.uri.split("#", 1)[0])
    tree = _tree(path_of_file)
    if tree is None:  # empty, or not YAML: its top is its first line
        return (1, 1) if not location.path and os.path.isfile(path_of_file) else None
    best: tuple[int, int] | None = (1, 1)
    node = tree
    for key in _key_path(tree, location):
        child = _step_into(node, key)
        if child is None:
            break
        pos = _position(node, key, child)
        if pos is not None:
            best = pos
        node = child
    return best


def _key_path(tree: Any, location: Location) -> tuple[str | int, ...]:
    """``location.path`` in the file's tree: a process named by its id in a document that is not packed is its top."""
    path = location.path
    if path[:1] == ("$graph",) and isinstance(tree, dict) and "$graph" not in tree:
        return path[2:]
    return path


def _raw_node(location: Location) -> Any:
    """The YAML node at ``location.path`` in its file (None where the path leads nowhere)."""
    tree = _tree(uri_to_path(location.uri.split("#", 1)[0]))
    node = tree
    for key in _key_path(tree, location):
        node = _step_into(node, key)
        if node is None:
            return None
    return node


def raw_value(location: Location) -> Any:
    """The plain value at ``location.path`` in its file as YAML reads it (None where the path does not lead to a
    node: a packed or imported document, an id that does not match)."""
    return _plain_yaml(_raw_node(location))


def float_text(location: Location) -> str | None:
    """How the file writes the float at ``location`` when it has an exponent (``1.23e5``): cwltool puts such a
    number on a command line from that text (``123000``), not from the float (``123000.0``). None otherwise."""
    from ruamel.yaml.scalarfloat import ScalarFloat

    node = _raw_node(location)
    if not isinstance(node, ScalarFloat) or getattr(node, "_exp", None) is None:
        return None
    from ruamel.yaml.representer import RoundTripRepresenter

    return str(RoundTripRepresenter().represent_scalar_float(node).value)


def _plain_yaml(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain_yaml(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain_yaml(v) for v in node]
    for kind in (bool, int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


def render_location(location: Location) -> str:
    pos = resolve(location)
    name = display_path(location.uri)
    return f"{name}:{pos[0]}:{pos[1]}" if pos else name
