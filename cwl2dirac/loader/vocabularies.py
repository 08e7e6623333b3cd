"""Hint vocabularies: cwl2dirac's own ``dirac:`` classes, DIRACGrid's dirac-cwl ones, and everything else.

Each hint of a document is sorted by the namespace its prefix is declared with (``$namespaces``):

- **cwl2dirac's** (``dirac: https://cwl2dirac.dev/ns#``, or an undeclared ``dirac:`` prefix naming one of
  cwl2dirac's classes): validated strictly; a misspelt class or field is an error with a suggestion.
- **dirac-cwl's** (DIRACGrid's prototype, version 1.3: ``dirac:Scheduling``, ``dirac:ExecutionHooks``,
  ``dirac:Production``; their documents declare ``dirac`` as the path of dirac-cwl's generated JSON schema, or
  not at all): each field is mapped onto cwl2dirac's hints with one info line per hint; a field with no
  equivalent is a warning naming it (see :data:`DIRAC_CWL` and docs/hints.md).
- **cwltool's** extensions (``http://commonwl.org/cwltool#``): left to cwltool, which runs the tools.
- **anything else**: a warning (CWL: a hint that is not understood is ignored), unless the class is a near miss
  of one of cwl2dirac's classes under an undeclared ``dirac:`` prefix (then an error, as for our namespace).

Messages go to the ``cwl2dirac.hints`` logger (the command line prints them on stderr).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from cwl2dirac.errors import Location, ValidationError
from cwl2dirac.loader.hints import HINT_CLASSES, NAMESPACE, PREFIX, parse_hint, suggest

log = logging.getLogger("cwl2dirac.hints")

CWLTOOL_NAMESPACE = "http://commonwl.org/cwltool#"

DIRAC_CWL: dict[str, dict[str, str]] = {
    "Scheduling": {
        "platform": "dirac:Job.platform",
        "priority": "dirac:Job.priority (DIRAC's range 0-10; larger values are capped at 10)",
        "sites": "dirac:Job.sites (a comma-separated string is split)",
    },
    "ExecutionHooks": {
        "hook_plugin": "none: cwl2dirac's worker registers every output itself (QueryBasedPlugin's configuration "
        "campaign/site become dirac:Metadata MCCampaign/site)",
        "configuration": "campaign → dirac:Metadata MCCampaign, site → dirac:Metadata site; the rest has none",
        "output_paths": "dirac:Job.output_path (an 'lfn:' location is the step's LFN base)",
        "output_sandbox": "none: every output is registered in the catalog; the job's output sandbox holds its logs",
        "output_se": "dirac:Job.output_se (the first storage element)",
        "group_size": "dirac:Transformation.group_size",
        "input_data": "none: give the files in the job order (or dirac:InputData)",
        "input_query": "dirac:Transformation.input_query",
    },
    "Production": {
        "input_dataset_plugin": "none: name a catalog dataset with dirac:InputData.datasets",
        "input_dataset_config": "none: name a catalog dataset with dirac:InputData.datasets",
    },
}
"""dirac-cwl 1.3's hint classes, their fields and what each becomes here (``none: ...`` = a warning)."""


def vocabulary(cls: str, namespaces: Mapping[str, str]) -> tuple[str, str]:
    """``(vocabulary, class name)`` of a hint class as cwl-utils gives it (``dirac:Job``, a full IRI, or a CWL
    class): vocabulary ``cwl2dirac``, ``dirac-cwl``, ``cwltool``, ``cwl`` (no prefix) or ``unknown``."""
    if cls.startswith(NAMESPACE):
        return "cwl2dirac", cls[len(NAMESPACE):]
    if cls.startswith(CWLTOOL_NAMESPACE):
        return "cwltool", cls[len(CWLTOOL_NAMESPACE):]
    if "#" in cls and "://" in cls:
        base, _, name = cls.rpartition("#")
        return ("dirac-cwl" if _is_dirac_cwl(base + "#") and name.split("/")[-1] in DIRAC_CWL else "unknown"), (
            name.split("/")[-1]
        )
    prefix, sep, name = cls.partition(":")
    if not sep:
        return "cwl", cls
    declared = namespaces.get(prefix)
    if declared is not None:
        if declared == NAMESPACE:
            return "cwl2dirac", name
        if declared == CWLTOOL_NAMESPACE:
            return "cwltool", name
        return ("dirac-cwl" if _is_dirac_cwl(declared) and name in DIRAC_CWL else "unknown"), name
    if prefix == "dirac":  # undeclared, as many dirac-cwl documents leave it
        if name in HINT_CLASSES:
            return "cwl2dirac", name
        if name in DIRAC_CWL:
            return "dirac-cwl", name
    if prefix == "cwltool":
        return "cwltool", name
    return "unknown", name


