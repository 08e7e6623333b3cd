"""The worker's Rucio catalog against a real Rucio (scripts/rucio-server.sh: PostgreSQL 15 + Rucio 41 + gunicorn,
started once per run, stopped when the suite ends; a test fails, never skips, when it cannot start). The same
worker code as in a job: a task put through :func:`cwl2dirac.worker.task.register_outputs`, its outputs found by
the meta-queries a child step asks, read back by LFN, attached to the step's Rucio dataset."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest
from suite_servers import RUCIO_SCRIPT, mark_started, rucio_state

from cwl2dirac.backends.rucio.catalog import RucioCatalog, rucio_filters
from cwl2dirac.errors import BackendError
from cwl2dirac.worker.catalog import open_catalog

START_TIMEOUT = 600


@pytest.fixture(scope="session")
def rucio_env() -> dict[str, str]:
    before = subprocess.run(["bash", str(RUCIO_SCRIPT), "status"], capture_output=True, text=True, timeout=60)
    proc = subprocess.run(["bash", str(RUCIO_SCRIPT), "start"], capture_output=True, text=True, timeout=START_TIMEOUT)
    if proc.returncode != 0:
        pytest.fail(f"the Rucio server did not start (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}",
                    pytrace=False)
    if before.returncode != 0:
        mark_started(rucio_state())  # stopped when the suite ends (tests/conftest.py)
    out = subprocess.run(["bash", str(RUCIO_SCRIPT), "env"], capture_output=True, text=True, timeout=60, check=True)
    env = {}
    for line in out.stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value
    return env


@pytest.fixture()
def scope(rucio_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A scope of this test's own (a production of its own: LFNs /cwl2dirac/<scope>/...)."""
    for key, value in rucio_env.items():
        monkeypatch.setenv(key, value)
    from rucio.client import Client

    name = f"t{uuid.uuid4().hex[:10]}"
    Client().add_scope("root", name)
    return name


@pytest.fixture()
def catalog(rucio_env: dict[str, str], scope: str) -> RucioCatalog:
    return RucioCatalog(rucio_env["CWL2DIRAC_RUCIO_RSE"])


def _step(base: str) -> object:
    from types import SimpleNamespace

    return SimpleNamespace(output_path=base, output_se=None)


def test_outputs_are_found_by_the_queries_children_ask(catalog: RucioCatalog, scope: str, tmp_path: Path) -> None:
    base = f"/cwl2dirac/{scope}/process"
    catalog.use_step(_step(base))
    for i, particle in enumerate(["gamma", "proton", "gamma"]):
        f = tmp_path / f"run{i}.dl1.h5"
        f.write_text(f"events of run {i}\n")
        catalog.put(f, f"{base}/{i:08d}/run{i}.dl1.h5",
                    {"cwl2dirac_production": scope, "cwl2dirac_step": "process", "particle": particle,
                     "runNumber": i, "cwl2dirac_index": i})
    gammas = catalog.find({"cwl2dirac_production": scope, "cwl2dirac_step": "process", "particle": "gamma"})
    assert [f.lfn for f in gammas] == [f"{base}/00000000/run0.dl1.h5", f"{base}/00000002/run2.dl1.h5"]
    assert gammas[0].metadata["runNumber"] == 0 and gammas[0].size == len("events of run 0\n")
    both = catalog.find({"cwl2dirac_production": scope, "particle": {"in": ["gamma", "proton"]},
                         "runNumber": {">=": 1}})
    assert [f.metadata["runNumber"] for f in both] == [1, 2]
    assert catalog.find({"cwl2dirac_production": scope, "particle": {"in": []}}) == []
    # read back by LFN: the RSE's storage is a directory here, the stored file itself
    assert catalog.get(gammas[1].lfn, tmp_path / "in").read_text() == "events of run 2\n"
    # every output of the step is in the step's dataset
    content = sorted(d["name"] for d in catalog.client.list_content(scope, base))
    assert content == sorted(f"{base}/{i:08d}/run{i}.dl1.h5" for i in range(3))


