"""Progress of a local run, on stderr: a live ``rich`` table on a terminal, plain lines otherwise, or nothing.

stdout is never used: it is reserved for the workflow's output object.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

Mode = Literal["live", "plain", "quiet"]


@dataclass
class StepCounts:
    """Tasks and input files of one transformation, by task status."""

    step: str
    complete: bool = False
    waiting: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    files_waiting: int = 0
    files_running: int = 0
    files_done: int = 0
    files_failed: int = 0


class Progress:
    """Reports a run's progress on stderr (``mode``: live, plain or quiet)."""

    def __init__(self, mode: Mode | None = None) -> None:
        if mode is None:
            mode = "live" if sys.stderr.isatty() else "plain"
        self.mode = mode
        self._t0 = time.monotonic()
        self._counts: Callable[[], list[StepCounts]] | None = None
        self._live: Any = None

    def _line(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(text, highlight=False, markup=False)
        else:
            print(f"[{time.monotonic() - self._t0:7.1f}s] {text}", file=sys.stderr, flush=True)

    @contextmanager
    def live(self, counts: Callable[[], list[StepCounts]]) -> Iterator[None]:
        """Show the table of ``counts()`` while the block runs (live mode only)."""
        self._counts = counts
        if self.mode != "live":
            yield
            return
        from rich.console import Console
        from rich.live import Live

        with Live(
            _Table(counts), console=Console(stderr=True), refresh_per_second=4, transient=False
        ) as live:
            self._live = live
            try:
                yield
            finally:
                live.refresh()
                self._live = None

    def step_complete(self, step: str, tasks: int) -> None:
        if self.mode == "plain":
            self._line(f"{step}: complete ({tasks} task{'s' if tasks != 1 else ''})")

    def task_done(self, step: str, task: int) -> None:
        pass

    def task_retry(
        self, step: str, task: int, attempt: int, allowed: int, code: int, message: str, log: str | None
    ) -> None:
        """A failed attempt that the policy retries: one line, as ``cwl2dirac recover`` words it."""
        if self.mode != "quiet":
            self._line(retry_line(step, task, attempt, allowed, code, message, log))

    def note(self, text: str) -> None:
        """One line about the run (not in quiet mode)."""
        if self.mode != "quiet":
            self._line(text)

    def task_failed(self, step: str, task: int, attempts: int, message: str, log: str | None) -> None:
        """Nothing: a failed task is reported once, in the run's own error line (with its reason and log)."""


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``... ``11th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def retry_line(step: str, task: int, attempt: int, allowed: int, code: int, message: str, log: str | None) -> str:
    """``step X task 3: 1st failure (exit 1: ...), retried (attempt 2 of 3; log: ...)``."""
    return (f"step {step} task {task}: {ordinal(attempt)} failure (exit {code}: {message}), retried "
            f"(attempt {attempt + 1} of {allowed}; log: {log})")


class _Table:
    def __init__(self, counts: Callable[[], list[StepCounts]]) -> None:
        self.counts = counts

    def __rich__(self) -> Any:
        from rich.table import Table

        t = Table(title="cwl2dirac local run", title_justify="left", expand=False)
        t.add_column("transformation")
        for name in ("waiting", "running", "done", "failed"):
            t.add_column(f"tasks {name}", justify="right")
        t.add_column("files w/r/d/f", justify="right")
        t.add_column("")
        for c in self.counts():
            t.add_row(
                c.step,
                str(c.waiting),
                str(c.running),
                str(c.done),
                f"[red]{c.failed}[/red]" if c.failed else "0",
                f"{c.files_waiting}/{c.files_running}/{c.files_done}/{c.files_failed}",
                "[green]complete[/green]" if c.complete else "",
            )
        return t
