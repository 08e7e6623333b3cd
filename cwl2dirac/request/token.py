"""The step configuration as one shell-safe token: what a job template passes to the worker."""

from __future__ import annotations

import base64
import json
import zlib

from cwl2dirac.request.model import StepConfig


def encode_config(config: StepConfig) -> str:
    """The step configuration as one shell-safe token (zlib + urlsafe base64 of canonical JSON).

    The job template passes it to the worker on its command line; the local backend passes the very same token.
    """
    raw = json.dumps(config.wire_data(), sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_config(token: str) -> StepConfig:
    """Inverse of :func:`encode_config`."""
    return StepConfig.model_validate_json(zlib.decompress(base64.urlsafe_b64decode(token.encode("ascii"))))
