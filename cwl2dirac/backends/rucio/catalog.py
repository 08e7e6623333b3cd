"""The worker's catalog on Rucio (issue 18, first part): files are Rucio DIDs, their metadata Rucio's JSON metadata,
their storage an RSE.

``cwl2dirac-worker … --catalog rucio:<RSE>`` (``$CWL2DIRAC_CATALOG``) makes a :class:`RucioCatalog` with the Rucio
client's own configuration (``$RUCIO_CONFIG``: host, account, authentication). An LFN is the DID ``<scope>:<LFN>``
whose scope is the LFN's second part (``/ctao/MC/PROD6/...`` → ``MC``), as DIRAC's ``RucioFileCatalogClient`` with
``DiracScopeAlg = dirac`` names it, so that DIRAC and cwl2dirac see the same DIDs. Queries are the Transformation
System's meta-queries (``field: value``, ``{"in": [...]}``, ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``), turned into
Rucio filters as DIRAC's client turns them (an ``in`` becomes an OR of equalities) and asked in the catalog's
scopes. Every output of a step is attached to the step's Rucio dataset (its LFN base, ``use_step``).

Which task reads which files is the Transformation System's business: a catalog built with ``tasks`` (DIRAC's
:class:`~cwl2dirac.backends.dirac.catalog.DiracCatalog` in a job) answers :meth:`task_inputs` and
:meth:`commit_task` with it.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from cwl2dirac.errors import BackendError, TaskFailed
from cwl2dirac.request import MetaQuery
from cwl2dirac.request.lfn import check_lfn
from cwl2dirac.worker.catalog import Catalog, CatalogFile

log = logging.getLogger("cwl2dirac.worker")

_OPERATORS = {"=": "", "!=": ".ne", "<": ".lt", "<=": ".lte", ">": ".gt", ">=": ".gte"}
"""A meta-query operator → the suffix of Rucio's filter key (DIRAC's client maps them the same way)."""
_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
"""The metadata keys Rucio's JSON plugin stores and filters on: no '.', which its filters use for operators."""
MAX_OR_TERMS = 1000
"""The most equality filters an ``in`` product may become (one Rucio query each): more is refused."""


def did_of(lfn: str) -> tuple[str, str]:
    """``(scope, name)`` of an LFN: the scope is its second part (its first, the VO, when it has only one), the
    name the LFN itself, as Rucio's ``dirac`` scope convention."""
    parts = lfn.rstrip("/").split("/")
    if len(parts) < 2 or not parts[1]:
        raise BackendError(f"LFN {lfn!r} names no Rucio scope (expected /<vo>/<scope>/...)")
    return (parts[2] if len(parts) > 2 else parts[1]), lfn


SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,25}$")
"""Rucio's scope names: at most 25 letters, digits, '_', '-' or '.'."""


def ensure_scopes(client: Any, lfns: Iterable[str]) -> list[str]:
    """Make the Rucio scopes of ``lfns`` (directories or files) that Rucio does not have, as the client's account;
    the scopes made. A scope Rucio cannot have, or cannot make, is one :class:`BackendError` naming it and the
    LFN it comes from, before anything is written."""
    wanted: dict[str, str] = {}
    for lfn in lfns:
        scope, _ = did_of(lfn)
        wanted.setdefault(scope, lfn)
    for scope, lfn in wanted.items():
        if not SCOPE_NAME.match(scope):
            raise BackendError(
                f"{lfn}: its Rucio scope would be {scope!r} (the LFN's second part), which Rucio cannot have (at "
                "most 25 letters, digits, '_', '-' or '.'): choose a shorter production name (--name)"
            )
    have = set(_call("list the scopes", lambda: list(client.list_scopes())))
    made = []
    for scope, lfn in sorted(wanted.items()):
        if scope in have:
            continue
        account = getattr(client, "account", None) or "root"
        try:
            client.add_scope(account, scope)
        except Exception as exc:
            if type(exc).__name__ != "Duplicate":
                raise BackendError(
                    f"Rucio has no scope {scope!r} (the scope of {lfn}, its second part) and account {account} "
                    f"cannot make it: {type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc) else ''}"
                ) from exc
        made.append(scope)
    return made


