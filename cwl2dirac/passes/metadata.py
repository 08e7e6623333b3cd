"""Pass: catalog metadata of every output, output meta-queries, and input meta-queries derived from the graph.

Every registered entry gets ``cwl2dirac_production``, ``cwl2dirac_step`` and ``cwl2dirac_output`` (plus the
user's ``dirac:Metadata``), so a child's input query selects exactly its parents' outputs. A child with several
parents selects with ``in`` over their names; each parent→child pair stays acceptable to DIRAC's ProdValidator (per
key, one side's values contain the other's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cwl2dirac.errors import ValidationError
from cwl2dirac.ir import PortRef, Requirement, Step, Workflow
from cwl2dirac.loader.hints import Job, Metadata, MetadataFields, parse_hint
from cwl2dirac.passes.context import INPUTS_STEP, Compilation, StepPlan
from cwl2dirac.passes.graph import topological
from cwl2dirac.passes.hint_lookup import effective_hint, field_location, hint_chain
from cwl2dirac.request import (
    FIELD_FORMAT,
    FIELD_INDEX,
    FIELD_ITEM,
    FIELD_OUTPUT,
    FIELD_PRODUCTION,
    FIELD_SCATTER,
    FIELD_SECONDARY,
    FIELD_STEP,
)
from cwl2dirac.request.lfn import check_lfn_base
from cwl2dirac.request.names import check_field_name, check_value

VARCHAR, INT, FLOAT = "VARCHAR(128)", "INT", "FLOAT"
_TYPES = {"varchar": VARCHAR, "int": INT, "float": FLOAT}
CTAO_FIELDS: dict[str, str] = {
    "data_level": INT, "thetaP": FLOAT, "phiP": FLOAT, "merged": INT, "configuration_id": INT, "nsb": INT,
    "MCCampaign": VARCHAR, "site": VARCHAR, "particle": VARCHAR, "array_layout": VARCHAR, "sct": VARCHAR,
    "tel_sim_prog": VARCHAR, "tel_sim_prog_version": VARCHAR, "analysis_prog": VARCHAR,
    "analysis_prog_version": VARCHAR, "outputType": VARCHAR, "div_ang": VARCHAR, "split": VARCHAR,
}
"""Types of CTAO's catalog fields (shared/notes); ``dirac:MetadataFields`` may declare others or override."""
OWN_FIELDS = {
    FIELD_PRODUCTION: VARCHAR, FIELD_STEP: VARCHAR, FIELD_OUTPUT: VARCHAR,
    FIELD_INDEX: INT, FIELD_ITEM: INT, FIELD_SCATTER: INT, FIELD_FORMAT: VARCHAR, FIELD_SECONDARY: VARCHAR,
}
PER_FILE = (FIELD_INDEX, FIELD_ITEM, FIELD_SCATTER, FIELD_FORMAT, FIELD_SECONDARY)
"""Fields that describe one file, not a dataset: never part of a query."""
DEFAULT_OUTPUT_BASE = "/cwl2dirac"


