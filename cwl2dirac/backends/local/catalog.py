"""The local backend's embedded file catalog and transformation state, in one SQLite file.

Schema (``<workdir>/catalog.sqlite``):

- ``files(id, lfn UNIQUE, size, checksum, metadata JSON)``: one row per registered file;
- ``meta(field, value, file)``, ``PRIMARY KEY (field, value, file) WITHOUT ROWID``: one row per metadata
  value, clustered so that each query term is one index range scan; the terms of a query are intersected in
  SQL. The ``value`` column has no type affinity, so ints, floats and strings keep their type (values are
  coerced to the field's declared type on registration and in queries);
- ``fields(name, type)``: declared metadata fields (``INT``, ``FLOAT``, ``VARCHAR(128)``);
- ``tasks(step, task, status, attempts, inputs JSON, log, message, code, allowed, final)``: the task table of every
  transformation: ``attempts`` counts every attempt the task ever had (never reset), ``code`` is the worker's exit
  code of the last one, ``allowed`` the attempt number up to which the runner may retry it (NULL: the run's
  policy), ``final`` 1 for a task that ``cwl2dirac recover`` left failed (the next run does not retry it);
- ``tfiles(step, lfn, task)``: the files each transformation has been given (task 0 = not yet grouped);
- ``state(key, value)``: run bookkeeping;
- ``datasets(name, query JSON)``: named meta-queries, the local counterpart of DIRAC File Catalog datasets
  (``cwl2dirac catalog dataset add``); a workflow input given as a dataset takes their files.

Storage is ``<workdir>/storage/<lfn>``. The store refuses an LFN that breaks the rule of
:func:`cwl2dirac.request.lfn.check_lfn` (``..``, relative, empty parts...) or, once the run has declared its LFN bases
(:meth:`LocalCatalog.declare_bases`: every step's ``output_path`` and ``/<production>/_inputs``), one outside them.

Registrations made by a worker through :meth:`LocalCatalog.put` become
visible in :meth:`LocalCatalog.commit_task`, in the same transaction that marks the task done: a task's
outputs exist in the catalog if and only if the task completed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cwl2dirac.errors import BackendError, PathEscape
from cwl2dirac.request import MetaQuery
from cwl2dirac.request.lfn import check_lfn, check_lfn_base, is_inside
from cwl2dirac.worker.catalog import CatalogFile

DB_NAME = "catalog.sqlite"
STORAGE_DIR = "storage"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    lfn TEXT NOT NULL UNIQUE,
    size INTEGER,
    checksum TEXT,
    metadata TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    field TEXT NOT NULL,
    value,
    file INTEGER NOT NULL,
    PRIMARY KEY (field, value, file)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS meta_file ON meta (file);
CREATE TABLE IF NOT EXISTS fields (name TEXT PRIMARY KEY, type TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    step TEXT NOT NULL,
    task INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    inputs TEXT NOT NULL DEFAULT '[]',
    log TEXT,
    message TEXT,
    code INTEGER,
    allowed INTEGER,
    final INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (step, task)
);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks (status);
CREATE TABLE IF NOT EXISTS tfiles (
    step TEXT NOT NULL,
    lfn TEXT NOT NULL,
    task INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (step, lfn)
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS datasets (name TEXT PRIMARY KEY, query TEXT NOT NULL);
"""

# Task statuses.
WAITING, RUNNING, DONE, FAILED = "waiting", "running", "done", "failed"

_TASK_COLUMNS = (("code", "INTEGER"), ("allowed", "INTEGER"), ("final", "INTEGER NOT NULL DEFAULT 0"))
"""Columns of the task table added after its first version (a work directory made before gets them)."""

BASES_STATE = "lfn_bases"
"""Key, in the state table, of the LFN bases the run's files must be below (JSON list)."""

_OPS = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One row of the task table."""

    step: str
    task: int
    status: str
    attempts: int
    inputs: list[str]
    log: str | None
    message: str | None
    code: int | None = None
    """The worker's exit code of the last attempt (None: not known, a run made before it was kept)."""
    allowed: int | None = None
    """The attempt number up to which the runner may retry the task (None: the run's policy decides)."""
    final: bool = False
    """Left failed by ``cwl2dirac recover``: the next run does not retry it."""


_open: dict[tuple[int, str], LocalCatalog] = {}


def _link_or_copy(src: Any, dest: Any) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


