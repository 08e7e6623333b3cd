"""DIRAC File Catalog datasets: a dataset's name → its meta-query, as CTADIRAC resolves ``dataset:`` (its
``get_dataset_MQ``: ``FileCatalogClient.getDatasetParameters(name)["MetaQuery"]``).

A workflow input given as a dataset (``dirac:InputData.datasets``, or ``{dataset: NAME}`` in the job order) is
compiled into a query that holds ``cwl2dirac_dataset: NAME``. Compiling for a submission with a resolver puts the
dataset's meta-query there instead, and the step's outputs inherit its single-valued keys (as CTADIRAC's outputs
inherit their input query)::

    from cwl2dirac.backends.dirac.datasets import dataset_resolver
    request = compile_workflow(pipeline, inputs, datasets=dataset_resolver())

(:func:`cwl2dirac.compiler.compile_workflow`; DIRAC must be initialised, as for a submission.)
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.errors import BackendError


def dataset_query(name: str, client: Any = None) -> dict[str, Any]:
    """The meta-query of the File Catalog dataset ``name`` (a name, or its full path). ``client``: a DIRAC
    ``FileCatalogClient`` (default: a new one). A missing dataset is a :class:`~cwl2dirac.errors.BackendError`
    naming it."""
    if client is None:
        _boundary.prepare_for_server()
        from DIRAC.Resources.Catalog.FileCatalogClient import FileCatalogClient

        client = FileCatalogClient()
    value = _boundary.ok(client.getDatasetParameters(name), f"dataset {name!r}")
    if isinstance(value, Mapping) and "Successful" in value:  # the bulk form: {"Successful": {...}, "Failed": {...}}
        if name not in value["Successful"]:
            reason = value.get("Failed", {}).get(name, "not found")
            raise BackendError(f"dataset {name!r}: {' '.join(str(reason).split())}")
        value = value["Successful"][name]
    query = value.get("MetaQuery") if isinstance(value, Mapping) else None
    if not isinstance(query, Mapping):
        raise BackendError(f"dataset {name!r}: the File Catalog gave no meta-query ({value!r})")
    if "Path" in query:  # a directory restriction: a transformation's input query cannot hold one
        logging.getLogger("cwl2dirac").warning(
            "dataset %r: its meta-query restricts to the directory %s, which an input query cannot express; "
            "the restriction is left out", name, query["Path"],
        )
    return {str(k): v for k, v in query.items() if k != "Path"}


def dataset_resolver(client: Any = None) -> Callable[[str], dict[str, Any]]:
    """A resolver for :func:`cwl2dirac.compiler.compile_workflow` (``datasets=``): :func:`dataset_query` with one
    client, each dataset asked for once."""

    @functools.cache
    def resolve(name: str) -> dict[str, Any]:
        return dataset_query(name, client)

    return lambda name: dict(resolve(name))