def assign_metadata(comp: Compilation) -> Compilation:
    assert comp.graph is not None
    wf = comp.workflow
    declared = _declared_types(wf)
    fields: dict[str, str] = dict(OWN_FIELDS)
    port_md: dict[PortRef, dict[str, Any]] = {}
    input_queries: dict[str, dict[str, Any]] = {}
    input_metadata: dict[str, dict[str, Any]] = {}

    user_inputs = _input_data_hint(wf)
    for port in wf.inputs:
        if not port.type.carries_files:
            continue
        user = user_inputs.get(port.id, {})
        md = {FIELD_PRODUCTION: comp.name, FIELD_STEP: INPUTS_STEP, FIELD_OUTPUT: port.id, **user}
        hint = wf.find("dirac:InputData")
        written: dict[str, Any] = {
            key: hint.location.child("inputs", port.id, key) for key in user if hint is not None and hint.location
        }
        _type_fields(md, declared, fields, port.location, written)
        port_md[PortRef(None, port.id)] = md
        input_metadata[port.id] = md
        input_queries[port.id] = dict(user) if user else _exact(md)

    plans = dict(comp.plans)
    for step_id in topological(comp.graph):
        step = wf.step(step_id)
        plan = plans[step_id]
        input_query = _input_query(plan, plans, port_md, input_queries) if plan.drivers else None
        inherited = _inherited(input_query)
        user_common, user_ports, origins = _metadata_hints(step, wf)
        outputs: dict[str, dict[str, Any]] = {}
        for out_port in step.outputs:
            md = {FIELD_PRODUCTION: comp.name, FIELD_STEP: step.id, FIELD_OUTPUT: out_port}
            md.update(inherited)
            md.update(user_common)
            md.update(user_ports.get(out_port, {}))
            where = {key: origins.get((out_port, key)) or origins.get((None, key)) for key in md}
            _type_fields(md, declared, fields, step.location, where)
            outputs[out_port] = md
            port_md[PortRef(step.id, out_port)] = md
        output_query = _union_query(list(outputs.values())) if outputs else {
            FIELD_PRODUCTION: comp.name, FIELD_STEP: step.id
        }
        plans[step_id] = replace(
            plan,
            input_query=input_query,
            output_metadata=outputs,
            output_query=output_query,
            output_path=_output_path(step, wf, comp.name, plan),
        )
    return replace(
        comp, plans=plans, fields=fields, input_queries=input_queries, input_metadata=input_metadata
    )


def _inherited(input_query: Mapping[str, Any] | None) -> dict[str, Any]:
    """The user metadata a step's outputs inherit from its inputs: every single-valued user key of its input
    query (CTAO keeps campaign, site, particle, level… from parent to child; the step's own hints override)."""
    if not input_query:
        return {}
    return {k: v for k, v in input_query.items() if k not in OWN_FIELDS and not isinstance(v, Mapping)}


def exact_query(md: Mapping[str, Any]) -> dict[str, Any]:
    """The query that selects exactly the entries with this metadata (the index is not part of it)."""
    return _exact(md)


def _exact(md: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in md.items() if k not in PER_FILE}


