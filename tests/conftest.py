"""Shared helpers for the compiler tests: the fixture folder and running the passes up to a given one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.dirac import request_obj

from cwl2dirac.compiler import production_name
from cwl2dirac.loader import load
from cwl2dirac.loader.documents import to_uri
from cwl2dirac.loader.job_order import load_job_order
from cwl2dirac.passes import PASSES
from cwl2dirac.passes.context import Compilation

DATA = Path(__file__).parent / "data"


def _data(*parts: str) -> str:
    return str(DATA.joinpath(*parts))


def _run_passes(
    pipeline: str, inputs: str | None = None, until: Callable[[Compilation], Compilation] | None = None
) -> Compilation:
    """Load ``tests/data/<pipeline>`` (with ``inputs``) and apply the passes up to and including ``until``
    (all of them, without job bodies, when None)."""
    workflow = load(_data(pipeline))
    comp = Compilation(
        workflow=workflow,
        name=production_name(pipeline),
        source=to_uri(_data(pipeline)),
        job_order=load_job_order(_data(inputs), workflow) if inputs else None,
    )
    for compiler_pass in PASSES:
        comp = compiler_pass(comp)
        if compiler_pass is until:
            break
    return comp


@pytest.fixture(scope="session")
def data() -> Callable[..., str]:
    """``data("multi", "pipeline.cwl")``: the path of a fixture below ``tests/data``."""
    return _data


@pytest.fixture(scope="session")
def run_passes() -> Callable[..., Compilation]:
    """``run_passes("simulation.cwl", "simulation.yml", until=plan_steps)``: the Compilation after a pass."""
    return _run_passes


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in a fresh temporary directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def counter(tmp_path: Path) -> Path:
    """A file the test tools append a line to at each execution (see ``support.local.executions``)."""
    return tmp_path / "counter.txt"


__all__ = ["request_obj"]  # a fixture of support.dirac: a hand-built five-step request


SERIAL_FILES = ("tests/integration/test_faults.py",)
"""Test files whose tests run on one pytest-xdist worker, one after the other: the fault tests break their server."""
SERIAL_GROUPS = {
    "rucio": ("tests/integration/test_rucio_catalog.py", "tests/integration/test_rucio_dirac.py",
              "tests/integration/test_rucio_faults.py"),
}
"""Groups of test files run on one worker, one test after the other: the Rucio fault tests stop and kill the Rucio
server that the other Rucio tests use."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The serial files and groups first: xdist hands out scopes in collection order, and each of them is minutes of
    tests on one worker, which, started last, would be the suite's tail."""

    def serial(item: pytest.Item) -> bool:
        path = item.nodeid.split("::", 1)[0]
        return path.endswith(SERIAL_FILES) or any(path.endswith(files) for files in SERIAL_GROUPS.values())

    items.sort(key=lambda item: not serial(item))  # stable: the order within each part is kept


def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    """xdist's load scheduling, with the tests of each of :data:`SERIAL_FILES` kept together (one scope); every
    other test is a scope of its own. (``xdist_group`` marks do nothing with pytest 9: xdist 3.8 renames the node
    id through an attribute that pytest 9 no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class SerialFilesTogether(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            for group, files in SERIAL_GROUPS.items():
                if path.endswith(files):
                    return group
            return path if path.endswith(SERIAL_FILES) else nodeid

    return SerialFilesTogether(config, log)


# The DIRAC servers the integration tests start are stopped when the suite ends (tests/integration/suite_servers.py),
# by the pytest-xdist controller (or the only process), after every worker has finished; those already up when the
# suite began, or started by another run, are left as they were, and all of them with CWL2DIRAC_KEEP_SERVERS=1.
_SERVERS_UP_AT_START: list[str] = []


def _is_xdist_worker(session: pytest.Session) -> bool:
    return hasattr(session.config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _is_xdist_worker(session):  # before xdist starts its workers (its hook is trylast): they inherit the id
        import os
        import uuid

        from integration import suite_servers

        os.environ.setdefault(suite_servers.SUITE_VAR, uuid.uuid4().hex)
        _SERVERS_UP_AT_START[:] = suite_servers.up()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from integration import suite_servers

    if not _is_xdist_worker(session) and not suite_servers.keep():
        suite_servers.stop(_SERVERS_UP_AT_START)