def test_bad_input_is_one_clear_error(catalog: RucioCatalog, tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_text("x\n")
    with pytest.raises(BackendError, match=r"Rucio has no scope 'nosuchscope' \(the scope of /cwl2dirac/nosuchscope"):
        catalog.put(f, "/cwl2dirac/nosuchscope/x.txt", {"a": 1})
    with pytest.raises(BackendError, match=r"metadata field 'a\.b' cannot be a Rucio metadata key"):
        catalog.find({"a.b": 1})
    with pytest.raises(BackendError, match="Rucio has no scope"):
        catalog.get("/cwl2dirac/nosuchscope/x.txt", tmp_path)


def test_the_catalog_url_names_it(rucio_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in rucio_env.items():
        monkeypatch.setenv(key, value)
    opened = open_catalog(f"rucio:{rucio_env['CWL2DIRAC_RUCIO_RSE']}")
    assert isinstance(opened, RucioCatalog) and opened.rse == rucio_env["CWL2DIRAC_RUCIO_RSE"]
    assert "cwl2dirac" in opened.scopes()


def test_meta_queries_become_the_filters_dirac_gives_rucio() -> None:
    assert rucio_filters({"site": "LaPalma", "data_level": {">=": 1, "<": 3}, "particle": {"in": ["a", "b"]}}) == [
        {"data_level.gte": 1, "data_level.lt": 3, "particle": "a", "site": "LaPalma"},
        {"data_level.gte": 1, "data_level.lt": 3, "particle": "b", "site": "LaPalma"},
    ]
    with pytest.raises(BackendError, match="at most"):
        rucio_filters({f"f{i}": {"in": list(range(10))} for i in range(4)})


def test_dirac_sees_what_the_worker_registered_and_the_declared_fields(
    catalog: RucioCatalog, scope: str, tmp_path: Path
) -> None:
    """DIRAC's own Rucio client (through the cwl2dirac extension's, which adds the metadata fields DIRAC's
    validator and TransformationDB ask for) names the same DIDs: its meta-query finds the worker's outputs."""
    from cwl2diracDIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient

    base = f"/cwl2dirac/{scope}/merge"
    catalog.use_step(_step(base))
    for i in range(2):
        f = tmp_path / f"m{i}.h5"
        f.write_text(f"merged {i}\n")
        catalog.put(f, f"{base}/{i:08d}/m{i}.h5", {"cwl2dirac_step": f"merge-{scope}", "runNumber": i})
    dirac = RucioFileCatalogClient(DiracScopeAlg="dirac")
    found = dirac.findFilesByMetadata({"cwl2dirac_step": f"merge-{scope}", "runNumber": {">=": 1}})
    assert found["OK"], found
    assert [d["name"] if isinstance(d, dict) else d for d in found["Value"]] == [f"{base}/00000001/m1.h5"]
    meta = dirac.getFileUserMetadata(f"{base}/00000000/m0.h5")
    # in the DIRAC File Catalog's shape, {field: value}, as DIRAC's TransformationDB and the worker read it
    assert meta["OK"] and meta["Value"] == {"cwl2dirac_step": f"merge-{scope}", "runNumber": 0}, meta
    # the declared fields: what DIRAC's production validator reads (getMetadataFields), kept in Rucio
    field = f"f_{scope}"
    assert dirac.addMetadataField(field, "INT")["OK"]
    fields = dirac.getMetadataFields()
    assert fields["OK"] and fields["Value"]["FileMetaFields"][field] == "INT" and fields["Value"][
        "DirectoryMetaFields"] == {}
    assert "getMetadataFields" in RucioFileCatalogClient.getInterfaceMethods()[2]
    bad = dirac.addMetadataField("a.b", "INT")
    assert not bad["OK"] and "'.' as an operator" in bad["Message"]
    assert dirac.deleteMetadataField(field)["OK"]
    assert field not in dirac.getMetadataFields()["Value"]["FileMetaFields"]
    again = RucioFileCatalogClient(DiracScopeAlg="dirac").getMetadataFields()  # kept in Rucio, not in one object
    assert again["OK"] and field not in again["Value"]["FileMetaFields"]


def test_a_field_holds_one_value_type_in_rucio(catalog: RucioCatalog, scope: str, tmp_path: Path) -> None:
    """Rucio's JSON metadata keeps each value's JSON type, so ``1`` and ``"1"`` under one key match neither query
    (the DIRAC File Catalog's typed columns convert): values are given their declared field's type when set, through
    DIRAC's client (the extension's) and the worker's, and queries are given it too; a value its type cannot hold is
    refused whole, nothing set."""
    from cwl2diracDIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient

    dirac = RucioFileCatalogClient(DiracScopeAlg="dirac")
    text, number = f"v_{scope}", f"n_{scope}"
    assert dirac.addMetadataField(text, "VARCHAR(128)")["OK"] and dirac.addMetadataField(number, "INT")["OK"]
    try:
        base = f"/cwl2dirac/{scope}/mixed"
        catalog.use_step(_step(base))
        lfns = []
        for i, (value, count) in enumerate([(1, "3"), ("2", 4)]):  # one of each type in each field
            f = tmp_path / f"x{i}.txt"
            f.write_text(f"{i}\n")
            lfns.append(f"{base}/{i:08d}/x{i}.txt")
            if i == 0:
                catalog.put(f, lfns[0], {text: value, number: count})  # the worker's catalog
            else:
                catalog.put(f, lfns[1], {})
                assert dirac.setMetadata(lfns[1], {text: value, number: count})["OK"]  # DIRAC's
        for lfn, want in zip(lfns, [{text: "1", number: 3}, {text: "2", number: 4}], strict=True):
            got = dirac.getFileUserMetadata(lfn)
            assert got["OK"] and got["Value"] == want, got
        both = dirac.findFilesByMetadata({text: {"in": [1, "2"]}, number: {">=": "3"}})
        assert both["OK"] and both["Value"] == sorted(lfns), both
        assert [f.lfn for f in catalog.find({text: 1})] == [lfns[0]]
        assert [f.lfn for f in RucioCatalog(catalog.rse).find({number: {">": "3"}})] == [lfns[1]]
        refused = dirac.setMetadataBulk({lfns[0]: {text: "x"}, lfns[1]: {number: "four"}})
        assert not refused["OK"] and f"metadata field '{number}' is declared INT" in str(refused["Message"])
        assert dirac.getFileUserMetadata(lfns[0])["Value"][text] == "1"  # nothing set
        with pytest.raises(BackendError, match=f"metadata field '{number}' is declared INT"):
            catalog.put(tmp_path / "x0.txt", f"{base}/00000002/x2.txt", {number: "four"})
    finally:
        dirac.deleteMetadataField(text)
        dirac.deleteMetadataField(number)


def test_values_take_their_declared_type() -> None:
    from cwl2dirac.backends.rucio.catalog import typed_metadata, typed_value

    types = {"s": "VARCHAR(128)", "i": "INT", "f": "FLOAT"}
    assert typed_metadata({"s": 5, "i": "7", "f": 2, "u": 1, "b": True}, types) == {
        "s": "5", "i": 7, "f": 2.0, "u": 1, "b": 1}
    assert rucio_filters({"s": {"in": [1, "a"]}, "i": {"<": "9"}}, types) == [
        {"i.lt": 9, "s": "1"}, {"i.lt": 9, "s": "a"}]
    assert typed_value("i", 3.0, types) == 3
    for field, bad in (("i", "x"), ("i", 2.5), ("f", "nan-ish")):
        with pytest.raises(BackendError, match=f"metadata field '{field}' is declared"):
            typed_value(field, bad, types)


def test_dirac_registration_in_bulk_makes_what_rucio_dirac_add_files_makes(
    rucio_env: dict[str, str], scope: str, tmp_path: Path
) -> None:
    """The extension's ``addFile`` registers in bulk what DIRAC's own (Rucio's ``dirac`` ``add_files``, file by file)
    makes: the DID, its replica where Rucio puts it, a rule on its RSE, the file in its directory's dataset (whose
    rule is on ``ANY=true``) and that dataset in its parent container; a file Rucio has is left as it is."""
    from rucio.client import Client

    from cwl2diracDIRAC.Resources.Catalog.RucioFileCatalogClient import RucioFileCatalogClient

    rse = rucio_env["CWL2DIRAC_RUCIO_RSE"]
    dirac = RucioFileCatalogClient(DiracScopeAlg="dirac")
    client = Client()

    def entry(i: int) -> dict[str, object]:
        return {"PFN": f"{tmp_path}/f{i}.txt", "SE": rse, "Size": 10 + i, "Checksum": f"0000000{i}", "GUID": ""}

    def shape(name: str) -> tuple[object, ...]:
        rules = [(r["rse_expression"], r["copies"], r["grouping"], r["expires_at"]) for r in
                 client.list_did_rules(scope, name)]
        replica = next(iter(client.list_replicas([{"scope": scope, "name": name}], schemes=["file"])))
        # a deterministic RSE's path hashes the name (/xx/yy/): the same rule for both
        pfns = [re.sub(r"/[0-9a-f]{2}/[0-9a-f]{2}/", "/HH/HH/", p.replace(name, "NAME")) for p in replica["pfns"]]
        parents = [(p["scope"], p["name"]) for p in client.list_parent_dids(scope, name)]
        return rules, pfns, parents, replica["bytes"] - int(name[-5])

    for data, first in ((f"/cwl2dirac/{scope}/a/data", "dirac"), (f"/cwl2dirac/{scope}/b/data", "extension")):
        if first == "dirac":  # the dataset made by DIRAC's own path, then the extension's bulk path into it
            made = super(RucioFileCatalogClient, dirac).addFile({f"{data}/f0.txt": entry(0)})
            assert made["OK"] and made["Value"]["Successful"], made
        wanted = [f"{data}/f{i}.txt" for i in range(5)]
        done = dirac.addFile({name: entry(i) for i, name in enumerate(wanted)})
        assert done["OK"] and sorted(done["Value"]["Successful"]) == wanted and not done["Value"]["Failed"], done
        assert sorted(f["name"] for f in client.list_files(scope, data)) == wanted
        assert [r["rse_expression"] for r in client.list_did_rules(scope, data)] == ["ANY=true"]
        parent = data.rsplit("/", 1)[0]
        assert [(d["scope"], d["name"]) for d in client.list_content(scope, parent)] == [(scope, data)]
        reference = shape(wanted[0])
        assert reference[0] and reference[1] and reference[2] == [(scope, data)], reference
        for name in wanted[1:]:
            assert shape(name) == reference, name
        again = dirac.addFile({f"{data}/f{i}.txt": entry(i) for i in range(6)})  # 5 known, 1 new
        assert again["OK"] and len(again["Value"]["Successful"]) == 6, again
        assert len(list(client.list_files(scope, data))) == 6
        assert all(len(list(client.list_did_rules(scope, f"{data}/f{i}.txt"))) == 1 for i in range(6))