def _is_dirac_cwl(uri: str) -> bool:
    """A namespace dirac-cwl documents use for ``dirac``: the path of its generated schema (relative, as
    ``../../schemas/dirac-metadata.json#/$defs/``), or any IRI naming dirac-cwl."""
    text = uri.lower()
    return "dirac-metadata" in text or "dirac-cwl" in text or "dirac_cwl" in text or "diracgrid" in text


def translate(
    cls: str, fields: Mapping[str, Any], namespaces: Mapping[str, str], where: Location
) -> list[tuple[str, dict[str, Any]]] | None:
    """The hints one document hint stands for, as ``(class, fields)`` in cwl2dirac's vocabulary: ``None`` to keep
    it as it is (CWL's own and cwltool's classes), ``[]`` to drop it (an unknown class: a warning). cwl2dirac's
    own classes are validated here (a one-line error for a misspelt class or field)."""
    kind, name = vocabulary(cls, namespaces)
    if kind in ("cwl", "cwltool"):
        return None
    if kind == "cwl2dirac":
        parse_hint(PREFIX + name, dict(fields), where)
        return [(PREFIX + name, dict(fields))]
    if kind == "dirac-cwl":
        return _from_dirac_cwl(name, dict(fields), where)
    prefix = cls.partition(":")[0] if "://" not in cls else ""
    if prefix == "dirac" and prefix not in namespaces and suggest(name, HINT_CLASSES):
        raise ValidationError(f"unknown hint class 'dirac:{name}'{suggest(name, HINT_CLASSES)}", where)
    hint = suggest(name, DIRAC_CWL) if prefix == "dirac" else ""
    if hint:
        hint = hint.replace("did you mean", "did you mean dirac-cwl's")
    log.warning("%s: warning: unknown hint class '%s'%s, ignored", where.render(), cls, hint)
    return []


def _from_dirac_cwl(name: str, fields: dict[str, Any], where: Location) -> list[tuple[str, dict[str, Any]]]:
    known = DIRAC_CWL[name]
    for key in fields:
        if key not in known:
            log.warning(
                "%s: warning: dirac-cwl's dirac:%s.%s has no equivalent in cwl2dirac, ignored%s",
                where.render(), name, key, suggest(key, known),
            )
    mapping = {"Scheduling": _scheduling, "ExecutionHooks": _execution_hooks, "Production": _production}[name]
    out: dict[str, dict[str, Any]] = {}
    mapped: list[str] = []
    for key, value in fields.items():
        if key in known:
            mapping(key, value, out, mapped, name, where)
    result = [(PREFIX + cls, f) for cls, f in out.items() if f]
    for cls, f in result:
        parse_hint(cls, f, where)
    if mapped:
        log.info("%s: info: dirac-cwl's dirac:%s → %s", where.render(), name, "; ".join(mapped))
    return result


def _no_equivalent(name: str, key: str, where: Location) -> None:
    reason = DIRAC_CWL[name][key].removeprefix("none: ")
    log.warning("%s: warning: dirac-cwl's dirac:%s.%s has no equivalent (%s), ignored", where.render(), name, key,
                reason)


