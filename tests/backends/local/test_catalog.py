"""The local SQLite catalog: meta-query semantics, typing, atomic task commit, scale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwl2dirac.backends.local.catalog import DONE, WAITING, LocalCatalog
from cwl2dirac.errors import BackendError, PathEscape


@pytest.fixture
def cat(tmp_path: Path) -> LocalCatalog:
    c = LocalCatalog(tmp_path / "w")
    c.declare_fields({"particle": "VARCHAR(128)", "data_level": "INT", "thetaP": "FLOAT", "run": "INT"})
    rows = []
    for i, (particle, level, theta) in enumerate(
        [
            ("gamma", 1, 20.0),
            ("proton", 1, 20.0),
            ("gamma", 2, 40.0),
            ("electron", 1, 60.5),
            ("gamma", 1, 40.0),
        ]
    ):
        rows.append(
            (
                f"/p/{particle}/{i}.h5",
                {
                    "particle": particle,
                    "data_level": level,
                    "thetaP": theta,
                    "run": 10 - i,
                    "cwl2dirac_index": i,
                },
                None,
            )
        )
    c.register(rows)
    return c


def lfns(files: list) -> list[str]:
    return [f.lfn for f in files]


def test_bare_value_equals_and_in(cat: LocalCatalog) -> None:
    assert lfns(cat.find({"particle": "gamma"})) == ["/p/gamma/0.h5", "/p/gamma/2.h5", "/p/gamma/4.h5"]
    assert lfns(cat.find({"particle": {"=": "proton"}})) == ["/p/proton/1.h5"]
    assert lfns(cat.find({"particle": {"in": ["proton", "electron"]}})) == [
        "/p/proton/1.h5",
        "/p/electron/3.h5",
    ]
    assert lfns(cat.find({"particle": "gamma", "data_level": 1})) == ["/p/gamma/0.h5", "/p/gamma/4.h5"]
    assert cat.find({"particle": "muon"}) == []


def test_types_are_coerced_to_the_declared_field_type(cat: LocalCatalog) -> None:
    # INT field: a string "1" in the query means 1; FLOAT field: 40 means 40.0
    assert len(cat.find({"data_level": "1"})) == 4
    assert lfns(cat.find({"thetaP": 40})) == ["/p/gamma/2.h5", "/p/gamma/4.h5"]
    assert lfns(cat.find({"thetaP": {"in": [60.5, 20]}})) == [
        "/p/gamma/0.h5",
        "/p/proton/1.h5",
        "/p/electron/3.h5",
    ]
    assert cat.find({"particle": 1}) == []  # VARCHAR field: 1 is "1", which no file has
    with pytest.raises(BackendError):
        cat.find({"data_level": "one"})
    meta = cat.find({"particle": "electron"})[0].metadata
    assert meta["data_level"] == 1 and isinstance(meta["data_level"], int)
    assert meta["thetaP"] == 60.5


def test_range_and_negative_operators(cat: LocalCatalog) -> None:
    assert len(cat.find({"run": {">=": 8}})) == 3
    assert len(cat.find({"run": {">": 6, "<": 9}})) == 2
    assert lfns(cat.find({"particle": {"nin": ["gamma", "proton"]}})) == ["/p/electron/3.h5"]
    assert len(cat.find({"particle": {"!=": "gamma"}, "data_level": 1})) == 2
    with pytest.raises(BackendError):
        cat.find({"run": {"like": 3}})


def test_reregistering_an_lfn_replaces_its_metadata(cat: LocalCatalog) -> None:
    cat.register([("/p/gamma/0.h5", {"particle": "proton", "data_level": 3}, None)])
    assert "/p/gamma/0.h5" in lfns(cat.find({"particle": "proton"}))
    assert "/p/gamma/0.h5" not in lfns(cat.find({"particle": "gamma"}))
    assert lfns(cat.find({"data_level": 3})) == ["/p/gamma/0.h5"]


def test_stable_order_is_index_then_lfn(tmp_path: Path) -> None:
    c = LocalCatalog(tmp_path / "w")
    c.register(
        [
            ("/b", {"k": "x", "cwl2dirac_index": 1}, None),
            ("/a", {"k": "x", "cwl2dirac_index": 2}, None),
            ("/c", {"k": "x", "cwl2dirac_index": 1}, None),
        ]
    )
    assert lfns(c.find({"k": "x"})) == ["/b", "/c", "/a"]


def test_put_is_invisible_until_the_task_commits(tmp_path: Path) -> None:
    c = LocalCatalog(tmp_path / "w")
    c.db.execute("INSERT INTO tasks (step, task, status, inputs) VALUES ('s', 1, ?, '[]')", (WAITING,))
    src = tmp_path / "f.txt"
    src.write_text("hello")
    c.put(src, "/p/s/00000001/f.txt", {"cwl2dirac_step": "s"})
    other = LocalCatalog(tmp_path / "w")  # another process's view
    assert other.find({"cwl2dirac_step": "s"}) == []
    c.commit_task("s", 1, [])
    assert lfns(other.find({"cwl2dirac_step": "s"})) == ["/p/s/00000001/f.txt"]
    assert other.tasks("s")[0].status == DONE
    assert c.get("/p/s/00000001/f.txt", tmp_path).read_text() == "hello"


def test_commit_of_an_unknown_task_registers_nothing(tmp_path: Path) -> None:
    c = LocalCatalog(tmp_path / "w")
    src = tmp_path / "f.txt"
    src.write_text("x")
    c.put(src, "/x", {"a": 1})
    with pytest.raises(BackendError):
        c.commit_task("nope", 1, [])
    assert c.find({}) == []


@pytest.mark.parametrize(
    "lfn", ["/../../outside.txt", "/p/../../outside.txt", "p/relative.txt", "//p/x.txt", "/p/./x.txt", "/p/x\x00"]
)
def test_the_store_refuses_lfns_that_escape(tmp_path: Path, lfn: str) -> None:
    c = LocalCatalog(tmp_path / "w")
    src = tmp_path / "f.txt"
    src.write_text("x")
    for store in (lambda: c.put(src, lfn, {}), lambda: c.register([(lfn, {}, src)]), lambda: c.get(lfn, tmp_path)):
        with pytest.raises(PathEscape):
            store()
    assert not (tmp_path / "outside.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt", "w"]


def test_the_store_refuses_lfns_outside_the_runs_bases(tmp_path: Path) -> None:
    c = LocalCatalog(tmp_path / "w")
    c.declare_bases(["/prod/_inputs", "/cwl2dirac/prod/step"])
    src = tmp_path / "f.txt"
    src.write_text("x")
    c.put(src, "/cwl2dirac/prod/step/00000001/f.txt", {})
    for lfn in ("/cwl2dirac/prod/other/00000001/f.txt", "/cwl2dirac/prod/stepX/f.txt", "/etc/f.txt"):
        with pytest.raises(PathEscape, match="below none of this run's LFN bases"):
            c.put(src, lfn, {})
    assert LocalCatalog(tmp_path / "w")._bases == ["/cwl2dirac/prod/step", "/prod/_inputs"]  # another process's view
    with pytest.raises(PathEscape, match=r"'\.\.' part"):
        c.declare_bases(["/../x"])


def test_hostile_metadata_values_are_stored_as_they_are(tmp_path: Path) -> None:
    c = LocalCatalog(tmp_path / "w")
    c.declare_fields({"particle": "VARCHAR(128)"})
    hostile = "x'); DROP TABLE files; --"
    c.register([("/p/a.h5", {"particle": hostile}, None), ("/p/b.h5", {"particle": "gamma"}, None)])
    assert lfns(c.find({"particle": hostile})) == ["/p/a.h5"]
    assert lfns(c.find({"particle": {"in": [hostile, "gamma"]}})) == ["/p/a.h5", "/p/b.h5"]
    assert c.find({"particle": "' OR '1'='1"}) == []


@pytest.mark.slow
def test_query_over_a_million_files_uses_the_indexes(tmp_path: Path) -> None:
    """Queries over a million files give the right answer, and SQLite answers them through the (field, value)
    index, never by scanning a table (how long they take is for benchmarks/, not asserted here)."""
    c = LocalCatalog(tmp_path / "w")
    c.declare_fields({"particle": "VARCHAR(128)", "data_level": "INT", "run": "INT", "site": "VARCHAR(128)"})
    particles = ["gamma", "proton", "electron", "gamma-diffuse"]
    n = 1_000_000
    with c.transaction() as db:
        db.executemany(
            "INSERT INTO files (id, lfn, size, metadata) VALUES (?, ?, 0, ?)",
            (
                (
                    i,
                    f"/ctao/{particles[i % 4]}/{i // 1000:04d}/run{i}.h5",
                    json.dumps(
                        {"particle": particles[i % 4], "data_level": i % 3, "run": i, "site": "LaPalma"}
                    ),
                )
                for i in range(n)
            ),
        )
        for fieldname, fn in (
            ("particle", lambda i: particles[i % 4]),
            ("data_level", lambda i: i % 3),
            ("run", lambda i: i),
            ("site", lambda i: "LaPalma"),
        ):
            db.executemany("INSERT INTO meta VALUES (?, ?, ?)", ((fieldname, fn(i), i) for i in range(n)))
    db.execute("ANALYZE")
    query = {"particle": {"in": ["proton", "electron"]}, "data_level": 1, "run": {">=": 990_000}}
    found = c.find(query)
    assert len(found) == sum(1 for i in range(990_000, n) if i % 4 in (1, 2) and i % 3 == 1)
    other = {"particle": "gamma", "data_level": 2, "site": "LaPalma"}
    assert c.count(other) == sum(1 for i in range(n) if i % 4 == 0 and i % 3 == 2)
    for q in (query, other):
        sql, args = c._query_sql(q)
        plan = [row[3] for row in c.db.execute(f"EXPLAIN QUERY PLAN SELECT lfn FROM files WHERE id IN ({sql})", args)]
        assert not any(step.startswith("SCAN") for step in plan), plan
        assert any("SEARCH meta USING PRIMARY KEY" in step for step in plan), plan
