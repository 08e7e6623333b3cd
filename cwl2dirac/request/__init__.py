"""The production request: what the compiler emits and every backend consumes.

- :mod:`~cwl2dirac.request.model`: the versioned schema (pydantic models) and its deterministic YAML/JSON text;
- :mod:`~cwl2dirac.request.wire`: every name shared by the compiler, the worker and the backends;
- :mod:`~cwl2dirac.request.values`: CWL values on the wire (File references, directory listings);
- :mod:`~cwl2dirac.request.token`: the step configuration as the worker's command-line token;
- :mod:`~cwl2dirac.request.order`: the order in which a backend creates a request's steps.
"""

from cwl2dirac.request.model import (
    InputBinding,
    InputDataset,
    InputFile,
    MetaQuery,
    MetaType,
    OutputBinding,
    OutputSpec,
    ProductionRequest,
    StepConfig,
    StepSpec,
    WorkflowOutputSpec,
    request_json_schema,
)
from cwl2dirac.request.order import parents_first
from cwl2dirac.request.token import decode_config, encode_config
from cwl2dirac.request.wire import (
    FIELD_FORMAT,
    FIELD_INDEX,
    FIELD_ITEM,
    FIELD_LISTING,
    FIELD_OUTPUT,
    FIELD_PRODUCTION,
    FIELD_SCATTER,
    FIELD_SECONDARY,
    FIELD_STEP,
    FILE_INDEX,
    FILE_REF,
    INPUTS_STEP,
    SCHEMA_VERSION,
    STEP_CONFIG_VERSION,
    secondary_link,
)

__all__ = [
    "FIELD_FORMAT",
    "FIELD_INDEX",
    "FIELD_ITEM",
    "FIELD_LISTING",
    "FIELD_OUTPUT",
    "FIELD_PRODUCTION",
    "FIELD_SCATTER",
    "FIELD_SECONDARY",
    "FIELD_STEP",
    "FILE_INDEX",
    "FILE_REF",
    "INPUTS_STEP",
    "SCHEMA_VERSION",
    "STEP_CONFIG_VERSION",
    "InputBinding",
    "InputDataset",
    "InputFile",
    "MetaQuery",
    "MetaType",
    "OutputBinding",
    "OutputSpec",
    "ProductionRequest",
    "StepConfig",
    "StepSpec",
    "WorkflowOutputSpec",
    "decode_config",
    "encode_config",
    "parents_first",
    "request_json_schema",
    "secondary_link",
]
