"""The worker's DIRAC catalog when DIRAC's catalog is Rucio (no DISET service behind it): an output's metadata that
Rucio does not take is left to the job's failover request as a ``SetCatalogMetadata`` operation (the extension's
handler, run by the RequestExecutingAgent: tests/integration/test_rucio_dirac.py), and the task's input files are
marked Processed by the request after it, never before. DIRAC's own Request and Operation classes write the
request; the catalog and the Transformation System are stand-ins that answer as DIRAC's clients do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cwl2dirac.backends.dirac.catalog import REQUEST_FILE, DiracCatalog


class RucioLike:
    """DIRAC's Rucio catalog client as the worker sees it: ``setMetadata`` fails (``down``) or records."""

    def __init__(self, down: bool) -> None:
        self.down = down
        self.set: list[tuple[str, dict[str, Any]]] = []

    def getMetadataFields(self) -> dict[str, Any]:
        return {"OK": True, "Value": {"FileMetaFields": {"cwl2dirac_step": "VARCHAR(128)"}, "DirectoryMetaFields": {}}}

    def setMetadata(self, lfn: str, metadata: dict[str, Any]) -> dict[str, Any]:
        if self.down:
            return {"OK": False, "Message": "Rucio: cannot connect to http://127.0.0.1:29601"}
        self.set.append((lfn, metadata))
        return {"OK": True, "Value": {"Successful": {lfn: True}, "Failed": {}}}


class Transformations:
    def __init__(self) -> None:
        self.processed: list[list[str]] = []

    def setFileStatusForTransformation(self, tid: int, status: str, lfns: list[str]) -> dict[str, Any]:
        self.processed.append(lfns)
        return {"OK": True, "Value": {}}

    def setTaskStatus(self, tid: int, task: int, status: str) -> dict[str, Any]:
        return {"OK": True, "Value": {}}

    def _getRPC(self) -> Transformations:  # the raw RPC client the worker calls the Transformation System with
        return self


class Clients:
    def __init__(self, down: bool) -> None:
        self.catalog = RucioLike(down)
        self.transformations = Transformations()

    def initialize(self) -> None:
        pass

    def file_catalog(self) -> RucioLike:
        return self.catalog

    def catalog_is_rucio(self) -> bool:
        return True

    def transformation(self) -> Transformations:
        return self.transformations


@pytest.mark.parametrize("down", [False, True], ids=["rucio-answers", "rucio-down"])
def test_output_metadata_with_rucio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, down: bool) -> None:
    monkeypatch.setenv("CWL2DIRAC_DIRAC_RETRY_PAUSES", "")
    clients = Clients(down)
    catalog = DiracCatalog(12, clients=clients, job_dir=tmp_path)  # type: ignore[arg-type]
    lfn = "/vo/prod/step/00000001/out.txt"
    catalog._set_metadata(lfn, {"cwl2dirac_step": "step"})
    catalog.commit_task("step", 1, ["/vo/prod/_inputs/in/a.txt"])
    if not down:
        assert clients.catalog.set == [(lfn, {"cwl2dirac_step": "step"})]
        assert clients.transformations.processed == [["/vo/prod/_inputs/in/a.txt"]]
        assert not (tmp_path / REQUEST_FILE).exists()
        return
    assert clients.catalog.set == [] and clients.transformations.processed == []  # nothing Processed before it
    operations = json.loads((tmp_path / REQUEST_FILE).read_text())["Operations"]
    assert [op["Type"] for op in operations] == ["SetCatalogMetadata", "SetFileStatus"]  # the task: by the WMS
    assert json.loads(operations[0]["Arguments"]) == {lfn: {"cwl2dirac_step": "step"}}
