"""The worker's catalog inside a DIRAC job: the DIRAC File Catalog, storage elements and the transformation.

``cwl2dirac-worker … --catalog dirac:<transformation id>`` (the job template passes ``dirac:@{PRODUCTION_ID}``)
makes a :class:`DiracCatalog`, found through the ``cwl2dirac.catalogs`` entry points like any other catalog:

- a task's input files are its files in the transformation (``getTransformationFiles`` by task id), with their
  catalog metadata; the JobWrapper has already downloaded them into the job's directory (the template's
  ``Download`` input policy), other files (side inputs, secondary files) are downloaded on demand;
- an output is uploaded to the step's output SE (``putAndRegister``) under its LFN, then gets the metadata its
  step's output query promises: a field the catalog knows at directory level (CTAO declares most of theirs on
  directories) is set on the file's directory, the others on the file. An empty output (0 bytes), which
  ``putAndRegister`` refuses, goes through the same steps done with DIRAC's own pieces
  (:func:`_put_and_register_empty`: ``StorageElement.putFile``, then ``DataManager.registerFile`` with size 0);
- at the end the task's input files are marked ``Processed`` in the transformation and the task ``Done``.

Each DIRAC call is retried with backoff (:func:`~cwl2dirac.backends.dirac._boundary.retried`). What still fails
becomes an operation of a failover request instead of a lost output: an upload to the failover SE with a
``ReplicateAndRegister`` to the output SE and a ``RemoveReplica`` from the failover SE, a ``RegisterFile``, or a
``ForwardDISET`` of the metadata or status call. The request is written as ``cwl2dirac_request.json`` in the job's
directory, where DIRAC's JobWrapper takes every ``*_request.json`` into the job's failover request; the input files
are marked Processed only by that request, once everything before it has been done. An empty output has no
failover SE (DIRAC refuses to replicate a zero-size file from it): its failed upload fails the task; its failed
registration, or its upload while the catalog does not answer, is left to the failover request like any other.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import posixpath
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cwl2dirac.backends.dirac import _boundary
from cwl2dirac.backends.dirac._clients import DiracClients
from cwl2dirac.errors import BackendError, TaskFailed
from cwl2dirac.request import MetaQuery
from cwl2dirac.request.lfn import check_lfn
from cwl2dirac.worker.catalog import CatalogFile

log = logging.getLogger("cwl2dirac.worker")

REQUEST_FILE = "cwl2dirac_request.json"
"""The failover request, in the job's directory (the JobWrapper sends every ``*_request.json``)."""
TRANSFORMATIONS = "Transformation/TransformationManager"
CATALOG = "DataManagement/FileCatalog"
FORWARD_TIMEOUT = 600
"""Seconds a forwarded call may take when the RequestExecutingAgent runs it."""


