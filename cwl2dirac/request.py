"""The production request: what the compiler emits and every backend consumes.

Plain data under a versioned schema (:data:`SCHEMA_VERSION`). Neither the DIRAC backend nor the local backend
re-derives anything from the CWL: they read this. Serialisation is deterministic (sorted keys, stable lists), so the
same input gives byte-identical YAML or JSON.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "cwl2dirac.dev/production-request/v1"
STEP_CONFIG_VERSION = "cwl2dirac.dev/step-config/v1"

# Catalog metadata fields that the compiler puts on every output (file level in the catalog).
FIELD_PRODUCTION = "cwl2dirac_production"
FIELD_STEP = "cwl2dirac_step"
FIELD_OUTPUT = "cwl2dirac_output"
FIELD_INDEX = "cwl2dirac_index"
"""Position of a file in its scatter (task number for simulation); children gather in this order."""
FIELD_ITEM = "cwl2dirac_item"
"""Position of a file within its task's output port (0 for a single File, 1..n for an array's elements)."""
FIELD_SCATTER = "cwl2dirac_scatter"
"""1 if the producing task is one element of a scatter (a consumer gathers these values into an array), else 0."""
FIELD_FORMAT = "cwl2dirac_format"
"""The CWL ``format`` (an IRI) of a File, when it has one; a per-file field, never part of a query."""
FIELD_LISTING = "cwl2dirac_listing"
"""1 on an input Directory whose listing the job order gave (a literal): the task sees its deep listing."""
FIELD_SECONDARY = "cwl2dirac_secondary_of"
"""On a CWL secondary file only: the link to its primary file (:func:`secondary_link` of the primary's LFN). A
secondary file has neither ``cwl2dirac_step`` nor ``cwl2dirac_output``, so no input query selects it; the worker
finds it by this field when it stages the primary. Per-file, never part of a query."""
FILE_INDEX = "cwl2dirac_file"
"""In an input dataset's ``value``: the key of a File leaf that stands for ``files[i]``."""


def secondary_link(lfn: str) -> str:
    """The value of :data:`FIELD_SECONDARY` on the secondary files of the file ``lfn``: the SHA-1 of the LFN (an
    LFN may be longer than the 128 characters of a DIRAC ``VARCHAR(128)`` field; its digest always fits)."""
    return hashlib.sha1(lfn.encode("utf-8")).hexdigest()


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
    when: str | None = None
    output_path: str
    """LFN base of the outputs: ``<output_path>/<task number as 8 digits>/<file name>``."""
    output_se: str | None = None


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
    """Steps that must be complete before tasks start (side inputs such as models); not DIRAC parents."""
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
                k: v for k, v in dataset.items() if k not in ("value", "carrier_metadata") or v != datasets[k]
            }
        for output in data["outputs"]:
            if not output["defaults"]:
                del output["defaults"]
        tools: dict[str, Any] = {}
        for step in data["steps"]:
            config = step["config"]
            config["inputs"] = [_compact(b, inputs) for b in config["inputs"]]
            config["outputs"] = [_compact(b, outputs) for b in config["outputs"]]
            config["tool"] = tools.setdefault(_canonical_json(config["tool"]), config["tool"])
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_data(), indent=2, sort_keys=True) + "\n"

    def to_yaml(self) -> str:
        return _yaml_text(self.to_data())

    def write(self, path: str | Path) -> None:
        p = Path(path)
        p.write_text(self.to_json() if p.suffix == ".json" else self.to_yaml(), encoding="utf-8")

    @classmethod
    def read(cls, path: str | Path) -> ProductionRequest:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text) if str(path).endswith(".json") else yaml.load(text, Loader=_Loader)
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


# -- YAML ------------------------------------------------------------------------------------------------------
# The text is what ``yaml.dump(data, Dumper=_Dumper, **_YAML_OPTIONS)`` writes (:func:`_reference_yaml`). The fast
# path skips PyYAML's representer and serializer (Python code run per node): it turns the plain data straight into
# the serializer's event stream (one event object per distinct scalar, anchors and aliases numbered as the
# serializer numbers them) and hands the events to the same libyaml emitter.

_YAML_OPTIONS: dict[str, Any] = {"sort_keys": True, "default_flow_style": False, "allow_unicode": True, "width": 110}


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's emitter when available (10x faster on large requests), with our string style."""


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Unsupported(Exception):
    """The data holds something the fast writers do not handle (not plain JSON-like data): use the reference."""


def _yaml_text(data: Any) -> str:
    stream = io.StringIO()
    dumper = _Dumper(stream, **_YAML_OPTIONS)
    try:
        try:
            events = _yaml_events(data, dumper)
        except _Unsupported:
            return _reference_yaml(data)
        dumper.open()
        emit = dumper.emit
        for event in events:
            emit(event)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