def _scheduling(
    key: str, value: Any, out: dict[str, dict[str, Any]], mapped: list[str], name: str, where: Location
) -> None:
    job = out.setdefault("Job", {})
    if value is None:
        return
    if key == "platform":
        job["platform"] = str(value)
        mapped.append(f"dirac:Job.platform {value}")
    elif key == "priority":
        priority = value
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= 10:
            priority = min(max(value, 0), 10)
            log.warning(
                "%s: warning: dirac-cwl's dirac:Scheduling.priority %s is outside DIRAC's range 0-10; %s is used",
                where.render(), value, priority,
            )
        job["priority"] = priority
        mapped.append(f"dirac:Job.priority {priority}")
    elif key == "sites":
        sites = [s.strip() for s in value.split(",")] if isinstance(value, str) else list(value)
        job["sites"] = [s for s in sites if s]
        mapped.append(f"dirac:Job.sites {', '.join(job['sites'])}")


def _lfn_base(port: str, value: Any, where: Location) -> str | None:
    text = str(value)
    path = text.removeprefix("lfn:").removeprefix("LFN:")
    if not path.startswith("/"):
        log.warning(
            "%s: warning: dirac-cwl's dirac:ExecutionHooks.output_paths.%s is not an LFN (%r), ignored",
            where.render(), port, text,
        )
        return None
    return path.rstrip("/") or "/"


def _execution_hooks(
    key: str, value: Any, out: dict[str, dict[str, Any]], mapped: list[str], name: str, where: Location
) -> None:
    if value is None:
        return
    if key == "output_paths":
        bases = {port: b for port, v in sorted(dict(value).items()) if (b := _lfn_base(port, v, where))}
        if not bases:
            return
        first = next(iter(bases.values()))
        for port, base in bases.items():
            if base != first:
                log.warning(
                    "%s: warning: dirac-cwl's dirac:ExecutionHooks.output_paths.%s (%s) differs from the step's LFN "
                    "base %s: cwl2dirac has one LFN base per step, so it is ignored",
                    where.render(), port, base, first,
                )
        out.setdefault("Job", {})["output_path"] = first
        mapped.append(f"dirac:Job.output_path {first} (from output_paths)")
    elif key == "output_se":
        ses = [value] if isinstance(value, str) else list(value)
        if not ses:
            return
        out.setdefault("Job", {})["output_se"] = str(ses[0])
        mapped.append(f"dirac:Job.output_se {ses[0]}")
        if len(ses) > 1:
            log.warning(
                "%s: warning: dirac-cwl's dirac:ExecutionHooks.output_se lists %d storage elements; cwl2dirac "
                "uploads to one, %s (the others are ignored)", where.render(), len(ses), ses[0],
            )
    elif key == "group_size":
        out.setdefault("Transformation", {})["group_size"] = value
        mapped.append(f"dirac:Transformation.group_size {value}")
    elif key == "input_query":
        out.setdefault("Transformation", {})["input_query"] = dict(value)
        mapped.append("dirac:Transformation.input_query")
    elif key == "configuration":
        rest = []
        for ckey, cvalue in dict(value).items():
            target = {"campaign": "MCCampaign", "site": "site"}.get(ckey)
            if target is None:
                rest.append(ckey)
                continue
            out.setdefault("Metadata", {}).setdefault("fields", {})[target] = cvalue
            mapped.append(f"dirac:Metadata {target} {cvalue} (from configuration.{ckey})")
        for ckey in rest:
            log.warning(
                "%s: warning: dirac-cwl's dirac:ExecutionHooks.configuration.%s (a parameter of its hook plugin) "
                "has no equivalent, ignored", where.render(), ckey,
            )
    elif key == "hook_plugin":
        if value != "QueryBasedPlugin":
            _no_equivalent(name, key, where)
    elif key == "output_sandbox":
        if value:
            _no_equivalent(name, key, where)
    else:
        _no_equivalent(name, key, where)


def _production(
    key: str, value: Any, out: dict[str, dict[str, Any]], mapped: list[str], name: str, where: Location
) -> None:
    if value:
        _no_equivalent(name, key, where)