class DiracCatalog:
    """The :class:`~cwl2dirac.worker.catalog.Catalog` of a task running in a DIRAC job."""

    def __init__(
        self,
        transformation: int | None,
        *,
        clients: DiracClients | None = None,
        job_dir: Path | None = None,
        output_se: str | None = None,
    ) -> None:
        self.transformation = transformation
        self.clients = clients or DiracClients()
        self.job_dir = job_dir or Path.cwd()
        self.output_se = output_se
        self._initialized = False
        self._levels: dict[str, str] | None = None
        self._inputs: dict[str, CatalogFile] = {}
        self._operations: list[Any] = []
        self._deferred = False
        self._directories: dict[str, dict[str, Any]] = {}
        self._catalog_down = ""
        """Why the File Catalog did not answer an upload's registration (then later outputs do not wait for it)."""

    @classmethod
    def from_url(cls, rest: str) -> DiracCatalog:
        """The catalog of ``dirac:<transformation id>`` (``dirac`` alone: a job outside a transformation)."""
        rest = rest.strip()
        if rest and not rest.isdigit():
            raise BackendError(f"catalog 'dirac:{rest}': expected 'dirac:<transformation id>'")
        return cls(int(rest) if rest and int(rest) else None)

    # -- DIRAC ---------------------------------------------------------------------------------------------------
    def _ready(self) -> None:
        if not self._initialized:
            self.clients.initialize()
            self._initialized = True

    def _fc(self) -> Any:
        self._ready()
        return self.clients.file_catalog()

    def field_levels(self) -> dict[str, str]:
        """Each catalog metadata field → ``file`` or ``directory`` (``file`` when it exists at both levels)."""
        if self._levels is None:
            fields = _boundary.ok(_boundary.retried(self._fc().getMetadataFields), "getMetadataFields") or {}
            levels = {name: "directory" for name in fields.get("DirectoryMetaFields", {})}
            levels.update({name: "file" for name in fields.get("FileMetaFields", {})})
            self._levels = levels
        return self._levels

    def use_step(self, config: Any) -> None:
        """Outputs go to the step's output SE (``dirac:Job.output_se``), else this site's ``/LocalSite/LocalSE``."""
        if config.output_se:
            self.output_se = str(config.output_se)

    def directory_fields(self) -> frozenset[str]:
        return frozenset(k for k, v in self.field_levels().items() if v == "directory")

    # -- Catalog protocol ----------------------------------------------------------------------------------------
    def find(self, query: MetaQuery) -> list[CatalogFile]:
        fc = self._fc()
        found = _boundary.ok(
            _boundary.retried(lambda: fc.findFilesByMetadataDetailed(dict(query), "/")),
            f"findFilesByMetadata {query}",
        ) or {}
        files = [
            CatalogFile(lfn, dict(info.get("Metadata") or {}), _size(info), info.get("Checksum"))
            for lfn, info in found.items()
        ]
        files.sort(key=CatalogFile.sort_key)
        return files

    def task_inputs(self, step: str, task: int) -> list[CatalogFile]:
        self._ready()
        self.field_levels()  # asked now, while the catalog answers: the outputs' metadata need it at the end
        if self.transformation is None:
            return []
        tc = self.clients.transformation()
        rows = _boundary.ok(
            _boundary.retried(
                lambda: tc.getTransformationFiles({"TransformationID": self.transformation, "TaskID": task})
            ),
            f"the files of task {task} of transformation {self.transformation}",
        ) or []
        lfns = sorted({str(r["LFN"]) for r in rows})
        files = [self._describe(lfn) for lfn in lfns]
        self._inputs = {f.lfn: f for f in files}
        return sorted(files, key=CatalogFile.sort_key)

    def _describe(self, lfn: str) -> CatalogFile:
        fc = self._fc()
        meta = _boundary.ok(_boundary.retried(lambda: fc.getFileUserMetadata(lfn)), f"metadata of {lfn}") or {}
        info = _boundary.bulk_ok(_boundary.retried(lambda: fc.getFileMetadata([lfn])), f"size of {lfn}").get(lfn, {})
        return CatalogFile(lfn, dict(meta), _size(info), info.get("Checksum"))

    def get(self, lfn: str, dest: Path) -> Path:
        name = posixpath.basename(check_lfn(lfn, what="input LFN"))  # no '..', no empty part: it names a path here
        downloaded = self.job_dir / name
        alone = sum(1 for other in self._inputs if posixpath.basename(other) == name) == 1
        if lfn in self._inputs and alone and downloaded.is_file():
            return downloaded  # the JobWrapper's input data, already here (under its base name: unique)
        # a directory of its own: files of one name from several tasks (merge inputs) must not overwrite each other
        where = dest / hashlib.sha1(lfn.encode()).hexdigest()[:16]
        if (where / name).is_file():
            return where / name
        where.mkdir(parents=True, exist_ok=True)
        self._ready()
        dm = self.clients.data_manager()
        _boundary.bulk_ok(
            _boundary.retried(functools.partial(dm.getFile, lfn, destinationDir=str(where))), f"download of {lfn}"
        )
        return where / name

    def put(self, path: Path, lfn: str, metadata: Mapping[str, Any]) -> None:
        check_lfn(lfn, what="output LFN")  # the worker checked it against its base; never an escape into the SE
        if not path.is_file():
            raise TaskFailed(f"output {lfn}: {path} is not a file (a DIRAC storage element holds files only)")
        self._ready()
        se = self._output_se()
        if self._catalog_down:
            self._upload_unregistered(path, lfn, se, self._catalog_down)
            self._set_metadata(lfn, metadata)
            return
        dm = self.clients.data_manager()
        if path.stat().st_size == 0:  # putAndRegister refuses it ("Supplied file is zero size."); DIRAC keeps it
            storage = self.clients.storage_element(se)
            result = _boundary.retried(lambda: _put_and_register_empty(dm, storage, lfn, path))
        else:
            result = _boundary.retried(lambda: dm.putAndRegister(lfn, str(path), se))
        if not result.get("OK") and _catalog_unreachable(result):
            # DIRAC asks the catalog first whether the LFN exists: the catalog does not answer (stopped, dead, cut
            # off); the storage may still take the file, and the failover request registers it later
            self._catalog_down = " ".join(str(result.get("Message", "")).split())
            self._upload_unregistered(path, lfn, se, self._catalog_down)
        elif not result.get("OK"):
            self._failover_upload(path, lfn, se, str(result.get("Message", "")))
        else:
            failed = (result.get("Value") or {}).get("Failed", {}).get(lfn)
            if failed:
                if "register" in str(failed).lower() and lfn in (result["Value"].get("Successful") or {}):
                    self._failover_registration(path, lfn, se)
                else:
                    self._failover_upload(path, lfn, se, str(failed))
        self._set_metadata(lfn, metadata)

    def commit_task(self, step: str, task: int, inputs: Sequence[str]) -> None:
        if self.transformation is not None:
            if inputs:
                self._mark_processed(list(inputs))
            if not self._deferred:  # else the WMS tells the transformation, later
                self._call_or_forward(
                    TRANSFORMATIONS, "setTaskStatus", [self.transformation, task, "Done"], f"marking task {task} Done"
                )
        self._write_request(step, task)

    def _mark_processed(self, lfns: list[str]) -> None:
        """The task's input files Processed in the transformation; a ``SetFileStatus`` operation of the failover
        request when that fails, or when an output's registration waits there (it then runs after it)."""
        reason = "an output waits in the failover request"
        if not self._deferred:
            tc = self.clients.transformation()
            result = _boundary.retried(
                functools.partial(tc.setFileStatusForTransformation, self.transformation, "Processed", lfns)
            )
            if result.get("OK"):
                return
            reason = str(result.get("Message"))
            self._deferred = True  # the Transformation System is out of reach: the WMS tells it the task's end, later
        from DIRAC.Core.Utilities import DEncode
        from DIRAC.RequestManagementSystem.Client.Operation import Operation

        operation = Operation()
        operation.Type = "SetFileStatus"
        operation.Arguments = DEncode.encode(
            {"transformation": self.transformation, "statusDict": dict.fromkeys(lfns, "Processed"), "force": False}
        )
        self._operations.append(operation)
        log.warning("marking %d input file(s) Processed: in the failover request (%s)", len(lfns), reason)

    def discard_pending(self) -> None:
        """Nothing is deferred: a failed task leaves its input files to the transformation (Assigned)."""

    # -- outputs -------------------------------------------------------------------------------------------------
    def _output_se(self) -> str:
        if self.output_se:
            return self.output_se
        from DIRAC import gConfig

        local = gConfig.getValue("/LocalSite/LocalSE", [])
        if not local:
            raise TaskFailed("no storage element for the outputs: set dirac:Job.output_se, or /LocalSite/LocalSE")
        self.output_se = str(local[0])
        return self.output_se

    def _set_metadata(self, lfn: str, metadata: Mapping[str, Any]) -> None:
        levels = self.field_levels()
        on_file = {k: v for k, v in metadata.items() if levels.get(k, "file") == "file"}
        on_dir = {k: v for k, v in metadata.items() if levels.get(k) == "directory"}
        directory = posixpath.dirname(lfn)
        if on_dir and self._directories.get(directory) != on_dir:  # once per directory
            self._directories[directory] = on_dir
            self._call_or_forward(CATALOG, "setMetadata", [directory, on_dir], f"directory metadata of {directory}")
        if on_file:
            self._call_or_forward(CATALOG, "setMetadata", [lfn, on_file], f"metadata of {lfn}")

    def _failover_upload(self, path: Path, lfn: str, target: str, reason: str) -> None:
        """Upload to a failover SE, and ask the request to replicate to ``target`` and clean the failover copy."""
        from DIRAC import gConfig
        from DIRAC.RequestManagementSystem.Client.File import File
        from DIRAC.RequestManagementSystem.Client.Operation import Operation

        if path.stat().st_size == 0:
            raise TaskFailed(
                f"output {lfn}: the upload to {target} failed after retries ({reason}), and an empty file (0 bytes) "
                "cannot wait on a failover SE: DIRAC's ReplicateAndRegister refuses to move a zero-size file "
                "('Registered file size is 0.'), so it would never reach its SE"
            )
        failover = [
            se for se in gConfig.getValue("/Operations/Defaults/DataManagement/SEsUsedForFailover", []) if se != target
        ]
        log.warning("upload of %s to %s failed (%s); trying the failover SEs %s", lfn, target, reason, failover)
        dm = self.clients.data_manager()
        for se in failover:
            result = _boundary.retried(functools.partial(dm.putAndRegister, lfn, str(path), se))
            if result.get("OK") and lfn in ((result.get("Value") or {}).get("Successful") or {}):
                replicate = Operation()
                replicate.Type = "ReplicateAndRegister"
                replicate.TargetSE = target
                replicate.SourceSE = se
                replicate.addFile(_rms_file(File, lfn, path))
                remove = Operation()
                remove.Type = "RemoveReplica"
                remove.TargetSE = se
                remove.addFile(_rms_file(File, lfn, path))
                self._operations += [replicate, remove]
                self._deferred = True  # the task is done once the output is where it belongs
                log.warning("%s is on the failover SE %s; the failover request replicates it to %s", lfn, se, target)
                return
        raise TaskFailed(
            f"output {lfn}: the upload to {target} failed after retries ({reason}) and no failover SE took it"
        )

    def _upload_unregistered(self, path: Path, lfn: str, se: str, reason: str) -> None:
        """The File Catalog does not answer: the file goes to ``se`` directly (DIRAC's StorageElement, no catalog),
        and a ``RegisterFile`` operation of the failover request registers it once the catalog is back."""
        log.warning("%s: the File Catalog does not answer (%s); uploading to %s without registering", lfn, reason, se)
        storage = self.clients.storage_element(se)
        result = _boundary.retried(functools.partial(storage.putFile, {lfn: str(path)}))
        try:
            _boundary.bulk_ok(result, f"upload of {lfn} to {se}")
        except BackendError as exc:
            raise TaskFailed(f"output {lfn}: the File Catalog does not answer ({reason}) and {exc}") from exc
        self._failover_registration(path, lfn, se)

    def _failover_registration(self, path: Path, lfn: str, se: str) -> None:
        from DIRAC.RequestManagementSystem.Client.File import File
        from DIRAC.RequestManagementSystem.Client.Operation import Operation

        storage = self.clients.storage_element(se)
        url = _boundary.bulk_ok(storage.getURL(lfn, protocol=["file", "dips", "root", "https"]), f"URL of {lfn}")
        register = Operation()
        register.Type = "RegisterFile"
        register.Catalog = self.clients.catalog_name()
        register.TargetSE = se
        entry = _rms_file(File, lfn, path)
        entry.PFN = str(url.get(lfn, ""))
        # what the catalog entry needs, as putAndRegister would have given it (the request is refused without)
        from DIRAC.Core.Utilities.Adler import fileAdler
        from DIRAC.Core.Utilities.File import makeGuid

        entry.Checksum = str(fileAdler(str(path)))
        entry.ChecksumType = "ADLER32"
        entry.GUID = str(makeGuid(str(path)))
        register.addFile(entry)
        self._operations.append(register)
        self._deferred = True
        log.warning("%s is on %s but not registered; the failover request registers it", lfn, se)

    # -- failover ------------------------------------------------------------------------------------------------
    def _service(self, name: str) -> Any:
        """The raw RPC client of DIRAC service ``name`` (``System/Service``): its failed calls carry their rpcStub."""
        self._ready()
        client = self.clients.transformation() if name == TRANSFORMATIONS else self.clients.file_catalog()
        return client._getRPC()

    def _call_or_forward(self, service: str, method: str, args: Sequence[Any], what: str) -> None:
        """``service.method(*args)`` with retries; if it still fails, or if an output's registration waits in the
        failover request (nothing may be marked done before it), the call becomes a ``ForwardDISET`` operation of
        that request, after what it depends on."""
        if service == CATALOG and self.clients.catalog_is_rucio():
            self._call_rucio(method, args, what)
            return
        if self._deferred:
            stub: Any = [[service, {"timeout": FORWARD_TIMEOUT}], method, list(args)]
            reason = "an output waits in the failover request"
        else:
            rpc = self._service(service)
            result = _boundary.retried(lambda: getattr(rpc, method)(*args))
            if result.get("OK"):
                return
            stub, reason = result.get("rpcStub"), str(result.get("Message"))
            if not stub:
                raise TaskFailed(f"{what}: {reason}")
        from DIRAC.Core.Utilities import DEncode
        from DIRAC.RequestManagementSystem.Client.Operation import Operation

        forward = Operation()
        forward.Type = "ForwardDISET"
        forward.Arguments = DEncode.encode(stub)
        self._operations.append(forward)
        log.warning("%s: in the failover request (%s)", what, reason)

    def _call_rucio(self, method: str, args: Sequence[Any], what: str) -> None:
        """A metadata call when the catalog is Rucio (``setMetadata(lfn, metadata)``), through DIRAC's Rucio client,
        with retries. There is no DISET service to forward it to: when it still fails, or when an output's
        registration waits in the failover request, it becomes a ``SetCatalogMetadata`` operation of that request
        (the extension's handler replays it with DIRAC's ``FileCatalog``), after what it depends on; the input
        files are then marked Processed by the request, after it."""
        if method != "setMetadata" or len(args) != 2:
            raise TaskFailed(f"{what}: {method} cannot be made on Rucio")
        lfn, metadata = str(args[0]), dict(args[1])
        reason = "an output waits in the failover request"
        if not self._deferred:
            fc = self.clients.file_catalog()
            result = _boundary.retried(lambda: fc.setMetadata(lfn, metadata))
            value = result.get("Value")
            failed = value.get("Failed") if result.get("OK") and isinstance(value, dict) else None
            if result.get("OK") and not failed:
                return
            reason = str(result.get("Message") or next(iter((failed or {}).values()), ""))
            self._deferred = True  # what comes after it in the request waits for it
        from DIRAC.RequestManagementSystem.Client.Operation import Operation

        operation = Operation()
        operation.Type = "SetCatalogMetadata"
        operation.Arguments = json.dumps({lfn: metadata}, sort_keys=True, default=str)
        self._operations.append(operation)
        log.warning("%s: in the failover request (%s)", what, " ".join(reason.split()))

    def _write_request(self, step: str, task: int) -> None:
        if not self._operations:
            return
        from DIRAC.RequestManagementSystem.Client.Request import Request

        request = Request()
        request.RequestName = f"cwl2dirac_{self.transformation or 0}_{task}"
        for operation in self._operations:
            request.addOperation(operation)
        text = _boundary.ok(request.toJSON(), "the failover request")
        (self.job_dir / REQUEST_FILE).write_text(text if isinstance(text, str) else json.dumps(text), "utf-8")
        log.warning(
            "step %s task %d: %d operation(s) left to the failover request %s", step, task, len(self._operations),
            REQUEST_FILE,
        )


