"""A ProductionRequest as CTADIRAC's "ProdSteps" YAML, which ``cta-prod-submit`` reads unchanged.

Each step becomes the entry of the CTADIRAC job type that runs its tool (a CTAO library tool: ctapipe-process →
CtapipeProcessing, ctapipe-merge → Merging, the trainings, ctapipe-apply-models, cta-prod-simulate →
MCSimulation), with ``ID`` its place in the parents-first order, ``name`` its DIRAC name, ``input_meta_query``
its one parent (``parentID``) or dataset, refined by the keys of its input query that narrow its parent's output
metadata, and ``job_config`` what CTADIRAC's job class needs to build the same step again: version, data level,
group size, output extension, options (from the tool's inputs: configuration files relative to ``config_dir``,
flags, models), CPU time, processors, sites, tags. ``Common`` holds MCCampaign, configuration_id and base_path.

What ProdSteps cannot express is refused with exit code 33 naming the step: a step with several parents (fan-in:
CTADIRAC takes one ``parentID``), a step needing another step's outputs besides its parent's (a side input such
as a model made in the same production), a tool no CTADIRAC job type runs. What CTADIRAC needs and the request
lacks (the array layout, site and pointing of a step's input files) is an error naming it. ``cwl2dirac import
prodsteps`` reads the result back into the same request (docs/ctadirac.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from cwl2dirac.errors import UnsupportedFeature, ValidationError
from cwl2dirac.request import INPUTS_STEP, InputBinding, ProductionRequest, StepSpec, ctao, parents_first
from cwl2dirac.request.software import software_config_of
from cwl2dirac.request.wire import FIELD_DATASET

_COMMANDS = {
    "cta-prod-simulate": "mcsimulation",
    "ctapipe-process": "ctapipeprocessing",
    "ctapipe-merge": "merging",
    "ctapipe-train-energy-regressor": "ctapipetrainenergy",
    "ctapipe-train-particle-classifier": "ctapipetrainclassifier",
    "ctapipe-apply-models": "ctapipeapplymodels",
}
"""The command of a CTAO library tool → the CTADIRAC job type that runs it."""
_DATA_PORTS = ("simtel_file", "dl1_file", "dl2_file", "merged_file", "model")
_NEEDED = ("array_layout", "site", "phiP", "thetaP")
"""What CTADIRAC's processing jobs read from their input query (a KeyError in CTADIRAC when missing)."""
_FLAGS = {
    "write_images": ("--write-images", None),
    "write_muon_parameters": ("--write-muon-parameters", None),
    "single_ob": ("--single-ob", None),
    "dl1_images": ("--dl1-images", "--no-dl1-images"),
    "true_images": ("--true-images", "--no-true-images"),
    "telescope_events": ("--telescope-events", "--no-telescope-events"),
}
"""Boolean tool inputs → the option for true and for false (None: nothing); written when not the tool's default."""
_MODELS = {port: name for name, (port, _) in ctao.MODEL_FILES.items()}
_BODY_PARAMETER = r'<Parameter name="{}"[^>]*><value><!\[CDATA\[(.*?)\]\]></value>'


def to_prodsteps_data(request: ProductionRequest, config_dir: str | Path | None = None) -> dict[str, Any]:
    """The ProdSteps document as plain data. ``config_dir``: the software configuration directory the ``-c``
    paths are written relative to (default: the one each configuration file is in, i.e. its name)."""
    steps = _ordered(request)
    for step in steps:  # what ProdSteps cannot say, first (33), then what CTADIRAC needs (1)
        _expressible(step)
    ids = {s.name: i for i, s in enumerate(steps, start=1)}
    datasets = {d.name: d for d in request.inputs}
    entries = [_entry(request, s, ids, datasets, Path(config_dir) if config_dir else None) for s in steps]
    common = _common(request, steps, entries)
    return {"ProdSteps": entries, "Common": common}


def _ordered(request: ProductionRequest) -> list[StepSpec]:
    """Parents first (CTADIRAC wants ``parentID < ID``); otherwise in the order of the ProdSteps the request was
    imported from (its steps' labels ``ProdSteps ID n``), then the request's."""
    def original(step: StepSpec) -> int:
        match = re.match(r"ProdSteps ID (\d+):", step.description)
        return int(match.group(1)) if match else 1 << 30

    ranked = sorted(request.steps, key=original)
    return parents_first(request.model_copy(update={"steps": ranked}))


