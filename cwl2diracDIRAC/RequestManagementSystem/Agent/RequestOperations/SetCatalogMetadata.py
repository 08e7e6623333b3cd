"""``SetCatalogMetadata``: a request operation that sets files' metadata in the catalogs DIRAC is configured with.

A job's failover request carries a metadata call the catalog did not take as a ``ForwardDISET`` of the DIRAC File
Catalog's RPC; a catalog without a DISET service (Rucio, through ``RucioFileCatalogClient``) has nothing to forward
to. cwl2dirac's worker then writes this operation: its ``Arguments`` are JSON ``{lfn: {field: value}}``, replayed
with DIRAC's ``FileCatalog().setMetadataBulk`` until it succeeds (after the ``RegisterFile`` before it, the
``SetFileStatus`` after it waits). Configure it for the RequestExecutingAgent, in its ``OperationHandlers``::

    SetCatalogMetadata
    {
      Location = cwl2diracDIRAC/RequestManagementSystem/Agent/RequestOperations/SetCatalogMetadata
    }
"""

from __future__ import annotations

import json
from typing import Any

from DIRAC import S_ERROR, S_OK
from DIRAC.RequestManagementSystem.private.OperationHandlerBase import OperationHandlerBase
from DIRAC.Resources.Catalog.FileCatalog import FileCatalog


class SetCatalogMetadata(OperationHandlerBase):
    """Set ``{lfn: metadata}`` (the operation's JSON ``Arguments``) in the configured catalogs."""

    def __init__(self, operation: Any = None, csPath: Any = None) -> None:
        OperationHandlerBase.__init__(self, operation, csPath)

    def __call__(self) -> Any:
        try:
            metadata = json.loads(self.operation.Arguments)
            if not isinstance(metadata, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            self.operation.Error = f"SetCatalogMetadata: its arguments are not JSON {{lfn: metadata}}: {exc}"
            self.operation.Status = "Failed"
            return S_ERROR(self.operation.Error)
        result = FileCatalog().setMetadataBulk(metadata)
        if not result["OK"]:
            self.operation.Error = str(result["Message"])
            self.log.error("setting metadata failed", self.operation.Error)
            return result
        failed = (result["Value"] or {}).get("Failed") if isinstance(result["Value"], dict) else None
        if failed:
            self.operation.Error = f"{len(failed)} file(s) not set, e.g. {next(iter(failed.items()))}"
            self.log.error("setting metadata failed", self.operation.Error)
            return S_ERROR(self.operation.Error)
        self.log.info(f"metadata set on {len(metadata)} file(s)")
        self.operation.Status = "Done"
        return S_OK()
