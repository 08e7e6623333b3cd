"""DIRAC's TaskQueueDB for the local server's Matcher, with the empty task queues removed before a match.

A workaround, named as such, for what DIRAC 9.1.22 does on a server that runs many short productions (the test
suite): a task queue whose last job was taken stays in ``tq_TaskQueues`` (its deferred deletion, a ``DictCache``
of the process that took the job, is not reliably run), and ``matchAndGetJob`` looks at 10 task queues drawn at
random among all of them (``ORDER BY RAND() / Priority LIMIT 10``), three times, before answering "No match found"
when the ones drawn are empty. With 175 empty queues and 2 holding jobs (seen in a suite run), about two requests
in three found no job while jobs waited: the JobAgents backed off, and productions waited minutes for each job.
``cleanOrphanedTaskQueues`` (DIRAC's own: each empty queue deleted under DIRAC's lock) runs before a match, at most
every :data:`CLEAN_EVERY` seconds. See docs/dirac-server.md.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from DIRAC.WorkloadManagementSystem.DB.TaskQueueDB import TaskQueueDB as DiracTaskQueueDB

CLEAN_EVERY = 5.0
"""Seconds between two cleanings (a match request comes every few seconds per JobAgent)."""


class TaskQueueDB(DiracTaskQueueDB):  # type: ignore[misc]
    """DIRAC's TaskQueueDB; empty task queues are deleted before a job is matched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cleaned = 0.0
        self._cleaning = threading.Lock()

    def matchAndGetJob(self, *args: Any, **kwargs: Any) -> Any:
        now = time.monotonic()
        if now - self._cleaned >= CLEAN_EVERY and self._cleaning.acquire(blocking=False):
            try:
                self._cleaned = now
                result = self.cleanOrphanedTaskQueues()
                if not result["OK"]:
                    self.log.warn("Could not delete the empty task queues", result["Message"])
            finally:
                self._cleaning.release()
        return super().matchAndGetJob(*args, **kwargs)