def _expressible(step: StepSpec) -> None:
    """Refuse (33) what a ProdSteps entry cannot say."""
    _kind(step)
    if len(step.parents) > 1:
        raise UnsupportedFeature(
            f"step '{step.name}' has {len(step.parents)} parents ({', '.join(step.parents)}): CTADIRAC takes one "
            "parentID (fan-in: select them with one query instead)"
        )
    if step.after:
        raise UnsupportedFeature(
            f"step '{step.name}' needs the outputs of {', '.join(step.after)} in every task besides its input files "
            "(side inputs of a scatter): a ProdSteps entry has one input"
        )
    if step.config.task_layout is not None or any(b.task_queries or b.layout for b in step.config.inputs):
        raise UnsupportedFeature(
            f"step '{step.name}': a nested scatter (one task per combination or per merged source, outputs nested): "
            "a ProdSteps entry has one input query and flat outputs"
        )


def _kind(step: StepSpec) -> ctao.JobType:
    tool = step.config.tool
    command = tool.get("baseCommand")
    command = command[0] if isinstance(command, list) and command else command
    name = _COMMANDS.get(str(command)) if tool.get("class") == "CommandLineTool" else None
    if name is None:
        what = f"runs '{command}'" if command else f"is a {tool.get('class', 'process')}"
        raise UnsupportedFeature(
            f"step '{step.name}' {what}, which no CTADIRAC job type runs (ProdSteps name CTADIRAC's own jobs: "
            "simulation, ctapipe processing, merging, training, applying models)"
        )
    return ctao.JOB_TYPES[name]


def _data_metadata(step: StepSpec) -> dict[str, Any]:
    for port in _DATA_PORTS:
        for out in step.outputs:
            if out.port == port:
                return {k: v for k, v in out.metadata.items() if not k.startswith("cwl2dirac_")}
    raise UnsupportedFeature(f"step '{step.name}': no data output of a CTAO library tool")


def _binding(step: StepSpec, port: str) -> InputBinding | None:
    return next((b for b in step.config.inputs if b.port == port), None)


def _value(step: StepSpec, port: str) -> Any:
    b = _binding(step, port)
    if b is None or b.kind != "value":
        return None
    return b.value if b.value is not None else (b.default if b.has_default else None)


def _tool_default(step: StepSpec, port: str) -> Any:
    inputs = step.config.tool.get("inputs") or []
    for spec in inputs.values() if isinstance(inputs, dict) else inputs:
        if isinstance(spec, Mapping) and str(spec.get("id", "")).rsplit("#", 1)[-1].rsplit("/", 1)[-1] == port:
            return spec.get("default")
    return None


def _entry(
    request: ProductionRequest, step: StepSpec, ids: Mapping[str, int], datasets: Mapping[str, Any],
    config_dir: Path | None,
) -> dict[str, Any]:
    kind = _kind(step)
    output = _data_metadata(step)
    query: dict[str, Any] = {"parentID": None, "dataset": None}
    job: dict[str, Any] = {"type": kind.name}
    if kind.name == "MCSimulation":
        _simulation(step, output, job)
        return {"ID": ids[step.name], "name": step.dirac_name, "input_meta_query": query, "job_config": job}
    parent_output: dict[str, Any] = {}
    input_query = {k: v for k, v in (step.input_query or {}).items() if not k.startswith("cwl2dirac_")}
    if step.parents:
        parent = request.step(step.parents[0])
        query["parentID"] = ids[parent.name]
        parent_output = _data_metadata(parent)
        refine = {k: v for k, v in input_query.items() if parent_output.get(k) != v}
    else:
        drivers = [b for b in step.config.inputs if b.kind == "files"]
        names = {s.split("/", 1)[1] for b in drivers for s in b.sources if s.startswith(f"{INPUTS_STEP}/")}
        dataset = next((datasets[n].dataset for n in sorted(names) if n in datasets and datasets[n].dataset), None)
        query["dataset"] = dataset
        refine = dict(input_query)
        refine.pop(FIELD_DATASET, None)
        if kind.name == "CtapipeTrainClassifier":
            refine.pop("particle", None)  # CTADIRAC's classifier selects signal and background with one query
        if dataset is None:
            missing = [k for k in _NEEDED if k not in refine]
            if missing and not (kind.name == "CtapipeProcessing" and missing == ["array_layout"]):
                raise ValidationError(
                    f"step '{step.name}': CTADIRAC's {kind.name} needs {', '.join(missing)} in the metadata of its "
                    "input files (dirac:InputData)"
                )
    for key, value in refine.items():
        if isinstance(value, Mapping):
            raise UnsupportedFeature(f"step '{step.name}': input query {key}: {value!r}; ProdSteps takes values")
        query[key] = value
    known = dict(parent_output)
    known.update(refine)
    job["version"] = str(output.get(f"{kind.category}_prog_version", ""))
    if kind.name == "CtapipeProcessing":
        job["output_extension"] = f"DL{output['data_level']}.h5"
        job["data_level"] = output["data_level"]
    if kind.name == "Merging":
        b = _binding(step, "output_name")
        ext = ctao.merge_extension(b.value_from) if b is not None and b.value_from else None
        job["output_extension"] = ext or f"merged.DL{output.get('data_level', 2)}.h5"
    for key in ("array_layout", *kind.file_fields):
        if key in output and known.get(key) != output[key]:
            job[key] = output[key]
    if kind.name in ("Merging", "CtapipeProcessing", "CtapipeTrainClassifier") or step.group_size != 1:
        job["group_size"] = step.group_size
    options = _options(request, step, kind, config_dir)
    if options:
        job["options"] = " ".join(options)
    _job_settings(step, job)
    return {"ID": ids[step.name], "name": step.dirac_name, "input_meta_query": query, "job_config": job}