def _reference_yaml(data: Any) -> str:
    """The YAML text through PyYAML's representer: the definition of the output (and the fallback)."""
    return yaml.dump(data, Dumper=_Dumper, **_YAML_OPTIONS)


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _yaml_events(data: Any, dumper: yaml.SafeDumper) -> list[yaml.Event]:
    """The document events the serializer emits for ``yaml.dump(data)`` with ``dumper``'s representers.

    Mirrors SafeRepresenter + Serializer: mappings sorted by key, block style; a dict or list object met a second
    time (by id) is an alias, its first occurrence gets the anchor ``id%03d`` numbered in order of second meetings
    (the serializer's anchor pass); a scalar's event is the representer's node with the implicit flags of the
    resolver (computed once per distinct value: values repeat a lot). Raises _Unsupported for anything but str,
    int, float, bool, None, list and dict with str keys.
    """
    represent = dumper.represent_data
    resolve = dumper.resolve
    scalar_node = yaml.ScalarNode
    scalar_event = yaml.ScalarEvent
    map_start = yaml.MappingStartEvent(None, _MAP_TAG, True, flow_style=False)
    seq_start = yaml.SequenceStartEvent(None, _SEQ_TAG, True, flow_style=False)
    map_end = yaml.MappingEndEvent()
    seq_end = yaml.SequenceEndEvent()
    events: list[yaml.Event] = [yaml.DocumentStartEvent(explicit=False)]
    append = events.append
    strings: dict[str, yaml.ScalarEvent] = {}
    others: dict[tuple[type, Any], yaml.ScalarEvent] = {}
    first: dict[int, int] = {}  # id of a dict or list -> index of its start event
    anchors: dict[int, str] = {}

    def scalar(value: Any) -> yaml.ScalarEvent:
        node = represent(value)
        if type(node) is not scalar_node:
            raise _Unsupported(value)
        implicit = (
            resolve(scalar_node, node.value, (True, False)) == node.tag,
            resolve(scalar_node, node.value, (False, True)) == node.tag,
        )
        return scalar_event(None, node.tag, implicit, node.value, style=node.style)

    def string(value: str) -> yaml.ScalarEvent:
        event = strings.get(value)
        if event is None:
            event = strings[value] = scalar(value)
        return event

    def other(value: Any) -> yaml.ScalarEvent:
        kind = type(value)
        if kind is float:  # not cached: 0.0 == -0.0 but they are written differently
            return scalar(value)
        if kind is not int and kind is not bool and value is not None:
            raise _Unsupported(value)
        event = others.get((kind, value))  # the type in the key: 1 == True
        if event is None:
            event = others[(kind, value)] = scalar(value)
        return event

    def collection(obj: dict[str, Any] | list[Any]) -> None:
        key = id(obj)
        index = first.get(key)
        if index is not None:
            anchor = anchors.get(key)
            if anchor is None:
                anchor = anchors[key] = f"id{len(anchors) + 1:03d}"
                start = yaml.MappingStartEvent if type(obj) is dict else yaml.SequenceStartEvent
                events[index] = start(anchor, _MAP_TAG if type(obj) is dict else _SEQ_TAG, True, flow_style=False)
            append(yaml.AliasEvent(anchor))
            return
        first[key] = len(events)
        if isinstance(obj, dict):  # exactly a dict or a list (callers check)
            append(map_start)
            try:
                keys = sorted(obj)
            except TypeError as exc:
                raise _Unsupported(obj) from exc
            for k in keys:
                if type(k) is not str:
                    raise _Unsupported(k)
                append(strings.get(k) or string(k))
                item(obj[k])
            append(map_end)
        else:
            append(seq_start)
            for value in obj:
                item(value)
            append(seq_end)

    def item(value: Any) -> None:
        kind = type(value)
        if kind is str:
            append(strings.get(value) or string(value))
        elif kind is dict or kind is list:
            collection(value)
        else:
            append(other(value))

    item(data)
    append(yaml.DocumentEndEvent(explicit=False))
    return events


def request_json_schema() -> dict[str, Any]:
    """JSON schema of the production request (``docs/production-request.schema.json``)."""
    return ProductionRequest.model_json_schema()


def encode_config(config: StepConfig) -> str:
    """The step configuration as one shell-safe token (zlib + urlsafe base64 of canonical JSON).

    The job template passes it to the worker on its command line; the local backend passes the very same token.
    """
    import base64
    import zlib

    raw = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_config(token: str) -> StepConfig:
    """Inverse of :func:`encode_config`."""
    import base64
    import zlib

    return StepConfig.model_validate_json(zlib.decompress(base64.urlsafe_b64decode(token.encode("ascii"))))
