"""The worker's DIRAC catalog puts an output through DIRAC's own DataManager, FileCatalog and StorageElement classes,
in-process: the catalog service is the recording one (``support.dirac``), the storage elements are DIRAC's ``File``
plugin on a temporary directory (a configuration loaded for the test, as DIRAC's own unit tests do).

An empty output (0 bytes), which ``DataManager.putAndRegister`` refuses ("Supplied file is zero size."), is put on
its SE and registered with size 0 by the same steps done with DIRAC's pieces; a non-empty one still goes through
``putAndRegister``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from support.dirac import RecordingService, recording_clients

from cwl2dirac.backends.dirac.catalog import REQUEST_FILE, DiracCatalog
from cwl2dirac.errors import TaskFailed

OUTPUT_SE = "LOCAL-DISK"
FAILOVER_SE = "LOCAL-FAILOVER"
LFN = "/vo/demo/step/out/empty.txt"
EMPTY_ADLER = "000001"
"""DIRAC's adler32 of no bytes (1), as DIRAC writes it (``intAdlerToHex``: not 8 digits, but what
``putAndRegister`` would register; ``compareAdler`` compares the numbers)."""


class CatalogService(RecordingService):
    """The File Catalog service for a fresh LFN: writable, not there yet, registered when added. ``puts``: the
    calls of ``DataManager.putAndRegister`` (LFN, file, SE)."""

    def __init__(self, *, fail: str | None = None) -> None:
        super().__init__(fail=fail)
        self.puts: list[tuple[str, str, str]] = []

    def _answer(self, name: str, args: tuple[Any, ...]) -> Any:
        if name in ("hasAccess", "addFile"):
            return {"Successful": dict.fromkeys(args[0], True), "Failed": {}}
        if name == "exists":
            return {"Successful": {lfn: lfn if lfn in self.added() else False for lfn in args[0]}, "Failed": {}}
        if name in ("getReplicas", "getFileMetadata"):
            added = self.added()
            found = {lfn: self._entry(name, added[lfn]) for lfn in args[0] if lfn in added}
            return {"Successful": found, "Failed": {lfn: "No such file or directory" for lfn in args[0]
                                                    if lfn not in added}}
        return super()._answer(name, args)

    @staticmethod
    def _entry(name: str, added: dict[str, Any]) -> dict[str, Any]:
        if name == "getReplicas":
            return {added["SE"]: added["PFN"]}
        return {"Size": added["Size"], "Checksum": added["Checksum"], "ChecksumType": "Adler32", "GUID": added["GUID"]}

    def added(self) -> dict[str, Any]:
        """The entries given to ``addFile``, by LFN."""
        entries: dict[str, Any] = {}
        for name, args in self.calls:
            if name == "addFile":
                entries.update(args[0])
        return entries


def _configuration(root: Path, *, broken: str | None = None) -> str:
    from diraccfg import CFG

    def storage(name: str) -> dict[str, Any]:
        path = root / "not-a-directory" / name if name == broken else root / name  # a file: nothing can be written
        return {
            "ReadAccess": "Active", "WriteAccess": "Active", "RemoveAccess": "Active", "CheckAccess": "Active",
            "File": {"Host": "", "Path": str(path), "Protocol": "file", "PluginName": "File", "Access": "remote",
                     "SpaceToken": ""},
        }

    return str(CFG().loadFromDict({
        "DIRAC": {"VirtualOrganization": "vo"},
        "Resources": {
            "FileCatalogs": {"FileCatalog": {"AccessType": "Read-Write", "Status": "Active", "Master": "True"}},
            "StorageElements": {OUTPUT_SE: storage(OUTPUT_SE), FAILOVER_SE: storage(FAILOVER_SE)},
        },
        "Operations": {"Defaults": {
            "DataManagement": {"RegistrationProtocols": "file", "AccessProtocols": "file", "WriteProtocols": "file",
                               "SEsUsedForFailover": FAILOVER_SE},
            "MonitoringBackends": {"Default": ""},  # no accounting service to wait for (as on the test server)
        }},
    }))


@pytest.fixture
def dirac_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``dirac_storage(fail=…, broken=…)``: a configuration with the SEs under ``tmp_path/se`` (``broken``: an SE
    that cannot be written), the catalog service (``fail``: the call it refuses); returns the service."""
    from DIRAC import S_OK
    from DIRAC.DataManagementSystem.Client.DataManager import DataManager
    from DIRAC.Resources.Catalog.FileCatalogClient import FileCatalogClient
    from DIRAC.Resources.Storage.StorageElement import StorageElement
    from DIRAC.ResourceStatusSystem.Client.ResourceStatus import ResourceStatus
    from DIRAC.tests.Utilities.utils import generateDIRACConfig

    (tmp_path / "se" / "not-a-directory").parent.mkdir(parents=True)
    (tmp_path / "se" / "not-a-directory").write_text("")
    monkeypatch.setenv("CWL2DIRAC_DIRAC_RETRY_PAUSES", "")  # no retries
    active = dict.fromkeys(["ReadAccess", "WriteAccess", "CheckAccess", "RemoveAccess"], "Active")
    monkeypatch.setattr(ResourceStatus, "getElementStatus",
                        lambda self, name, *args, **kwargs: S_OK({name: dict(active)}))  # no Resource Status service
    real_put = DataManager.putAndRegister
    made: list[CatalogService] = []

    def put_and_register(self: Any, lfn: str, file_name: str, se: str, *args: Any, **kwargs: Any) -> Any:
        made[0].puts.append((lfn, file_name, se))
        return real_put(self, lfn, file_name, se, *args, **kwargs)

    monkeypatch.setattr(DataManager, "putAndRegister", put_and_register)
    with ExitStack() as stack:

        def make(*, fail: str | None = None, broken: str | None = None) -> CatalogService:
            assert not made, "one configuration per test"
            made.append(CatalogService(fail=fail))
            monkeypatch.setattr(FileCatalogClient, "_getRPC", lambda self, *args, **kwargs: made[0])
            config = _configuration(tmp_path / "se", broken=broken)
            stack.enter_context(generateDIRACConfig(config, f"cwl2dirac-{os.getpid()}-{tmp_path.name}.cfg"))
            return made[0]

        StorageElement.seCache.purgeAll()  # SEs of another test's configuration
        stack.callback(StorageElement.seCache.purgeAll)
        yield make


