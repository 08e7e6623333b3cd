"""Files of the software release on the worker: a job-order File at ``location: software-config:<path>``.

CTADIRAC's ProdSteps name ctapipe configurations as ``-c v3/dl0_to_dl2.yml``: files of the ctapipe release that the
job's software set-up installs (``$CTAPIPE_DIR/config``, which CTADIRAC's wrapper copies into the job), not files
of the user's. Such a File is neither uploaded nor registered: it travels in the step's configuration as a value,
and the worker finds it, after the software set-up, in the release's configuration directory
(:func:`config_dir`): ``$CWL2DIRAC_CONFIG_DIR`` when set, else ``$CTAPIPE_DIR/config``. A local run gives that
directory with ``--config-dir`` (default ``$CTAPIPE_DIR/config`` when ctapipe's set-up gave it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cwl2dirac.errors import InputError, Location, TaskFailed
from cwl2dirac.request.lfn import check_relative

SOFTWARE_CONFIG_SCHEME = "software-config:"
ENV_CONFIG_DIR = "CWL2DIRAC_CONFIG_DIR"
"""Where the release's configurations are, when set (the local backend sets it from ``--config-dir``)."""
RELEASE_DIR_VARIABLE = "CTAPIPE_DIR"
"""The variable that ctapipe's software set-up gives: its configurations are in ``$CTAPIPE_DIR/config``."""


def software_config_of(location: object) -> str | None:
    """The release-relative path a ``software-config:`` location names, else None."""
    if not isinstance(location, str) or location[: len(SOFTWARE_CONFIG_SCHEME)].lower() != SOFTWARE_CONFIG_SCHEME:
        return None
    rest = location[len(SOFTWARE_CONFIG_SCHEME):]
    return rest[2:] if rest.startswith("//") else rest


def check_software_config(location: str, what: str, where: Location | None = None) -> str:
    """``location`` written canonically if its path is relative and stays in the configuration directory."""
    path = software_config_of(location) or ""
    if not path:
        raise InputError(f"{what}: '{location}' names no file (write software-config:<path in the release's config>)",
                         where)
    check_relative(path, f"{what}: the path of {location!r}", where)
    return SOFTWARE_CONFIG_SCHEME + path


def is_software_value(value: Any) -> bool:
    """True if ``value`` is a File, or a non-empty list of Files, all at ``software-config:`` locations."""
    if isinstance(value, list):
        return bool(value) and all(is_software_value(v) for v in value)
    return isinstance(value, Mapping) and value.get("class") == "File" and (
        software_config_of(value.get("location")) is not None
    )


def software_paths(value: Any) -> list[str]:
    """The release-relative paths of the ``software-config:`` Files inside ``value``."""
    if isinstance(value, list):
        return [p for v in value for p in software_paths(v)]
    if isinstance(value, Mapping):
        own = software_config_of(value.get("location"))
        return ([own] if own is not None else []) + [p for k, v in value.items() for p in software_paths(v)
                                                     if k != "location"]
    return []


def config_dir(variables: Mapping[str, str]) -> Path | None:
    """The release's configuration directory per ``variables``: ``$CWL2DIRAC_CONFIG_DIR``, else
    ``$CTAPIPE_DIR/config``; None when neither is set."""
    if variables.get(ENV_CONFIG_DIR):
        return Path(variables[ENV_CONFIG_DIR])
    if variables.get(RELEASE_DIR_VARIABLE):
        return Path(variables[RELEASE_DIR_VARIABLE]) / "config"
    return None


def resolve_software_files(value: Any, directory: Path | None, port: str) -> Any:
    """``value`` with each ``software-config:`` File located in ``directory`` (:class:`TaskFailed` when there is no
    directory or the file is not in it)."""
    if isinstance(value, list):
        return [resolve_software_files(v, directory, port) for v in value]
    if not isinstance(value, Mapping):
        return value
    out = {k: resolve_software_files(v, directory, port) for k, v in value.items() if k != "location"}
    if "location" in value:
        out["location"] = value["location"]
    path = software_config_of(value.get("location"))
    if path is None:
        return out
    if directory is None:
        raise TaskFailed(
            f"input '{port}' is {SOFTWARE_CONFIG_SCHEME}{path}, a configuration of the software release, but the "
            f"software set-up gave no ${RELEASE_DIR_VARIABLE} (nor ${ENV_CONFIG_DIR}) to find it in"
        )
    target = directory / path
    if not target.is_file():
        raise TaskFailed(f"input '{port}': {SOFTWARE_CONFIG_SCHEME}{path} is not in {directory} (no file {target})")
    out["location"] = target.resolve().as_uri()
    out.pop("path", None)
    return out


def local_config_dir(given: str | os.PathLike[str] | None) -> Path | None:
    """The configuration directory of a local run: ``given`` (``--config-dir``), else the environment's."""
    if given is not None:
        return Path(given).resolve()
    return config_dir(os.environ)


def request_software_files(steps: Any) -> list[tuple[str, str, str]]:
    """``(step, port, path)`` of every ``software-config:`` File that the steps' configurations (``StepSpec``s)
    give as values, in order."""
    found: list[tuple[str, str, str]] = []
    for step in steps:
        for binding in step.config.inputs:
            for path in software_paths(binding.value) + software_paths(binding.default):
                found.append((step.name, binding.port, path))
    return found


def check_local_configs(steps: Any, directory: Path | None) -> None:
    """Refuse, before anything runs, a local run whose ``software-config:`` Files are not in ``directory``."""
    files = request_software_files(steps)
    if not files:
        return
    step, port, path = files[0]
    if directory is None:
        raise InputError(
            f"step '{step}' input '{port}' is {SOFTWARE_CONFIG_SCHEME}{path}, a configuration of the software "
            "release that the worker gives: to run here, give --config-dir DIR (the release's configuration "
            f"directory, ${RELEASE_DIR_VARIABLE}/config)"
        )
    for step, port, path in files:
        if not (directory / path).is_file():
            raise InputError(
                f"step '{step}' input '{port}': {SOFTWARE_CONFIG_SCHEME}{path} is not in the configuration "
                f"directory {directory} (no file {directory / path})"
            )
