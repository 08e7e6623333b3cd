"""CWL ``listing`` of a directory on disk (used for job-order literals and for directories given to a task)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def directory_listing(path: Path) -> list[dict[str, Any]]:
    """The deep CWL listing of ``path``: File and Directory objects, sorted by name."""
    return [
        {"class": "Directory", "location": p.as_uri(), "basename": p.name, "listing": directory_listing(p)}
        if p.is_dir()
        else {"class": "File", "location": p.as_uri(), "basename": p.name}
        for p in sorted(path.iterdir(), key=lambda p: p.name)
    ]