def _catalog(service: RecordingService, job_dir: Path) -> DiracCatalog:
    """The worker's catalog of task 3 of transformation 7: DIRAC's DataManager and StorageElement (the
    configuration's), and DIRAC's FileCatalogClient over ``service``."""
    return DiracCatalog(7, clients=recording_clients(service), job_dir=job_dir, output_se=OUTPUT_SE)


def _output(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "job" / Path(LFN).name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def _request(job_dir: Path) -> list[dict[str, Any]]:
    operations: list[dict[str, Any]] = json.loads((job_dir / REQUEST_FILE).read_text())["Operations"]
    return operations


def test_an_empty_output_is_put_on_its_se_and_registered_with_size_0(dirac_storage: Any, tmp_path: Path) -> None:
    service = dirac_storage()
    catalog = _catalog(service, tmp_path / "job")
    catalog.put(_output(tmp_path), LFN, {"step": "step"})
    assert service.puts == []  # not through putAndRegister, which refuses it
    stored = tmp_path / "se" / OUTPUT_SE / LFN.lstrip("/")
    assert stored.is_file() and stored.stat().st_size == 0  # StorageElement.putFile took it
    entry = service.added()[LFN]
    assert entry["Size"] == 0 and entry["SE"] == OUTPUT_SE and entry["Checksum"] == EMPTY_ADLER
    assert entry["PFN"] == str(stored) and entry["GUID"]
    names = service.names()
    assert names.index("hasAccess") < names.index("exists") < names.index("addFile") < names.index("setMetadata")
    catalog.commit_task("step", 3, [])
    assert not (tmp_path / "job" / REQUEST_FILE).exists()  # nothing left to a failover request
    # a second empty file gets a GUID of its own (one from the content would be the same: UniqueGUID catalogs)
    other = LFN.replace("empty", "empty2")
    catalog.put(_output(tmp_path), other, {"step": "step"})
    assert service.added()[other]["GUID"] != entry["GUID"]


def test_an_empty_file_is_downloaded_again(dirac_storage: Any, tmp_path: Path) -> None:
    """A next step's input, or a workflow output: ``DataManager.getFile`` compares sizes (0 with 0) and checksums."""
    service = dirac_storage()
    _catalog(service, tmp_path / "job").put(_output(tmp_path), LFN, {})
    got = _catalog(service, tmp_path / "next").get(LFN, tmp_path / "next" / "in")
    assert got.parent.parent == tmp_path / "next" / "in" and got.name == "empty.txt" and got.stat().st_size == 0
    assert "getFileMetadata" in service.names()


def test_a_non_empty_output_still_goes_through_put_and_register(dirac_storage: Any, tmp_path: Path) -> None:
    service = dirac_storage()
    path = _output(tmp_path, "hello")
    _catalog(service, tmp_path / "job").put(path, LFN, {})
    assert service.puts == [(LFN, str(path), OUTPUT_SE)]
    assert service.added()[LFN]["Size"] == 5
    assert (tmp_path / "se" / OUTPUT_SE / LFN.lstrip("/")).read_text() == "hello"


def test_an_empty_output_whose_registration_fails_is_registered_by_the_failover_request(
    dirac_storage: Any, tmp_path: Path
) -> None:
    service = dirac_storage(fail="addFile")
    catalog = _catalog(service, tmp_path / "job")
    catalog.put(_output(tmp_path), LFN, {"step": "step"})
    assert (tmp_path / "se" / OUTPUT_SE / LFN.lstrip("/")).is_file()
    catalog.commit_task("step", 3, [LFN.replace("empty", "input")])
    register, *rest = _request(tmp_path / "job")
    assert register["Type"] == "RegisterFile" and register["TargetSE"] == OUTPUT_SE
    (entry,) = register["Files"]
    assert entry["LFN"] == LFN and entry["Size"] == 0 and entry["Checksum"] == EMPTY_ADLER and entry["GUID"]
    # after it: the file's metadata, then its inputs Processed (the task's end: told by the WMS, later)
    assert [op["Type"] for op in rest] == ["ForwardDISET", "SetFileStatus"]


def test_an_empty_output_while_the_catalog_does_not_answer_is_stored_then_registered_later(
    dirac_storage: Any, tmp_path: Path
) -> None:
    service = dirac_storage(fail="hasAccess")  # DIRAC's FileCatalog: "… from any catalog"
    catalog = _catalog(service, tmp_path / "job")
    catalog.put(_output(tmp_path), LFN, {})
    assert (tmp_path / "se" / OUTPUT_SE / LFN.lstrip("/")).is_file()
    assert "addFile" not in service.names()
    catalog.commit_task("step", 3, [])
    register = _request(tmp_path / "job")[0]
    assert register["Type"] == "RegisterFile" and register["Files"][0]["Size"] == 0


def test_an_empty_output_whose_upload_fails_fails_the_task_without_a_failover_se(
    dirac_storage: Any, tmp_path: Path
) -> None:
    """A failover SE would be a dead end: DIRAC's ReplicateAndRegister refuses a zero-size file."""
    service = dirac_storage(broken=OUTPUT_SE)
    catalog = _catalog(service, tmp_path / "job")
    with pytest.raises(TaskFailed, match=r"empty file \(0 bytes\) cannot wait on a failover SE") as info:
        catalog.put(_output(tmp_path), LFN, {})
    assert f"the upload to {OUTPUT_SE} failed after retries (Failed to put file to Storage Element." in str(info.value)
    assert not (tmp_path / "se" / FAILOVER_SE).exists() and "addFile" not in service.names()


def test_a_non_empty_output_whose_upload_fails_still_goes_to_the_failover_se(
    dirac_storage: Any, tmp_path: Path
) -> None:
    service = dirac_storage(broken=OUTPUT_SE)
    catalog = _catalog(service, tmp_path / "job")
    catalog.put(_output(tmp_path, "hello"), LFN, {})
    assert [se for _, _, se in service.puts] == [OUTPUT_SE, FAILOVER_SE]
    assert (tmp_path / "se" / FAILOVER_SE / LFN.lstrip("/")).read_text() == "hello"
    catalog.commit_task("step", 3, [])
    assert [op["Type"] for op in _request(tmp_path / "job")][:2] == ["ReplicateAndRegister", "RemoveReplica"]