def collection_files(client: Any, did: str) -> list[str]:
    """The LFNs of the files of the Rucio dataset or container ``did`` (``scope:name``; a container's through its
    datasets), sorted. :class:`BackendError`, one line naming it, for a DID that does not exist, a file, or a file
    that DIRAC cannot name (its name is not an LFN ``/...``)."""
    scope, sep, name = did.partition(":")
    if not sep or not scope or not name:
        raise BackendError(f"Rucio dataset {did!r}: expected 'scope:name'")
    try:
        kind = str(client.get_did(scope, name).get("type", "")).upper()
    except Exception as exc:
        if type(exc).__name__ in ("DataIdentifierNotFound", "ScopeNotFound"):
            raise BackendError(f"Rucio has no dataset or container {did!r}") from None
        raise BackendError(f"Rucio: cannot read {did!r}: {type(exc).__name__}: {exc}") from exc
    if kind not in ("DATASET", "CONTAINER"):
        raise BackendError(f"Rucio DID {did!r} is a {kind.lower() or 'DID'}, not a dataset or container")
    names = sorted({str(f["name"]) for f in _call(f"list the files of {did}", lambda: list(
        client.list_files(scope, name)))})
    for lfn in names:
        if not lfn.startswith("/"):
            raise BackendError(
                f"Rucio dataset {did!r} holds {lfn!r}, whose name is not an LFN (/<vo>/...): DIRAC cannot name it"
            )
    return names


def check_key(key: str) -> str:
    """``key`` if Rucio's JSON metadata can store and filter on it, else :class:`BackendError`."""
    if not _KEY.match(key):
        raise BackendError(
            f"metadata field {key!r} cannot be a Rucio metadata key (letters, digits, '_' and '-' only; Rucio's "
            "filters read '.' as an operator)"
        )
    return key


