"""The one rule for LFNs, LFN bases, output paths and staged file names: nothing resolves outside its directory or
its LFN namespace.

- an **LFN base** (``dirac:Job.output_path``, a step's ``output_path``): an absolute path of plain names, no ``..``;
- an **LFN**: an absolute path of names (no ``.``, ``..`` or empty part, no control character), at most
  :data:`MAX_DIR` characters of directory and :data:`MAX_NAME` of file name (DIRAC's ``FC_DirectoryList.DirName``
  and ``FC_Files.FileName``), below its base when one is given;
- a **file name** (the basename a file is staged or registered under): one name, not ``.`` or ``..``, no ``/``;
- a **relative path** (an output glob): relative, never climbing above the directory it is evaluated in;
- a **path inside a directory** (an output the tool produced, a stored replica): its real path, symbolic links
  followed, is in that directory.

The compiler checks what it knows (bases, the job order's names, literal globs), the worker what it computes (every
LFN it registers, every output it collects, every name it stages), and the local store every LFN it writes; the
DIRAC backend's catalog calls the same functions. Each raises :class:`~cwl2dirac.errors.PathEscape` with the rule.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from cwl2dirac.errors import Location, PathEscape

MAX_NAME = 128
"""Characters of an LFN's file name (DIRAC ``FC_Files.FileName VARCHAR(128)``)."""
MAX_DIR = 1024
"""Characters of an LFN's directory (DIRAC ``FC_DirectoryList.DirName VARCHAR(1024)``)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BASE_PART = re.compile(r"^[A-Za-z0-9_.+=@%,-]+$")
BASE_RULE = (
    "an LFN base is an absolute path of names made of letters, digits and . _ - + = @ % , "
    "(no '..', '.' or empty part), e.g. '/ctao/MC/PROD6'"
)
LFN_RULE = "an LFN is an absolute path of names, without '.', '..' or empty parts and without control characters"
NAME_RULE = "a file name is one name: not empty, '.' or '..', without '/' or control characters"


def _show(text: str, limit: int = 60) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else f"{shown[: limit - 4]}...{shown[-1]} ({len(text)} characters)"


def check_name(name: object, what: str = "file name", location: Location | None = None) -> str:
    """``name`` if it is one plain file name (what a file is staged or registered under), else
    :class:`PathEscape`."""
    if not isinstance(name, str) or not name:
        raise PathEscape(f"{what} is empty; {NAME_RULE}", location)
    if name in (".", ".."):
        raise PathEscape(f"{what} {name!r} names a directory, not a file in it; {NAME_RULE}", location)
    if "/" in name:
        raise PathEscape(f"{what} {_show(name)} contains '/'; {NAME_RULE}", location)
    if _CONTROL.search(name):
        raise PathEscape(f"{what} {_show(name)} contains a control character; {NAME_RULE}", location)
    return name


def _parts(path: str, what: str, rule: str, location: Location | None) -> list[str]:
    if not isinstance(path, str) or not path:
        raise PathEscape(f"{what} is empty; {rule}", location)
    if not path.startswith("/"):
        raise PathEscape(f"{what} {_show(path)} is relative; {rule}", location)
    if _CONTROL.search(path):
        raise PathEscape(f"{what} {_show(path)} contains a control character; {rule}", location)
    parts = path[1:].split("/")
    for part in parts:
        if part in ("..", "."):
            raise PathEscape(f"{what} {_show(path)} has a {part!r} part; {rule}", location)
        if part == "":
            raise PathEscape(f"{what} {_show(path)} has an empty part ('//' or a trailing '/'); {rule}", location)
    return parts


def check_lfn_base(base: object, what: str = "LFN base", location: Location | None = None) -> str:
    """``base`` without its trailing ``/`` (``"/"`` gives ``""``) if it is an acceptable LFN base, else
    :class:`PathEscape`."""
    if not isinstance(base, str):
        raise PathEscape(f"{what} must be a string; {BASE_RULE}", location)
    stripped = base.rstrip("/") if base != "/" else ""
    if stripped == "" and base.startswith("/"):
        return ""
    for part in _parts(stripped or base, what, BASE_RULE, location):
        if not _BASE_PART.match(part):
            bad = next(c for c in part if not _BASE_PART.match(c))
            raise PathEscape(f"{what} {_show(base)} contains {bad!r}; {BASE_RULE}", location)
    if len(stripped) > MAX_DIR - 64:
        raise PathEscape(
            f"{what} is {len(stripped)} characters long; DIRAC keeps at most {MAX_DIR} characters of an LFN's "
            "directory, and the production, step and task come below the base", location,
        )
    return stripped


def check_lfn(lfn: object, base: str | None = None, what: str = "LFN", location: Location | None = None) -> str:
    """``lfn`` if it is an acceptable LFN (below ``base`` when given), else :class:`PathEscape`.

    ``base``: the LFN namespace the file must be in (a step's ``output_path``, ``/<production>/_inputs``); the LFN
    must be strictly below it."""
    if not isinstance(lfn, str):
        raise PathEscape(f"{what} must be a string; {LFN_RULE}", location)
    parts = _parts(lfn, what, LFN_RULE, location)
    if len(parts[-1]) > MAX_NAME:
        raise PathEscape(
            f"{what} {_show(lfn)}: its file name has {len(parts[-1])} characters; DIRAC keeps at most {MAX_NAME}",
            location,
        )
    directory = lfn[: -len(parts[-1]) - 1]
    if len(directory) > MAX_DIR:
        raise PathEscape(
            f"{what} {_show(lfn)}: its directory has {len(directory)} characters; DIRAC keeps at most {MAX_DIR}",
            location,
        )
    if base is not None:
        prefix = check_lfn_base(base, "LFN base", location) + "/"
        if not lfn.startswith(prefix):
            raise PathEscape(f"{what} {_show(lfn)} is not below its base {base!r}", location)
    return lfn


LFN_SCHEME = "lfn:"
"""A job-order File already in the grid's catalog: ``location: lfn:/<vo>/…`` (DIRAC's and dirac-cwl's spelling;
``lfn://<vo>/…`` names the same file)."""


def lfn_of(location: str) -> str | None:
    """The LFN a job-order ``location`` names, or None when it is not an ``lfn:`` URI: ``lfn:/vo/path``,
    ``lfn://vo/path`` and ``lfn:///vo/path`` (any case of ``lfn``) all name ``/vo/path``. Not checked (see
    :func:`check_lfn`): ``lfn:vo/path`` gives the relative ``vo/path``."""
    if location[: len(LFN_SCHEME)].lower() != LFN_SCHEME:
        return None
    rest = location[len(LFN_SCHEME) :]
    return "/" + rest.lstrip("/") if rest.startswith("/") else rest


def escapes(pattern: str) -> bool:
    """True if the relative path (or glob) ``pattern`` can name something outside the directory it is evaluated in:
    it is absolute, or climbs above it with ``..``."""
    if pattern.startswith("/"):
        return True
    normal = posixpath.normpath(pattern)
    return normal == ".." or normal.startswith("../")


def check_relative(pattern: object, what: str = "path", location: Location | None = None) -> str:
    """``pattern`` if it is a relative path (or glob) that stays inside its directory, else :class:`PathEscape`."""
    if not isinstance(pattern, str):
        raise PathEscape(f"{what} must be a string", location)
    if escapes(pattern):
        kind = "is absolute" if pattern.startswith("/") else "climbs out with '..'"
        raise PathEscape(f"{what} {_show(pattern)} {kind}; it must stay inside its directory", location)
    if "\x00" in pattern:
        raise PathEscape(f"{what} {_show(pattern)} contains a NUL character", location)
    return pattern


def is_inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (its real path: symbolic links followed) is ``root`` or inside it."""
    real = os.path.realpath(path)
    top = os.path.realpath(root)
    return real == top or real.startswith(top.rstrip("/") + "/")


def check_inside(
    path: str | os.PathLike[str], roots: Path | str | list[Path] | list[str], what: str = "path"
) -> Path:
    """``path`` if its real path is inside one of ``roots``, else :class:`PathEscape` naming the first root."""
    tops = roots if isinstance(roots, list) else [roots]
    if any(is_inside(path, top) for top in tops):
        return Path(path)
    raise PathEscape(f"{what} {os.fspath(path)} is outside {os.fspath(tops[0])}")


__all__ = [
    "BASE_RULE",
    "LFN_RULE",
    "MAX_DIR",
    "MAX_NAME",
    "NAME_RULE",
    "check_inside",
    "check_lfn",
    "check_lfn_base",
    "check_name",
    "check_relative",
    "escapes",
    "is_inside",
]
