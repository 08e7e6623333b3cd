"""A stand-in for DIRAC's JobParametersDB (OpenSearch in DIRAC 9), in an SQLite file of the server's state.

DIRAC 9 keeps job parameters in OpenSearch only. Without it every ``setJobParameter`` answers "Not connected", and
that breaks more than the parameters: the RequestExecutingAgent finalizes a job's failover request by setting its
``PendingRequest`` parameter first, and gives up when that fails, so a job whose outputs went through its failover
request stays ``Completed`` for ever instead of becoming ``Done``. This stand-in keeps the same calls, with the
same answers, in ``<state>/jobparameters.sqlite`` (the services' ``DIRAC_ROOT_PATH``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from DIRAC import S_ERROR, S_OK


class JobParametersDB:
    """Job parameters by job id: DIRAC's JobParametersDB interface, on SQLite."""

    def __init__(self, parentLogger: Any = None) -> None:
        self.path = Path(os.environ.get("DIRAC_ROOT_PATH") or ".") / "jobparameters.sqlite"
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS parameters (job INTEGER, name TEXT, value TEXT, "
                       "PRIMARY KEY (job, name))")

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def getJobParameters(self, jobIDs: int | list[int], vo: str = "", paramList: Any = None) -> dict:
        jobs = [int(jobIDs)] if isinstance(jobIDs, (int, str)) else [int(j) for j in jobIDs]
        if isinstance(paramList, str):
            paramList = paramList.replace(" ", "").split(",")
        wanted = set(paramList or ())
        result: dict[int, dict[str, Any]] = {}
        with self._db() as db:
            for job in jobs:
                rows = db.execute("SELECT name, value FROM parameters WHERE job = ?", (job,)).fetchall()
                params = {name: json.loads(value) for name, value in rows if not wanted or name in wanted}
                if rows:
                    result[job] = params
        return S_OK(result)

    def setJobParameter(self, jobID: int, key: str, value: Any, vo: str = "") -> dict:
        return self.setJobParameters(jobID, [(key, value)], vo)

    def setJobParameters(self, jobID: int, parameters: list, vo: str = "") -> dict:
        try:
            rows = [(int(jobID), str(k), json.dumps(v, default=str)) for k, v in parameters]
            rows.append((int(jobID), "timestamp", json.dumps(int(time.time() * 1000))))
            with self._db() as db:
                db.executemany("INSERT OR REPLACE INTO parameters (job, name, value) VALUES (?, ?, ?)", rows)
        except (sqlite3.Error, TypeError, ValueError) as exc:
            return S_ERROR(f"job parameters of {jobID}: {exc}")
        return S_OK()

    def deleteJobParameters(self, jobID: int, paramList: Any = None, vo: str = "") -> dict:
        if isinstance(paramList, str):
            paramList = paramList.replace(" ", "").split(",")
        with self._db() as db:
            if paramList:
                db.executemany("DELETE FROM parameters WHERE job = ? AND name = ?",
                               [(int(jobID), str(p)) for p in paramList])
            else:
                db.execute("DELETE FROM parameters WHERE job = ?", (int(jobID),))
        return S_OK()