def _union_query(mds: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A query selecting every entry described by one of ``mds``: keys common to all, ``in`` where values differ."""
    keys = set.intersection(*(set(md) for md in mds)) - set(PER_FILE)
    query: dict[str, Any] = {}
    for key in sorted(keys):
        values = sorted({md[key] for md in mds}, key=lambda v: (str(type(v)), v))
        query[key] = values[0] if len(values) == 1 else {"in": values}
    return query


def values_of(query_value: Any) -> set[Any]:
    if isinstance(query_value, Mapping):
        inner = next(iter(query_value.values()))
        return set(inner) if isinstance(inner, list) else {inner}
    return {query_value}


def _comparable(a: Any, b: Any) -> bool:
    va, vb = values_of(a), values_of(b)
    return va <= vb or vb <= va


def _input_query(
    plan: StepPlan, plans: Mapping[str, StepPlan], port_md: Mapping[PortRef, Mapping[str, Any]],
    input_queries: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    datasets = [d for d in plan.drivers if d.step is None]
    if datasets and len(datasets) == len(plan.drivers) and len(datasets) == 1:
        return dict(input_queries[datasets[0].port])
    query = _union_query([port_md[d] for d in plan.drivers])
    parents = sorted({d.step for d in plan.drivers if d.step is not None})
    for parent in parents:
        parent_query = plans[parent].output_query
        for key in list(query):
            if key not in parent_query:
                del query[key]
            elif not _comparable(query[key], parent_query[key]):
                if key == FIELD_OUTPUT:
                    wider = set().union(*(values_of(plans[p].output_query[FIELD_OUTPUT]) for p in parents))
                    query[key] = {"in": sorted(wider)}
                else:
                    del query[key]
    return query


def _metadata_hints(
    step: Step, wf: Workflow
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[tuple[str | None, str], Any]]:
    """The step's user metadata (common, per port) and where each value is written ((port or None, key))."""
    common: dict[str, Any] = {}
    ports: dict[str, dict[str, Any]] = {}
    origins: dict[tuple[str | None, str], Any] = {}
    for req in reversed(hint_chain(step, wf, "dirac:Metadata")):  # farthest first: the nearest level wins
        hint = _parse(req, Metadata)
        common.update(hint.fields)
        for key in hint.fields:
            origins[(None, key)] = req.location.child("fields", key) if req.location else None
        for port, md in hint.outputs.items():
            ports.setdefault(port, {}).update(md)
            for key in md:
                origins[(port, key)] = req.location.child("outputs", port, key) if req.location else None
    for port in ports:
        if step.tool.output(port) is None:
            raise ValidationError(
                f"dirac:Metadata.outputs names '{port}', which is not an output of step '{step.id}'",
                step.location,
            )
    return common, ports, origins


def _input_data_hint(wf: Workflow) -> dict[str, dict[str, Any]]:
    req = wf.find("dirac:InputData")
    if req is None:
        return {}
    from cwl2dirac.loader.hints import InputData

    hint = _parse(req, InputData)
    for name in hint.inputs:
        if wf.input(name) is None:
            raise ValidationError(f"dirac:InputData names '{name}', which is not a workflow input", req.location)
    return {k: dict(v) for k, v in hint.inputs.items()}


def _declared_types(wf: Workflow) -> dict[str, str]:
    declared = dict(CTAO_FIELDS)
    reqs: list[Requirement] = [*wf.hints, *wf.requirements]
    for step in wf.steps:
        reqs.extend(step.all_hints())
    for req in reqs:
        if req.cls == "dirac:MetadataFields":
            for name, kind in _parse(req, MetadataFields).fields.items():
                where = req.location.child("fields", name) if req.location else None
                declared[check_field_name(name, location=where)] = _TYPES[kind]
    return declared


def _type_fields(
    md: Mapping[str, Any], declared: Mapping[str, str], fields: dict[str, str], default_location: Any,
    where: Mapping[str, Any] | None = None,
) -> None:
    """Give every field of ``md`` its DIRAC type in ``fields``; names and values are checked against DIRAC's rules
    (:mod:`cwl2dirac.request.names`)."""
    for key, value in md.items():
        location = (where or {}).get(key) or default_location
        if key in OWN_FIELDS:
            check_value(key, value, OWN_FIELDS[key], location)
            continue
        check_field_name(key, location=location)
        if isinstance(value, bool):
            raise ValidationError(f"metadata field '{key}': booleans are not catalog values (use 0/1)", location)
        inferred = INT if isinstance(value, int) else FLOAT if isinstance(value, float) else VARCHAR
        kind = declared.get(key, fields.get(key, inferred))
        if (kind == INT and not isinstance(value, int)) or (kind == FLOAT and not isinstance(value, int | float)):
            raise ValidationError(
                f"metadata field '{key}' is declared {kind.lower()} but gets {_short(value)}", location
            )
        check_value(key, value, kind, location)
        fields[key] = kind


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:56]}...{text[-1]} ({len(str(value))} characters)"


def _output_path(step: Step, wf: Workflow, production: str, plan: StepPlan) -> str:
    """``<dirac:Job.output_path>/<production>/<step>``; the base must be an LFN base that stays in its namespace
    (:func:`~cwl2dirac.request.lfn.check_lfn_base`)."""
    job = effective_hint(step, wf, "dirac:Job", Job)
    if job is None or job.output_path is None:
        return f"{DEFAULT_OUTPUT_BASE}/{production}/{plan.dirac_name}"
    where = field_location(step, wf, "dirac:Job", "output_path")
    base = check_lfn_base(job.output_path, "dirac:Job.output_path", where)
    return check_lfn_base(f"{base}/{production}/{plan.dirac_name}", "the step's LFN directory", where)


def _parse(req: Requirement, model: type) -> Any:
    return parse_hint(req.cls, dict(req.fields), req.location)