def rucio_filters(query: MetaQuery, types: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The Rucio filters (OR'ed) of a meta-query; each ``in`` list multiplies them, as in DIRAC's client. With
    ``types`` (the declared fields, :func:`declared_types`) each value is given its field's type first."""
    fixed: dict[str, Any] = {}
    choices: list[list[tuple[str, Any]]] = []
    for field, cond in sorted(query.items()):
        check_key(field)
        terms = cond.items() if isinstance(cond, Mapping) else [("=", cond)]
        for op, value in terms:
            if op == "in":
                values = list(value) if isinstance(value, list | tuple) else [value]
                if not values:
                    return []  # nothing can match
                choices.append([(field, typed_value(field, v, types)) for v in values])
            elif op in _OPERATORS:
                fixed[field + _OPERATORS[op]] = typed_value(field, value, types)
            else:
                raise BackendError(f"meta-query operator {op!r} on {field} has no Rucio filter")
    size = 1
    for c in choices:
        size *= len(c)
    if size > MAX_OR_TERMS:
        raise BackendError(f"meta-query {query} becomes {size} Rucio filters (at most {MAX_OR_TERMS})")
    return [fixed | dict(combo) for combo in itertools.product(*choices)] if choices else [fixed]


# -- declared field types: one JSON type per key ---------------------------------------------------------------
FIELDS_SECTION = "cwl2dirac_metadata_fields"
"""The Rucio configuration section holding the declared metadata fields (option: field, value: DIRAC type), written
by the DIRAC extension's ``addMetadataField`` (a submission declares its fields so)."""


def declared_types(client: Any) -> dict[str, str]:
    """The declared metadata fields, ``{field: DIRAC type}`` (``{}`` when none is declared yet)."""
    try:
        declared = client.get_config(section=FIELDS_SECTION)
    except Exception as exc:  # Rucio answers ConfigNotFound for a section without an option yet
        if type(exc).__name__ != "ConfigNotFound":
            raise BackendError(f"Rucio: cannot read the declared metadata fields: {type(exc).__name__}: {exc}") \
                from exc
        declared = {}
    return {str(k): str(v) for k, v in (declared or {}).items()}


def typed_value(field: str, value: Any, types: Mapping[str, str] | None) -> Any:
    """``value`` as its declared field type stores it: Rucio's JSON metadata keeps the JSON type of each value, and
    a key holding values of two types (``1`` here, ``"1"`` there) matches neither query and breaks range queries,
    where the DIRAC File Catalog's typed columns convert. An undeclared field keeps the value's type; a value that
    its type cannot hold is :class:`BackendError`, one line naming the field."""
    value = int(value) if isinstance(value, bool) else value
    kind = (types or {}).get(field, "").upper()
    try:
        if kind.startswith("VARCHAR") or kind in ("DATE", "DATETIME"):
            return value if isinstance(value, str) else str(value)
        if kind in ("INT", "UNSIGNED"):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if kind == "FLOAT":
            return float(value)
    except (TypeError, ValueError):
        raise BackendError(
            f"metadata field {field!r} is declared {kind} in Rucio, and {value!r} is not one"
        ) from None
    return value


def typed_metadata(metadata: Mapping[str, Any], types: Mapping[str, str] | None) -> dict[str, Any]:
    """Every value of ``metadata`` as :func:`typed_value` makes it, every key checked (:func:`check_key`)."""
    return {check_key(k): typed_value(k, v, types) for k, v in metadata.items()}


# -- queries and what they find ---------------------------------------------------------------------------------
def find_dids(client: Any, scopes: Iterable[str], query: MetaQuery,
              types: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The ``(scope, name)`` of the files (not datasets or containers) of ``scopes`` whose JSON metadata match the
    meta-query, in order found, each once."""
    names: dict[tuple[str, str], None] = {}
    scopes = list(scopes)
    for filters in rucio_filters(query, types):
        for scope in scopes:
            found = _call(f"find {dict(query)}", functools.partial(_listed, client.list_dids, scope, filters))
            names.update(((scope, str(name)), None) for name in found)
    return list(names)


def describe(client: Any, dids: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each DID's ``{"Metadata": JSON metadata, "Size": bytes, "Checksum": adler32}``, read 500 at a time."""
    wanted = [{"scope": s, "name": n} for s, n in dids]
    out: dict[tuple[str, str], dict[str, Any]] = {did: {"Metadata": {}, "Size": None, "Checksum": None}
                                                  for did in dids}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        for meta in _call("read metadata", lambda chunk=chunk: list(client.get_metadata_bulk(chunk, plugin="JSON"))):
            key = (str(meta.pop("scope", "")), str(meta.pop("name", "")))
            if key in out:
                out[key]["Metadata"] = dict(meta)
        for meta in _call("read sizes", lambda chunk=chunk: list(
                client.get_metadata_bulk(chunk, plugin="DID_COLUMN"))):
            key = (str(meta.get("scope")), str(meta.get("name")))
            if key in out:
                out[key].update(Size=meta.get("bytes"), Checksum=meta.get("adler32"))
    return out


class RucioCatalog:
    """The :class:`~cwl2dirac.worker.catalog.Catalog` of a task whose files are in Rucio."""

    def __init__(self, rse: str, *, client: Any = None, scopes: Sequence[str] | None = None,
                 tasks: Catalog | None = None) -> None:
        self.rse = rse
        self._client = client
        self._scopes = list(scopes) if scopes is not None else None
        self.tasks = tasks
        self.dataset: str | None = None
        """The Rucio dataset (an LFN: the step's base) that outputs are attached to; None outside a step."""
        self._datasets_made: set[str] = set()
        self._types: dict[str, str] | None = None

    @classmethod
    def from_url(cls, rest: str) -> RucioCatalog:
        """The catalog of ``rucio:<RSE>`` (outputs are uploaded to that RSE)."""
        rse = rest.strip() or os.environ.get("CWL2DIRAC_RUCIO_RSE", "")
        if not rse:
            raise BackendError("catalog 'rucio:<RSE>': name the RSE that outputs go to")
        return cls(rse)

    # -- Rucio ------------------------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                from rucio.client import Client
            except ImportError as exc:
                raise BackendError(f"the Rucio client is not installed: {exc}") from None
            self._client = _call("connect to Rucio", Client)
        return self._client

    def scopes(self) -> list[str]:
        if self._scopes is None:
            self._scopes = sorted(_call("list the scopes", self.client.list_scopes))
        return self._scopes

    def did(self, lfn: str) -> tuple[str, str]:
        """The DID of ``lfn``, whose scope must exist (:class:`BackendError` naming it otherwise)."""
        scope, name = did_of(lfn)
        if scope not in self.scopes():
            self._scopes = None  # made since we looked?
            if scope not in self.scopes():
                raise BackendError(f"Rucio has no scope {scope!r} (the scope of {lfn}, its second part)")
        return scope, name

    # -- Catalog protocol -------------------------------------------------------------------------------------
    def use_step(self, config: Any) -> None:
        """Outputs go to the step's RSE when it names one (``dirac:Job.output_se``) and into its dataset."""
        if getattr(config, "output_se", None):
            self.rse = str(config.output_se)
        self.dataset = str(config.output_path).rstrip("/") or None

    def directory_fields(self) -> frozenset[str]:
        return frozenset()  # Rucio keeps metadata on DIDs only

    def types(self) -> dict[str, str]:
        """The declared field types (:func:`declared_types`), read once."""
        if self._types is None:
            self._types = declared_types(self.client)
        return self._types

    def find(self, query: MetaQuery) -> list[CatalogFile]:
        found = describe(self.client, find_dids(self.client, self.scopes(), query, self.types()))
        files = [CatalogFile(n, d["Metadata"], d["Size"], d["Checksum"]) for (_s, n), d in found.items()]
        files.sort(key=CatalogFile.sort_key)
        return files

    def get(self, lfn: str, dest: Path) -> Path:
        scope, name = self.did(check_lfn(lfn, what="input LFN"))
        replicas = _call(f"find the replicas of {lfn}", lambda: list(
            self.client.list_replicas([{"scope": scope, "name": name}], schemes=["file"])))
        for replica in replicas:
            for pfn in replica.get("pfns") or {}:
                path = Path(unquote(urlparse(pfn).path))
                if path.is_file():  # the RSE's storage is a directory of this machine: no copy
                    return path
        from rucio.client.downloadclient import DownloadClient

        target = dest / "rucio"
        _call(f"download {lfn}", lambda: DownloadClient(self.client, logger=log).download_dids(
            [{"did": f"{scope}:{name}", "base_dir": str(target), "no_subdir": True}]))
        got = target / os.path.basename(name)
        if not got.is_file():
            raise TaskFailed(f"download of {lfn} from Rucio gave no file at {got}")
        return got

    def put(self, path: Path, lfn: str, metadata: Mapping[str, Any]) -> None:
        check_lfn(lfn, what="output LFN")
        meta = typed_metadata(metadata, self.types())
        scope, name = self.did(lfn)
        if not path.is_file():
            raise TaskFailed(f"output {lfn}: {path} is not a file (an RSE holds files only)")
        from rucio.client.uploadclient import UploadClient

        item = {"path": str(path), "rse": self.rse, "did_scope": scope, "did_name": name,
                "register_after_upload": True}
        dataset = self._dataset()
        if dataset is not None:
            item["dataset_scope"], item["dataset_name"] = dataset
        _call(f"upload {lfn} to {self.rse}", lambda: UploadClient(self.client, logger=log).upload([item]))
        if meta:
            _call(f"set the metadata of {lfn}", lambda: self.client.set_metadata_bulk(scope, name, meta))

    def _dataset(self) -> tuple[str, str] | None:
        if self.dataset is None:
            return None
        scope, name = self.did(self.dataset)
        if name not in self._datasets_made:
            from rucio.common.exception import DataIdentifierAlreadyExists

            try:
                self.client.add_dataset(scope, name)
            except DataIdentifierAlreadyExists:
                pass
            except Exception as exc:
                raise BackendError(f"cannot make the Rucio dataset {scope}:{name}: {exc}") from exc
            self._datasets_made.add(name)
        return scope, name

    def task_inputs(self, step: str, task: int) -> list[CatalogFile]:
        if self.tasks is None:
            raise BackendError("this Rucio catalog has no task source (the Transformation System of a DIRAC job)")
        return self.tasks.task_inputs(step, task)

    def commit_task(self, step: str, task: int, inputs: Sequence[str]) -> None:
        if self.tasks is not None:
            self.tasks.commit_task(step, task, inputs)


def _listed(list_dids: Any, scope: str, filters: dict[str, Any]) -> list[Any]:
    return list(list_dids(scope, filters, did_type="file"))


def _call(what: str, call: Any) -> Any:
    """``call()``, a Rucio client error becoming one :class:`BackendError` naming ``what``."""
    try:
        return call()
    except (BackendError, TaskFailed):
        raise
    except Exception as exc:
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise BackendError(f"Rucio: cannot {what}: {type(exc).__name__}: {message}") from exc
