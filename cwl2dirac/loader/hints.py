"""The ``dirac:`` hints: what a CWL author may say about the grid side of a step or workflow.

Declare the namespace in a document as ``$namespaces: {dirac: "https://cwl2dirac.dev/ns#"}`` and put the classes
below under ``hints:`` of a tool, a step or a workflow; they merge field by field (the step wins over the tool, which
wins over the workflow). Every class is validated: a misspelt class or field gets a one-line error that suggests
the right name. ``cwl2dirac schema hints`` prints the JSON schema (also in ``docs/dirac-hints.schema.json``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from cwl2dirac.errors import Location, ValidationError

NAMESPACE = "https://cwl2dirac.dev/ns#"
PREFIX = "dirac:"

StepType = Literal[
    "MCSimulation", "DataReprocessing", "Merging", "Training", "ApplyModel", "Processing", "MCReconstruction"
]
MetaValue = str | int | float
QueryValue = MetaValue | dict[str, MetaValue | list[MetaValue]]
"""A meta-query value: a value, ``{"=": v}`` or ``{"in": [v, ...]}``."""


class _Hint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Job(_Hint):
    """Where and how the step's jobs run on the grid."""

    platform: str | None = Field(None, description="DIRAC platform, e.g. 'EL9' (Job.setPlatform).")
    sites: list[str] = Field(default_factory=list, description="Sites to run at (Job.setDestination).")
    banned_sites: list[str] = Field(default_factory=list, description="Sites never to run at (Job.setBannedSites).")
    priority: Annotated[int, Field(ge=0, le=10)] | None = Field(None, description="Job priority 0-10.")
    job_type: str | None = Field(None, description="DIRAC JobType (default: the transformation type).")
    tags: list[str] = Field(default_factory=list, description="Extra job tags (Job.setTag).")
    cpu_time: Annotated[int, Field(gt=0)] | None = Field(
        None, description="CPU time in seconds; overrides the value derived from ResourceRequirement."
    )
    output_se: str | None = Field(None, description="Storage element the outputs are uploaded to.")
    output_path: str | None = Field(
        None, description="LFN base path of the outputs, e.g. '/ctao/MC/PROD6'; the compiler appends the layout."
    )
    lfn_layout: Literal["cwl2dirac", "ctadirac"] | None = Field(
        None,
        description="How outputs are laid out under output_path: 'cwl2dirac' (default: <production>/<step>/<task>/"
        "<file>) or 'ctadirac' (CTADIRAC's <MCCampaign>/<site>/<particle>/<program>/<transformation>/"
        "<outputType>/<run>xxx/<file>).",
    )


class Software(_Hint):
    """Software set-up from CVMFS, as CTAO's ``cta-prod-setup-software -p PACKAGE -v VERSION -a CAT -g COMP``."""

    package: str = Field(description="Package name, e.g. 'ctapipe'.")
    version: str = Field(description="Package version, e.g. 'v0.28.0'.")
    category: str = Field("stage1", description="Software category (-a).")
    compiler: str = Field("gcc114_default", description="Compiler/build flavour (-g).")


class Apptainer(_Hint):
    """Run the tool in this apptainer image on the grid (the local run uses DockerRequirement as cwltool does)."""

    image: str = Field(description="Path of a .sif image or an unpacked image directory, usually on CVMFS.")


class Worker(_Hint):
    """How ``cwl2dirac-worker`` (and the cwltool it runs) gets onto a worker node."""

    setup: Literal["pilot", "script", "image"] = Field(
        "pilot",
        description="pilot: the worker is on the pilot's PATH (a DIRAC installation with cwl2dirac); script: "
        "source `script` first (a CVMFS set-up, as cta-prod-setup-software gives); image: run the worker in the "
        "apptainer `image` (which holds DIRAC, cwl2dirac and cwltool).",
    )
    script: str | None = Field(None, description="With setup: script — the shell script to source (e.g. on CVMFS).")
    image: str | None = Field(None, description="With setup: image — the apptainer image (.sif or directory).")

    @model_validator(mode="after")
    def _needs_its_field(self) -> Worker:
        if self.setup == "script" and not self.script:
            raise ValueError("setup: script needs 'script' (the set-up script to source)")
        if self.setup == "image" and not self.image:
            raise ValueError("setup: image needs 'image' (the apptainer image)")
        return self


class Transformation(_Hint):
    """Override what the compiler derives for the step's transformation."""

    type: StepType | None = Field(None, description="Transformation type.")
    plugin: str | None = Field(None, description="Transformation plugin (Standard, BySize, ...).")
    group_size: Annotated[int, Field(gt=0)] | None = Field(None, description="Files per task.")
    agent_type: Literal["Automatic", "Manual"] | None = Field(None, description="TS agent type.")
    max_retries: Annotated[int, Field(ge=0)] | None = Field(None, description="Times a failed task is retried.")
    input_query: dict[str, QueryValue] = Field(
        default_factory=dict,
        description="Keys added to the step's input meta-query: they narrow what it selects of its parents' outputs "
        "(CTADIRAC's input_meta_query keys beside parentID); each must be in the parents' output metadata.",
    )


