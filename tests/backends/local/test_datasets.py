"""Catalog datasets: a workflow input given as a dataset, resolved to the files of a local dataset (``cwl2dirac
catalog dataset add|list|show``), and to a meta-query on DIRAC (backends/dirac/datasets.py, with a stand-in
FileCatalogClient)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import DATA

import cwl2dirac
from cwl2dirac.backends.dirac.datasets import dataset_query, dataset_resolver
from cwl2dirac.cli import main as cli
from cwl2dirac.errors import BackendError, TaskFailed

CTAO = DATA / "ctao"


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def catalog_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A finished local run whose catalog holds two input files (with CTAO metadata), and its dataset."""
    monkeypatch.setenv("CWL2DIRAC_WORKDIR_BASE", str(tmp_path / "runs"))
    work = tmp_path / "runs" / "first"
    code, _, err = _run("run", "--quiet", "--workdir", str(work), "--outdir", str(tmp_path / "o1"),
                        str(CTAO / "metadata.cwl"), str(CTAO / "metadata.yml"))
    assert code == 0, err
    code, _, err = _run("catalog", "dataset", "add", str(work), "proton_dl0", "cwl2dirac_step=_inputs", "site=Paranal")
    assert code == 0 and "dataset proton_dl0: 2 file(s) now" in err
    return work


def test_dataset_commands(catalog_run: Path) -> None:
    code, out, _ = _run("catalog", "dataset", "list", str(catalog_run))
    assert code == 0 and out.startswith("proton_dl0\t2 file(s)\t")
    code, out, _ = _run("catalog", "dataset", "show", str(catalog_run), "proton_dl0")
    header, *lfns = out.splitlines()
    assert header.startswith("# proton_dl0: ") and header.endswith(", 2 file(s)")
    assert lfns == ["/metadata/_inputs/files/f1.txt", "/metadata/_inputs/files/f2.txt"]
    code, _, err = _run("catalog", "dataset", "add", str(catalog_run), "proton_dl0", "site=LaPalma")
    assert code == 1 and "exists" in err
    code, _, err = _run("catalog", "dataset", "show", str(catalog_run), "proton")
    assert code == 1 and "no dataset 'proton'" in err


def test_a_run_takes_the_files_of_a_local_dataset(catalog_run: Path, tmp_path: Path) -> None:
    job = tmp_path / "job.yml"
    job.write_text("files: {dataset: proton_dl0}\n")
    request = cwl2dirac.compile(CTAO / "metadata.cwl", job, bodies=False)
    assert request.inputs[0].dataset == "proton_dl0" and request.inputs[0].files == []
    assert request.step("count").input_query == {
        "cwl2dirac_dataset": "proton_dl0", "site": "Paranal", "particle": "proton", "nsb": 1, "data_level": 0,
    }
    for how in ([], ["--datasets-from", str(catalog_run)]):  # found among the runs, or where it is said to be
        code, out, err = _run("run", "--quiet", *how, "--workdir", str(tmp_path / f"w{len(how)}"),
                              "--outdir", str(tmp_path / f"o{len(how)}"), str(CTAO / "metadata.cwl"), str(job))
        assert code == 0, err
        assert [f["basename"] for f in json.loads(out)["sizes"]] == ["f1.n", "f2.n"]
    missing = tmp_path / "missing.yml"
    missing.write_text("files: {dataset: electron_dl0}\n")
    with pytest.raises((BackendError, TaskFailed), match="dataset 'electron_dl0' is in no local catalog"):
        cwl2dirac.run(CTAO / "metadata.cwl", missing, workdir=tmp_path / "w9", outdir=tmp_path / "o9")


class _FileCatalog:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def getDatasetParameters(self, name: str):
        self.asked.append(name)
        if name == "proton_dl0":
            return {"OK": True, "Value": {"Successful": {name: {"MetaQuery": {"site": "Paranal", "thetaP": {"=": 20.0},
                                                                             "Path": "/ctao"}}}, "Failed": {}}}
        return {"OK": True, "Value": {"Successful": {}, "Failed": {name: "Dataset not found"}}}


def test_dirac_dataset_meta_query() -> None:
    fc = _FileCatalog()
    assert dataset_query("proton_dl0", fc) == {"site": "Paranal", "thetaP": {"=": 20.0}}
    with pytest.raises(BackendError, match="dataset 'nope': Dataset not found"):
        dataset_query("nope", fc)
    resolve = dataset_resolver(fc)
    assert resolve("proton_dl0") == resolve("proton_dl0") and fc.asked.count("proton_dl0") == 2  # one per resolver
    request = cwl2dirac.compile(CTAO / "metadata.cwl", DATA / "ctao" / "metadata.yml", bodies=False)
    assert "cwl2dirac_dataset" not in request.step("count").input_query
