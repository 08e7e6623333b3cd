"""DIRAC's Rucio catalog client, with what the Production and Transformation Systems ask of a catalog besides it.

DIRAC 9.1.22's ``RucioFileCatalogClient`` has ``setMetadata(Bulk)``, ``findFilesByMetadata`` and
``getFileUserMetadata``, but no ``getMetadataFields``, which the ProductionManager's validator (``startProduction``)
and the TransformationDB's file filtering call: with Rucio as the only catalog they fail. Rucio's JSON metadata
has no declared fields, so this client keeps the declarations in Rucio itself, in the configuration section
:data:`FIELDS_SECTION` (field name → DIRAC type, e.g. ``INT``, ``VARCHAR(128)``): ``addMetadataField`` writes one
(an administrator's call, as the DIRAC File Catalog's is), ``getMetadataFields`` reads them, in the DIRAC File
Catalog's answer shape (``FileMetaFields``; no directory-level fields: Rucio keeps metadata on DIDs).

DIRAC finds it by name (``Resources/FileCatalogs/RucioFileCatalog``, ``CatalogType = RucioFileCatalog``): its
ObjectLoader looks in extensions first, so this class, in the cwl2dirac extension, is the one DIRAC makes.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from DIRAC import S_ERROR, S_OK, gLogger
from DIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient as _DiracRucioFileCatalogClient

from cwl2dirac.backends.rucio.catalog import (
    FIELDS_SECTION,
    check_key,
    declared_types,
    describe,
    find_dids,
    typed_metadata,
)
from cwl2dirac.errors import BackendError

sLog = gLogger.getSubLogger(__name__)
BULK = 250
"""Files a bulk registration call takes."""
BULK_THREADS = 2
"""Bulk registration calls sent at once (the project's Rucio server has 2 workers)."""
DEFAULT_TIMEOUT = 120
"""Seconds a Rucio call may take (the catalog option ``Timeout``; Rucio's client waits 600 s by default)."""
_TYPES = re.compile(r"^(INT|FLOAT|DATE|DATETIME|VARCHAR\(\d+\)|MetaSet|UNSIGNED|)$", re.IGNORECASE)


class RucioFileCatalogClient(_DiracRucioFileCatalogClient):
    """DIRAC's Rucio catalog client plus declared metadata fields (``getMetadataFields``, ``addMetadataField``,
    ``deleteMetadataField``)."""

    # The interface lists as the DIRAC File Catalog's client has them, so that DIRAC's ``FileCatalog`` dispatches
    # these calls the same way for both (a NO_LFN method gets its arguments as they were given).
    READ_METHODS = [*_DiracRucioFileCatalogClient.READ_METHODS, "getMetadataFields", "findFilesByMetadataDetailed"]
    WRITE_METHODS = [*_DiracRucioFileCatalogClient.WRITE_METHODS, "addMetadataField", "deleteMetadataField",
                     "setMetadataBulk"]
    NO_LFN_METHODS = [
        *_DiracRucioFileCatalogClient.NO_LFN_METHODS, "getMetadataFields", "addMetadataField", "deleteMetadataField",
        "findFilesByMetadataDetailed", "setMetadata", "setMetadataBulk", "getFileUserMetadata",
    ]
    ADMIN_METHODS = [*_DiracRucioFileCatalogClient.ADMIN_METHODS, "addMetadataField", "deleteMetadataField"]

    _client: Any  # the Rucio client (DIRAC's class makes it)

    def __init__(self, **options: Any) -> None:
        self._timeout = int(options.get("Timeout") or DEFAULT_TIMEOUT)
        self._deterministic: dict[str, bool] = {}
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        super().__init__(**options)

    @property
    def client(self) -> Any:
        """The Rucio client, pinged, made again when its session is gone (as DIRAC's property does), every call
        bounded by the catalog's ``Timeout``: a Rucio that accepts connections and never answers holds a call that
        long, not the Rucio client's 600 s (DIRAC's property makes its new client with those)."""
        try:
            self._client.timeout = self._timeout
            self._client.ping()
            return self._client
        except Exception:
            self._client = self._new_client()
            self.scopes = self._client.list_scopes()
            return self._client

    def _new_client(self) -> Any:
        from rucio.client import Client

        if not self.useDiracCS:  # the Rucio client's configuration ($RUCIO_CONFIG)
            return Client(account=self.account, timeout=self._timeout)
        return Client(account=self.username, rucio_host=self.rucioHost, auth_host=self.authHost,
                      ca_cert=self.caCertPath, auth_type="x509_proxy", creds={"client_proxy": self.proxyPath},
                      timeout=self._timeout, user_agent="rucio-clients", vo=self.VO)

    def getMetadataFields(self, timeout: int = 120) -> dict[str, Any]:
        """``{"FileMetaFields": {field: type}, "DirectoryMetaFields": {}}`` of the declared fields."""
        try:
            return S_OK({"FileMetaFields": declared_types(self.client), "DirectoryMetaFields": {}})
        except BackendError as exc:
            return S_ERROR(str(exc))

    def addMetadataField(self, fieldName: str, fieldType: str, metaType: str = "-f", timeout: int = 120) -> Any:
        """Declare ``fieldName`` of DIRAC type ``fieldType`` (``metaType``: ``-f`` or ``-d``; both are file-level
        in Rucio)."""
        try:
            check_key(str(fieldName))
        except BackendError as exc:
            return S_ERROR(str(exc))
        if not _TYPES.match(str(fieldType)):
            return S_ERROR(f"metadata field {fieldName!r}: unknown type {fieldType!r}")
        try:
            self.client.set_config_option(FIELDS_SECTION, str(fieldName), str(fieldType))
        except Exception as exc:
            return S_ERROR(f"Rucio: cannot declare the metadata field {fieldName!r}: {exc}")
        return S_OK(f"Added new metadata: {fieldName}")

    def deleteMetadataField(self, fieldName: str, timeout: int = 120) -> Any:
        try:
            self.client.delete_config_option(FIELDS_SECTION, str(fieldName))
        except Exception as exc:
            return S_ERROR(f"Rucio: cannot remove the metadata field {fieldName!r}: {exc}")
        return S_OK()

    # -- metadata: each value as its declared field's type ---------------------------------------------------------
    def setMetadataBulk(self, pathMetadataDict: dict[str, Any]) -> Any:
        """DIRAC's bulk metadata call, each value first given its declared field's type (Rucio's JSON metadata
        keeps a value's JSON type: ``1`` and ``"1"`` under one key would match no query); a value its field
        cannot hold is refused whole, nothing set. ``setMetadata`` comes here too."""
        try:
            types = declared_types(self.client)
            typed = {path: typed_metadata(meta, types) for path, meta in dict(pathMetadataDict).items()}
        except BackendError as exc:
            return S_ERROR(str(exc))
        return super().setMetadataBulk(typed)

    # -- registration: DIRAC's replicas on RSEs that take the PFN DIRAC gives --------------------------------------
    def addFile(self, lfns: Any, **kwargs: Any) -> Any:
        """DIRAC's registration, in bulk: what Rucio's ``dirac`` ``add_files`` makes (the file's DID and replica,
        its directory a dataset with a rule on ``ANY=true``, the directories above it containers, a rule per file
        on its RSE), made :data:`BULK` files a call instead of file by file on the server (20 files/s measured:
        10,000 input files took 512 s). The first new file of a dataset Rucio does not have yet goes through
        ``add_files`` (which makes the dataset, its rule and its containers as DIRAC's integration has them); the
        others of that dataset are added to it by chunks (``add_files_to_dataset``: DIDs, replicas and attachment
        in one transaction), then given their rules in one call, made asynchronously (Rucio's judge-injector makes
        their locks), :data:`BULK_THREADS` chunks at once. A file Rucio has is left as it is (``add_files`` skips
        it too). A chunk whose bulk calls fail goes through DIRAC's own path. PFNs that are bare paths (DIRAC's
        ``File`` storage plugin writes them so) become the ``file://`` URLs an RSE's posix protocol matches."""
        lfns = _file_urls(lfns)
        if not isinstance(lfns, dict):
            return super().addFile(lfns, **kwargs)
        try:
            have = self._existing(list(lfns))
        except Exception as exc:
            return S_ERROR(f"Rucio: cannot tell which files exist: {exc}")
        successful: dict[str, Any] = {lfn: True for lfn in lfns if lfn in have}
        failed: dict[str, Any] = {}
        groups: dict[tuple[str, str], list[str]] = {}
        for lfn in sorted(set(lfns) - have):
            groups.setdefault((str(lfns[lfn]["SE"]), lfn.rsplit("/", 1)[0]), []).append(lfn)
        for (se, dataset), members in groups.items():
            if not self._dataset_exists(dataset):
                first = super().addFile({members[0]: lfns[members[0]]})
                if not first["OK"]:
                    return first
                successful.update(first["Value"]["Successful"])
                failed.update(first["Value"]["Failed"])
                members = members[1:]
            chunks = [{lfn: lfns[lfn] for lfn in members[i:i + BULK]} for i in range(0, len(members), BULK)]
            if self._pool is None:  # kept: its threads keep their Rucio clients (one login each)
                self._pool = ThreadPoolExecutor(BULK_THREADS, thread_name_prefix="rucio-bulk")
            lifetime = self._file_lifetime()
            errors = list(self._pool.map(partial(self._add_to_dataset, se, dataset, lifetime), chunks))
            for chunk, error in zip(chunks, errors, strict=True):
                if error is None:
                    successful.update(dict.fromkeys(chunk, True))
                    continue
                sLog.warn("Rucio: bulk registration failed, DIRAC's path file by file", error)
                again = super().addFile(chunk)
                if not again["OK"]:
                    return again
                successful.update(again["Value"]["Successful"])
                failed.update(again["Value"]["Failed"])
        return S_OK({"Successful": successful, "Failed": failed})

    def _existing(self, lfns: list[str]) -> set[str]:
        """The LFNs of ``lfns`` that Rucio has, 1000 a call."""
        found: set[str] = set()
        dids = [{"scope": self._scope_of(lfn), "name": lfn} for lfn in lfns]
        for i in range(0, len(dids), 1000):
            found.update(str(m["name"]) for m in self.client.get_metadata_bulk(dids[i:i + 1000],
                                                                               plugin="DID_COLUMN"))
        return found

    def _dataset_exists(self, dataset: str) -> bool:
        try:
            kind = str(self.client.get_did(self._scope_of(dataset), dataset).get("type", "")).upper()
        except Exception as exc:
            if type(exc).__name__ == "DataIdentifierNotFound":
                return False
            raise
        return kind == "DATASET"  # a container there: add_files refuses it with its own message

    def _add_to_dataset(self, se: str, dataset: str, lifetime: int | None, chunk: dict[str, Any]) -> str | None:
        """Add ``chunk`` to ``dataset`` on ``se``, with a Rucio client of this thread's own; the error, or None."""
        try:
            self._bulk_add(self._thread_client(), se, dataset, lifetime, chunk)
        except Exception as exc:
            return repr(exc)
        return None

    def _thread_client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._new_client()
        return client

    def _bulk_add(self, client: Any, se: str, dataset: str, lifetime: int | None, chunk: dict[str, Any]) -> None:
        deterministic = self._deterministic.get(se)
        if deterministic is None:
            deterministic = self._deterministic[se] = bool(client.get_rse(se)["deterministic"])
        files = []
        for lfn, info in chunk.items():
            item: dict[str, Any] = {"scope": self._scope_of(lfn), "name": lfn, "bytes": int(info["Size"]),
                                    "adler32": info["Checksum"]}
            if not deterministic:
                item["pfn"] = info["PFN"]
            if info.get("GUID"):
                item["meta"] = {"guid": info["GUID"]}
            files.append(item)
        client.add_files_to_dataset(self._scope_of(dataset), dataset, files, rse=se)
        dids = [{"scope": f["scope"], "name": f["name"]} for f in files]
        client.add_replication_rule(dids, copies=1, rse_expression=se, grouping="DATASET", lifetime=lifetime,
                                    ignore_availability=True, asynchronous=True)

    def _file_lifetime(self) -> int | None:
        """Rucio's ``dirac/file_lifetime`` (what ``add_files`` gives each file's rule), None when unset."""
        try:
            value = self.client.get_config(section="dirac", option="file_lifetime")
        except Exception:
            return None
        return int(float(value)) if value not in (None, "") else None

    def addReplica(self, lfns: Any, **kwargs: Any) -> Any:
        return super().addReplica(_file_urls(lfns), **kwargs)

    def exists(self, lfns: Any, **kwargs: Any) -> Any:
        """Which LFNs Rucio has, 1000 a call (DIRAC's client asks one DID per call: 10,000 input files checked at a
        submission were 10,000 requests)."""
        wanted = list(lfns) if not isinstance(lfns, str) else [lfns]
        try:
            found = self._existing(wanted)
        except Exception as exc:
            return S_ERROR(f"Rucio: cannot tell which files exist: {exc}")
        return S_OK({"Successful": {lfn: lfn in found for lfn in wanted}, "Failed": {}})

    # -- queries: the files whose JSON metadata match, in every scope there is now ----------------------------------
    def findFilesByMetadata(self, metadataFilterDict: dict[str, Any], path: str = "/", timeout: int = 120) -> Any:
        """The LFNs of the files (not datasets or containers) whose metadata match a DIRAC meta-query, in every
        scope Rucio has at the time of the call (DIRAC's client lists the scopes once, when it is made: an agent's
        client would never see a production's new scope), ``in`` lists as an OR of equalities."""
        found = self._find(metadataFilterDict)
        return found if not found["OK"] else S_OK(sorted(name for _scope, name in found["Value"]))

    def findFilesByMetadataDetailed(self, metadataFilterDict: dict[str, Any], path: str = "/",
                                    timeout: int = 120) -> Any:
        """As the DIRAC File Catalog's: ``{lfn: {"Metadata": {...}, "Size": n, "Checksum": adler32}}``."""
        found = self._find(metadataFilterDict)
        if not found["OK"]:
            return found
        try:
            return S_OK({name: info for (_scope, name), info in describe(self.client, found["Value"]).items()})
        except BackendError as exc:
            return S_ERROR(str(exc))

    def _find(self, metadataFilterDict: dict[str, Any]) -> Any:
        """``S_OK([(scope, name)])`` of the files matching, the query's values given their declared types."""
        try:
            self.scopes = list(self.client.list_scopes())
            return S_OK(find_dids(self.client, self.scopes, dict(metadataFilterDict), declared_types(self.client)))
        except BackendError as exc:
            return S_ERROR(str(exc))
        except Exception as exc:
            return S_ERROR(f"Rucio: cannot find files by metadata {metadataFilterDict}: {exc}")

    # -- a file's metadata, in the DIRAC File Catalog's shape ----------------------------------------------------
    def getFileUserMetadata(self, path: Any, timeout: int = 120) -> Any:
        """A file's user metadata (its Rucio JSON metadata) as the DIRAC File Catalog answers it, ``{field:
        value}``: DIRAC's TransformationDB and cwl2dirac read it so (DIRAC's Rucio client answers a bulk shape
        holding every DID column)."""
        lfn = next(iter(path)) if isinstance(path, dict | list | tuple) else str(path)
        scope = self._scope_of(lfn)
        try:
            meta = dict(self.client.get_metadata(scope, lfn, plugin="JSON"))
            if not meta:
                self.client.get_did(scope, lfn)  # Rucio's JSON plugin answers {} for a DID it does not have
        except Exception as exc:
            if type(exc).__name__ == "DataIdentifierNotFound":
                return S_ERROR(f"No such file or directory: {lfn}")
            return S_ERROR(f"Rucio: cannot read the metadata of {lfn}: {exc}")
        return S_OK(meta)

    def _scope_of(self, lfn: str) -> str:
        if ":" in lfn:
            return lfn.split(":", 1)[0]
        from rucio.common.utils import extract_scope

        return str(extract_scope(lfn, self.scopes, default_extract=self.scopeExtractAlg)[0])


def _file_urls(lfns: Any) -> Any:
    """``{lfn: info}`` with each bare-path ``PFN`` as a ``file://`` URL (other arguments as they are)."""
    if not isinstance(lfns, dict):
        return lfns
    out = {}
    for lfn, info in lfns.items():
        if isinstance(info, dict) and str(info.get("PFN") or "").startswith("/"):
            info = {**info, "PFN": "file://" + str(info["PFN"])}
        out[lfn] = info
    return out