def _simulation(step: StepSpec, output: Mapping[str, Any], job: dict[str, Any]) -> None:
    phi = {v: k for k, v in ctao.POINTING_PHI.items()}
    moon = {v: k for k, v in ctao.MOON_NSB.items()}
    runs = (step.config.task_values or {}).get("run_number") or []
    job.update({
        "version": str(output.get("tel_sim_prog_version", "")),
        "array_layout": output.get("array_layout") or _value(step, "array_layout"),
        "site": output.get("site"),
        "particle": output.get("particle") or _value(step, "particle"),
        "pointing_dir": phi.get(int(output["phiP"])) if isinstance(output.get("phiP"), int | float) else None,
        "zenith_angle": output.get("thetaP"),
        "n_shower": _value(step, "n_showers") or _tool_default(step, "n_showers"),
        "magic": None,
        "sct": None,
        "moon": moon.get(output.get("nsb", 1)),
        "start_run_number": (int(runs[0]) - 1) if runs else 0,
    })
    missing = [k for k in ("version", "array_layout", "site", "particle", "pointing_dir", "zenith_angle", "moon")
               if job.get(k) in (None, "")]
    if missing:
        raise ValidationError(
            f"step '{step.name}': CTADIRAC's MCSimulation needs {', '.join(missing)} (in the step's output metadata)"
        )
    _job_settings(step, job)


def _options(request: ProductionRequest, step: StepSpec, kind: ctao.JobType, config_dir: Path | None) -> list[str]:
    options: list[str] = []
    for port in ("config", "configs"):
        b = _binding(step, port)
        if b is None or b.kind == "none":
            continue
        if b.kind == "value":  # configurations of the software release on the worker (software-config:)
            options += [arg for f in _files(b.value) for arg in ("-c", _config_path(f, config_dir))]
            continue
        if b.kind != "side" or not all(s.startswith(f"{INPUTS_STEP}/") for s in b.sources):
            raise UnsupportedFeature(
                f"step '{step.name}': its {port} comes from another transformation; CTADIRAC's -c names files of the "
                "software's configuration"
            )
        for source in b.sources:
            for f in _files(request.job_order.get(source.split("/", 1)[1])):
                options += ["-c", _config_path(f, config_dir)]
    max_events = _value(step, "max_events")
    if max_events is not None:
        options.append(f"--max-events={max_events}")
    for port, (yes, no) in _FLAGS.items():
        b = _binding(step, port)
        if b is None or b.kind != "value":
            continue
        value = _value(step, port)
        if value is None or value == _tool_default(step, port):
            continue
        flag = yes if value else no
        if flag is not None:
            options.append(flag)
    for port, name in _MODELS.items():
        b = _binding(step, port)
        if b is not None and b.kind == "side":
            options += ["--reconstructor", name]
    extra = _value(step, "options")
    if extra:
        options += [str(o) for o in extra]
    return options


