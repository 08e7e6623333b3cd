"""Export a ProductionRequest in CTADIRAC's "ProdSteps" production-configuration YAML (``cta-prod-submit``).

CTADIRAC reads a list ``ProdSteps`` of steps, each with an integer ``ID``, an ``input_meta_query``
(``parentID``: the ID of the parent step, which must be smaller than the step's own; ``dataset``: a catalog
dataset name; any other key refines the query) and a ``job_config`` (``type`` plus job settings such as
``group_size``, ``cpu_time``, ``nb_processors``, ``destination``, ``tag``), and a ``Common`` section
(``MCCampaign``, ``configuration_id``, ``base_path``). An optional step-level ``name`` names the
ProductionStep.

This export is for review and comparison with CTAO productions; it is not a second submission path:
- CTADIRAC's ``type`` selects one of its job classes; here it is the DIRAC transformation type of the step;
- CTADIRAC starts a child's input query from the parent's output query and refines it with the extra keys;
  here the extra keys are the child's whole input query, which equals it on every key the child selects on;
- CTADIRAC takes one ``parentID``: a step with several parents gets a list (flagged by ``cwl2dirac.parents``);
- what CTADIRAC derives from its job classes (output metadata, the job body) is given under ``cwl2dirac`` (the
  output query, the step's cwl2dirac name, its number of tasks); the job body is not exported.
"""

from __future__ import annotations

from typing import Any

import yaml

from cwl2dirac.request import ProductionRequest, parents_first


def _common(request: ProductionRequest) -> dict[str, Any]:
    common: dict[str, Any] = {}
    # CTAO's own campaign fields when every step's outputs agree on them.
    for key in ("MCCampaign", "configuration_id"):
        values = {repr(s.output_query.get(key)) for s in request.steps}
        if len(values) == 1 and request.steps and key in request.steps[0].output_query:
            common[key] = request.steps[0].output_query[key]
    paths = {s.config.output_path for s in request.steps}
    if paths:
        common["base_path"] = _common_prefix(sorted(paths))
    return common


def _common_prefix(paths: list[str]) -> str:
    parts = [p.rstrip("/").split("/") for p in paths]
    prefix: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        prefix.append(column[0])
    return "/".join(prefix) or "/"


def to_prodsteps_data(request: ProductionRequest) -> dict[str, Any]:
    """The ProdSteps document as plain data (see the module docstring for the mapping)."""
    steps = parents_first(request)  # CTADIRAC requires parentID < ID
    ids = {s.name: i for i, s in enumerate(steps, start=1)}
    prod_steps: list[dict[str, Any]] = []
    for step in steps:
        parent_ids = [ids[p] for p in step.parents if p in ids]
        query: dict[str, Any] = {
            "parentID": parent_ids[0] if len(parent_ids) == 1 else (parent_ids or None),
            "dataset": None,
        }
        for key, value in sorted((step.input_query or {}).items()):
            query[key] = value
        job_config: dict[str, Any] = {"type": step.type, "group_size": step.group_size}
        if step.cpu_time is not None:
            job_config["cpu_time"] = step.cpu_time
        if step.processors is not None:
            job_config["nb_processors"] = step.processors
        extra: dict[str, Any] = {
            "step": step.name,
            "plugin": step.plugin,
            "output_meta_query": dict(sorted(step.output_query.items())),
        }
        if len(parent_ids) > 1:
            extra["parents"] = [p for p in step.parents if p in ids]
        if step.tasks is not None:
            extra["tasks"] = step.tasks
        prod_steps.append(
            {
                "ID": ids[step.name],
                "name": step.dirac_name,
                "input_meta_query": query,
                "job_config": job_config,
                "cwl2dirac": extra,
            }
        )
    return {"ProdSteps": prod_steps, "Common": _common(request)}


class _Dumper(yaml.SafeDumper):
    pass


def _none_presenter(dumper: yaml.SafeDumper, _data: None) -> yaml.ScalarNode:
    # CTADIRAC's files write an empty value ("parentID:") for None.
    return dumper.represent_scalar("tag:yaml.org,2002:null", "")


_Dumper.add_representer(type(None), _none_presenter)


def to_prodsteps_yaml(request: ProductionRequest) -> str:
    """The request in CTADIRAC's ProdSteps YAML; deterministic."""
    return yaml.dump(
        to_prodsteps_data(request), Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=110
    )