class Metadata(_Hint):
    """Catalog metadata put on the step's outputs (CTAO: data_level, analysis_prog, particle...)."""

    fields: dict[str, MetaValue] = Field(default_factory=dict, description="Metadata on every output of the step.")
    outputs: dict[str, dict[str, MetaValue]] = Field(
        default_factory=dict, description="Metadata per output port, added to 'fields'."
    )
    inherit: bool | list[str] = Field(
        True,
        description="Which single-valued keys of the step's input query its outputs inherit (before 'fields'): "
        "true all (the default), false none, or these keys (CTADIRAC's jobs inherit a fixed set).",
    )


class MetadataFields(_Hint):
    """Declares the type of catalog metadata fields (usually at workflow level)."""

    fields: dict[str, Literal["int", "float", "varchar"]] = Field(description="Field name -> type.")


class InputData(_Hint):
    """Workflow level: metadata of the workflow's input files, per input (what a DIRAC input query selects)."""

    inputs: dict[str, dict[str, MetaValue]] = Field(
        default_factory=dict, description="Workflow input name -> metadata of its files."
    )
    datasets: dict[str, str] = Field(
        default_factory=dict,
        description="Workflow input name -> a DIRAC File Catalog dataset whose files it takes (its meta-query, "
        "refined by the input's 'inputs' metadata), as CTADIRAC's input_meta_query 'dataset'.",
    )


HINT_CLASSES: dict[str, type[_Hint]] = {
    "Job": Job,
    "Software": Software,
    "Apptainer": Apptainer,
    "Transformation": Transformation,
    "Metadata": Metadata,
    "MetadataFields": MetadataFields,
    "InputData": InputData,
    "Worker": Worker,
}


def short_class(cls: str) -> str | None:
    """``https://cwl2dirac.dev/ns#Job`` or ``dirac:Job`` → ``Job``; None if not in our namespace."""
    if cls.startswith(NAMESPACE):
        return cls[len(NAMESPACE):]
    if cls.startswith(PREFIX):
        return cls[len(PREFIX):]
    return None


def suggest(name: str, choices: Iterable[str]) -> str:
    """A ' (did you mean X?)' suffix, or ''."""
    match = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def parse_hint(cls: str, fields: dict[str, Any], location: Location | None = None) -> _Hint:
    """Validate one ``dirac:`` hint; raise a one-line :class:`ValidationError` pointing at the bad field."""
    short = short_class(cls) or cls
    model = HINT_CLASSES.get(short)
    if model is None:
        raise ValidationError(
            f"unknown hint class 'dirac:{short}'{suggest(short, HINT_CLASSES)}", location
        )
    try:
        hint = model.model_validate(fields)
    except PydanticValidationError as exc:
        errors = exc.errors()
        # a misspelt field shows as "unknown field" and, when the field is required, as "field required": the
        # unknown one is what the author can fix
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(str(x) for x in err["loc"])
        field_name = loc[0] if loc else ""
        where = location.child(*loc) if location is not None and loc else location
        if err["type"] == "extra_forbidden":
            msg = (
                f"unknown field '{field_name}' in dirac:{short}"
                f"{suggest(field_name, model.model_fields)}"
            )
        else:
            path = ".".join(loc)
            text = str(err["msg"])
            text = text[:1].lower() + text[1:]  # the allowed values stay as they must be written
            msg = f"dirac:{short}.{path}: {text} (got {_shown(err.get('input'))})"
        raise ValidationError(msg, where) from None
    boolean = _coerced_boolean(fields, hint.model_dump())
    if boolean is not None:
        path = ".".join(str(k) for k in boolean)
        given = str(_get(fields, boolean)).lower()
        raise ValidationError(
            f"dirac:{short}.{path}: a boolean is not a number here (got {given}; write a number)",
            location.child(*boolean) if location is not None else None,
        )
    return hint


def _shown(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    return text if len(text) <= 80 else f"{text[:76]}...{text[-1]}"


def _coerced_boolean(given: Any, parsed: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """The path of a boolean in ``given`` that validation turned into a number (pydantic takes ``true`` for 1)."""
    if isinstance(given, bool):
        return path if not isinstance(parsed, bool) else None
    if isinstance(given, dict) and isinstance(parsed, dict):
        for key, value in given.items():
            if key in parsed:
                found = _coerced_boolean(value, parsed[key], (*path, key))
                if found is not None:
                    return found
    if isinstance(given, list) and isinstance(parsed, list):
        for i, (value, out) in enumerate(zip(given, parsed, strict=False)):
            found = _coerced_boolean(value, out, (*path, i))
            if found is not None:
                return found
    return None


def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def json_schema() -> dict[str, Any]:
    """JSON schema of every ``dirac:`` hint class."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": NAMESPACE,
        "title": "cwl2dirac dirac: hints",
        "description": __doc__.strip().splitlines()[0] if __doc__ else "",
        "$defs": {name: model.model_json_schema() for name, model in HINT_CLASSES.items()},
    }
