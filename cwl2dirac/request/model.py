"""The production request: what the compiler emits and every backend consumes.

Plain data under a versioned schema (:data:`SCHEMA_VERSION`). Neither the DIRAC backend nor the local backend
re-derives anything from the CWL: they read this. Serialisation is deterministic (sorted keys, stable lists), so the
same input gives byte-identical YAML or JSON.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from cwl2dirac.request._yaml import Loader, yaml_text

MetaType = Literal["VARCHAR(128)", "INT", "FLOAT"]
MetaQuery = dict[str, Any]
"""A DIRAC meta-query: field -> value | {"=": value} | {"in": [values]}."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputBinding(_Model):
    """How the worker fills one input port of the tool in a task."""

    port: str
    kind: Literal["value", "files", "side", "none"]
    """value: a constant (workflow input value or default) in ``value``; files: from this task's input files
    (selected by ``sources``); side: found by the worker with ``query`` (a broadcast input such as a model);
    none: left unset (the tool's own default applies)."""
    value: Any = None
    sources: list[str] = Field(default_factory=list)
    """For files/side: the ``step/output`` names (or workflow input names) whose files feed this port."""
    query: MetaQuery | None = None
    array: bool = False
    """The port takes all matching files as an array (gather), not a single one."""
    carrier: bool = False
    """The values are not files: they travel as JSON carrier files (one value each)."""
    link_merge: str | None = None
    pick_value: str | None = None
    value_from: str | None = None
    default: Any = None
    has_default: bool = False
    load_contents: bool = False
    """The port's Files get their first 64 KiB in ``contents`` (CWL ``loadContents`` of the step input or of the
    workflow input it comes from), before ``valueFrom``. Omitted when false."""
    task_queries: list[MetaQuery] | None = None
    """For a side input scattered over several sources merged nested (each element a whole array of Files): per
    task, the query of its source (``sources`` in the same order); task N takes the files the N-th selects, as an
    array. Omitted when None."""
    source_gathers: list[bool] | None = None
    """For sources merged (several, or one with ``linkMerge``; ``sources`` in the same order): whether each
    source's value is an array of its catalog entries (files of an array, carriers of a scattered step's tasks), so
    that one without any entry is [] and one with a single entry a one-element array, not null or that entry.
    Omitted when None."""
    layout: list[Any] | None = None
    """For values gathered from a step whose outputs nest (its ``task_layout``: a nested_crossproduct, a scatter
    inside a scattered sub-workflow): that layout; each task number is replaced by the value of the carrier of that
    index (null when there is none: the task was skipped by ``when``). Omitted when None."""


class OutputBinding(_Model):
    """One output port of the tool: what the worker registers for it."""

    port: str
    type: str
    carrier: bool = False
    """A non-file value, written to a JSON carrier file and registered like a file."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Catalog metadata the files get (includes the cwl2dirac_* fields)."""


