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
from cwl2dirac.loader.hints import InputData, Job, Metadata, MetadataFields, Transformation, parse_hint
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
    ctao,
)
from cwl2dirac.request.lfn import check_lfn_base
from cwl2dirac.request.names import check_field_name, check_value
from cwl2dirac.request.wire import FIELD_DATASET, FIELD_RUN

VARCHAR, INT, FLOAT = ctao.VARCHAR, ctao.INT, ctao.FLOAT
_TYPES = {"varchar": VARCHAR, "int": INT, "float": FLOAT}
CTAO_FIELDS: dict[str, str] = dict(ctao.TYPES)
"""Types of CTAO's catalog fields (:mod:`cwl2dirac.request.ctao`); ``dirac:MetadataFields`` may declare others or
override."""
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

    user_inputs, hint_datasets, hint_location = _input_data_hint(wf)
    datasets = _datasets(wf, hint_datasets, comp.datasets, hint_location)
    for port in wf.inputs:
        if not port.type.carries_files or port.id in wf.software_inputs:
            continue
        user = user_inputs.get(port.id, {})
        hint = wf.find("dirac:InputData")
        written: dict[str, Any] = {
            key: hint.location.child("inputs", port.id, key) for key in user if hint is not None and hint.location
        }
        if port.id in datasets:
            md, query = _dataset_input(datasets[port.id], user, comp, declared, fields, port.location)
        else:
            md = {FIELD_PRODUCTION: comp.name, FIELD_STEP: INPUTS_STEP, FIELD_OUTPUT: port.id, **user}
            _type_fields(md, declared, fields, port.location, written)
            # Files given (by the job order or a default) are registered with this production's fields: the query
            # selects exactly them (a shared catalog holds other productions' files of the same user metadata).
            # Without a value the input is a catalog query: its user metadata alone.
            given = port.default is not None or (
                comp.job_order is not None and comp.job_order.get(port.id) is not None
            )
            query = _exact(md) if given or not user else dict(user)
        port_md[PortRef(None, port.id)] = md
        input_metadata[port.id] = md
        input_queries[port.id] = query

    plans = dict(comp.plans)
    for step_id in topological(comp.graph):
        step = wf.step(step_id)
        plan = plans[step_id]
        input_query = _input_query(plan, plans, port_md, input_queries) if plan.drivers else None
        input_query = _refined(step, wf, plan, plans, input_query, datasets, declared, fields)
        inherited = _inherited(input_query, _inherit(step, wf))
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
        if input_query is not None:
            _refuse_own_outputs(step, input_query, outputs)
        output_query = _union_query(list(outputs.values())) if outputs else {
            FIELD_PRODUCTION: comp.name, FIELD_STEP: step.id
        }
        job = effective_hint(step, wf, "dirac:Job", Job)
        if job is not None and job.lfn_layout == "ctadirac":
            fields[FIELD_RUN] = declared.get(FIELD_RUN, INT)  # the worker sets it on every output, as CTADIRAC
        plans[step_id] = replace(
            plan,
            input_query=input_query,
            output_metadata=outputs,
            output_query=output_query,
            output_path=_output_path(step, wf, comp.name, plan, comp.lfn_base),
        )
    return replace(
        comp, plans=plans, fields=fields, input_queries=input_queries, input_metadata=input_metadata,
        datasets=datasets,
    )


def selects(query: Mapping[str, Any], md: Mapping[str, Any]) -> bool:
    """Whether an entry with metadata ``md`` matches ``query`` (``=``/``in`` terms or bare values)."""
    return all(key in md and md[key] in values_of(term) for key, term in query.items())


def _refuse_own_outputs(step: Step, input_query: Mapping[str, Any], outputs: Mapping[str, Mapping[str, Any]]) -> None:
    """A step whose own outputs its input query would select (a query by user metadata only, which the outputs
    inherit): its transformation would take them as new input, for ever."""
    for port, md in outputs.items():
        if selects(input_query, md):
            terms = ", ".join(f"{k}={input_query[k]!r}" for k in sorted(input_query))
            raise ValidationError(
                f"step '{step.id}': its input query ({terms}) also selects its own output '{port}', which inherits "
                "those values; give the input a field its outputs do not share (e.g. analysis_prog in "
                "dirac:InputData), or set a different value in the step's dirac:Metadata",
                step.location,
            )