def _files(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, list):
        return [f for v in value for f in _files(v)]
    return [value] if isinstance(value, Mapping) and value.get("class") == "File" else []


def _config_path(f: Mapping[str, Any], config_dir: Path | None) -> str:
    release = software_config_of(f.get("location"))
    if release is not None:  # a configuration of the release on the worker: CTADIRAC's -c names it so
        return release
    path = str(f.get("path") or f.get("location") or "").removeprefix("file://")
    if config_dir is not None:
        rel = os.path.relpath(path, config_dir.resolve())
        if not rel.startswith(".."):
            return rel
    return os.path.basename(path)


def _job_settings(step: StepSpec, job: dict[str, Any]) -> None:
    """CPU time, processors, sites and tags of the step's job template where they differ from its tool's (what
    CTADIRAC's job_config sets; CTADIRAC refuses them on a step with a parent: its output metadata takes every
    job_config key, and these are not metadata)."""
    hints = _tool_hints(step)
    tool_job = hints.get("dirac:Job") or {}
    tool_cores = (hints.get("ResourceRequirement") or {}).get("coresMin")
    settings: dict[str, Any] = {}
    if step.cpu_time is not None and step.cpu_time != tool_job.get("cpu_time"):
        settings["cpu_time"] = step.cpu_time
    if step.processors is not None and step.processors > 1 and step.processors != tool_cores:
        settings["nb_processors"] = step.processors
    sites = [s for s in (_body_parameter(step.body, "Site") or "").split(";") if s]
    if sites and sites != sorted(tool_job.get("sites") or []):
        settings["destination"] = ", ".join(sites)
    tags = [t for t in (_body_parameter(step.body, "Tags") or "").split(";") if t]
    if tags and sorted(tags) != sorted(tool_job.get("tags") or []):
        settings["tag"] = ", ".join(tags)
    if settings and step.parents:
        raise UnsupportedFeature(
            f"step '{step.name}': {', '.join(settings)} of a step with a parent: CTADIRAC copies every job_config key "
            "of such a step into its output metadata, and refuses these"
        )
    job.update(settings)


def _tool_hints(step: StepSpec) -> dict[str, Any]:
    hints = step.config.tool.get("hints") or {}
    if isinstance(hints, list):
        return {str(h.get("class")): h for h in hints if isinstance(h, Mapping)}
    return dict(hints)


def _body_parameter(body: str, name: str) -> str | None:
    match = re.search(_BODY_PARAMETER.format(name), body or "")
    return match.group(1) if match else None


def _common(request: ProductionRequest, steps: list[StepSpec], entries: list[dict[str, Any]]) -> dict[str, Any]:
    common: dict[str, Any] = {}
    outputs = [_data_metadata(s) for s in steps]
    for key in ("MCCampaign", "configuration_id"):
        values = [o.get(key) for o in outputs]
        if values and all(v is not None for v in values):
            common[key] = max(set(values), key=values.count)
            for entry, value in zip(entries, values, strict=True):
                if value != common[key]:
                    entry["job_config"][key] = value
    paths = sorted({s.config.output_path for s in steps})
    layouts = {s.config.lfn_layout for s in steps}
    if layouts == {"ctadirac"} and len(paths) == 1:
        common["base_path"] = paths[0]
    else:
        common["base_path"] = _common_prefix(paths) if paths else "/"
    return common


def _common_prefix(paths: list[str]) -> str:
    parts = [p.rstrip("/").split("/") for p in paths]
    prefix: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        prefix.append(column[0])
    return "/".join(prefix) or "/"


class _Dumper(yaml.SafeDumper):
    pass


def _none_presenter(dumper: yaml.SafeDumper, _data: None) -> yaml.ScalarNode:
    # CTADIRAC's files write an empty value ("parentID:") for None.
    return dumper.represent_scalar("tag:yaml.org,2002:null", "")


_Dumper.add_representer(type(None), _none_presenter)


def to_prodsteps_yaml(request: ProductionRequest, config_dir: str | Path | None = None) -> str:
    """The request in CTADIRAC's ProdSteps YAML; deterministic."""
    return yaml.dump(
        to_prodsteps_data(request, config_dir), Dumper=_Dumper, sort_keys=False, default_flow_style=False,
        width=110,
    )
