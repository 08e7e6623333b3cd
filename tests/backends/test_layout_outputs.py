"""The workflow outputs of nested scatters, as both backends assemble them (:func:`collect_outputs` reads the
catalog through an ``OutputSource``: the local catalog, or the DIRAC File Catalog): the tasks' values and files
placed by the step's layout, nulls for the tasks ``when`` skipped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from support import DATA

import cwl2dirac
from cwl2dirac.backends.outputs import collect_outputs
from cwl2dirac.request import FIELD_INDEX, MetaQuery, ProductionRequest
from cwl2dirac.request.layout import fill_layout, is_flat_layout, layout_tasks
from cwl2dirac.request.wire import FIELD_ITEM, FIELD_SCATTER
from cwl2dirac.worker.catalog import CatalogFile

FIDELITY = DATA / "fidelity"


class _Catalog:
    """An in-memory catalog: what a backend's ``OutputSource`` answers."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[Path, dict[str, Any]]] = {}

    def put(self, path: Path, lfn: str, metadata: dict[str, Any]) -> None:
        self.entries[lfn] = (path, metadata)

    def find(self, query: MetaQuery) -> list[CatalogFile]:
        def matches(metadata: dict[str, Any]) -> bool:
            for key, cond in query.items():
                wanted = cond.get("in", [cond.get("=")]) if isinstance(cond, dict) else [cond]
                if metadata.get(key) not in wanted:
                    return False
            return True

        found = [CatalogFile(lfn, md) for lfn, (_, md) in self.entries.items() if matches(md)]
        return sorted(found, key=CatalogFile.sort_key)

    def fetch(self, lfn: str) -> Path:
        return self.entries[lfn][0]

    def step_tasks(self, step: str) -> list[tuple[int, list[str]]]:
        return []

    def files(self, lfns: Sequence[str]) -> list[CatalogFile]:
        return [CatalogFile(lfn, self.entries[lfn][1]) for lfn in lfns]


def _register(request: ProductionRequest, step: str, tmp: Path, value_of: Any, tasks: list[int]) -> _Catalog:
    """What the worker registers for each of ``tasks``: a carrier per value output, a file per File output."""
    catalog = _Catalog()
    config = request.step(step).config
    for task in tasks:
        for ob in config.outputs:
            meta = {**ob.metadata, FIELD_INDEX: task, FIELD_SCATTER: 1}
            base = tmp / f"{task:08d}"
            base.mkdir(exist_ok=True)
            if ob.carrier:
                path = base / f"{ob.port}.json"
                path.write_text(json.dumps(value_of(task)))
                catalog.put(path, f"/p/{step}/{task:08d}/{ob.port}.json", meta | {FIELD_ITEM: 0})
            else:
                path = base / f"t{task}.txt"
                path.write_text(str(value_of(task)))
                catalog.put(path, f"/p/{step}/{task:08d}/t{task}.txt", meta)
    return catalog


def test_values_and_files_are_gathered_as_arrays_of_arrays(tmp_path: Path) -> None:
    request = cwl2dirac.compile(FIDELITY / "nested_crossproduct_values.cwl",
                                FIDELITY / "nested_crossproduct_values.yml", bodies=False)
    catalog = _register(request, "pair", tmp_path, lambda t: f"v{t}", list(range(1, 7)))
    out = collect_outputs(request, catalog, tmp_path / "out")
    assert out["texts"] == [["v1", "v2", "v3"], ["v4", "v5", "v6"]]
    assert [[f["basename"] for f in row] for row in out["files"]] == [
        ["t1.txt", "t2.txt", "t3.txt"], ["t4.txt", "t5.txt", "t6.txt"]]
    assert (tmp_path / "out" / "t5.txt").read_text() == "v5"


def test_an_empty_inner_array_gives_empty_rows(tmp_path: Path) -> None:
    request = cwl2dirac.compile(FIDELITY / "nested_crossproduct_values.cwl",
                                FIDELITY / "nested_crossproduct_second_empty.yml", bodies=False)
    out = collect_outputs(request, _register(request, "pair", tmp_path, str, []), tmp_path / "out")
    assert out == {"texts": [[], []], "files": [[], []]}


def test_tasks_skipped_by_when_are_nulls_in_their_places(tmp_path: Path) -> None:
    request = cwl2dirac.compile(FIDELITY / "nested_crossproduct_when.cwl", None, bodies=False)
    keep = request.step("pair").config.task_values["keep"]  # type: ignore[index]
    ran = [t for t in range(1, 25) if keep[t - 1]]
    out = collect_outputs(request, _register(request, "pair", tmp_path, lambda t: f"v{t}", ran), tmp_path / "out")
    assert out["out"][1][2] == [None, "v22", "v23", None]
    assert sum(v is not None for plane in out["out"] for row in plane for v in row) == len(ran) == 12


def test_a_scatter_inside_a_scattered_sub_workflow(tmp_path: Path) -> None:
    request = cwl2dirac.compile(FIDELITY / "scatter_over_element.cwl", FIDELITY / "scatter_over_element.yml",
                                bodies=False)
    catalog = _register(request, "each/pair", tmp_path, lambda t: f"v{t}", [1, 2, 3, 4])
    assert collect_outputs(request, catalog, tmp_path / "out") == {"out": [["v1", "v2", "v3"], [], ["v4"]]}


def test_a_task_with_two_values_for_one_output_fails_loudly(tmp_path: Path) -> None:
    request = cwl2dirac.compile(FIDELITY / "scatter_over_element.cwl", FIDELITY / "scatter_over_element.yml",
                                bodies=False)
    catalog = _register(request, "each/pair", tmp_path, str, [1, 2, 3, 4])
    path, meta = next(iter(catalog.entries.values()))
    catalog.put(path, "/p/each/pair/00000001/again.json", meta)
    with pytest.raises(Exception, match="task 1 registered 2 values for output text"):
        collect_outputs(request, catalog, tmp_path / "out")


@pytest.mark.parametrize(
    ("layout", "flat", "tasks"),
    [([1, 2, 3], True, [1, 2, 3]), ([], True, []), ([[], []], False, []), ([[1, 2], [3]], False, [1, 2, 3]),
     ([2, 1], False, [2, 1])],
)
def test_layout_helpers(layout: list[Any], flat: bool, tasks: list[int]) -> None:
    assert is_flat_layout(layout) is flat
    assert layout_tasks(layout) == tasks
    assert layout_tasks(fill_layout(layout, lambda t: t * 10)) == [t * 10 for t in tasks]
