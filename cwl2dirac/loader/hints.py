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


class Metadata(_Hint):
    """Catalog metadata put on the step's outputs (CTAO: data_level, analysis_prog, particle...)."""

    fields: dict[str, MetaValue] = Field(default_factory=dict, description="Metadata on every output of the step.")
    outputs: dict[str, dict[str, MetaValue]] = Field(
        default_factory=dict, description="Metadata per output port, added to 'fields'."
    )


class MetadataFields(_Hint):
    """Declares the type of catalog metadata fields (usually at workflow level)."""

    fields: dict[str, Literal["int", "float", "varchar"]] = Field(description="Field name -> type.")


class InputData(_Hint):
    """Workflow level: metadata of the workflow's input files, per input (what a DIRAC input query selects)."""

    inputs: dict[str, dict[str, MetaValue]] = Field(description="Workflow input name -> metadata of its files.")


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
        return model.model_validate(fields)
    except PydanticValidationError as exc:
        err = exc.errors()[0]
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
            msg = f"dirac:{short}.{path}: {err['msg'].lower()} (got {err.get('input')!r})"
        raise ValidationError(msg, where) from None


def json_schema() -> dict[str, Any]:
    """JSON schema of every ``dirac:`` hint class."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": NAMESPACE,
        "title": "cwl2dirac dirac: hints",
        "description": __doc__.strip().splitlines()[0] if __doc__ else "",
        "$defs": {name: model.model_json_schema() for name, model in HINT_CLASSES.items()},
    }
