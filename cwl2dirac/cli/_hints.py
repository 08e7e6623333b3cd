"""``--hint`` and ``--hints``: ``dirac:`` hints from the command line, over the document's own.

``--hint 'STEP:dirac:CLASS.FIELD=VALUE'`` (repeatable; STEP ``*`` for the whole workflow; VALUE read as YAML, so
``8`` is a number and ``[a, b]`` a list) and ``--hints FILE.yml`` (``{STEP: {dirac:CLASS: {FIELD: VALUE}}}``) give
the override that :func:`cwl2dirac.compile`'s ``hints=`` gives: a field given here wins over the document's at the
same place; the fields it does not give keep the document's value. ``--hint`` wins over ``--hints``. Text that
cannot be a hint (no ``=``, an unknown class or field, a value the field cannot take) is a usage error, before
anything is compiled; a step the workflow does not have is reported by the compiler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml
from pydantic import ValidationError as PydanticValidationError

F = TypeVar("F", bound=Callable[..., Any])

Hints = dict[str, dict[str, dict[str, Any]]]

HINT_TEXT = re.compile(
    r"(?P<step>[^:=\s][^=]*?):(?P<cls>(?:dirac:)?[A-Za-z]\w*)\.(?P<field>[A-Za-z_]\w*)=(?P<value>.*)", re.DOTALL
)
SHAPE = "STEP:dirac:CLASS.FIELD=VALUE, e.g. 'merge:dirac:Job.priority=8' ('*' for the whole workflow)"


def parse_hint_text(text: str) -> tuple[str, str, str, Any]:
    """``STEP:dirac:CLASS.FIELD=VALUE`` → ``(step, "dirac:CLASS", field, value)``; :class:`click.BadParameter`
    naming what is wrong otherwise."""
    match = HINT_TEXT.fullmatch(text)
    if match is None:
        raise click.BadParameter(f"{text!r} is not a hint: write {SHAPE}")
    step, cls, field, raw = match["step"].strip(), match["cls"], match["field"], match["value"]
    if step == "dirac" and not match["cls"].startswith("dirac:"):
        raise click.BadParameter(f"{text!r}: give the step first: write {SHAPE}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        problem = str(getattr(exc, "problem", None) or exc).strip()
        raise click.BadParameter(f"{text!r}: the value {raw!r} is not a YAML value ({problem})") from None
    cls = cls if cls.startswith("dirac:") else f"dirac:{cls}"
    _check(step, cls, {field: value}, text)
    return step, cls, field, value


def _check(step: str, cls: str, fields: dict[str, Any], given: str) -> None:
    """A usage error unless ``cls`` is a ``dirac:`` hint class with these fields, each with a value it can take
    (fields it requires but that are not given here are the document's to give)."""
    from cwl2dirac.loader.hints import HINT_CLASSES, short_class, suggest

    short = short_class(cls)
    model = HINT_CLASSES.get(short or "")
    if short is None or model is None:
        name = short or cls
        raise click.BadParameter(
            f"{given!r}: unknown hint class '{cls}'{suggest(name, HINT_CLASSES)} "
            f"(classes: {', '.join('dirac:' + c for c in sorted(HINT_CLASSES))})"
        )
    for field in fields:
        if field not in model.model_fields:
            raise click.BadParameter(
                f"{given!r}: unknown field '{field}' in {cls}{suggest(field, model.model_fields)} "
                f"(fields: {', '.join(sorted(model.model_fields))})"
            )
    try:
        model.model_validate(fields)
    except PydanticValidationError as exc:
        for err in exc.errors():
            loc = [str(x) for x in err["loc"]]
            if loc and loc[0] in fields:  # a field given here, not one the document must give
                text = str(err["msg"])
                raise click.BadParameter(
                    f"{given!r}: {cls}.{'.'.join(loc)}: {text[:1].lower() + text[1:]} (got {err.get('input')!r})"
                ) from None


def _hint_callback(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(parse_hint_text(text) for text in value)


def _hints_file_callback(ctx: click.Context, param: click.Parameter, value: Path | None) -> Hints | None:
    """``--hints FILE.yml``: ``{STEP: {dirac:CLASS: {FIELD: VALUE}}}``, checked as ``--hint`` is."""
    if value is None:
        return None
    try:
        data = yaml.safe_load(value.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {str(value)!r}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = str(getattr(exc, "problem", None) or exc).strip()
        raise click.BadParameter(f"{value}{where}: not YAML ({problem})") from None
    shape = "{STEP: {dirac:CLASS: {FIELD: VALUE}}} (STEP '*' for the whole workflow)"
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise click.BadParameter(f"{value}: a hints file is a mapping {shape}")
    hints: Hints = {}
    for step, classes in data.items():
        if not isinstance(classes, dict) or not all(isinstance(f, dict) for f in classes.values()):
            raise click.BadParameter(f"{value}: step {str(step)!r}: a hints file is a mapping {shape}")
        for cls, fields in classes.items():
            full = str(cls) if str(cls).startswith("dirac:") else f"dirac:{cls}"
            _check(str(step), full, {str(k): v for k, v in fields.items()}, f"{value}: {step}: {cls}")
            hints.setdefault(str(step), {}).setdefault(full, {}).update({str(k): v for k, v in fields.items()})
    return hints


def hint_options(func: F) -> F:
    """The ``--hint`` and ``--hints`` options (parameters ``hint`` and ``hints_file``); :func:`gather` makes them
    the ``hints=`` of the API."""
    func = click.option(
        "--hints", "hints_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        callback=_hints_file_callback, default=None, metavar="FILE.yml",
        help="dirac: hints over the document's, from a YAML file {STEP: {dirac:CLASS: {FIELD: VALUE}}} "
        "(STEP '*' for the whole workflow).",
    )(func)
    func = click.option(
        "--hint", "hint", multiple=True, callback=_hint_callback, metavar="STEP:dirac:CLASS.FIELD=VALUE",
        help="A dirac: hint field over the document's, e.g. 'merge:dirac:Job.priority=8' or "
        "'*:dirac:Job.output_path=/cwl2dirac/x' ('*': the workflow); VALUE is YAML. Repeatable; wins over --hints.",
    )(func)
    return func


def gather(hint: tuple[tuple[str, str, str, Any], ...], hints_file: Hints | None) -> Hints | None:
    """The ``hints=`` of the API from ``--hints`` then each ``--hint`` (later ones win); None when neither."""
    if not hint and hints_file is None:
        return None
    merged: Hints = {step: {cls: dict(fields) for cls, fields in classes.items()}
                     for step, classes in (hints_file or {}).items()}
    for step, cls, field, value in hint:
        merged.setdefault(step, {}).setdefault(cls, {})[field] = value
    return merged