class StepConfig(_Model):
    """Everything the worker needs to run one task of a step: travels inside the job template body."""

    schema_version: Literal["cwl2dirac.dev/step-config/v1"] = "cwl2dirac.dev/step-config/v1"
    production: str
    step: str
    tool: dict[str, Any]
    """The self-contained CWL document of the tool (imports and SchemaDefRequirement resolved)."""
    requirements: list[dict[str, Any]] = Field(default_factory=list)
    """Workflow- and step-level requirements that apply to the tool (InlineJavascript for valueFrom/when...)."""
    inputs: list[InputBinding]
    outputs: list[OutputBinding]
    scatter: list[str] = Field(default_factory=list)
    scatter_method: str | None = None
    task_values: dict[str, list[Any]] | None = None
    """For tasks without input files: per scattered port, the values; task N takes element N-1."""
    task_layout: list[Any] | None = None
    """How the outputs of the ``task_values`` tasks are gathered when not in task order (a
    ``nested_crossproduct``, or a scatter inside a scattered sub-workflow): the task numbers, nested as the output
    is (:mod:`cwl2dirac.request.layout`; ``[[1, 2], [3, 4]]``). Omitted when None."""
    when: str | None = None
    output_path: str
    """LFN base of the outputs: ``<output_path>/<task number as 8 digits>/<file name>``."""
    output_se: str | None = None
    lfn_layout: Literal["ctadirac"] | None = None
    """``ctadirac``: outputs go where CTADIRAC puts them, ``<output_path>/<MCCampaign>/<site>/<particle>/<program>/
    <transformation>/<outputType>/<run>xxx/<file name>`` (:func:`cwl2dirac.request.ctao.ctadirac_directory`), with
    ``runNumber`` set; None: the default above. Omitted when None."""
    transformation: str | None = None
    """The step's position in the production (1, 2…): the ``<transformation>`` directory of the ``ctadirac`` layout
    when ``$CWL2DIRAC_TRANSFORMATION`` (the transformation's id, on DIRAC) is not set. Omitted when None."""
    indexed_values: dict[str, dict[str, Any]] | None = None
    """For a scatter over files dotproduct values known at compile time: per value port, the value of each
    element by the ``cwl2dirac_index`` of its file (as a string). Omitted when None."""
    index_offsets: dict[str, int] | None = None
    """For a scatter over files of several sources merged: per source (``step/output``), what its files' index is
    offset by in the outputs' ``cwl2dirac_index`` (the files of the sources before it: the element's place in the
    merged array, when their counts are known when compiling; else ``2**20`` per source before it), so that the
    outputs are gathered in the merged order, not by which task ended first. Omitted when None."""
    sources: dict[str, str] | None = None
    """Where the step's expressions are written (``file:line:col``), by key: ``when``, ``in.<port>.valueFrom``,
    ``tool.<path>`` (:mod:`cwl2dirac.request.expressions`); the worker puts it in front of the reason when a task
    fails in one. Omitted when None."""

    def wire_data(self) -> dict[str, Any]:
        """The configuration as plain data, without the optional fields added since version 1 that are unset (so
        configurations that do not use them are written exactly as before)."""
        data = self.model_dump(mode="json")
        for name in _LATER_FIELDS:
            if data.get(name) is None:
                data.pop(name, None)
        for binding in data["inputs"]:
            if not binding.get("load_contents"):
                binding.pop("load_contents", None)
            for name in ("layout", "task_queries", "source_gathers"):
                if binding.get(name) is None:
                    binding.pop(name, None)
        return data


_LATER_FIELDS = ("lfn_layout", "transformation", "indexed_values", "sources", "task_layout", "index_offsets")


class OutputSpec(_Model):
    port: str
    type: str
    metadata: dict[str, Any]


class StepSpec(_Model):
    """One production step: becomes one DIRAC ProductionStep, hence one transformation."""

    name: str
    """The (flattened) CWL step id, e.g. ``gamma/process``."""
    dirac_name: str
    """The name given to DIRAC (``/`` replaced, safe for transformation names)."""
    description: str = ""
    type: str
    plugin: str = "Standard"
    group_size: int = 1
    agent_type: str = "Automatic"
    file_mask: str = ""
    parents: list[str] = Field(default_factory=list)
    """Steps whose outputs this step's input query selects (DIRAC ParentStep)."""
    after: list[str] = Field(default_factory=list)
    """Steps that must be complete before tasks start (side inputs such as models); a parent is here too when its
    files are also taken whole by a side input."""
    input_query: MetaQuery | None = None
    output_query: MetaQuery
    tasks: int | None = None
    """Number of tasks for a step without input files (extendTransformation), when known."""
    expected_files: int | None = None
    """How many files the input query will match in total, when the compiler knows it."""
    flush: bool = False
    """Submit an incomplete last group once all parents are complete."""
    max_retries: int = 2
    cpu_time: int | None = None
    processors: int | None = None
    memory_mb: int | None = None
    outputs: list[OutputSpec] = Field(default_factory=list)
    config: StepConfig
    body: str
    """The DIRAC job template: ``Job().workflow.toXML()``; runs the worker with ``config``."""


class InputFile(_Model):
    """A workflow input file to register (local run) or an LFN expected in the catalog (DIRAC)."""

    location: str
    metadata: dict[str, Any]
    basename: str | None = None
    """The CWL ``basename`` when it differs from the last part of ``location`` (the name the file is registered
    and staged under)."""
    secondary_files: list[InputFile] = Field(default_factory=list)
    """The CWL ``secondaryFiles`` of this file (given in the job order, or found beside it by the input's
    ``secondaryFiles`` patterns), in order; registered with :data:`FIELD_SECONDARY` linking them to this file."""


class InputDataset(_Model):
    """A workflow input of File type: its files and the metadata that child queries select them by."""

    name: str
    query: MetaQuery
    files: list[InputFile] = Field(default_factory=list)
    array: bool = False
    value: Any = None
    """For an input whose value holds Files inside a record: that value with each File or Directory replaced by
    ``{"class": "File", "cwl2dirac_file": i}`` (``i``: its position in ``files``). It is registered as one JSON
    carrier with ``carrier_metadata`` (the dataset's), and ``files`` without a step or output, attached to it
    (``cwl2dirac_secondary_of``: the carrier's link); the carrier holds their LFNs (``cwl2dirac_lfn``)."""
    carrier_metadata: dict[str, Any] = Field(default_factory=dict)
    dataset: str | None = None
    """The DIRAC File Catalog dataset whose files this input takes (no ``files``): the submission resolves it (on
    DIRAC its meta-query, locally the files of a local dataset; see :data:`~cwl2dirac.request.wire.FIELD_DATASET`).
    Omitted when None."""