class LocalCatalog:
    """SQLite file catalog + directory storage + task table of a local run (implements ``Catalog``)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.storage = self.workdir / STORAGE_DIR
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.workdir / DB_NAME, timeout=120, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._upgrade()
        self._types: dict[str, str] = dict(self.db.execute("SELECT name, type FROM fields").fetchall())
        bases = self.state_get(BASES_STATE)
        self._bases: list[str] = json.loads(bases) if bases else []
        self._pending: list[tuple[str, dict[str, Any], int | None, str | None]] = []

    def _upgrade(self) -> None:
        """Add the task table's later columns to a catalog made before them (idempotent)."""
        have = {str(row[1]) for row in self.db.execute("PRAGMA table_info(tasks)")}
        for name, decl in _TASK_COLUMNS:
            if name not in have:
                try:
                    self.db.execute(f"ALTER TABLE tasks ADD COLUMN {name} {decl}")
                except sqlite3.OperationalError as exc:  # another process added it first
                    if "duplicate column" not in str(exc):
                        raise

    @classmethod
    def open(cls, workdir: Path) -> LocalCatalog:
        """A catalog for ``workdir``, shared within this process (never across a fork)."""
        key = (os.getpid(), str(Path(workdir).resolve()))
        cat = _open.get(key)
        if cat is None:
            cat = _open[key] = cls(workdir)
        return cat

    def directory_fields(self) -> frozenset[str]:
        """None: every field is a file's."""
        return frozenset()

    def use_step(self, config: Any) -> None:
        """Nothing to adapt: one storage for every step."""

    @classmethod
    def from_url(cls, rest: str) -> LocalCatalog:
        """The catalog of ``sqlite:<workdir>`` (the ``sqlite`` entry of the ``cwl2dirac.catalogs`` registry)."""
        return cls.open(Path(rest))

    def close(self) -> None:
        self.db.close()
        _open.pop((os.getpid(), str(self.workdir.resolve())), None)

    # -- transactions ----------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), committed on success, rolled back on error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- metadata fields -------------------------------------------------------------------------------------
    def declare_fields(self, fields: Mapping[str, str]) -> None:
        """Declare metadata fields with their DIRAC type (``INT``, ``FLOAT``, ``VARCHAR(128)``)."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO fields VALUES (?, ?)", sorted(fields.items()))
        self._types.update(fields)

    def _coerce(self, fieldname: str, value: Any) -> Any:
        kind = self._types.get(fieldname, "").upper()
        try:
            if kind == "INT":
                return int(value)
            if kind == "FLOAT":
                return float(value)
            if kind.startswith("VARCHAR"):
                return str(value)
        except (TypeError, ValueError) as exc:
            raise BackendError(f"metadata field {fieldname} is {kind}: cannot use {value!r}") from exc
        if isinstance(value, bool):
            return int(value)
        if value is None or isinstance(value, int | float | str):
            return value
        return json.dumps(value, sort_keys=True)

    def declare_bases(self, bases: Iterable[str]) -> None:
        """The LFN bases every file this catalog stores must be below (a step's ``output_path``, the inputs')."""
        given = {check_lfn_base(b, "LFN base of the run") for b in bases}
        self._bases = sorted(set(self._bases) | given)
        self.state_set(BASES_STATE, json.dumps(self._bases))

    # -- registration ----------------------------------------------------------------------------------------
    def storage_path(self, lfn: str) -> Path:
        """Where the replica of ``lfn`` is (or goes); an LFN that could leave the storage is refused."""
        check_lfn(lfn, what="LFN in the local store")
        path = self.storage / lfn[1:]
        if not is_inside(path.parent, self.storage) and path.parent.exists():  # a link planted in the storage
            raise PathEscape(f"LFN {lfn!r} resolves outside the local store {self.storage}")
        return path

    def _check_base(self, lfn: str) -> None:
        if self._bases and not any(lfn.startswith(f"{base}/") for base in self._bases):
            raise PathEscape(
                f"LFN {lfn!r} is below none of this run's LFN bases ({', '.join(self._bases)}); the local store "
                "refuses it"
            )

    def _insert(
        self,
        db: sqlite3.Connection,
        lfn: str,
        metadata: Mapping[str, Any],
        size: int | None,
        checksum: str | None,
    ) -> None:
        meta = {k: self._coerce(k, v) for k, v in metadata.items()}
        row = db.execute("SELECT id FROM files WHERE lfn = ?", (lfn,)).fetchone()
        if row is not None:
            db.execute("DELETE FROM meta WHERE file = ?", (row[0],))
            db.execute("DELETE FROM files WHERE id = ?", (row[0],))
        cur = db.execute(
            "INSERT INTO files (lfn, size, checksum, metadata) VALUES (?, ?, ?, ?)",
            (lfn, size, checksum, json.dumps(meta, sort_keys=True)),
        )
        fid = cur.lastrowid
        db.executemany("INSERT INTO meta VALUES (?, ?, ?)", [(k, v, fid) for k, v in meta.items()])

    def register(self, files: Iterable[tuple[str, Mapping[str, Any], Path | None]]) -> int:
        """Register ``(lfn, metadata, source path or None)`` entries in one transaction, copying each source
        into storage first. Returns the number registered."""
        rows = []
        for lfn, metadata, src in files:
            self._check_base(check_lfn(lfn, what="LFN in the local store"))
            size = None
            if src is not None:
                size = self._store(Path(src), lfn)
            rows.append((lfn, metadata, size))
        with self.transaction() as db:
            for lfn, metadata, size in rows:
                self._insert(db, lfn, metadata, size, None)
        return len(rows)

    def _store(self, src: Path, lfn: str) -> int:
        """Link (or copy) ``src`` to the storage of ``lfn``; a directory is stored as its whole tree (one
        catalog entry, like a dataset). Returns the size in bytes (of all files, for a directory)."""
        dest = self.storage_path(lfn)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        elif dest.exists() or dest.is_symlink():
            dest.unlink()
        if src.is_dir():
            shutil.copytree(src, dest, symlinks=False, copy_function=_link_or_copy)
            return sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())
        _link_or_copy(src, dest)
        return dest.stat().st_size

    # -- the Catalog protocol --------------------------------------------------------------------------------
    def find(self, query: MetaQuery) -> list[CatalogFile]:
        sql, args = self._query_sql(query)
        rows = self.db.execute(f"SELECT lfn, metadata, size, checksum FROM files WHERE id IN ({sql})", args)
        found = [CatalogFile(lfn, json.loads(meta), size, ck) for lfn, meta, size, ck in rows]
        found.sort(key=CatalogFile.sort_key)
        return found

    def count(self, query: MetaQuery) -> int:
        sql, args = self._query_sql(query)
        return int(self.db.execute(f"SELECT count(*) FROM ({sql})", args).fetchone()[0])

    def _query_sql(self, query: MetaQuery) -> tuple[str, list[Any]]:
        if not query:
            return "SELECT id FROM files", []
        parts: list[str] = []
        args: list[Any] = []
        for fieldname, cond in sorted(query.items()):
            terms = cond.items() if isinstance(cond, Mapping) else [("in", [cond])]
            for op, value in terms:
                if op in ("in", "nin"):
                    values = [
                        self._coerce(fieldname, v)
                        for v in (value if isinstance(value, list | tuple) else [value])
                    ]
                    marks = ",".join("?" * len(values))
                    if op == "in":
                        parts.append(f"SELECT file FROM meta WHERE field = ? AND value IN ({marks})")
                    else:
                        parts.append(
                            "SELECT id FROM files EXCEPT SELECT file FROM meta WHERE field = ? AND value "
                            f"IN ({marks})"
                        )
                    args += [fieldname, *values]
                elif op in _OPS:
                    parts.append(f"SELECT file FROM meta WHERE field = ? AND value {_OPS[op]} ?")
                    args += [fieldname, self._coerce(fieldname, value)]
                else:
                    raise BackendError(f"unsupported meta-query operator {op!r} on {fieldname}")
        return " INTERSECT ".join(parts), args

    def task_inputs(self, step: str, task: int) -> list[CatalogFile]:
        row = self.db.execute("SELECT inputs FROM tasks WHERE step = ? AND task = ?", (step, task)).fetchone()
        if row is None:
            raise BackendError(f"no task {task} in step {step}")
        return self.files(json.loads(row[0]))

    def files(self, lfns: Sequence[str]) -> list[CatalogFile]:
        """The entries of ``lfns``, in the given order."""
        if not lfns:
            return []
        by_lfn: dict[str, CatalogFile] = {}
        for i in range(0, len(lfns), 500):
            chunk = list(lfns[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for lfn, meta, size, ck in self.db.execute(
                f"SELECT lfn, metadata, size, checksum FROM files WHERE lfn IN ({marks})", chunk
            ):
                by_lfn[lfn] = CatalogFile(lfn, json.loads(meta), size, ck)
        missing = [lfn for lfn in lfns if lfn not in by_lfn]
        if missing:
            raise BackendError(f"not in the catalog: {', '.join(missing[:5])}")
        return [by_lfn[lfn] for lfn in lfns]

    def get(self, lfn: str, dest: Path) -> Path:
        path = self.storage_path(lfn)
        if not path.exists():
            raise BackendError(f"{lfn}: no replica in {self.storage}")
        return path

    def put(self, path: Path, lfn: str, metadata: Mapping[str, Any]) -> None:
        self._check_base(check_lfn(lfn, what="LFN in the local store"))
        size = self._store(Path(path), lfn)
        self._pending.append((lfn, dict(metadata), size, None))

    def commit_task(self, step: str, task: int, inputs: Sequence[str]) -> None:
        pending, self._pending = self._pending, []
        with self.transaction() as db:
            for lfn, metadata, size, checksum in pending:
                self._insert(db, lfn, metadata, size, checksum)
            cur = db.execute(
                "UPDATE tasks SET status = ?, message = NULL WHERE step = ? AND task = ?", (DONE, step, task)
            )
            if cur.rowcount != 1:
                raise BackendError(f"no task {task} in step {step}")

    def discard_pending(self) -> None:
        """Forget puts not yet committed (the task failed)."""
        self._pending = []

    # -- task table (used by the backend) --------------------------------------------------------------------
    def fetch(self, lfn: str) -> Path:
        """The stored file of ``lfn`` (the output collector's view: nothing to download here)."""
        return self.storage_path(lfn)

    def step_tasks(self, step: str) -> list[tuple[int, list[str]]]:
        """The tasks of ``step`` with their input LFNs."""
        return [(t.task, list(t.inputs)) for t in self.tasks(step)]

    def tasks(self, step: str | None = None, status: str | None = None) -> list[TaskRow]:
        """The task rows (of ``step``, with ``status``, when given), by step and task number."""
        sql = "SELECT step, task, status, attempts, inputs, log, message, code, allowed, final FROM tasks"
        where = [(c, v) for c, v in (("step", step), ("status", status)) if v is not None]
        if where:
            sql += " WHERE " + " AND ".join(f"{c} = ?" for c, _ in where)
        rows = self.db.execute(sql + " ORDER BY step, task", [v for _, v in where])
        return [
            TaskRow(s, t, st, a, json.loads(i), lg, m, c, al, bool(f)) for s, t, st, a, i, lg, m, c, al, f in rows
        ]

    def task_counts(self) -> list[tuple[str, str, int, int]]:
        """``(step, status, tasks, input files)`` for every step and status that has tasks, counted by SQLite
        (``status`` reads no task row into Python: a production of 100,000 tasks costs one aggregate)."""
        rows = self.db.execute(
            "SELECT step, status, count(*), coalesce(sum(json_array_length(inputs)), 0) FROM tasks "
            "GROUP BY step, status"
        )
        return [(str(st), str(s), int(n), int(f)) for st, s, n, f in rows]

    # -- datasets --------------------------------------------------------------------------------------------
    def add_dataset(self, name: str, query: MetaQuery, *, replace: bool = False) -> int:
        """Define dataset ``name`` as ``query`` (a dynamic dataset, as DIRAC's: the files matching it when it is
        used); returns how many files match now."""
        count = self.count(query)  # checks the query
        with self.transaction() as db:
            if not replace and db.execute("SELECT 1 FROM datasets WHERE name = ?", (name,)).fetchone():
                raise BackendError(f"dataset {name!r} exists in {self.workdir} (replace it explicitly)")
            db.execute("INSERT OR REPLACE INTO datasets VALUES (?, ?)", (name, json.dumps(query, sort_keys=True)))
        return count

    def datasets(self) -> dict[str, MetaQuery]:
        """Every dataset of this catalog: name → meta-query."""
        return {n: json.loads(q) for n, q in self.db.execute("SELECT name, query FROM datasets ORDER BY name")}

    def field_types(self) -> dict[str, str]:
        """The declared metadata fields and their types."""
        return dict(self._types)

    def state_get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def state_set(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))