def _datasets(
    wf: Workflow, from_hint: Mapping[str, str], from_job_order: Mapping[str, str], where: Any
) -> dict[str, str]:
    """Workflow input → the catalog dataset it takes (``dirac:InputData.datasets`` or the job order's
    ``{dataset: NAME}``; both must agree)."""
    datasets = dict(from_hint)
    for name, dataset in from_job_order.items():
        if datasets.get(name, dataset) != dataset:
            raise ValidationError(
                f"input '{name}' is dataset '{dataset}' in the job order but '{datasets[name]}' in dirac:InputData",
                where,
            )
        datasets[name] = dataset
    for name in datasets:
        port = wf.input(name)
        if port is None:
            raise ValidationError(f"dirac:InputData.datasets names '{name}', which is not a workflow input", where)
        if not port.type.carries_files or port.type.nests_files:
            raise ValidationError(
                f"input '{name}' ({port.type}) cannot be a catalog dataset: a dataset is files (File or File[])",
                port.location or where,
            )
    return datasets


def _dataset_input(
    dataset: str, user: Mapping[str, Any], comp: Compilation, declared: Mapping[str, str], fields: dict[str, str],
    where: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The metadata and the query of a workflow input that is the catalog dataset ``dataset``, refined by
    ``user``: its meta-query when the compilation can resolve it, else :data:`FIELD_DATASET` standing for it."""
    if comp.dataset_resolver is None:
        md = {FIELD_DATASET: dataset, **user}
        fields[FIELD_DATASET] = VARCHAR
        _type_fields(md, declared, fields, where)
        return md, dict(md)
    resolved = dict(comp.dataset_resolver(dataset))
    query = {**resolved, **user}
    md = {**_single_values(resolved), **user}
    _type_fields(md, declared, fields, where)
    for key, value in query.items():
        if key not in md:
            _type_fields({key: _first_value(value)}, declared, fields, where)
    return md, query


def _single_values(query: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of a meta-query that select one value (``{"=": v}`` unwrapped)."""
    out: dict[str, Any] = {}
    for key, value in query.items():
        if isinstance(value, Mapping):
            if set(value) == {"="}:
                out[key] = value["="]
            elif set(value) == {"in"} and isinstance(value["in"], list) and len(value["in"]) == 1:
                out[key] = value["in"][0]
        else:
            out[key] = value
    return out


def _first_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        inner = next(iter(value.values()), None)
        return inner[0] if isinstance(inner, list) and inner else inner
    return value


def _refined(
    step: Step, wf: Workflow, plan: StepPlan, plans: Mapping[str, StepPlan], query: dict[str, Any] | None,
    datasets: Mapping[str, str], declared: Mapping[str, str], fields: dict[str, str],
) -> dict[str, Any] | None:
    """The step's input query with the keys of its ``dirac:Transformation.input_query`` (CTADIRAC's refining
    input_meta_query keys): each must be in what its parents (or input datasets) are described by."""
    hint = effective_hint(step, wf, "dirac:Transformation", Transformation)
    if hint is None or not hint.input_query:
        return query
    where = next((r.location for r in hint_chain(step, wf, "dirac:Transformation") if "input_query" in r.fields),
                 step.location)
    if query is None:
        raise ValidationError(
            f"step '{step.id}': dirac:Transformation.input_query, but the step has no input files to select", where
        )
    refined = dict(query)
    for key, value in hint.input_query.items():
        try:
            if isinstance(value, Mapping):
                name = ctao.alias(key, next(iter(_flat(value)), ""))[0]
                value = {op: [ctao.alias(key, v)[1] for v in vs] if isinstance(vs, list) else ctao.alias(key, vs)[1]
                         for op, vs in value.items()}
            else:
                name, value = ctao.alias(key, value)
        except ValueError as exc:
            raise ValidationError(f"step '{step.id}': dirac:Transformation.input_query.{key}: {exc}", where) from None
        for src in plan.drivers:
            if src.step is None and src.port in datasets:
                continue  # the dataset's meta-query is known at submission only
            described = plans[src.step].output_query if src.step is not None else query
            if name not in described:
                origin = f"step '{src.step}'" if src.step is not None else f"input '{src.port}'"
                raise ValidationError(
                    f"step '{step.id}': dirac:Transformation.input_query.{key}: {origin} does not describe its "
                    f"outputs with '{name}' (it has: {', '.join(sorted(described))})",
                    where,
                )
        for item in _flat(value):
            _type_fields({name: item}, declared, fields, where)
        refined[name] = value
    return refined


def _flat(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [x for v in value.values() for x in (v if isinstance(v, list) else [v])]
    return [value]


def _inherit(step: Step, wf: Workflow) -> bool | list[str]:
    """The step's ``dirac:Metadata.inherit`` (the nearest level that sets it)."""
    for req in hint_chain(step, wf, "dirac:Metadata"):
        if "inherit" in req.fields:
            return _parse(req, Metadata).inherit
    return True


def _inherited(input_query: Mapping[str, Any] | None, inherit: bool | list[str] = True) -> dict[str, Any]:
    """The user metadata a step's outputs inherit from its inputs: every single-valued user key of its input
    query (CTAO keeps campaign, site, particle, level… from parent to child; the step's own hints override)."""
    if not input_query or inherit is False:
        return {}
    return {
        k: v
        for k, v in _single_values(input_query).items()
        if k not in OWN_FIELDS and k != FIELD_DATASET and (inherit is True or k in inherit)
    }


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
    if datasets and len(datasets) == len(plan.drivers) and all(
        FIELD_STEP not in input_queries[d.port] for d in datasets
    ):  # catalog data of several inputs, each selected by its dirac:InputData query: a query selecting all
        return _union_query([input_queries[d.port] for d in datasets])
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
        for key, value in hint.fields.items():
            where = req.location.child("fields", key) if req.location else None
            name, value = _aliased(key, value, where)
            common[name] = value
            origins[(None, name)] = where
        for port, md in hint.outputs.items():
            for key, value in md.items():
                where = req.location.child("outputs", port, key) if req.location else None
                name, value = _aliased(key, value, where)
                ports.setdefault(port, {})[name] = value
                origins[(port, name)] = where
    for port in ports:
        if step.tool.output(port) is None:
            raise ValidationError(
                f"dirac:Metadata.outputs names '{port}', which is not an output of step '{step.id}'",
                step.location,
            )
    return common, ports, origins


def _aliased(key: str, value: Any, where: Any) -> tuple[str, Any]:
    """A CTAO alias as its catalog field (``moon: dark`` → ``nsb: 1``, as CTADIRAC turns it)."""
    try:
        return ctao.alias(key, value)
    except ValueError as exc:
        raise ValidationError(f"metadata field '{key}': {exc}", where) from None


def _input_data_hint(wf: Workflow) -> tuple[dict[str, dict[str, Any]], dict[str, str], Any]:
    """``dirac:InputData``: metadata per workflow input, datasets per workflow input, and where it is."""
    req = wf.find("dirac:InputData")
    if req is None:
        return {}, {}, wf.location
    hint = _parse(req, InputData)
    for name in hint.inputs:
        if wf.input(name) is None:
            raise ValidationError(f"dirac:InputData names '{name}', which is not a workflow input", req.location)
    inputs = {
        name: dict(_aliased(k, v, req.location.child("inputs", name, k) if req.location else None)
                   for k, v in md.items())
        for name, md in hint.inputs.items()
    }
    return inputs, dict(hint.datasets), req.location


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
        if key not in declared and key not in fields:
            near = ctao.near_miss(key, declared)
            if near is not None:
                raise ValidationError(
                    f"metadata field '{key}' is not a CTAO field (did you mean '{near}'?); declare it with "
                    "dirac:MetadataFields if it is meant",
                    location,
                )
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


def _output_path(step: Step, wf: Workflow, production: str, plan: StepPlan, lfn_base: str | None = None) -> str:
    """``<dirac:Job.output_path, else lfn_base>/<production>/<step>``; the base must be an LFN base that stays in
    its namespace (:func:`~cwl2dirac.request.lfn.check_lfn_base`). With CTADIRAC's layout the ``output_path``
    itself (CTADIRAC's ``base_path``: the worker adds the levels from the outputs' metadata)."""
    job = effective_hint(step, wf, "dirac:Job", Job)
    ctadirac = job is not None and job.lfn_layout == "ctadirac"
    if job is None or job.output_path is None:
        default = check_lfn_base(lfn_base, "the LFN base (--lfn-base)") if lfn_base else DEFAULT_OUTPUT_BASE
        return default if ctadirac else f"{default}/{production}/{plan.dirac_name}"
    where = field_location(step, wf, "dirac:Job", "output_path")
    base = check_lfn_base(job.output_path, "dirac:Job.output_path", where)
    if ctadirac:
        return base
    return check_lfn_base(f"{base}/{production}/{plan.dirac_name}", "the step's LFN directory", where)


def _parse(req: Requirement, model: type) -> Any:
    return parse_hint(req.cls, dict(req.fields), req.location)