UNREACHABLE_CATALOG = re.compile(r"from any catalog")
"""DIRAC's FileCatalog when no catalog answered a call (``DErrno.EFCERR``: the transport error itself is lost)."""


def _catalog_unreachable(result: Mapping[str, Any]) -> bool:
    """Whether a failed data-management result says that the File Catalog did not answer (not that it refused)."""
    return _boundary.transient(result) or bool(UNREACHABLE_CATALOG.search(str(result.get("Message", ""))))


def _put_and_register_empty(dm: Any, storage: Any, lfn: str, path: Path) -> Any:
    """DIRAC's ``DataManager.putAndRegister`` of the empty (0-byte) file ``path`` as ``lfn`` on ``storage`` (a
    ``StorageElement``), which DIRAC refuses ("Supplied file is zero size.") though its storage elements and its
    catalog take such a file: the same steps with DIRAC's own pieces, without that check, and the same result
    (``Successful``: the LFN put; ``Failed``: the LFN whose registration failed, under ``register``), so that the
    failover of the caller applies. No data-operation accounting record is sent."""
    from DIRAC import S_ERROR, S_OK
    from DIRAC.Core.Utilities.Adler import fileAdler
    from DIRAC.Core.Utilities.File import makeGuid
    from DIRAC.Core.Utilities.ReturnValues import returnSingleResult

    fc = dm.fileCatalog
    access = fc.hasAccess([lfn], "addFile")
    if not access["OK"]:
        return access
    if not access["Value"]["Successful"].get(lfn):
        return S_ERROR("Write access not permitted for this credential.")
    # a new GUID: DIRAC's from the content (an md5) would be the same for every empty file, which a catalog with
    # UniqueGUID refuses from the second one on
    guid = makeGuid()
    checksum = fileAdler(str(path))  # DIRAC's adler32 (of no bytes: 1, which DIRAC writes '000001')
    if not checksum:
        return S_ERROR(f"Unable to read {path} for its checksum")
    exists = fc.exists({lfn: guid})
    if not exists["OK"]:
        return exists
    if lfn not in exists["Value"]["Successful"]:
        return S_ERROR("Failed to determine existence of destination LFN.")
    found = exists["Value"]["Successful"][lfn]
    if found == lfn:
        return S_ERROR(f"The supplied LFN already exists in the File Catalog. {lfn}")
    if found:
        return S_ERROR(f"This file GUID already exists for another file {found}")
    valid = storage.isValid()
    if not valid["OK"]:
        return S_ERROR(f"The storage element is not currently valid. {valid['Message']}")
    started = time.time()
    put = returnSingleResult(storage.putFile({lfn: str(path)}))
    if not put["OK"]:
        return S_ERROR(f"Failed to put file to Storage Element. {put['Message']}")
    successful: dict[str, Any] = {lfn: {"put": time.time() - started}}
    url = returnSingleResult(storage.getURL(lfn, protocol=dm.registrationProtocol))
    if not url["OK"]:
        return S_ERROR(f"Failed to generate destination PFN. {url['Message']}")
    se = storage.storageElementName()
    started = time.time()
    registered = dm.registerFile((lfn, url["Value"], 0, se, guid, checksum))
    failed: dict[str, Any] = {}
    if not registered["OK"] or lfn in registered["Value"]["Failed"]:
        entry = {"LFN": lfn, "PFN": url["Value"], "Size": 0, "TargetSE": se, "GUID": guid, "Adler": checksum}
        failed[lfn] = {"register": entry}
        reason = registered.get("Message") or registered["Value"]["Failed"][lfn]
        log.warning("registration of the empty file %s on %s failed: %s", lfn, se, reason)
    else:
        successful[lfn]["register"] = time.time() - started
    return S_OK({"Successful": successful, "Failed": failed})


def _size(info: Mapping[str, Any]) -> int | None:
    size = info.get("Size")
    return int(size) if size is not None else None


def _rms_file(cls: Any, lfn: str, path: Path) -> Any:
    entry = cls()
    entry.LFN = lfn
    entry.Size = os.path.getsize(path)
    return entry