class WorkflowOutputSpec(_Model):
    """A workflow output: where its value comes from after the production."""

    name: str
    type: str
    sources: list[str]
    query: MetaQuery | None = None
    array: bool = False
    link_merge: str | None = None
    pick_value: str | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    """The defaults of the workflow inputs among ``sources`` that the job order does not give (cwltool fills them
    in); omitted from the written request when empty."""


class ProductionRequest(_Model):
    """A complete DIRAC Production System request, backend-independent."""

    schema_version: Literal["cwl2dirac.dev/production-request/v1"] = "cwl2dirac.dev/production-request/v1"
    name: str
    description: str = ""
    source: str
    """The main CWL document the request was compiled from."""
    cwl_version: str
    metadata_fields: dict[str, MetaType]
    """Every catalog metadata field the queries use, with its DIRAC type."""
    inputs: list[InputDataset] = Field(default_factory=list)
    job_order: dict[str, Any] = Field(default_factory=dict)
    """The workflow input values (files as CWL File objects), when given at compile time."""
    steps: list[StepSpec]
    outputs: list[WorkflowOutputSpec] = Field(default_factory=list)
    incomplete: str = ""
    """Why the request cannot run as it is (a template compiled without a job order, a required input without
    value); empty when complete, and then omitted from the written request."""

    def step(self, name: str) -> StepSpec:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    # -- serialisation ---------------------------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        """Plain data: input and output bindings omit fields equal to their schema defaults (reading fills them in),
        and steps running the same tool share one tool document object (YAML writes it once, as an anchor)."""
        data = self.model_dump(mode="json")
        inputs = _optional_defaults(InputBinding)
        outputs = _optional_defaults(OutputBinding)
        files = _optional_defaults(InputFile)
        datasets = _optional_defaults(InputDataset)
        for i, dataset in enumerate(data["inputs"]):
            dataset["files"] = [_compact_file(f, files) for f in dataset["files"]]
            data["inputs"][i] = {
                k: v
                for k, v in dataset.items()
                if k not in ("value", "carrier_metadata", "dataset") or v != datasets[k]
            }
        for output in data["outputs"]:
            if not output["defaults"]:
                del output["defaults"]
        if not data["incomplete"]:
            del data["incomplete"]
        tools: dict[str, Any] = {}
        for step in data["steps"]:
            config = step["config"]
            for name in _LATER_FIELDS:
                if config.get(name) is None:
                    config.pop(name, None)
            config["inputs"] = [_compact(b, inputs) for b in config["inputs"]]
            config["outputs"] = [_compact(b, outputs) for b in config["outputs"]]
            config["tool"] = tools.setdefault(_canonical_json(config["tool"]), config["tool"])
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_data(), indent=2, sort_keys=True) + "\n"

    def to_yaml(self) -> str:
        return yaml_text(self.to_data())

    def write(self, path: str | Path) -> None:
        p = Path(path)
        p.write_text(self.to_json() if p.suffix == ".json" else self.to_yaml(), encoding="utf-8")

    @classmethod
    def read(cls, path: str | Path) -> ProductionRequest:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text) if str(path).endswith(".json") else yaml.load(text, Loader=Loader)
        return cls.model_validate(data)


_canonical_json = json.JSONEncoder(sort_keys=True, check_circular=False, separators=(",", ":")).encode
"""Equal documents give equal text (the key that makes steps share one tool document)."""


@functools.cache
def _optional_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The optional fields of ``model`` with their default values (computed once: ``get_default`` is slow)."""
    return {
        name: field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
        if not field.is_required()
    }


def _compact_file(data: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """An input file without its default fields, and so its secondary files."""
    out = _compact(data, defaults)
    if "secondary_files" in out:
        out["secondary_files"] = [_compact_file(f, defaults) for f in out["secondary_files"]]
    return out


def _compact(data: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the optional fields whose value is the field's default (``defaults``: _optional_defaults)."""
    return {k: v for k, v in data.items() if k not in defaults or v != defaults[k]}


def request_json_schema() -> dict[str, Any]:
    """JSON schema of the production request (``docs/production-request.schema.json``)."""
    return ProductionRequest.model_json_schema()
